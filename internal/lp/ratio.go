package lp

import (
	"cmp"
	"math"
	"slices"
)

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
	// Pass one: blocking candidates and the relaxed step bound.
	cands := s.bps[:0]
	thetaMax := math.Inf(1)
	for p, a := range s.alpha {
		if a == 0 {
			continue
		}
		delta := -dir * a // rate of change of basic p
		ad := math.Abs(delta)
		if ad < pivotTol {
			continue
		}
		bound, ok := s.blockingBound(p, delta)
		if !ok {
			continue
		}
		dist := (bound - s.x[s.head[p]]) / delta // exact step to the bound
		if relaxed := dist + primalTol/ad; relaxed < thetaMax {
			thetaMax = relaxed
		}
		cands = append(cands, breakpoint{t: dist, pos: p, bound: bound, delta: ad})
	}
	s.bps = cands
	span := s.hi[q] - s.lo[q]
	r = -1
	if len(cands) > 0 {
		// Pass two: the largest |alpha| among the candidates within reach.
		bestAbs := 0.0
		bestRatio := math.Inf(1)
		for _, c := range cands {
			if c.t > thetaMax {
				continue
			}
			better := c.delta > bestAbs
			if s.bland {
				better = r < 0 || c.t < bestRatio || (c.t == bestRatio && s.head[c.pos] < s.head[r])
			}
			if better {
				r, bestAbs, bestRatio, target = c.pos, c.delta, c.t, c.bound
			}
		}
		theta = max(bestRatio, 0)
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

// breakpoint is a step length at which a basic variable crosses a bound,
// increasing the slope of the phase-1 objective by |delta|.
type breakpoint struct {
	t     float64
	pos   int
	bound float64
	delta float64 // |rate of change|
}

// phase1RatioTest is a long-step ratio test for the composite phase 1: it
// follows the piecewise-linear sum of infeasibilities along the edge and
// stops where its slope turns non-negative, passing over breakpoints where
// infeasible variables become feasible (or feasible ones infeasible) while
// that still pays. Among the breakpoints within primalTol of the stopping
// point, the largest |alpha| leaves, as in the Harris test.
func (s *simplex) phase1RatioTest(q int, dir float64) (r int, theta, target float64, flip bool) {
	bps := s.bps[:0]
	add := func(p int, t, bound, ad float64) {
		bps = append(bps, breakpoint{t: max(t, 0), pos: p, bound: bound, delta: ad})
	}
	for p, a := range s.alpha {
		delta := -dir * a
		ad := math.Abs(delta)
		if ad < pivotTol {
			continue
		}
		j := s.head[p]
		v, lo, hi := s.x[j], s.lo[j], s.hi[j]
		if delta > 0 {
			switch {
			case v < lo-primalTol:
				add(p, (lo-v)/ad, lo, ad)
				if !math.IsInf(hi, 1) {
					add(p, (hi-v)/ad, hi, ad)
				}
			case !math.IsInf(hi, 1) && v <= hi+primalTol:
				add(p, (hi-v)/ad, hi, ad)
			}
		} else {
			switch {
			case v > hi+primalTol:
				add(p, (v-hi)/ad, hi, ad)
				if !math.IsInf(lo, -1) {
					add(p, (v-lo)/ad, lo, ad)
				}
			case !math.IsInf(lo, -1) && v >= lo-primalTol:
				add(p, (v-lo)/ad, lo, ad)
			}
		}
	}
	s.bps = bps
	slices.SortFunc(bps, func(a, b breakpoint) int { return cmp.Compare(a.t, b.t) })
	span := s.hi[q] - s.lo[q]
	slope := dir * s.d[q]
	for k, bp := range bps {
		if bp.t > span {
			break
		}
		slope += bp.delta
		// The sum of infeasibilities is bounded below, so once every
		// breakpoint is passed the slope is non-negative up to rounding.
		if slope < -dualTol && k < len(bps)-1 {
			continue
		}
		best := k
		for i := k - 1; i >= 0 && (bp.t-bps[i].t)*bps[i].delta <= primalTol; i-- {
			if bps[i].delta > bps[best].delta {
				best = i
			}
		}
		return bps[best].pos, bp.t, bps[best].bound, false
	}
	if !math.IsInf(span, 1) {
		return -1, span, 0, true
	}
	return -1, 0, 0, false
}
