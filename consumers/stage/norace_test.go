//go:build !race

package stage_test

// raceEnabled reports that the race detector is on.
const raceEnabled = false
