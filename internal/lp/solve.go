package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Solve solves the linear program m with the bounded-variable revised
// primal simplex method. Integrality markers are ignored (the LP relaxation
// is solved).
//
// The error return is reserved for invalid models (non-finite data, lo > hi,
// indices out of range) and for context cancellation (the context's error).
// Infeasibility, unboundedness and the limits are reported as the Status of
// the Result; a context deadline gives TimeLimit.
func Solve(ctx context.Context, m *Model, opts Options) (*Result, error) {
	if err := validate(m); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("lp: solve %q: %w", m.Name, err)
	}
	nRows, nCols := len(m.Rows), len(m.Vars)
	full := newCSC(nRows, nCols, m.Coefs)
	red, a := presolve(m, full)
	res := &Result{
		X:           make([]float64, nCols),
		RowActivity: make([]float64, nRows),
		RowDual:     make([]float64, nRows),
		ReducedCost: make([]float64, nCols),
	}
	if red.infeasible {
		res.Status = Infeasible
		finishPrimal(m, full, res)
		return res, nil
	}

	sc := scaleMatrix(a)
	mr := a.rows
	sign := 1.0
	if m.Sense == Maximize {
		sign = -1
	}
	lo := make([]float64, nCols+mr)
	hi := make([]float64, nCols+mr)
	cost := make([]float64, nCols+mr)
	for j, v := range m.Vars {
		lo[j], hi[j] = v.Lo/sc.col[j], v.Hi/sc.col[j]
		cost[j] = sign * v.Obj * sc.col[j]
	}
	for k, i := range red.kept {
		lo[nCols+k], hi[nCols+k] = m.Rows[i].Lo*sc.row[k], m.Rows[i].Hi*sc.row[k]
	}
	maxIter := opts.MaxIterations
	if maxIter <= 0 {
		maxIter = 10000 + 20*(nCols+mr)
	}

	s := newSimplex(ctx, a, lo, hi, cost, maxIter)
	status, err := s.solve(opts.Method)
	if err != nil {
		return nil, fmt.Errorf("lp: solve %q: %w", m.Name, err)
	}
	res.Status = status
	res.Iterations = s.iters

	// Duals with the true costs of the final basis.
	for p, j := range s.head {
		s.cB[p] = cost[j]
	}
	if s.perturbed {
		copy(s.lo, s.origLo)
		copy(s.hi, s.origHi)
	}
	s.computeDuals(false)
	for j := 0; j < nCols; j++ {
		res.X[j] = s.x[j] * sc.col[j]
		if s.pos[j] < 0 {
			res.ReducedCost[j] = sign * s.d[j] / sc.col[j]
		}
	}
	for k, i := range red.kept {
		res.RowDual[i] = sign * s.y[k] * sc.row[k]
	}
	finishPrimal(m, full, res)
	return res, nil
}

// finishPrimal computes the row activities and objective value of res.X.
func finishPrimal(m *Model, a *cscMatrix, res *Result) {
	copy(res.RowActivity, a.mulVec(res.X))
	obj := m.ObjConst
	for j, v := range m.Vars {
		if v.Obj != 0 {
			obj += v.Obj * res.X[j]
		}
	}
	if math.IsNaN(obj) {
		obj = math.Inf(1)
	}
	res.Objective = obj
}
