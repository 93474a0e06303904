package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
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
	m    *Model
	sign float64 // 1 to minimise, -1 to maximise
	// rows and coefs are the model's rows followed by the added ones;
	// full holds coefs unscaled. They are the model's own slices until
	// rows are added (ownRows).
	rows    []Row
	coefs   []Coef
	ownRows bool
	full    *cscMatrix
	sc      scaling
	s       *simplex
	opts    Options
	lo, hi  []float64 // current structural bounds, unscaled
	solved  bool      // a basis from an earlier solve is in place
	// limit is the objective limit of SetObjectiveLimit in the simplex's
	// minimisation form (+Inf: none).
	limit float64
	// factored is true while the factors are those of the final basis of
	// the last solve (TableauRow needs them).
	factored bool
	// tabCols and tabVals hold the last row TableauRow returned.
	tabCols []int
	tabVals []float64
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
		m:     m,
		sign:  1,
		rows:  m.Rows,
		coefs: m.Coefs,
		full:  newCSC(nRows, nCols, m.Coefs),
		opts:  opts,
		lo:    make([]float64, nCols),
		hi:    make([]float64, nCols),
		limit: math.Inf(1),
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
	r.s.warm = true
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
	s.stale()
	s.boundsMoved = true
}

// Basis is a saved simplex basis of a Relaxation: which variables are
// basic, and at which bound each nonbasic one sits.
type Basis struct {
	head    []int
	atUpper []bool // by variable (structural, then logical)
	// dweight holds the dual pricing weights of the basis, by position:
	// they depend on the basis alone, and a solve that starts from it
	// prices with them instead of starting over.
	dweight []float64
}

// Basis returns a copy of the current basis.
func (r *Relaxation) Basis() *Basis {
	return r.BasisInto(nil)
}

// BasisInto is Basis writing the copy over b (when not nil), whose slices
// it reuses when they are long enough; b must no longer be in use.
func (r *Relaxation) BasisInto(b *Basis) *Basis {
	s := r.s
	if b == nil {
		b = &Basis{}
	}
	b.head = append(b.head[:0], s.head...)
	b.atUpper = zeroed(b.atUpper, len(s.x))
	b.dweight = b.dweight[:0]
	if s.dweightsOK {
		b.dweight = append(b.dweight, s.dweight...)
	}
	for j, p := range s.pos {
		if p < 0 && s.x[j] == s.hi[j] && s.x[j] != s.lo[j] {
			b.atUpper[j] = true
		}
	}
	return b
}

// SetBasis makes b, taken from this Relaxation or from another one of the
// same program (the same model and added rows), the starting basis of the
// next solve. Nonbasic variables go to the bound b records, within the
// current bounds. A basis saved before AddRows is completed with the
// added rows' logicals (one saved before RemoveRows does not apply).
func (r *Relaxation) SetBasis(b *Basis) {
	s := r.s
	s.markBasis(b.head)
	// The current factors move to b by a few updates when b is near the
	// current basis (switch.go); the positions of b's basic variables may
	// then differ from b's.
	if !s.switchBasis(b.head) {
		for j := range s.pos {
			s.pos[j] = -1
		}
		for p := range s.head {
			j := s.basisVar(b.head, p)
			s.head[p], s.pos[j] = j, p
		}
		s.factored = false
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
	// The dual weights follow their variables; the logicals of rows
	// added after b was saved start at 1.
	s.dweightsOK = len(b.dweight) == len(b.head)
	if s.dweightsOK {
		for p, j := range s.head {
			if q := s.basisPos[j]; q < len(b.dweight) {
				s.dweight[p] = b.dweight[q]
			} else {
				s.dweight[p] = 1
			}
		}
	}
	s.unmarkBasis(b.head)
	s.stale()
	s.dualsOK = false
	r.solved = true
	r.factored = false
}

// Solve solves the program with its current bounds, from the current
// basis after the first solve. The result is that of the package-level
// Solve; a context deadline gives TimeLimit and other context errors are
// returned.
func (r *Relaxation) Solve(ctx context.Context) (*Result, error) {
	res, _, err := r.solve(ctx, 0, nil)
	return res, err
}

// SolveInto is Solve writing the result over into (when not nil), whose
// slices it reuses when they are long enough: a search that reads each
// relaxation's result only until it solves the next saves allocating
// them. into must not be read as the earlier result afterwards.
func (r *Relaxation) SolveInto(ctx context.Context, into *Result) (*Result, error) {
	res, _, err := r.solve(ctx, 0, into)
	return res, err
}

// SetObjectiveLimit makes the solves that follow stop with status
// ObjectiveLimit as soon as the dual simplex, at a dual feasible basis of
// the true bounds and costs, proves the optimum worse than limit: above
// it when minimising, below it when maximising. A branch-and-bound search
// sets its cutoff there, so that a node that will be pruned stops early.
// An infinite limit on the side the objective can never pass (+Inf when
// minimising, -Inf when maximising) turns the limit off, which is the
// default; so does NaN. The primal simplex (the first solve) ignores it.
func (r *Relaxation) SetObjectiveLimit(limit float64) {
	r.limit = r.sign * (limit - r.m.ObjConst)
	if math.IsNaN(r.limit) {
		r.limit = math.Inf(1)
	}
}

// SolveWithin is Solve stopped after at most maxIter simplex iterations
// (0: the limit of Options.MaxIterations), with status IterationLimit.
// bounded reports that such a stop left the dual simplex at a dual
// feasible basis of the true bounds and costs: the result's Objective
// is then a bound on the optimum (a lower bound when minimising, an upper
// bound when maximising), which is what a branch-and-bound search wants
// of a child it only estimates.
func (r *Relaxation) SolveWithin(ctx context.Context, maxIter int) (res *Result, bounded bool, err error) {
	return r.solve(ctx, maxIter, nil)
}

// solve is SolveWithin writing the result over into when it is not nil.
func (r *Relaxation) solve(ctx context.Context, maxIter int, into *Result) (res *Result, bounded bool, err error) {
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, false, fmt.Errorf("lp: solve %q: %w", r.m.Name, err)
	}
	s := r.s
	s.ctx = ctx
	s.iters = 0
	s.objLimit = r.limit
	s.maxIter = r.opts.MaxIterations
	if s.maxIter <= 0 {
		s.maxIter = 10000 + 20*(s.n+s.m)
	}
	if maxIter > 0 {
		s.maxIter = min(s.maxIter, maxIter)
	}
	var status Status
	if !r.solved {
		status, err = s.solve(r.opts.Method)
		r.solved = true
	} else {
		status, err = s.solve(MethodDual)
	}
	perturbed := s.perturbed
	if perturbed {
		copy(s.lo, s.origLo)
		copy(s.hi, s.origHi)
		s.perturbed = false
		for j, p := range s.pos {
			if p < 0 {
				s.x[j] = nonbasicValue(s.lo[j], s.hi[j], s.x[j])
			}
		}
		s.stale()
		s.dualsOK = false
	}
	if err != nil {
		return nil, false, fmt.Errorf("lp: solve %q: %w", r.m.Name, err)
	}
	r.factored = !perturbed
	return r.result(status, into), (status == IterationLimit || status == ObjectiveLimit) && s.dualBound && !perturbed, nil
}

// result reads the solution of the current basis, into a new Result or
// over into when it is not nil. RowActivity and RowDual cover the added
// rows too, after the model's.
func (r *Relaxation) result(status Status, into *Result) *Result {
	s := r.s
	nCols, nRows := len(r.m.Vars), len(r.rows)
	var res *Result
	if into == nil {
		res = newResult(nCols, nRows)
	} else {
		res = into
		res.X = resized(res.X, nCols)
		res.ReducedCost = zeroed(res.ReducedCost, nCols)
		res.RowActivity = resized(res.RowActivity, nRows)
		res.RowDual = resized(res.RowDual, nRows)
	}
	res.Status, res.Iterations = status, s.iters
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

// NumRows returns the number of rows: the model's and the added ones.
func (r *Relaxation) NumRows() int { return len(r.rows) }

// AddRows appends rows to the program; in coefs, Row indexes rows (0 for
// its first element). The new rows' logical variables join the basis, so
// the next solve starts from the current basis made larger. Bases saved
// before the change no longer apply.
func (r *Relaxation) AddRows(rows []Row, coefs []Coef) error {
	add := &Model{Vars: r.m.Vars, Rows: rows, Coefs: coefs}
	if err := validate(add); err != nil {
		return fmt.Errorf("lp: add rows: %w", err)
	}
	base := len(r.rows)
	keep := make([]int, base)
	for i := range keep {
		keep[i] = i
	}
	oldRows, oldCoefs := r.rows, r.coefs
	if !r.ownRows {
		// The model's: appending must not write into its spare capacity.
		oldRows, oldCoefs = slices.Clip(oldRows), slices.Clip(oldCoefs)
	}
	newRows := append(oldRows, rows...)
	newCoefs := oldCoefs
	for _, c := range coefs {
		newCoefs = append(newCoefs, Coef{Row: base + c.Row, Col: c.Col, Val: c.Val})
	}
	rowScale := append(r.sc.row, make([]float64, len(rows))...)
	colMax := make([]float64, len(rows))
	for _, c := range coefs {
		colMax[c.Row] = max(colMax[c.Row], math.Abs(c.Val*r.sc.col[c.Col]))
	}
	for i, v := range colMax {
		rowScale[base+i] = 1
		if v > 0 {
			rowScale[base+i] = pow2(1 / v)
		}
	}
	r.rebuild(newRows, newCoefs, rowScale, keep)
	return nil
}

// RemoveRows removes the added rows listed (indices as in NumRows) whose
// logical variable is basic, which leaves the rest of the basis valid,
// and reports how many it removed. Model rows and rows whose logical is
// nonbasic (active rows) are kept. Bases saved before a removal no longer
// apply.
func (r *Relaxation) RemoveRows(idx []int) int {
	drop := make([]bool, len(r.rows))
	removed := 0
	for _, i := range idx {
		if i >= len(r.m.Rows) && i < len(r.rows) && !drop[i] && r.s.pos[r.s.n+i] >= 0 {
			drop[i] = true
			removed++
		}
	}
	if removed == 0 {
		return 0
	}
	newIndex := make([]int, len(r.rows))
	var keep []int
	// Removed rows are added ones, so rows and coefs are the
	// Relaxation's own and are filtered in place.
	newRows, rowScale := r.rows[:0], r.sc.row[:0]
	for i, row := range r.rows {
		newIndex[i] = -1
		if drop[i] {
			continue
		}
		newIndex[i] = len(keep)
		keep = append(keep, i)
		newRows = append(newRows, row)
		rowScale = append(rowScale, r.sc.row[i])
	}
	newCoefs := r.coefs[:0]
	for _, c := range r.coefs {
		if k := newIndex[c.Row]; k >= 0 {
			newCoefs = append(newCoefs, Coef{Row: k, Col: c.Col, Val: c.Val})
		}
	}
	r.rebuild(newRows, newCoefs, rowScale, keep)
	return removed
}

// rebuild replaces the rows by rows (coefficients coefs, row scale
// factors rowScale): row k of the new program is the old row keep[k] for
// k < len(keep), a new row after that. The basis carries over: old basic
// variables stay basic, the logicals of new rows become basic, and the
// basic logicals of removed rows leave.
func (r *Relaxation) rebuild(rows []Row, coefs []Coef, rowScale []float64, keep []int) {
	old := r.s
	n, m := old.n, len(rows)
	r.rows, r.coefs, r.ownRows = rows, coefs, true
	// The new matrices take the old ones' arrays.
	r.full = newCSCIn(r.full, m, n, coefs)
	a := r.full.copyIn(old.a)
	for j := 0; j < n; j++ {
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			a.val[k] *= rowScale[a.rowIdx[k]] * r.sc.col[j]
		}
	}
	r.sc.row = rowScale
	lo := append(slices.Clip(old.lo[:n]), make([]float64, m)...)
	hi := append(slices.Clip(old.hi[:n]), make([]float64, m)...)
	cost := append(slices.Clip(old.cost[:n]), make([]float64, m)...)
	for i, row := range rows {
		lo[n+i], hi[n+i] = row.Lo*rowScale[i], row.Hi*rowScale[i]
	}
	// The new simplex reuses the old one's factors and buffers: cut
	// rounds add and remove rows many times.
	s := newSimplexFrom(old.ctx, a, lo, hi, cost, old.maxIter, old)
	s.steepest, s.warm = old.steepest, old.warm
	for j := range s.pos {
		s.pos[j] = -1
	}
	copy(s.x, old.x[:n])
	oldToNew := make([]int, old.m)
	for i := range oldToNew {
		oldToNew[i] = -1
	}
	for k, i := range keep {
		oldToNew[i] = k
		s.x[n+k] = old.x[n+i]
	}
	// The dual weights start over (the new simplex's dweightsOK is
	// false). Carrying the basic variables' weights over changed the
	// root cut rounds' vertices and with them the cuts: GLPK's trick
	// example went from 3 nodes to 85,790, planarity from 256 to
	// 122,521.
	head := s.head[:0]
	for _, j := range old.head {
		if j >= n && oldToNew[j-n] < 0 {
			continue
		}
		if j >= n {
			j = n + oldToNew[j-n]
		}
		head = append(head, j)
	}
	for k := len(keep); k < m; k++ {
		head = append(head, n+k)
	}
	s.head = head
	for p, j := range s.head {
		s.pos[j] = p
	}
	r.s = s
	r.factored = false
}

// TableauRow returns the row of the optimal tableau of basic structural
// variable j, in the model's units: x_j + Σ vals[k]·v_cols[k] = 0, where
// v_c is structural variable c for c < number of variables and the
// activity of row c - number of variables otherwise, over the nonbasic
// variables. It describes the final basis of the last solve: ok is false
// when j is not basic, and after the basis or the rows changed since.
// The slices are reused by the next call.
func (r *Relaxation) TableauRow(j int) (cols []int, vals []float64, ok bool) {
	s := r.s
	if !r.factored || j < 0 || j >= s.n || s.pos[j] < 0 {
		return nil, nil, false
	}
	p := s.pos[j]
	s.pivotRow(p)
	cols, vals = r.tabCols[:0], r.tabVals[:0]
	for _, k := range s.rowNz {
		a := s.rowAlpha[k]
		if a == 0 || s.pos[k] >= 0 {
			continue
		}
		if k < s.n {
			a *= r.sc.col[j] / r.sc.col[k]
		} else {
			a *= r.sc.col[j] * r.sc.row[k-s.n]
		}
		cols = append(cols, k)
		vals = append(vals, a)
	}
	r.tabCols, r.tabVals = cols, vals
	return cols, vals, true
}
