package lp

import (
	"math"
	"sort"
)

// LU factorisation of the simplex basis.
//
// The basis B (m×m, columns indexed by basis position) is factorised in
// three stages: the column singletons and the row singletons (the
// triangular parts) are factorised left-looking (Gilbert–Peierls) without
// fill, and the remaining nucleus right-looking with Markowitz pivoting and
// threshold partial pivoting (markowitz.go). Step s pivots row prow[s]
// against position pcol[s], giving
//
//	B Q = Pᵀ L U
//
// with L unit lower triangular (stored by step, entries indexed by original
// row) and U upper triangular (entries indexed by step, kept both by
// column and by row so that it can be updated). The pivot sequence of U is
// order; basis changes are Forrest–Tomlin updates (see update.go), which
// modify U and order and append row etas R, until the next
// refactorisation:
//
//	B⁻¹ = U⁻¹ R_k ⋯ R_1 L⁻¹   (permutations omitted)

const (
	luThreshold = 0.1   // relative pivot threshold
	luSingular  = 1e-9  // absolute pivot tolerance; smaller columns are dependent
	luDrop      = 1e-14 // entries below this are dropped from L, U and etas
)

// columnFunc returns the nonzeros of the basis candidate variable j.
type columnFunc func(j int) (idx []int, val []float64)

// replacement records that the basis column at position pos was linearly
// dependent and has been replaced by the logical variable of row row.
type replacement struct {
	pos, row int
}

type luFactor struct {
	m          int
	prow, pcol []int
	pinv       []int // row -> step, -1 while unpivoted
	diag       []float64

	lStart []int
	lIdx   []int
	lVal   []float64
	// Row-wise copy of L (by step) for BTRAN: row t as (step s < t, value).
	lrStart []int
	lrIdx   []int
	lrVal   []float64
	// Steps whose L column (lSteps) or L row (lrSteps) is not empty, in
	// increasing order: the triangular solves skip the others.
	lSteps, lrSteps []int

	// U off the diagonal, by column and by row (indices are steps).
	ucol, urow []sparseVec
	uNnz       int   // current number of off-diagonal U entries
	uNnz0      int   // the same right after factorisation
	order      []int // pivot sequence of U (steps)
	rank       []int // step -> index in order
	stepOf     []int // basis position -> step (inverse of pcol)

	// Forrest–Tomlin row etas: R_e = I - e_{rPiv[e]} multᵀ.
	rStart []int
	rPiv   []int
	rIdx   []int
	rVal   []float64
	spike  []float64 // L⁻¹ a_q after the row etas, saved by ftran

	// scratch
	work    []float64
	work2   []float64
	mark    []bool
	rowCnt  []int
	pattern []int
	steps   []int
	stack   []int
	nsteps  int // steps factorised so far

	mk  markowitzWork
	ord orderWork
}

func newLUFactor(m int) *luFactor {
	return &luFactor{
		m:      m,
		prow:   make([]int, m),
		pcol:   make([]int, m),
		pinv:   make([]int, m),
		diag:   make([]float64, m),
		work:   make([]float64, m),
		work2:  make([]float64, m),
		mark:   make([]bool, m),
		rowCnt: make([]int, m),
		ucol:   newSparseVecs(m, sparseVecCap),
		urow:   newSparseVecs(m, sparseVecCap),
		order:  make([]int, m),
		rank:   make([]int, m),
		stepOf: make([]int, m),
		spike:  make([]float64, m),
	}
}

// reuse returns an empty factor object for m rows that takes over f's
// buffers; f must not be used afterwards.
func (f *luFactor) reuse(m int) *luFactor {
	g := &luFactor{
		m:      m,
		prow:   zeroed(f.prow, m),
		pcol:   zeroed(f.pcol, m),
		pinv:   zeroed(f.pinv, m),
		diag:   zeroed(f.diag, m),
		work:   zeroed(f.work, m),
		work2:  zeroed(f.work2, m),
		mark:   zeroed(f.mark, m),
		rowCnt: zeroed(f.rowCnt, m),
		ucol:   growSparseVecs(f.ucol, m),
		urow:   growSparseVecs(f.urow, m),
		order:  zeroed(f.order, m),
		rank:   zeroed(f.rank, m),
		stepOf: zeroed(f.stepOf, m),
		spike:  zeroed(f.spike, m),
		ord:    f.ord,
	}
	g.lStart, g.lIdx, g.lVal = f.lStart[:0], f.lIdx[:0], f.lVal[:0]
	g.lrStart, g.lrIdx, g.lrVal = f.lrStart[:0], f.lrIdx[:0], f.lrVal[:0]
	g.lSteps, g.lrSteps = f.lSteps[:0], f.lrSteps[:0]
	g.rStart, g.rPiv, g.rIdx, g.rVal = f.rStart[:0], f.rPiv[:0], f.rIdx[:0], f.rVal[:0]
	g.pattern, g.steps, g.stack = f.pattern[:0], f.steps[:0], f.stack[:0]
	if w := f.mk; len(w.acol) > 0 {
		g.mk = markowitzWork{
			acol:  growSparseVecs(w.acol, m),
			arow:  growIntLists(w.arow, m),
			upend: growSparseVecs(w.upend, m),
			where: zeroed(w.where, m),
			lrows: w.lrows[:0],
			lmul:  w.lmul[:0],
			act:   w.act[:0],
		}
	}
	return g
}

// growSparseVecs returns n empty vectors, reusing those of vs.
func growSparseVecs(vs []sparseVec, n int) []sparseVec {
	if cap(vs) < n {
		vs = append(vs[:cap(vs)], newSparseVecs(n-cap(vs), sparseVecCap)...)
	}
	vs = vs[:n]
	for k := range vs {
		vs[k].reset()
	}
	return vs
}

// sparseVec is a list of (index, value) entries.
type sparseVec struct {
	idx []int
	val []float64
}

// sparseVecCap is the initial capacity of each row and column of U: most
// stay within it, so they share two allocations instead of growing one
// by one.
const sparseVecCap = 8

// newSparseVecs returns n empty vectors with capacity c each, carved from
// one index and one value block (a vector outgrowing its share is moved
// by append).
func newSparseVecs(n, c int) []sparseVec {
	vs := make([]sparseVec, n)
	idx := make([]int, n*c)
	val := make([]float64, n*c)
	for k := range vs {
		lo, hi := k*c, (k+1)*c
		vs[k] = sparseVec{idx: idx[lo:lo:hi], val: val[lo:lo:hi]}
	}
	return vs
}

func (v *sparseVec) reset() { v.idx, v.val = v.idx[:0], v.val[:0] }

func (v *sparseVec) add(i int, x float64) {
	v.idx = append(v.idx, i)
	v.val = append(v.val, x)
}

// remove deletes the entry with index i, if any (order is not kept).
func (v *sparseVec) remove(i int) {
	for k, j := range v.idx {
		if j == i {
			last := len(v.idx) - 1
			v.idx[k], v.val[k] = v.idx[last], v.val[last]
			v.idx, v.val = v.idx[:last], v.val[:last]
			return
		}
	}
}

// wantsRefactor reports whether the updates have made the factors so much
// denser that refactorising is cheaper than going on.
func (f *luFactor) wantsRefactor() bool {
	return len(f.rPiv) >= refactorEvery || f.uNnz+len(f.rIdx) > 2*(f.uNnz0+len(f.lIdx))+16*f.m
}

// factor computes the LU factors of the basis whose position p holds
// variable head[p]. Dependent columns are replaced by logical columns
// (column -e_row) in the factors and reported; the caller must update its
// basis to match.
func (f *luFactor) factor(head []int, col columnFunc) []replacement {
	m := f.m
	f.lStart = append(f.lStart[:0], 0)
	f.lIdx, f.lVal = f.lIdx[:0], f.lVal[:0]
	f.rStart = append(f.rStart[:0], 0)
	f.rPiv, f.rIdx, f.rVal = f.rPiv[:0], f.rIdx[:0], f.rVal[:0]
	for s := 0; s < m; s++ {
		f.ucol[s].reset()
		f.urow[s].reset()
	}
	f.uNnz = 0

	for i := range f.rowCnt {
		f.rowCnt[i] = 0
		f.pinv[i] = -1
	}
	for p := 0; p < m; p++ {
		idx, _ := col(head[p])
		for _, i := range idx {
			f.rowCnt[i]++
		}
	}
	order, nucStart, nucEnd := f.columnOrder(head, col)
	f.nsteps = 0
	var singular []int
	for _, p := range order[:nucStart] {
		if !f.leftLooking(p, head, col) {
			singular = append(singular, p)
		}
	}
	singular = append(singular, f.markowitz(order[nucStart:nucEnd], head, col)...)
	for _, p := range order[nucEnd:] {
		if !f.leftLooking(p, head, col) {
			singular = append(singular, p)
		}
	}
	step := f.nsteps
	if len(singular) == 0 {
		f.finish()
		return nil
	}
	// Pair dependent positions with unpivoted rows: the logical column
	// -e_row needs no elimination, so it is a trivial final step.
	reps := make([]replacement, 0, len(singular))
	k := 0
	for i := 0; i < m; i++ {
		if f.pinv[i] >= 0 {
			continue
		}
		p := singular[k]
		k++
		reps = append(reps, replacement{pos: p, row: i})
		f.prow[step], f.pcol[step], f.diag[step] = i, p, -1
		f.pinv[i] = step
		f.lStart = append(f.lStart, len(f.lIdx))
		step++
	}
	f.finish()
	return reps
}

// finish sets up the pivot order, the position map and the row-wise copy
// of L after a factorisation.
func (f *luFactor) finish() {
	for s := 0; s < f.m; s++ {
		f.order[s], f.rank[s] = s, s
		f.stepOf[f.pcol[s]] = s
	}
	f.uNnz0 = f.uNnz
	f.buildRowCopies()
}

// buildRowCopies fills the row-wise copy of L and the lists of steps with
// L entries.
func (f *luFactor) buildRowCopies() {
	m := f.m
	f.lrStart = zeroed(f.lrStart, m+1)
	f.lrIdx = zeroed(f.lrIdx, len(f.lIdx))
	f.lrVal = resized(f.lrVal, len(f.lVal))
	for _, r := range f.lIdx {
		f.lrStart[f.pinv[r]+1]++
	}
	for s := 0; s < m; s++ {
		f.lrStart[s+1] += f.lrStart[s]
	}
	next := append(f.steps[:0], f.lrStart[:m]...)
	for s := 0; s < m; s++ {
		for k := f.lStart[s]; k < f.lStart[s+1]; k++ {
			t := f.pinv[f.lIdx[k]]
			p := next[t]
			f.lrIdx[p], f.lrVal[p] = s, f.lVal[k]
			next[t]++
		}
	}
	f.steps = next[:0]
	f.lSteps, f.lrSteps = f.lSteps[:0], f.lrSteps[:0]
	for s := 0; s < m; s++ {
		if f.lStart[s+1] > f.lStart[s] {
			f.lSteps = append(f.lSteps, s)
		}
		if f.lrStart[s+1] > f.lrStart[s] {
			f.lrSteps = append(f.lrSteps, s)
		}
	}
}

// zeroed returns a zeroed slice of length n, reusing buf's array when it
// is large enough.
func zeroed[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// resized returns a slice of length n, reusing buf's array when it is
// large enough; unlike zeroed it keeps the old contents, for callers that
// overwrite every element.
func resized[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// leftLooking factorises the basis column at position p against the
// steps so far (Gilbert–Peierls) and appends it as the next step; it
// reports false when the column is dependent.
func (f *luFactor) leftLooking(p int, head []int, col columnFunc) bool {
	x := f.work
	idx, val := col(head[p])
	f.pattern = f.pattern[:0]
	for k, i := range idx {
		x[i] = val[k]
		f.mark[i] = true
		f.pattern = append(f.pattern, i)
		f.rowCnt[i]--
	}
	f.eliminate(x)
	// Choose the pivot among unpivoted rows.
	maxAbs := 0.0
	for _, i := range f.pattern {
		if f.pinv[i] < 0 {
			maxAbs = max(maxAbs, math.Abs(x[i]))
		}
	}
	piv := -1
	if maxAbs > luSingular {
		best := math.MaxInt
		bestAbs := 0.0
		for _, i := range f.pattern {
			if f.pinv[i] >= 0 {
				continue
			}
			a := math.Abs(x[i])
			if a < luThreshold*maxAbs {
				continue
			}
			if c := f.rowCnt[i]; c < best || (c == best && a > bestAbs) {
				best, bestAbs, piv = c, a, i
			}
		}
	}
	if piv < 0 {
		for _, i := range f.pattern {
			x[i] = 0
			f.mark[i] = false
		}
		return false
	}
	step := f.nsteps
	d := x[piv]
	for _, s := range f.steps {
		if v := x[f.prow[s]]; math.Abs(v) > luDrop {
			f.ucol[step].add(s, v)
			f.urow[s].add(step, v)
			f.uNnz++
		}
	}
	for _, i := range f.pattern {
		if f.pinv[i] < 0 && i != piv && math.Abs(x[i]) > luDrop {
			f.lIdx = append(f.lIdx, i)
			f.lVal = append(f.lVal, x[i]/d)
		}
	}
	for _, i := range f.pattern {
		x[i] = 0
		f.mark[i] = false
	}
	f.prow[step], f.pcol[step], f.diag[step] = piv, p, d
	f.pinv[piv] = step
	f.lStart = append(f.lStart, len(f.lIdx))
	f.nsteps++
	return true
}

// columnOrder orders the basis positions for the left-looking
// factorisation: column singletons first (they pivot without fill), then
// the nucleus (order[nucleus:tail]), then the row singletons in reverse
// order of discovery (their only unpivoted entry is their own row). This
// finds the triangular parts that LP bases mostly consist of.
func (f *luFactor) columnOrder(head []int, col columnFunc) (order []int, nucleus, tail int) {
	m := f.m
	o := &f.ord
	o.colCnt = zeroed(o.colCnt, m)
	o.rowCnt = zeroed(o.rowCnt, m)
	o.rowStart = zeroed(o.rowStart, m+1)
	colCnt, rowCnt, rowStart := o.colCnt, o.rowCnt, o.rowStart
	for p := 0; p < m; p++ {
		idx, _ := col(head[p])
		colCnt[p] = len(idx)
		for _, i := range idx {
			rowStart[i+1]++
		}
	}
	for i := 0; i < m; i++ {
		rowCnt[i] = rowStart[i+1]
		rowStart[i+1] += rowStart[i]
	}
	o.rowCols = zeroed(o.rowCols, rowStart[m])
	rowCols := o.rowCols
	o.next = append(o.next[:0], rowStart[:m]...)
	next := o.next
	for p := 0; p < m; p++ {
		idx, _ := col(head[p])
		for _, i := range idx {
			rowCols[next[i]] = p
			next[i]++
		}
	}
	o.colDone = zeroed(o.colDone, m)
	o.rowDone = zeroed(o.rowDone, m)
	colDone, rowDone := o.colDone, o.rowDone
	order = o.order[:0]

	// Column singletons.
	queue := next[:0]
	for p := 0; p < m; p++ {
		if colCnt[p] == 1 {
			queue = append(queue, p)
		}
	}
	for len(queue) > 0 {
		p := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if colDone[p] || colCnt[p] != 1 {
			continue
		}
		idx, _ := col(head[p])
		piv := -1
		for _, i := range idx {
			if !rowDone[i] {
				piv = i
				break
			}
		}
		colDone[p], rowDone[piv] = true, true
		order = append(order, p)
		for _, q := range rowCols[rowStart[piv]:rowStart[piv+1]] {
			if !colDone[q] {
				if colCnt[q]--; colCnt[q] == 1 {
					queue = append(queue, q)
				}
			}
		}
	}
	// Row singletons among the remaining rows and columns.
	for i := 0; i < m; i++ {
		rowCnt[i] = 0
		if rowDone[i] {
			continue
		}
		for _, p := range rowCols[rowStart[i]:rowStart[i+1]] {
			if !colDone[p] {
				rowCnt[i]++
			}
		}
		if rowCnt[i] == 1 {
			queue = append(queue, i)
		}
	}
	tails := o.tails[:0]
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if rowDone[i] || rowCnt[i] != 1 {
			continue
		}
		p := -1
		for _, q := range rowCols[rowStart[i]:rowStart[i+1]] {
			if !colDone[q] {
				p = q
				break
			}
		}
		colDone[p], rowDone[i] = true, true
		tails = append(tails, p)
		idx, _ := col(head[p])
		for _, r := range idx {
			if !rowDone[r] {
				if rowCnt[r]--; rowCnt[r] == 1 {
					queue = append(queue, r)
				}
			}
		}
	}
	// The nucleus; factor picks its columns dynamically.
	nucleus = len(order)
	for p := 0; p < m; p++ {
		if !colDone[p] {
			order = append(order, p)
		}
	}
	tail = len(order)
	for k := len(tails) - 1; k >= 0; k-- {
		order = append(order, tails[k])
	}
	o.order, o.tails = order, tails
	return order, nucleus, tail
}

// orderWork is scratch space of columnOrder.
type orderWork struct {
	colCnt, rowCnt, rowStart, rowCols, next, order, tails []int
	colDone, rowDone                                      []bool
}

// eliminate applies the previous elimination steps reachable from the
// scattered column x (pattern in f.pattern), leaving the U part at pivoted
// rows and the L part at unpivoted rows; f.steps receives the reached steps
// in increasing order.
func (f *luFactor) eliminate(x []float64) {
	f.steps = f.steps[:0]
	f.stack = f.stack[:0]
	for _, i := range f.pattern {
		if s := f.pinv[i]; s >= 0 {
			f.stack = append(f.stack, s)
		}
	}
	// Collect the reach of the pivoted rows through L (marking rows).
	for len(f.stack) > 0 {
		s := f.stack[len(f.stack)-1]
		f.stack = f.stack[:len(f.stack)-1]
		for k := f.lStart[s]; k < f.lStart[s+1]; k++ {
			i := f.lIdx[k]
			if f.mark[i] {
				continue
			}
			f.mark[i] = true
			f.pattern = append(f.pattern, i)
			if t := f.pinv[i]; t >= 0 {
				f.stack = append(f.stack, t)
			}
		}
	}
	// Steps reached are exactly the pivoted rows in the pattern.
	for _, i := range f.pattern {
		if s := f.pinv[i]; s >= 0 {
			f.steps = append(f.steps, s)
		}
	}
	sort.Ints(f.steps)
	for _, s := range f.steps {
		v := x[f.prow[s]]
		if v == 0 {
			continue
		}
		for k := f.lStart[s]; k < f.lStart[s+1]; k++ {
			x[f.lIdx[k]] -= f.lVal[k] * v
		}
	}
}

// ftran solves B z = b in place: b is indexed by row on entry and by basis
// position on return. With saveSpike the partially transformed vector
// R⋯L⁻¹b is kept for a following update.
func (f *luFactor) ftran(b []float64, saveSpike bool) {
	m := f.m
	prow, lStart, lIdx, lVal := f.prow, f.lStart, f.lIdx, f.lVal
	for _, s := range f.lSteps {
		v := b[prow[s]]
		if v == 0 {
			continue
		}
		idx, val := lIdx[lStart[s]:lStart[s+1]], lVal[lStart[s]:lStart[s+1]]
		for k, i := range idx {
			b[i] -= val[k] * v
		}
	}
	w := f.work2[:m]
	for s := range w {
		w[s] = b[prow[s]]
	}
	rStart, rIdx, rVal := f.rStart, f.rIdx, f.rVal
	for e, s := range f.rPiv {
		sum := w[s]
		idx, val := rIdx[rStart[e]:rStart[e+1]], rVal[rStart[e]:rStart[e+1]]
		for k, t := range idx {
			sum -= val[k] * w[t]
		}
		w[s] = sum
	}
	if saveSpike {
		copy(f.spike, w)
	}
	order, diag, ucol := f.order, f.diag, f.ucol
	for k := m - 1; k >= 0; k-- {
		s := order[k]
		v := w[s]
		if v == 0 {
			continue
		}
		v /= diag[s]
		w[s] = v
		c := &ucol[s]
		val := c.val[:len(c.idx)]
		for i, t := range c.idx {
			w[t] -= val[i] * v
		}
	}
	for s, p := range f.pcol[:m] {
		b[p] = w[s]
	}
}

// btran solves Bᵀ y = c in place: c is indexed by basis position on entry
// and y by row on return. The triangular solves run column-oriented on the
// transposed factors so that zeros of sparse right-hand sides are skipped.
func (f *luFactor) btran(c []float64) {
	m := f.m
	w := f.work2[:m]
	for s, p := range f.pcol[:m] {
		w[s] = c[p]
	}
	// Uᵀ z = c in pivot order.
	diag, urow := f.diag, f.urow
	for _, s := range f.order[:m] {
		v := w[s]
		if v == 0 {
			continue
		}
		v /= diag[s]
		w[s] = v
		r := &urow[s]
		val := r.val[:len(r.idx)]
		for i, t := range r.idx {
			w[t] -= val[i] * v
		}
	}
	// Row etas transposed, newest first.
	rStart, rIdx, rVal := f.rStart, f.rIdx, f.rVal
	for e := len(f.rPiv) - 1; e >= 0; e-- {
		v := w[f.rPiv[e]]
		if v == 0 {
			continue
		}
		idx, val := rIdx[rStart[e]:rStart[e+1]], rVal[rStart[e]:rStart[e+1]]
		for k, t := range idx {
			w[t] -= val[k] * v
		}
	}
	// Lᵀ, backward over the steps with L entries in their row.
	lrStart, lrIdx, lrVal := f.lrStart, f.lrIdx, f.lrVal
	for k := len(f.lrSteps) - 1; k >= 0; k-- {
		t := f.lrSteps[k]
		v := w[t]
		if v == 0 {
			continue
		}
		idx, val := lrIdx[lrStart[t]:lrStart[t+1]], lrVal[lrStart[t]:lrStart[t+1]]
		for e, i := range idx {
			w[i] -= val[e] * v
		}
	}
	for s, r := range f.prow[:m] {
		c[r] = w[s]
	}
}
