package lp

// nonbasicRows is a row-wise copy of the structural columns of the
// nonbasic variables, the part of the matrix that the pivot row
// e_rᵀ B⁻¹ N needs. Leaving out the basic columns saves their share of the
// work in every pivot-row computation. Each row keeps room for all of its
// entries; a column entering the basis is swapped out of its rows, one
// leaving it is appended, so a basis change costs O(nnz(column)).
type nonbasicRows struct {
	a     *cscMatrix
	start []int     // row i's slots are start[i] .. start[i]+count[i]-1
	count []int     // entries of nonbasic columns in row i
	col   []int     // slot -> column
	val   []float64 // slot -> value
	src   []int     // slot -> index of the entry in a
	slot  []int     // index of an entry in a -> its slot while nonbasic
}

func newNonbasicRows(a *cscMatrix) *nonbasicRows {
	return (*nonbasicRows)(nil).reuse(a)
}

// reuse returns the empty row-wise copy of a's nonbasic columns in the
// buffers of r (new ones when r is nil); r must not be used afterwards.
func (r *nonbasicRows) reuse(a *cscMatrix) *nonbasicRows {
	var o nonbasicRows
	if r != nil {
		o = *r
	}
	nnz := len(a.rowIdx)
	r = &nonbasicRows{
		a:     a,
		start: zeroed(o.start, a.rows+1),
		count: zeroed(o.count, a.rows),
		col:   zeroed(o.col, nnz),
		val:   zeroed(o.val, nnz),
		src:   zeroed(o.src, nnz),
		slot:  zeroed(o.slot, nnz),
	}
	for _, i := range a.rowIdx {
		r.start[i+1]++
	}
	for i := 0; i < a.rows; i++ {
		r.start[i+1] += r.start[i]
	}
	return r
}

// rebuild fills the rows with the columns j < a.cols for which pos[j] < 0.
func (r *nonbasicRows) rebuild(pos []int) {
	clear(r.count)
	for j := 0; j < r.a.cols; j++ {
		if pos[j] < 0 {
			r.add(j)
		}
	}
}

// add appends the entries of column j to their rows.
func (r *nonbasicRows) add(j int) {
	a := r.a
	for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
		i := a.rowIdx[k]
		p := r.start[i] + r.count[i]
		r.count[i]++
		r.col[p], r.val[p], r.src[p] = j, a.val[k], k
		r.slot[k] = p
	}
}

// remove takes the entries of column j out of their rows, filling each
// hole with the row's last entry.
func (r *nonbasicRows) remove(j int) {
	a := r.a
	for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
		i := a.rowIdx[k]
		p := r.slot[k]
		last := r.start[i] + r.count[i] - 1
		r.count[i]--
		if p != last {
			r.col[p], r.val[p], r.src[p] = r.col[last], r.val[last], r.src[last]
			r.slot[r.src[p]] = p
		}
	}
}

// row returns the columns and values of the nonbasic entries of row i.
func (r *nonbasicRows) row(i int) ([]int, []float64) {
	lo, hi := r.start[i], r.start[i]+r.count[i]
	return r.col[lo:hi], r.val[lo:hi]
}
