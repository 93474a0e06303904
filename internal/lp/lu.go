package lp

import (
	"math"
	"sort"
)

// LU factorisation of the simplex basis.
//
// The basis B (m×m, columns indexed by basis position) is factorised
// left-looking (Gilbert–Peierls) with threshold partial pivoting: columns
// are processed sparsest first, and the pivot row of each column is chosen
// among the entries within luThreshold of the largest by smallest remaining
// row count (a Markowitz-style tie-break that limits fill). Step s pivots
// row prow[s] against position pcol[s], giving
//
//	B Q = Pᵀ L U
//
// with L unit lower triangular (stored by step, entries indexed by original
// row) and U upper triangular (stored by step, entries indexed by step).
// Basis changes are appended as product-form eta columns until the next
// refactorisation.

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
	uStart []int
	uIdx   []int
	uVal   []float64

	// Row-wise copies (by step) for BTRAN: lr holds row t of L as
	// (step s < t, value), ur holds row s of U as (step t > s, value).
	lrStart []int
	lrIdx   []int
	lrVal   []float64
	urStart []int
	urIdx   []int
	urVal   []float64

	// product-form etas
	eStart []int
	ePos   []int
	ePiv   []float64
	eIdx   []int
	eVal   []float64

	// scratch
	work    []float64
	work2   []float64
	mark    []bool
	rowCnt  []int
	pattern []int
	steps   []int
	stack   []int
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
	}
}

// numEtas is the number of basis updates since the last factorisation.
func (f *luFactor) numEtas() int { return len(f.ePos) }

// etaNonzeros is the number of stored eta entries.
func (f *luFactor) etaNonzeros() int { return len(f.eIdx) }

// luNonzeros is the number of stored L and U entries.
func (f *luFactor) luNonzeros() int { return len(f.lIdx) + len(f.uIdx) + f.m }

// factor computes the LU factors of the basis whose position p holds
// variable head[p]. Dependent columns are replaced by logical columns
// (column -e_row) in the factors and reported; the caller must update its
// basis to match.
func (f *luFactor) factor(head []int, col columnFunc) []replacement {
	m := f.m
	f.lStart = append(f.lStart[:0], 0)
	f.uStart = append(f.uStart[:0], 0)
	f.lIdx, f.lVal, f.uIdx, f.uVal = f.lIdx[:0], f.lVal[:0], f.uIdx[:0], f.uVal[:0]
	f.eStart = append(f.eStart[:0], 0)
	f.ePos, f.ePiv, f.eIdx, f.eVal = f.ePos[:0], f.ePiv[:0], f.eIdx[:0], f.eVal[:0]

	order := make([]int, m)
	nnz := make([]int, m)
	for i := range f.rowCnt {
		f.rowCnt[i] = 0
		f.pinv[i] = -1
	}
	for p := 0; p < m; p++ {
		order[p] = p
		idx, _ := col(head[p])
		nnz[p] = len(idx)
		for _, i := range idx {
			f.rowCnt[i]++
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return nnz[order[a]] < nnz[order[b]] })

	x := f.work
	var singular []int
	step := 0
	for _, p := range order {
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
				maxAbs = math.Max(maxAbs, math.Abs(x[i]))
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
			singular = append(singular, p)
			for _, i := range f.pattern {
				x[i] = 0
				f.mark[i] = false
			}
			continue
		}
		d := x[piv]
		for _, s := range f.steps {
			if v := x[f.prow[s]]; math.Abs(v) > luDrop {
				f.uIdx = append(f.uIdx, s)
				f.uVal = append(f.uVal, v)
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
		f.uStart = append(f.uStart, len(f.uIdx))
		step++
	}
	if len(singular) == 0 {
		f.buildRowCopies()
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
		f.uStart = append(f.uStart, len(f.uIdx))
		step++
	}
	f.buildRowCopies()
	return reps
}

// buildRowCopies fills the row-wise copies of L and U.
func (f *luFactor) buildRowCopies() {
	m := f.m
	f.lrStart = resizeInts(f.lrStart, m+1)
	f.urStart = resizeInts(f.urStart, m+1)
	f.lrIdx = resizeInts(f.lrIdx, len(f.lIdx))
	f.lrVal = resizeFloats(f.lrVal, len(f.lVal))
	f.urIdx = resizeInts(f.urIdx, len(f.uIdx))
	f.urVal = resizeFloats(f.urVal, len(f.uVal))
	for _, r := range f.lIdx {
		f.lrStart[f.pinv[r]+1]++
	}
	for _, t := range f.uIdx {
		f.urStart[t+1]++
	}
	for s := 0; s < m; s++ {
		f.lrStart[s+1] += f.lrStart[s]
		f.urStart[s+1] += f.urStart[s]
	}
	lnext := append(f.steps[:0], f.lrStart[:m]...)
	for s := 0; s < m; s++ {
		for k := f.lStart[s]; k < f.lStart[s+1]; k++ {
			t := f.pinv[f.lIdx[k]]
			p := lnext[t]
			f.lrIdx[p], f.lrVal[p] = s, f.lVal[k]
			lnext[t]++
		}
	}
	unext := append(lnext[:0], f.urStart[:m]...)
	for s := 0; s < m; s++ {
		for k := f.uStart[s]; k < f.uStart[s+1]; k++ {
			t := f.uIdx[k]
			p := unext[t]
			f.urIdx[p], f.urVal[p] = s, f.uVal[k]
			unext[t]++
		}
	}
	f.steps = unext[:0]
}

// resizeInts returns a zeroed slice of length n, reusing buf when possible.
func resizeInts(buf []int, n int) []int {
	if cap(buf) < n {
		return make([]int, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// resizeFloats returns a slice of length n, reusing buf when possible.
func resizeFloats(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
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
// position on return.
func (f *luFactor) ftran(b []float64) {
	m := f.m
	for s := 0; s < m; s++ {
		v := b[f.prow[s]]
		if v == 0 {
			continue
		}
		for k := f.lStart[s]; k < f.lStart[s+1]; k++ {
			b[f.lIdx[k]] -= f.lVal[k] * v
		}
	}
	w := f.work2
	for s := 0; s < m; s++ {
		w[s] = b[f.prow[s]]
	}
	for s := m - 1; s >= 0; s-- {
		v := w[s]
		if v == 0 {
			continue
		}
		v /= f.diag[s]
		w[s] = v
		for k := f.uStart[s]; k < f.uStart[s+1]; k++ {
			w[f.uIdx[k]] -= f.uVal[k] * v
		}
	}
	for s := 0; s < m; s++ {
		b[f.pcol[s]] = w[s]
	}
	for e, r := range f.ePos {
		v := b[r]
		if v == 0 {
			continue
		}
		v /= f.ePiv[e]
		b[r] = v
		for k := f.eStart[e]; k < f.eStart[e+1]; k++ {
			b[f.eIdx[k]] -= f.eVal[k] * v
		}
	}
}

// btran solves Bᵀ y = c in place: c is indexed by basis position on entry
// and y by row on return. The triangular solves use the row-wise copies so
// that zero entries of sparse right-hand sides are skipped.
func (f *luFactor) btran(c []float64) {
	m := f.m
	for e := len(f.ePos) - 1; e >= 0; e-- {
		r := f.ePos[e]
		sum := c[r]
		for k := f.eStart[e]; k < f.eStart[e+1]; k++ {
			sum -= f.eVal[k] * c[f.eIdx[k]]
		}
		c[r] = sum / f.ePiv[e]
	}
	w := f.work2
	for s := 0; s < m; s++ {
		w[s] = c[f.pcol[s]]
	}
	// Uᵀ z = c, forward over steps.
	for s := 0; s < m; s++ {
		v := w[s]
		if v == 0 {
			continue
		}
		v /= f.diag[s]
		w[s] = v
		for k := f.urStart[s]; k < f.urStart[s+1]; k++ {
			w[f.urIdx[k]] -= f.urVal[k] * v
		}
	}
	// Lᵀ w = z, backward over steps.
	for t := m - 1; t >= 0; t-- {
		v := w[t]
		if v == 0 {
			continue
		}
		for k := f.lrStart[t]; k < f.lrStart[t+1]; k++ {
			w[f.lrIdx[k]] -= f.lrVal[k] * v
		}
	}
	for s := 0; s < m; s++ {
		c[f.prow[s]] = w[s]
	}
}

// update records the replacement of the column at position r by a column
// whose FTRAN image (indexed by position) is alpha.
func (f *luFactor) update(r int, alpha []float64) {
	for i, v := range alpha {
		if i != r && math.Abs(v) > luDrop {
			f.eIdx = append(f.eIdx, i)
			f.eVal = append(f.eVal, v)
		}
	}
	f.ePos = append(f.ePos, r)
	f.ePiv = append(f.ePiv, alpha[r])
	f.eStart = append(f.eStart, len(f.eIdx))
}
