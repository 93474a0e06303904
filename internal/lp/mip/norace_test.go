//go:build !race

package mip_test

// raceEnabled reports that the race detector is on.
const raceEnabled = false
