//go:build race

package lpsolve_test

// raceEnabled reports that the race detector is on.
const raceEnabled = true
