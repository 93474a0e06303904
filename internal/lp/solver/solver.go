// Package solver is the one entry point that solves a model, linear or
// mixed-integer: the simplex method of package lp for linear programs and
// for the relaxations a caller asks for, branch and bound of package mip
// for models with integer variables, under a time limit, an iteration
// limit and a context. The lpsolve stage and `nsqfarm solve` both use it.
package solver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// Options configures Solve. The zero value solves without limits, by
// branch and bound when the model has integer variables.
type Options struct {
	// Relax solves a model with integer variables as its linear
	// relaxation (integrality ignored) instead of by branch and bound.
	Relax bool
	// TimeLimit stops the solve after this long with status lp.TimeLimit
	// (for branch and bound, with the best integer solution found); 0
	// means none.
	TimeLimit time.Duration
	// MaxIterations bounds the simplex iterations of the solve (of each
	// relaxation of a branch-and-bound search); 0 lets the engine choose
	// from the model size.
	MaxIterations int
	// MIPGap is the relative gap at which branch and bound stops with
	// status optimal (mip.Options.RelGap); 0 means mip.DefaultRelGap.
	// Give a tiny positive value such as 1e-9 for the exact optimum.
	MIPGap float64
	// Threads is the number of workers of a branch-and-bound search
	// (mip.Options.Threads): 0 or 1 for the sequential search. The result
	// is the same on every run for a given value.
	Threads int
	// Engine runs the simplex method and branch and bound; nil means
	// Simplex, the engine of packages lp and mip.
	Engine Engine
}

// Engine solves linear programs and mixed-integer programs. Simplex is the
// engine of packages lp and mip; another implementation can stand in for
// it, to exercise failures.
type Engine interface {
	// SolveLP solves the linear program m, ignoring integrality, as
	// lp.Solve does.
	SolveLP(ctx context.Context, m *lp.Model, opts lp.Options) (*lp.Result, error)
	// SolveMIP solves m by branch and bound, as mip.Solve does.
	SolveMIP(ctx context.Context, m *lp.Model, opts mip.Options) (*mip.Result, error)
}

// Simplex is the engine of packages lp (lp.Solve) and mip (mip.Solve).
type Simplex struct{}

// SolveLP calls lp.Solve.
func (Simplex) SolveLP(ctx context.Context, m *lp.Model, opts lp.Options) (*lp.Result, error) {
	return lp.Solve(ctx, m, opts)
}

// SolveMIP calls mip.Solve.
func (Simplex) SolveMIP(ctx context.Context, m *lp.Model, opts mip.Options) (*mip.Result, error) {
	return mip.Solve(ctx, m, opts)
}

// ErrInvalidModel is wrapped by the errors of Solve for models the engine
// rejects (non-finite data, a lower bound above an upper bound).
var ErrInvalidModel = errors.New("invalid model")

// Result is the outcome of Solve. Exactly one of LP, MIP and Failure is
// set.
type Result struct {
	// LP is the result of the simplex method: the model has no integer
	// variables, or Options.Relax asked for its linear relaxation.
	LP *lp.Result
	// MIP is the result of branch and bound, for a model with integer
	// variables.
	MIP *mip.Result
	// Failure is set when the engine itself failed (it panicked) on a
	// model it accepted: there is no answer, and it says why.
	Failure error
	// Relaxation reports that the model has integer variables and that LP
	// holds its linear relaxation.
	Relaxation bool
	// Elapsed is the wall time of the solve; TimeLimit is the limit it ran
	// under (Options.TimeLimit, 0 for none).
	Elapsed   time.Duration
	TimeLimit time.Duration
}

// Status returns the outcome: a status of package lp (or mip.NodeLimit),
// or "" for a Failure.
func (r *Result) Status() lp.Status {
	switch {
	case r.LP != nil:
		return r.LP.Status
	case r.MIP != nil:
		return r.MIP.Status
	}
	return ""
}

// Solve solves m: by branch and bound when it has integer variables and
// opts.Relax is not set, by the simplex method otherwise. Reaching
// opts.TimeLimit is an outcome (status lp.TimeLimit), and so are
// infeasibility, unboundedness and the iteration limit. A panic of the
// engine gives a Result with Failure set, so that one model cannot bring
// down its caller.
//
// Solve fails when ctx ends before the solve does (the error wraps
// ctx.Err(): the caller gave up, this is not the model's time limit) and
// when the engine rejects the model (the error wraps ErrInvalidModel).
func Solve(ctx context.Context, m *lp.Model, opts Options) (*Result, error) {
	engine := opts.Engine
	if engine == nil {
		engine = Simplex{}
	}
	sctx := ctx
	if opts.TimeLimit > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, opts.TimeLimit)
		defer cancel()
	}
	integer := HasIntegers(m)
	branch := integer && !opts.Relax
	lpOpts := lp.Options{MaxIterations: opts.MaxIterations}
	res := &Result{TimeLimit: opts.TimeLimit, Relaxation: integer && !branch}
	start := time.Now()
	var err error
	if branch {
		res.MIP, err = recovered(func() (*mip.Result, error) {
			return engine.SolveMIP(sctx, m, mip.Options{LP: lpOpts, RelGap: opts.MIPGap, Threads: opts.Threads})
		})
	} else {
		res.LP, err = recovered(func() (*lp.Result, error) { return engine.SolveLP(sctx, m, lpOpts) })
	}
	res.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("solver: solve interrupted: %w", ctx.Err())
	}
	var ep *enginePanic
	switch {
	case errors.As(err, &ep):
		res.LP, res.MIP, res.Failure = nil, nil, ep
	case errors.Is(err, context.DeadlineExceeded):
		// The time limit ended the solve before the engine could
		// describe any outcome.
		if branch {
			res.MIP = &mip.Result{Status: lp.TimeLimit}
		} else {
			res.LP = &lp.Result{Status: lp.TimeLimit}
		}
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrInvalidModel, err)
	}
	return res, nil
}

// HasIntegers reports whether m has integer variables.
func HasIntegers(m *lp.Model) bool {
	for _, v := range m.Vars {
		if v.Integer {
			return true
		}
	}
	return false
}

// enginePanic is a panic of the engine, the Failure of a Result.
type enginePanic struct{ value any }

func (e *enginePanic) Error() string { return fmt.Sprintf("engine failure: %v", e.value) }

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
