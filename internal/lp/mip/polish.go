package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// polishTol is the relative row and bound tolerance a polished incumbent
// must meet; a relaxation's vertex may pass a row by the simplex
// tolerance in scaled units, far more than that.
const polishTol = 1e-9

// polish returns a new incumbent candidate x with its continuous part
// re-solved: the integer variables are fixed at their rounded values and
// the linear program left over the continuous variables is solved (a
// Relaxation of its own, warm-started from the previous polish). The
// result replaces x when it satisfies the model within polishTol and is
// not worse than x by more than feasTol (relative); otherwise x is
// returned as it is.
func (s *search) polish(x []float64) []float64 {
	if len(s.p.ints) == len(x) || s.ctx.Err() != nil {
		return x
	}
	if s.pol == nil {
		rel, err := lp.NewRelaxation(s.p.m, s.opts.LP)
		if err != nil {
			return x
		}
		for j := range x {
			rel.SetBounds(j, s.p.lo[j], s.p.hi[j])
		}
		s.pol = rel
	}
	for _, j := range s.p.ints {
		v := math.Round(x[j])
		s.pol.SetBounds(j, v, v)
	}
	res, err := s.pol.Solve(s.ctx)
	if err != nil || res.Status != lp.Optimal {
		return x
	}
	s.iterations += res.Iterations
	y := res.X
	for j := range y {
		y[j] = min(max(y[j], s.p.lo[j]), s.p.hi[j])
	}
	for _, j := range s.p.ints {
		y[j] = math.Round(x[j])
	}
	// y is optimal for the fixed integers: it may only be worse than x
	// by what x gained from passing rows.
	objX := s.p.objective(x)
	if !s.p.feasible(y, polishTol) || s.p.sign*(s.p.objective(y)-objX) > feasTol*(1+math.Abs(objX)) {
		return x
	}
	return y
}
