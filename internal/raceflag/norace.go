//go:build !race

// Package raceflag tells whether the binary was built with the race
// detector, so tests can leave out work it makes too slow or checks it
// cannot pass through no fault of the code under test.
package raceflag

// Enabled reports that the race detector is on.
const Enabled = false
