package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// reducedCostFixing returns the bound changes on integer variables that
// the relaxation res of a node (value zLP in minimisation form) proves
// for the node's subtree: moving a nonbasic variable k units away from
// its bound raises the relaxation value by at least k times its reduced
// cost, so no solution better than the cutoff moves it further than
// (cutoff - zLP) / |reduced cost|. s.lo and s.hi hold the node's bounds.
func (s *search) reducedCostFixing(res *lp.Result, zLP float64) []boundChange {
	cutoff := s.cutoff()
	if math.IsInf(cutoff, 1) || len(res.ReducedCost) != len(res.X) {
		return nil
	}
	slack := cutoff - zLP
	var fixed []boundChange
	for _, j := range s.p.ints {
		d := s.p.sign * res.ReducedCost[j]
		x, lo, hi := res.X[j], s.lo[j], s.hi[j]
		switch {
		case d > 1e-9 && !math.IsInf(lo, -1) && math.Abs(x-lo) <= s.opts.IntTol:
			if newHi := lo + math.Floor(slack/d+s.opts.IntTol); newHi < hi {
				fixed = append(fixed, boundChange{col: j, lo: lo, hi: newHi})
			}
		case d < -1e-9 && !math.IsInf(hi, 1) && math.Abs(x-hi) <= s.opts.IntTol:
			if newLo := hi - math.Floor(slack/-d+s.opts.IntTol); newLo > lo {
				fixed = append(fixed, boundChange{col: j, lo: newLo, hi: hi})
			}
		}
	}
	return fixed
}
