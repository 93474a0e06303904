package lp

import "sort"

// cscMatrix is a sparse matrix in compressed sparse column form.
type cscMatrix struct {
	rows, cols int
	colPtr     []int // len cols+1
	rowIdx     []int
	val        []float64
}

// newCSC builds a column-compressed matrix from triplets, summing duplicate
// entries and dropping entries that cancel to zero. Row indices within each
// column are sorted.
func newCSC(rows, cols int, coefs []Coef) *cscMatrix {
	return newCSCIn(nil, rows, cols, coefs)
}

// newCSCIn is newCSC building the matrix in the arrays of buf (nil:
// new ones), which must not be used afterwards.
func newCSCIn(buf *cscMatrix, rows, cols int, coefs []Coef) *cscMatrix {
	var b cscMatrix
	if buf != nil {
		b = *buf
	}
	a := &cscMatrix{rows: rows, cols: cols, colPtr: zeroed(b.colPtr, cols+1)}
	for _, c := range coefs {
		a.colPtr[c.Col+1]++
	}
	for j := 0; j < cols; j++ {
		a.colPtr[j+1] += a.colPtr[j]
	}
	next := make([]int, cols)
	copy(next, a.colPtr[:cols])
	// The counting sort writes every entry.
	ri := resized(b.rowIdx, len(coefs))
	rv := resized(b.val, len(coefs))
	for _, c := range coefs {
		k := next[c.Col]
		ri[k], rv[k] = c.Row, c.Val
		next[c.Col]++
	}
	// Sort each column by row, merge duplicates and compact.
	a.rowIdx = ri[:0]
	a.val = rv[:0]
	out := 0
	start := 0
	for j := 0; j < cols; j++ {
		end := a.colPtr[j+1]
		sortColumn(ri[start:end], rv[start:end])
		colStart := out
		for k := start; k < end; k++ {
			if out > colStart && ri[out-1] == ri[k] {
				rv[out-1] += rv[k]
				continue
			}
			ri[out], rv[out] = ri[k], rv[k]
			out++
		}
		// Drop exact zeros produced by cancellation.
		w := colStart
		for k := colStart; k < out; k++ {
			if rv[k] != 0 {
				ri[w], rv[w] = ri[k], rv[k]
				w++
			}
		}
		out = w
		start = end
		a.colPtr[j+1] = out
	}
	a.rowIdx = ri[:out]
	a.val = rv[:out]
	return a
}

// copyIn returns a copy of a in the arrays of buf (nil: new ones), which
// must not be used afterwards.
func (a *cscMatrix) copyIn(buf *cscMatrix) *cscMatrix {
	var b cscMatrix
	if buf != nil {
		b = *buf
	}
	c := &cscMatrix{rows: a.rows, cols: a.cols,
		colPtr: resized(b.colPtr, len(a.colPtr)),
		rowIdx: resized(b.rowIdx, len(a.rowIdx)),
		val:    resized(b.val, len(a.val)),
	}
	copy(c.colPtr, a.colPtr)
	copy(c.rowIdx, a.rowIdx)
	copy(c.val, a.val)
	return c
}

// transpose returns the matrix in compressed sparse row form, represented
// as the CSC form of the transpose.
func (a *cscMatrix) transpose() *cscMatrix {
	t := &cscMatrix{rows: a.cols, cols: a.rows, colPtr: make([]int, a.rows+1)}
	t.rowIdx = make([]int, len(a.rowIdx))
	t.val = make([]float64, len(a.val))
	for _, i := range a.rowIdx {
		t.colPtr[i+1]++
	}
	for i := 0; i < a.rows; i++ {
		t.colPtr[i+1] += t.colPtr[i]
	}
	next := append([]int(nil), t.colPtr[:a.rows]...)
	for j := 0; j < a.cols; j++ {
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			i := a.rowIdx[k]
			p := next[i]
			t.rowIdx[p], t.val[p] = j, a.val[k]
			next[i]++
		}
	}
	return t
}

// mulVecTo sets y = A x; y has one entry per row.
func (a *cscMatrix) mulVecTo(y, x []float64) {
	clear(y)
	for j := 0; j < a.cols; j++ {
		if x[j] == 0 {
			continue
		}
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			y[a.rowIdx[k]] += a.val[k] * x[j]
		}
	}
}

// sortColumn sorts one column's (row, value) pairs by row: short columns
// (the usual case) by insertion, without the allocation of sort.Sort.
func sortColumn(idx []int, val []float64) {
	if len(idx) > 32 {
		seg := colSegment{idx, val}
		if !sort.IsSorted(seg) {
			sort.Sort(seg)
		}
		return
	}
	for k := 1; k < len(idx); k++ {
		i, v := idx[k], val[k]
		l := k
		for ; l > 0 && idx[l-1] > i; l-- {
			idx[l], val[l] = idx[l-1], val[l-1]
		}
		idx[l], val[l] = i, v
	}
}

// colSegment sorts one column's (row, value) pairs by row.
type colSegment struct {
	idx []int
	val []float64
}

func (s colSegment) Len() int           { return len(s.idx) }
func (s colSegment) Less(i, j int) bool { return s.idx[i] < s.idx[j] }
func (s colSegment) Swap(i, j int) {
	s.idx[i], s.idx[j] = s.idx[j], s.idx[i]
	s.val[i], s.val[j] = s.val[j], s.val[i]
}

// submatrix returns the rows and columns of a listed in rows and cols
// (both increasing), renumbered from zero; nRows is a.rows.
func (a *cscMatrix) submatrix(rows, cols []int, nRows int) *cscMatrix {
	newRow := make([]int, nRows)
	for i := range newRow {
		newRow[i] = -1
	}
	for k, i := range rows {
		newRow[i] = k
	}
	b := &cscMatrix{rows: len(rows), cols: len(cols), colPtr: make([]int, len(cols)+1)}
	for c, j := range cols {
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			if ni := newRow[a.rowIdx[k]]; ni >= 0 {
				b.rowIdx = append(b.rowIdx, ni)
				b.val = append(b.val, a.val[k])
			}
		}
		b.colPtr[c+1] = len(b.rowIdx)
	}
	return b
}
