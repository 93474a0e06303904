package lp

import (
	"cmp"
	"slices"
)

// RowCoefs returns the nonzeros of each row, sorted by column, with
// duplicate (row, column) entries summed and zeros dropped. Coefficients
// with an index out of range are left out; Validate reports them.
func (m *Model) RowCoefs() [][]Coef {
	return groupCoefs(m.Coefs, len(m.Rows), len(m.Vars), coefRow, coefCol)
}

// ColCoefs returns the nonzeros of each column, sorted by row, with
// duplicate (row, column) entries summed and zeros dropped. Coefficients
// with an index out of range are left out; Validate reports them.
func (m *Model) ColCoefs() [][]Coef {
	return groupCoefs(m.Coefs, len(m.Vars), len(m.Rows), coefCol, coefRow)
}

func coefRow(c Coef) int { return c.Row }
func coefCol(c Coef) int { return c.Col }

// groupCoefs groups coefs by major index (below n), sorts each group by
// minor index (below minorN), sums duplicates and drops zeros.
func groupCoefs(coefs []Coef, n, minorN int, major, minor func(Coef) int) [][]Coef {
	groups := make([][]Coef, n)
	for _, c := range coefs {
		if i, j := major(c), minor(c); i >= 0 && i < n && j >= 0 && j < minorN {
			groups[i] = append(groups[i], c)
		}
	}
	for i, g := range groups {
		slices.SortStableFunc(g, func(a, b Coef) int { return cmp.Compare(minor(a), minor(b)) })
		out := g[:0]
		for _, c := range g {
			if k := len(out); k > 0 && minor(out[k-1]) == minor(c) {
				out[k-1].Val += c.Val
				continue
			}
			out = append(out, c)
		}
		groups[i] = slices.DeleteFunc(out, func(c Coef) bool { return c.Val == 0 })
	}
	return groups
}
