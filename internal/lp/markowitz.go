package lp

import "math"

// Right-looking Markowitz factorisation of the nucleus.
//
// The columns left after removing the triangular parts of the basis (the
// nucleus) are eliminated right-looking: each step picks, among the
// sparsest active columns, the entry that passes the threshold test
// |a_ij| >= luThreshold·max_i|a_ij| and minimises the Markowitz count
// (r_i-1)(c_j-1), then updates the active submatrix. The resulting L
// columns and U entries use the same storage as the left-looking steps.

// markowitzColumns is how many of the sparsest active columns the pivot
// search examines before settling.
const markowitzColumns = 4

// markowitzWork is scratch space kept between factorisations.
type markowitzWork struct {
	acol  []sparseVec // active entries by basis position: (row, value)
	arow  [][]int     // active pattern by row: basis positions
	upend []sparseVec // U entries waiting for their column's step: (step, value)
	where []int       // row -> 1 + index in the column being updated
	lrows []int       // rows of the current L column
	lmul  []float64   // and their multipliers
	act   []int       // active columns
}

// markowitz factorises the nucleus columns cols (basis positions) and
// returns those found dependent.
func (f *luFactor) markowitz(cols []int, head []int, col columnFunc) []int {
	if len(cols) == 0 {
		return nil
	}
	m := f.m
	w := &f.mk
	if len(w.acol) < m {
		w.acol = newSparseVecs(m, sparseVecCap)
		w.arow = newIntLists(m, sparseVecCap)
		w.upend = newSparseVecs(m, sparseVecCap)
		w.where = make([]int, m)
	}
	for i := 0; i < m; i++ {
		w.arow[i] = w.arow[i][:0]
	}
	for _, p := range cols {
		w.acol[p].reset()
		w.upend[p].reset()
		idx, val := col(head[p])
		for k, i := range idx {
			f.rowCnt[i]--
			if s := f.pinv[i]; s >= 0 {
				w.upend[p].add(s, val[k])
				continue
			}
			w.acol[p].add(i, val[k])
			w.arow[i] = append(w.arow[i], p)
		}
	}
	w.act = append(w.act[:0], cols...)
	var singular []int
	for len(w.act) > 0 {
		k, pr := f.markowitzPivot()
		if k < 0 {
			// Every remaining column is (numerically) dependent.
			for _, p := range w.act {
				for _, i := range w.acol[p].idx {
					removeInt(&w.arow[i], p)
				}
				w.acol[p].reset()
			}
			return append(singular, w.act...)
		}
		pc := w.act[k]
		last := len(w.act) - 1
		w.act[k] = w.act[last]
		w.act = w.act[:last]
		if pr < 0 {
			singular = append(singular, pc)
			continue
		}
		f.markowitzStep(pr, pc)
	}
	return singular
}

// markowitzPivot chooses the next pivot: it returns the index in act of
// the pivot column and the pivot row, pr = -1 for an empty column (to be
// reported dependent), or k = -1 when no column has an acceptable pivot.
func (f *luFactor) markowitzPivot() (k, pr int) {
	w := &f.mk
	minCnt := math.MaxInt
	for t, p := range w.act {
		c := len(w.acol[p].idx)
		if c == 0 {
			return t, -1
		}
		minCnt = min(minCnt, c)
	}
	k, pr = -1, -1
	bestCost, bestAbs := math.MaxInt, 0.0
	examined := 0
	for cnt := minCnt; cnt <= f.m && examined < markowitzColumns; cnt++ {
		for t, p := range w.act {
			c := &w.acol[p]
			if len(c.idx) != cnt {
				continue
			}
			mx := 0.0
			for _, v := range c.val {
				mx = max(mx, math.Abs(v))
			}
			if mx <= luSingular {
				continue
			}
			examined++
			for e, i := range c.idx {
				a := math.Abs(c.val[e])
				if a < luThreshold*mx {
					continue
				}
				cost := (len(w.arow[i]) - 1) * (cnt - 1)
				if cost < bestCost || (cost == bestCost && a > bestAbs) {
					k, pr, bestCost, bestAbs = t, i, cost, a
				}
			}
			if examined >= markowitzColumns {
				break
			}
		}
		if bestCost == 0 {
			break
		}
	}
	return k, pr
}

// markowitzStep pivots on (row pr, column pc) of the active submatrix.
func (f *luFactor) markowitzStep(pr, pc int) {
	w := &f.mk
	step := f.nsteps
	pcol := &w.acol[pc]
	d := 0.0
	w.lrows, w.lmul = w.lrows[:0], w.lmul[:0]
	for e, i := range pcol.idx {
		removeInt(&w.arow[i], pc)
		if i == pr {
			d = pcol.val[e]
		}
	}
	for e, i := range pcol.idx {
		if i != pr {
			w.lrows = append(w.lrows, i)
			w.lmul = append(w.lmul, pcol.val[e]/d)
		}
	}
	pcol.reset()
	// U column of this step: the entries collected from earlier pivot rows.
	up := &w.upend[pc]
	for e, s := range up.idx {
		f.ucol[step].add(s, up.val[e])
		f.urow[s].add(step, up.val[e])
	}
	f.uNnz += len(up.idx)
	up.reset()
	// Row pr: record its entries for their columns and update them.
	for _, j := range w.arow[pr] {
		cj := &w.acol[j]
		arj := 0.0
		for e, i := range cj.idx {
			if i == pr {
				arj = cj.val[e]
				break
			}
		}
		cj.remove(pr)
		if arj == 0 {
			continue
		}
		w.upend[j].add(step, arj)
		if len(w.lrows) == 0 {
			continue
		}
		for e, i := range cj.idx {
			w.where[i] = e + 1
		}
		for e, i := range w.lrows {
			delta := -w.lmul[e] * arj
			if at := w.where[i]; at > 0 {
				cj.val[at-1] += delta
			} else {
				cj.add(i, delta)
				w.arow[i] = append(w.arow[i], j)
			}
		}
		for _, i := range cj.idx {
			w.where[i] = 0
		}
	}
	w.arow[pr] = w.arow[pr][:0]
	for e, i := range w.lrows {
		if math.Abs(w.lmul[e]) > luDrop {
			f.lIdx = append(f.lIdx, i)
			f.lVal = append(f.lVal, w.lmul[e])
		}
	}
	f.prow[step], f.pcol[step], f.diag[step] = pr, pc, d
	f.pinv[pr] = step
	f.lStart = append(f.lStart, len(f.lIdx))
	f.nsteps++
}

// removeInt deletes the first occurrence of v from *s (order not kept).
func removeInt(s *[]int, v int) {
	a := *s
	for k, x := range a {
		if x == v {
			a[k] = a[len(a)-1]
			*s = a[:len(a)-1]
			return
		}
	}
}

// growIntLists returns n empty lists, reusing those of ls.
func growIntLists(ls [][]int, n int) [][]int {
	if cap(ls) < n {
		ls = append(ls[:cap(ls)], newIntLists(n-cap(ls), sparseVecCap)...)
	}
	ls = ls[:n]
	for k := range ls {
		ls[k] = ls[k][:0]
	}
	return ls
}

// newIntLists returns n empty lists with capacity c each, carved from one
// block (a list outgrowing its share is moved by append).
func newIntLists(n, c int) [][]int {
	ls := make([][]int, n)
	block := make([]int, n*c)
	for k := range ls {
		ls[k] = block[k*c : k*c : (k+1)*c]
	}
	return ls
}
