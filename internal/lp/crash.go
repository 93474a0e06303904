package lp

import (
	"math"
	"sort"
)

// Triangular crash basis (after Bixby, "Implementing the simplex method:
// the initial basis", 1992).
//
// Starting from the slack basis, structural columns replace logical ones
// while the basis stays triangular: a column is accepted when its largest
// entries include one in a row that no accepted column touches yet; that
// row's logical leaves the basis. Columns are tried by preference: free
// variables first (they belong in any basis), then one-sided, then boxed
// ones, cheaper first; fixed variables never enter. Only logicals of
// equality rows (fixed variables, useless in a basis) are replaced:
// replacing inequality logicals too cost iterations on several netlib
// models.

const crashPivotRatio = 0.9 // candidate pivots are within this of the column maximum

// crash replaces logical basic variables by structural ones. It must run
// before the first factorisation.
func (s *simplex) crash() {
	s.factored, s.dweightsOK = false, false
	type cand struct {
		j       int
		penalty float64
	}
	cmax := 0.0
	for j := 0; j < s.n; j++ {
		cmax = max(cmax, math.Abs(s.cost[j]))
	}
	if cmax == 0 {
		cmax = 1
	}
	var cands []cand
	for j := 0; j < s.n; j++ {
		lo, hi := s.lo[j], s.hi[j]
		if lo == hi || s.a.colPtr[j] == s.a.colPtr[j+1] {
			continue
		}
		var p float64
		switch {
		case math.IsInf(lo, -1) && math.IsInf(hi, 1):
			p = 0
		case math.IsInf(lo, -1) || math.IsInf(hi, 1):
			p = 1
		default:
			p = 2
		}
		cands = append(cands, cand{j, p + math.Abs(s.cost[j])/cmax})
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].penalty < cands[b].penalty })

	touched := make([]bool, s.m)
	for _, c := range cands {
		j := c.j
		colMax := 0.0
		for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
			colMax = max(colMax, math.Abs(s.a.val[k]))
		}
		best, bestEq := -1, false
		for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
			i := s.a.rowIdx[k]
			if touched[i] || math.Abs(s.a.val[k]) < crashPivotRatio*colMax {
				continue
			}
			eq := s.lo[s.n+i] == s.hi[s.n+i]
			if !eq {
				continue
			}
			if best < 0 || (eq && !bestEq) {
				best, bestEq = i, eq
			}
		}
		if best < 0 {
			continue
		}
		for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
			touched[s.a.rowIdx[k]] = true
		}
		lg := s.n + best
		s.pos[lg] = -1
		s.x[lg] = nonbasicValue(s.lo[lg], s.hi[lg], 0)
		s.head[best] = j
		s.pos[j] = best
	}
}
