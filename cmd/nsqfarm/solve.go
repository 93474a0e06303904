package main

import (
	"context"
	"fmt"
)

// cmdSolve solves one model file locally.
func cmdSolve(ctx context.Context, args []string, e *env) error {
	return fmt.Errorf("solve: not available yet")
}
