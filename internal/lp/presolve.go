package lp

import "math"

// Presolve removes rows and columns that the simplex does not need:
//
//   - free rows (both bounds infinite) and rows without nonzeros (checked
//     for feasibility);
//   - fixed columns, whose contribution moves into the row bounds;
//   - singleton rows, which become bounds of their column.
//
// The reductions repeat until none applies. Postsolve restores the values
// of removed columns and the duals of singleton rows whose implied bound is
// active: the reduced cost of the column moves to the row.

// presolveTol is the feasibility tolerance of presolve decisions.
const presolveTol = 1e-9

// singletonRow records that row bounds became bounds of column col.
type singletonRow struct {
	row, col     int
	a            float64
	setLo, setHi bool
	lo, hi       float64 // the column bounds right after this reduction
}

// reduction is the outcome of presolve.
type reduction struct {
	rows, cols   []int // model indices of the kept rows and columns
	colLo, colHi []float64
	rowLo, rowHi []float64
	fixed        []float64 // values of removed columns (model indexed)
	singles      []singletonRow
	infeasible   bool
}

// presolve reduces m, whose matrix (duplicates summed) is a, and returns
// the reduction and the matrix of the kept rows and columns.
func presolve(m *Model, a *cscMatrix) (*reduction, *cscMatrix) {
	nr, nc := len(m.Rows), len(m.Vars)
	at := a.transpose()
	red := &reduction{
		colLo: make([]float64, nc), colHi: make([]float64, nc),
		rowLo: make([]float64, nr), rowHi: make([]float64, nr),
		fixed: make([]float64, nc),
	}
	rowAlive := make([]bool, nr)
	colAlive := make([]bool, nc)
	rowCount := make([]int, nr)
	for j, v := range m.Vars {
		red.colLo[j], red.colHi[j] = v.Lo, v.Hi
		colAlive[j] = true
	}
	for i, r := range m.Rows {
		red.rowLo[i], red.rowHi[i] = r.Lo, r.Hi
		rowCount[i] = at.colPtr[i+1] - at.colPtr[i]
		rowAlive[i] = !(math.IsInf(r.Lo, -1) && math.IsInf(r.Hi, 1))
	}
	// Dropping free rows changes no other row, so count only alive rows.
	for changed := true; changed && !red.infeasible; {
		changed = false
		for j := 0; j < nc; j++ {
			if colAlive[j] && red.colLo[j] == red.colHi[j] {
				red.removeFixed(j, a, rowCount)
				colAlive[j] = false
				changed = true
			}
		}
		for i := 0; i < nr && !red.infeasible; i++ {
			if !rowAlive[i] {
				continue
			}
			switch rowCount[i] {
			case 0:
				if red.rowLo[i] > presolveTol*(1+math.Abs(red.rowLo[i])) || red.rowHi[i] < -presolveTol*(1+math.Abs(red.rowHi[i])) {
					red.infeasible = true
				}
				rowAlive[i] = false
				changed = true
			case 1:
				for k := at.colPtr[i]; k < at.colPtr[i+1]; k++ {
					if j := at.rowIdx[k]; colAlive[j] {
						red.singleton(i, j, at.val[k])
						break
					}
				}
				rowAlive[i] = false
				rowCount[i] = 0
				changed = true
			}
		}
	}
	for i := range nr {
		if rowAlive[i] {
			red.rows = append(red.rows, i)
		}
	}
	for j := range nc {
		if colAlive[j] {
			red.cols = append(red.cols, j)
		}
	}
	return red, a.submatrix(red.rows, red.cols, nr)
}

// removeFixed moves the fixed column j into the row bounds.
func (red *reduction) removeFixed(j int, a *cscMatrix, rowCount []int) {
	v := red.colLo[j]
	red.fixed[j] = v
	for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
		i := a.rowIdx[k]
		red.rowLo[i] -= a.val[k] * v // infinite bounds stay infinite
		red.rowHi[i] -= a.val[k] * v
		rowCount[i]--
	}
}

// singleton turns row i, whose only entry is a in column j, into bounds on
// column j.
func (red *reduction) singleton(i, j int, a float64) {
	lo, hi := red.rowLo[i]/a, red.rowHi[i]/a
	if a < 0 {
		lo, hi = hi, lo
	}
	rec := singletonRow{row: i, col: j, a: a}
	if lo > red.colLo[j] {
		red.colLo[j], rec.setLo = lo, true
	}
	if hi < red.colHi[j] {
		red.colHi[j], rec.setHi = hi, true
	}
	if d := red.colLo[j] - red.colHi[j]; d > 0 {
		if d > presolveTol*(1+math.Abs(red.colHi[j])) {
			red.infeasible = true
		}
		// Within tolerance: fix at the midpoint.
		mid := (red.colLo[j] + red.colHi[j]) / 2
		red.colLo[j], red.colHi[j] = mid, mid
	}
	rec.lo, rec.hi = red.colLo[j], red.colHi[j]
	red.singles = append(red.singles, rec)
}

// postsolve completes res (X and RowDual set for the kept columns and rows)
// for the removed ones and computes all reduced costs as c - Aᵀy.
func (red *reduction) postsolve(m *Model, a *cscMatrix, res *Result) {
	sign := 1.0
	if m.Sense == Maximize {
		sign = -1
	}
	kept := make([]bool, len(m.Vars))
	for _, j := range red.cols {
		kept[j] = true
	}
	for j := range m.Vars {
		if !kept[j] {
			res.X[j] = red.fixed[j]
		}
	}
	reducedCost := func(j int) float64 {
		d := m.Vars[j].Obj
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			d -= a.val[k] * res.RowDual[a.rowIdx[k]]
		}
		return d
	}
	// Newest singleton first: its bound is the final one.
	for k := len(red.singles) - 1; k >= 0; k-- {
		s := red.singles[k]
		d := sign * reducedCost(s.col) // minimisation sign
		x := res.X[s.col]
		tol := 1e-9 * (1 + math.Abs(x))
		if (s.setLo && d > 0 && x <= s.lo+tol) || (s.setHi && d < 0 && x >= s.hi-tol) {
			res.RowDual[s.row] += sign * d / s.a
		}
	}
	for j := range m.Vars {
		res.ReducedCost[j] = reducedCost(j)
	}
}
