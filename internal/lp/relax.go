package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Relaxation is a linear program kept in memory between solves, for
// methods that solve many closely related programs (the nodes of a
// branch-and-bound tree): bounds change between solves, and each solve
// after the first starts from the final basis of the previous one (or a
// basis saved earlier) and reoptimises with the dual simplex, which
// usually takes a few pivots instead of a solve from scratch.
//
// Unlike Solve, a Relaxation does no presolve (a presolve depends on the
// bounds); it scales the matrix once. Integrality markers are ignored.
// A Relaxation is not safe for concurrent use.
type Relaxation struct {
	m      *Model
	sign   float64 // 1 to minimise, -1 to maximise
	full   *cscMatrix
	sc     scaling
	s      *simplex
	opts   Options
	lo, hi []float64 // current structural bounds, unscaled
	solved bool      // a basis from an earlier solve is in place
}

// NewRelaxation prepares m for repeated solves with opts (Options.Method
// applies to the first solve; later ones use the dual simplex). m must not
// be modified while the Relaxation is in use.
func NewRelaxation(m *Model, opts Options) (*Relaxation, error) {
	if err := validate(m); err != nil {
		return nil, err
	}
	nRows, nCols := len(m.Rows), len(m.Vars)
	r := &Relaxation{
		m:    m,
		sign: 1,
		full: newCSC(nRows, nCols, m.Coefs),
		opts: opts,
		lo:   make([]float64, nCols),
		hi:   make([]float64, nCols),
	}
	if m.Sense == Maximize {
		r.sign = -1
	}
	a := newCSC(nRows, nCols, m.Coefs)
	r.sc = scaleMatrix(a)
	n := nCols
	lo := make([]float64, n+nRows)
	hi := make([]float64, n+nRows)
	cost := make([]float64, n+nRows)
	for j, v := range m.Vars {
		r.lo[j], r.hi[j] = v.Lo, v.Hi
		lo[j], hi[j] = v.Lo/r.sc.col[j], v.Hi/r.sc.col[j]
		cost[j] = r.sign * v.Obj * r.sc.col[j]
	}
	for i, row := range m.Rows {
		lo[n+i], hi[n+i] = row.Lo*r.sc.row[i], row.Hi*r.sc.row[i]
	}
	r.s = newSimplex(context.Background(), a, lo, hi, cost, 0)
	r.s.steepest = opts.Pricing == PricingSteepestEdge ||
		(opts.Pricing == PricingAuto && nRows >= steepestEdgeRows)
	return r, nil
}

// Bounds returns the current bounds of variable j.
func (r *Relaxation) Bounds(j int) (lo, hi float64) { return r.lo[j], r.hi[j] }

// SetBounds changes the bounds of variable j for the next solves. The
// caller keeps lo <= hi; an empty range makes the program infeasible.
func (r *Relaxation) SetBounds(j int, lo, hi float64) {
	if r.lo[j] == lo && r.hi[j] == hi {
		return
	}
	r.lo[j], r.hi[j] = lo, hi
	s := r.s
	s.lo[j], s.hi[j] = lo/r.sc.col[j], hi/r.sc.col[j]
	if s.pos[j] < 0 {
		s.x[j] = nonbasicValue(s.lo[j], s.hi[j], s.x[j])
	}
	s.fresh, s.dualsOK = false, false
}

// Basis is a saved simplex basis of a Relaxation: which variables are
// basic, and at which bound each nonbasic one sits.
type Basis struct {
	head    []int
	atUpper []bool // by variable (structural, then logical)
}

// Basis returns a copy of the current basis.
func (r *Relaxation) Basis() *Basis {
	s := r.s
	b := &Basis{head: append([]int(nil), s.head...), atUpper: make([]bool, len(s.x))}
	for j, p := range s.pos {
		if p < 0 && s.x[j] == s.hi[j] && s.x[j] != s.lo[j] {
			b.atUpper[j] = true
		}
	}
	return b
}

// SetBasis makes b, taken from this Relaxation, the starting basis of the
// next solve. Nonbasic variables go to the bound b records, within the
// current bounds.
func (r *Relaxation) SetBasis(b *Basis) {
	s := r.s
	for j := range s.pos {
		s.pos[j] = -1
	}
	copy(s.head, b.head)
	for p, j := range s.head {
		s.pos[j] = p
	}
	for j, p := range s.pos {
		if p >= 0 {
			continue
		}
		v := s.lo[j]
		if b.atUpper[j] || math.IsInf(v, -1) {
			v = s.hi[j]
		}
		if math.IsInf(v, 0) {
			v = 0
		}
		s.x[j] = v
	}
	s.fresh, s.dualsOK = false, false
	r.solved = true
}

// Solve solves the program with its current bounds, from the current
// basis after the first solve. The result is that of the package-level
// Solve; a context deadline gives TimeLimit and other context errors are
// returned.
func (r *Relaxation) Solve(ctx context.Context) (*Result, error) {
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("lp: solve %q: %w", r.m.Name, err)
	}
	s := r.s
	s.ctx = ctx
	s.iters = 0
	s.maxIter = r.opts.MaxIterations
	if s.maxIter <= 0 {
		s.maxIter = 10000 + 20*(s.n+s.m)
	}
	var status Status
	var err error
	if !r.solved {
		status, err = s.solve(r.opts.Method)
		r.solved = true
	} else {
		status, err = s.solve(MethodDual)
	}
	if s.perturbed {
		copy(s.lo, s.origLo)
		copy(s.hi, s.origHi)
		s.perturbed = false
		for j, p := range s.pos {
			if p < 0 {
				s.x[j] = nonbasicValue(s.lo[j], s.hi[j], s.x[j])
			}
		}
		s.fresh, s.dualsOK = false, false
	}
	if err != nil {
		return nil, fmt.Errorf("lp: solve %q: %w", r.m.Name, err)
	}
	return r.result(status), nil
}

// result reads the solution of the current basis.
func (r *Relaxation) result(status Status) *Result {
	s := r.s
	nCols, nRows := len(r.m.Vars), len(r.m.Rows)
	res := &Result{
		Status:      status,
		Iterations:  s.iters,
		X:           make([]float64, nCols),
		RowDual:     make([]float64, nRows),
		ReducedCost: make([]float64, nCols),
		RowActivity: make([]float64, nRows),
	}
	for p, j := range s.head {
		s.cB[p] = s.cost[j]
	}
	s.computeDuals(false)
	for j := 0; j < nCols; j++ {
		res.X[j] = s.x[j] * r.sc.col[j]
		if s.pos[j] < 0 {
			res.ReducedCost[j] = r.sign * s.d[j] / r.sc.col[j]
		}
	}
	for i := 0; i < nRows; i++ {
		res.RowDual[i] = r.sign * s.y[i] * r.sc.row[i]
	}
	finishPrimal(r.m, r.full, res)
	return res
}
