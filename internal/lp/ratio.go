package lp

import "math"

// ratioTest is a Harris two-pass ratio test for the entering variable q
// moving in direction dir. Pass one finds the largest step that keeps every
// basic variable within its bounds relaxed by primalTol; pass two picks,
// among the variables blocking within that step, the one with the largest
// |alpha| (the most stable pivot). The step is never negative.
//
// In phase 1 an infeasible basic variable moving towards its violated bound
// blocks at that bound (where its infeasibility ends), and one moving away
// does not block.
//
// It returns the leaving position r and the value target it leaves at, or
// flip when q reaches its own opposite bound first; r < 0 and !flip means
// the direction is unbounded.
func (s *simplex) ratioTest(q int, dir float64) (r int, theta, target float64, flip bool) {
	thetaMax := math.Inf(1)
	for p, a := range s.alpha {
		delta := -dir * a // rate of change of basic p
		if math.Abs(delta) < pivotTol {
			continue
		}
		if t, ok := s.relaxedRatio(p, delta); ok && t < thetaMax {
			thetaMax = t
		}
	}
	span := s.hi[q] - s.lo[q]
	r = -1
	if !math.IsInf(thetaMax, 1) {
		bestAbs := 0.0
		bestRatio := math.Inf(1)
		for p, a := range s.alpha {
			delta := -dir * a
			ad := math.Abs(delta)
			if ad < pivotTol {
				continue
			}
			bound, ok := s.blockingBound(p, delta)
			if !ok {
				continue
			}
			t := (bound - s.x[s.head[p]]) / delta
			if t > thetaMax {
				continue
			}
			better := ad > bestAbs
			if s.bland {
				better = r < 0 || t < bestRatio || (t == bestRatio && s.head[p] < s.head[r])
			}
			if better {
				r, bestAbs, bestRatio, target = p, ad, t, bound
			}
		}
		theta = math.Max(bestRatio, 0)
	}
	if !math.IsInf(span, 1) && (r < 0 || span <= theta) {
		return -1, span, 0, true
	}
	return r, theta, target, false
}

// blockingBound is the bound at which basic position p, changing at rate
// delta, blocks the step, if any.
func (s *simplex) blockingBound(p int, delta float64) (float64, bool) {
	j := s.head[p]
	v, lo, hi := s.x[j], s.lo[j], s.hi[j]
	if delta < 0 {
		switch {
		case v > hi+primalTol:
			return hi, true
		case !math.IsInf(lo, -1) && v >= lo-primalTol:
			return lo, true
		}
		return 0, false
	}
	switch {
	case v < lo-primalTol:
		return lo, true
	case !math.IsInf(hi, 1) && v <= hi+primalTol:
		return hi, true
	}
	return 0, false
}

// relaxedRatio is the step at which basic position p passes its blocking
// bound by primalTol.
func (s *simplex) relaxedRatio(p int, delta float64) (float64, bool) {
	bound, ok := s.blockingBound(p, delta)
	if !ok {
		return 0, false
	}
	v := s.x[s.head[p]]
	if delta < 0 {
		return (v - bound + primalTol) / -delta, true
	}
	return (bound + primalTol - v) / delta, true
}
