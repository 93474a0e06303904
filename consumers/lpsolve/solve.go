package lpsolve

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/handler"
	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// enginePanic is a panic of the engine, turned into a StatusError solution
// so that one model cannot crash the consumer over and over.
type enginePanic struct{ value any }

func (e *enginePanic) Error() string { return fmt.Sprintf("engine failure: %v", e.value) }

// solveOptions are the engine settings of one solve.
type solveOptions struct {
	lp lp.Options
	// relax solves models with integer variables as their linear
	// relaxation instead of by branch and bound.
	relax bool
}

// solve runs the engine on m under a time limit (0: none) and describes
// the outcome: the simplex method for linear programs and relaxations,
// branch and bound (package mip) for models with integer variables. A job
// that reaches the limit gives a time_limit solution. It fails when ctx
// itself ends (a transient error: the job is retried) and, as a permanent
// error, when the engine rejects the model.
func solve(ctx context.Context, m *lp.Model, limit time.Duration, opts solveOptions) (*Solution, error) {
	sctx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	integer := hasIntegers(m)
	branch := integer && !opts.relax
	start := time.Now()
	var (
		res    *lp.Result
		mipRes *mip.Result
		err    error
	)
	if branch {
		mipRes, err = recovered(func() (*mip.Result, error) {
			return engineSolveMIP(sctx, m, mip.Options{LP: opts.lp})
		})
	} else {
		res, err = recovered(func() (*lp.Result, error) { return engineSolve(sctx, m, opts.lp) })
	}
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
		if branch {
			mipRes = &mip.Result{Status: lp.TimeLimit}
		} else {
			res = &lp.Result{Status: lp.TimeLimit}
		}
	case err != nil:
		return nil, handler.Permanent(fmt.Errorf("invalid model: %w", err))
	}
	if branch {
		return newMIPSolution(m, mipRes, elapsed, limit), nil
	}
	s := newSolution(m, res, elapsed, limit)
	s.Relaxation = integer
	return s, nil
}

// hasIntegers reports whether m has integer variables.
func hasIntegers(m *lp.Model) bool {
	for _, v := range m.Vars {
		if v.Integer {
			return true
		}
	}
	return false
}

// The engines; tests replace them to exercise failures.
var (
	engineSolve    = lp.Solve
	engineSolveMIP = mip.Solve
)

// recovered calls solve and returns its panics as *enginePanic.
func recovered[R any](solve func() (R, error)) (res R, err error) {
	defer func() {
		if v := recover(); v != nil {
			var zero R
			res, err = zero, &enginePanic{value: v}
		}
	}()
	return solve()
}
