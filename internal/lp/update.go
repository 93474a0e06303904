package lp

import "math"

// Forrest–Tomlin update of the LU factors.
//
// Replacing the basis column at position r (factor step s) by a_q turns
// column s of U into the spike L⁻¹a_q (as transformed by earlier row
// etas). Moving step s to the end of the pivot order leaves one offending
// row, row s, whose entries right of the diagonal are eliminated with the
// rows below it; the multipliers form the row eta R = I - e_s multᵀ and
// the new diagonal entry is spike_s - multᵀspike. The determinant identity
// newDiag = alpha_r · oldDiag serves as an accuracy check.

// ftUpdateTol is the relative disagreement between the new diagonal and
// alpha_r·oldDiag beyond which the update is refused.
const ftUpdateTol = 1e-8

// update replaces the column at basis position r, using the spike saved by
// the last ftran(·, true) of the entering column; alphaR is the pivot
// element of that ftran. It reports false when the update is numerically
// unsafe, in which case the caller must refactorise.
func (f *luFactor) update(r int, alphaR float64) bool {
	s := f.stepOf[r]
	// Column s leaves U.
	col := &f.ucol[s]
	for _, i := range col.idx {
		f.urow[i].remove(s)
	}
	f.uNnz -= len(col.idx)
	col.reset()

	// Row s: scatter its entries and take them out of their columns.
	w := f.work
	row := &f.urow[s]
	for k, j := range row.idx {
		w[j] = row.val[k]
		f.ucol[j].remove(s)
	}
	f.uNnz -= len(row.idx)
	row.reset()

	// Eliminate row s with the rows after it in pivot order.
	spike := f.spike
	diag := spike[s]
	for k := f.rank[s] + 1; k < f.m; k++ {
		t := f.order[k]
		v := w[t]
		if v == 0 {
			continue
		}
		w[t] = 0
		mu := v / f.diag[t]
		f.rIdx = append(f.rIdx, t)
		f.rVal = append(f.rVal, mu)
		diag -= mu * spike[t]
		ur := &f.urow[t]
		for i, j := range ur.idx {
			w[j] -= ur.val[i] * mu
		}
	}
	f.rPiv = append(f.rPiv, s)
	f.rStart = append(f.rStart, len(f.rIdx))

	// The spike becomes the last column.
	for t, v := range spike {
		if t != s && math.Abs(v) > luDrop {
			col.add(t, v)
			f.urow[t].add(s, v)
		}
	}
	f.uNnz += len(col.idx)
	for k := f.rank[s]; k < f.m-1; k++ {
		t := f.order[k+1]
		f.order[k] = t
		f.rank[t] = k
	}
	f.order[f.m-1], f.rank[s] = s, f.m-1

	want := alphaR * f.diag[s]
	f.diag[s] = diag
	return diag != 0 && math.Abs(diag-want) <= ftUpdateTol*max(1, math.Abs(want))
}
