package lpsolve

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/handler"
	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// enginePanic is a panic of the engine, turned into a StatusError solution
// so that one model cannot crash the consumer over and over.
type enginePanic struct{ value any }

func (e *enginePanic) Error() string { return fmt.Sprintf("engine failure: %v", e.value) }

// solve runs the engine on m under a time limit (0: none) and describes
// the outcome. A job that reaches the limit gives a time_limit solution.
// It fails when ctx itself ends (a transient error: the job is retried)
// and, as a permanent error, when the engine rejects the model.
func solve(ctx context.Context, m *lp.Model, limit time.Duration, opts lp.Options) (*Solution, error) {
	sctx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	start := time.Now()
	res, err := solveRecover(sctx, m, opts)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		// The caller gave up (shutdown or its own deadline): this is not
		// the job's time limit, so do not publish an answer.
		return nil, fmt.Errorf("lpsolve: solve interrupted: %w", ctx.Err())
	}
	var ep *enginePanic
	switch {
	case errors.As(err, &ep):
		s := newSolution(m, &lp.Result{}, elapsed, limit)
		s.Status, s.Error = StatusError, ep.Error()
		return s, nil
	case errors.Is(err, context.DeadlineExceeded):
		res = &lp.Result{Status: lp.TimeLimit}
	case err != nil:
		return nil, handler.Permanent(fmt.Errorf("invalid model: %w", err))
	}
	return newSolution(m, res, elapsed, limit), nil
}

// engineSolve is the engine; tests replace it to exercise failures.
var engineSolve = lp.Solve

// solveRecover is engineSolve with panics returned as *enginePanic.
func solveRecover(ctx context.Context, m *lp.Model, opts lp.Options) (res *lp.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, &enginePanic{value: v}
		}
	}()
	return engineSolve(ctx, m, opts)
}
