package lp

import "math"

// reduction is the (light) presolve applied before the simplex: free rows
// and rows without nonzeros are removed. kept maps reduced row indices to
// model rows.
type reduction struct {
	kept       []int
	infeasible bool // an empty row excludes zero activity
}

// emptyRowTol is the violation accepted for an empty row whose bounds
// exclude zero.
const emptyRowTol = 1e-9

// presolve decides which rows of m enter the simplex given the full matrix
// a (summed duplicates) and returns the reduced matrix.
func presolve(m *Model, a *cscMatrix) (reduction, *cscMatrix) {
	count := make([]int, len(m.Rows))
	for _, i := range a.rowIdx {
		count[i]++
	}
	red := reduction{}
	newIdx := make([]int, len(m.Rows))
	for i, r := range m.Rows {
		newIdx[i] = -1
		free := math.IsInf(r.Lo, -1) && math.IsInf(r.Hi, 1)
		switch {
		case free:
		case count[i] == 0:
			if r.Lo > emptyRowTol || r.Hi < -emptyRowTol {
				red.infeasible = true
			}
		default:
			newIdx[i] = len(red.kept)
			red.kept = append(red.kept, i)
		}
	}
	b := &cscMatrix{rows: len(red.kept), cols: a.cols, colPtr: make([]int, a.cols+1)}
	b.rowIdx = make([]int, 0, len(a.rowIdx))
	b.val = make([]float64, 0, len(a.val))
	for j := 0; j < a.cols; j++ {
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			if ni := newIdx[a.rowIdx[k]]; ni >= 0 {
				b.rowIdx = append(b.rowIdx, ni)
				b.val = append(b.val, a.val[k])
			}
		}
		b.colPtr[j+1] = len(b.rowIdx)
	}
	return red, b
}
