package mip

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Strong branching initialises the pseudo-costs: before a node branches,
// the fractional variables without history in a direction (at most
// strongCands of them, most fractional first) have both children's
// relaxations solved from the node's final basis, and the objective
// changes are recorded as their first pseudo-costs. The pseudo-cost rule
// then chooses among reliable estimates instead of the average of other
// variables, which matters most at the top of the tree. The trial solves
// are bounded by a share of the search's simplex iterations.
const (
	strongCands     = 8    // unreliable candidates tried per node
	strongShare     = 0.5  // share of the search's iterations for trials
	strongMinBudget = 2000 // allowance in iterations on top of the share
)

// strongBranch solves the children of the unreliable candidates among
// frac at the node whose relaxation has value zLP at x and final basis
// held, records their pseudo-costs and restores the relaxation's bounds
// and basis. It returns false when a trial reached the context's deadline.
func (s *search) strongBranch(x []float64, frac []int, zLP float64, held *lp.Basis) (bool, error) {
	var cands []int
	for _, j := range frac {
		if s.pc.cnt[0][j] == 0 || s.pc.cnt[1][j] == 0 {
			cands = append(cands, j)
		}
	}
	if len(cands) == 0 {
		return true, nil
	}
	fracOf := func(j int) float64 { f := x[j] - math.Floor(x[j]); return math.Min(f, 1-f) }
	slices.SortStableFunc(cands, func(a, b int) int { return cmp.Compare(fracOf(b), fracOf(a)) })
	if len(cands) > strongCands {
		cands = cands[:strongCands]
	}
	defer s.rel.SetBasis(held)
	for _, j := range cands {
		lo, hi := s.lo[j], s.hi[j]
		fl := math.Floor(x[j])
		for _, up := range []bool{false, true} {
			if s.strongIters > strongMinBudget+int(strongShare*float64(s.iterations)) {
				return true, nil
			}
			if s.pc.cnt[dir(up)][j] > 0 {
				continue
			}
			dist := x[j] - fl
			if up {
				dist = fl + 1 - x[j]
				s.rel.SetBounds(j, fl+1, hi)
			} else {
				s.rel.SetBounds(j, lo, fl)
			}
			s.rel.SetBasis(held)
			res, err := s.rel.Solve(s.ctx)
			s.rel.SetBounds(j, lo, hi)
			if err != nil {
				return false, fmt.Errorf("mip: strong branching on column %d: %w", j, err)
			}
			if res.Status == lp.TimeLimit {
				return false, nil
			}
			s.strongIters += res.Iterations
			s.iterations += res.Iterations
			if res.Status == lp.Optimal {
				s.updatePC(j, up, dist, s.p.sign*res.Objective-zLP)
			}
		}
	}
	return true, nil
}
