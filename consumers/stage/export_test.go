package stage

import "testing"

// DeadLetterSamples gives the external tests the dead-letter records of
// every body of deadLetterBodies.
func DeadLetterSamples(t *testing.T) [][]byte { return deadLetterSamples(t) }

// DeadLetterBodies gives the external tests the bodies of deadLetterBodies.
func DeadLetterBodies() [][]byte {
	bodies := make([][]byte, len(deadLetterBodies))
	for i, tc := range deadLetterBodies {
		bodies[i] = tc.body
	}
	return bodies
}

// Nested gives the external tests nested.
var Nested = nested

// ControlChannel gives the external tests controlChannel.
var ControlChannel = controlChannel
