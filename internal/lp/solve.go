package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Solve solves the linear program m with a bounded-variable revised
// simplex method (see Options.Method) after a light presolve and scaling.
// Integrality markers are ignored (the LP relaxation is solved).
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
	res := newResult(nCols, nRows)
	if red.infeasible {
		res.Status = Infeasible
		red.postsolve(m, full, res)
		finishPrimal(m, full, res)
		return res, nil
	}

	sc := scaleMatrix(a)
	n, mr := a.cols, a.rows
	sign := 1.0
	if m.Sense == Maximize {
		sign = -1
	}
	lo := make([]float64, n+mr)
	hi := make([]float64, n+mr)
	cost := make([]float64, n+mr)
	for k, j := range red.cols {
		lo[k], hi[k] = red.colLo[j]/sc.col[k], red.colHi[j]/sc.col[k]
		cost[k] = sign * m.Vars[j].Obj * sc.col[k]
	}
	for k, i := range red.rows {
		lo[n+k], hi[n+k] = red.rowLo[i]*sc.row[k], red.rowHi[i]*sc.row[k]
	}
	maxIter := opts.MaxIterations
	if maxIter <= 0 {
		maxIter = 10000 + 20*(nCols+nRows)
	}

	s := newSimplex(ctx, a, lo, hi, cost, maxIter)
	s.steepest = opts.Pricing == PricingSteepestEdge ||
		(opts.Pricing == PricingAuto && mr >= steepestEdgeRows)
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
	s.computeDuals(false)
	for k, j := range red.cols {
		res.X[j] = s.x[k] * sc.col[k]
	}
	for k, i := range red.rows {
		res.RowDual[i] = sign * s.y[k] * sc.row[k]
	}
	red.postsolve(m, full, res)
	finishPrimal(m, full, res)
	return res, nil
}

// steepestEdgeRows is the number of rows from which automatic pricing
// uses steepest edge: its extra BTRAN per iteration pays off on larger
// models (on the netlib set it wins from about this size), Devex is
// cheaper below.
const steepestEdgeRows = 350

// newResult returns a Result with its four vectors allocated for nCols
// columns and nRows rows, carved from one block (each capped at its
// length, so that appending to one cannot overwrite the next).
func newResult(nCols, nRows int) *Result {
	block := make([]float64, 2*nCols+2*nRows)
	cut := func(n int) []float64 {
		v := block[:n:n]
		block = block[n:]
		return v
	}
	return &Result{X: cut(nCols), ReducedCost: cut(nCols), RowActivity: cut(nRows), RowDual: cut(nRows)}
}

// finishPrimal computes the row activities and objective value of res.X.
func finishPrimal(m *Model, a *cscMatrix, res *Result) {
	a.mulVecTo(res.RowActivity, res.X)
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
