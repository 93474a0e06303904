package lp

import (
	"math"
	"slices"
)

// runPrimal iterates the primal simplex from the current basis until a
// final status. A context error other than a deadline is returned as an
// error.
func (s *simplex) runPrimal() (Status, error) {
	switch {
	case !s.warm:
		s.refactor()
	case !s.exact:
		s.recomputeBasics()
	}

	for {
		if st, err := s.checkLimits(); st != "" || err != nil {
			return st, err
		}
		phase1 := s.phaseCosts()
		switch {
		case !s.dualsOK || phase1 != s.dualsPhase1:
			s.computeDuals(phase1)
		case !slices.Equal(s.cB, s.dualCB):
			s.correctDuals()
		}
		q, dir := s.price(phase1)
		if q < 0 && s.perturbed {
			s.removePerturbation()
			continue
		}
		if q < 0 {
			switch {
			case s.warm && !s.exact:
				s.recomputeBasics()
				continue
			case !s.warm && !s.fresh:
				s.refactor()
				continue
			case phase1:
				return Infeasible, nil
			}
			return Optimal, nil
		}
		s.ftranColumn(q)
		var r int
		var theta, target float64
		var flip bool
		if phase1 && !s.bland {
			r, theta, target, flip = s.phase1RatioTest(q, dir)
		} else {
			r, theta, target, flip = s.ratioTest(q, dir)
		}
		if r < 0 && !flip {
			if !s.fresh {
				s.refactor()
				continue
			}
			if phase1 {
				// Numerically a phase-1 ray cannot exist: refuse q for now.
				s.refuse(q)
				continue
			}
			return Unbounded, nil
		}
		s.iters++
		s.step(q, dir, theta)
		s.trackDegeneracy(theta)
		if flip {
			if dir > 0 {
				s.x[q] = s.hi[q]
			} else {
				s.x[q] = s.lo[q]
			}
			s.stale()
			continue
		}
		s.pivot(q, r, target, phase1)
		if s.lu.wantsRefactor() {
			s.refactor()
		}
	}
}

// step moves the entering variable q by dir*theta and the basic variables
// accordingly.
func (s *simplex) step(q int, dir, theta float64) {
	if theta == 0 {
		return
	}
	s.x[q] += dir * theta
	t := -dir * theta
	for p, a := range s.alpha {
		if a != 0 {
			s.x[s.head[p]] += t * a
		}
	}
}

// pivot makes q basic at position r; the leaving variable is set to target.
// The pivot row updates the reduced costs and the pricing weights.
func (s *simplex) pivot(q, r int, target float64, phase1 bool) {
	p := s.head[r]
	s.x[p] = target
	s.pivotRow(r)
	s.updateDuals(q, r, phase1)
	if s.steepest {
		s.updateSteepestEdge(q, r)
	} else {
		s.updateWeights(q, r)
	}
	s.replaceBasic(r, q)
	s.dweightsOK = false
	s.stale()
	if !s.lu.update(r, s.alpha[r]) {
		s.refactor()
	}
	for _, j := range s.rejected {
		s.reject[j] = false
	}
	s.rejected = s.rejected[:0]
}

// refuse excludes q from pricing until the next basis change.
func (s *simplex) refuse(q int) {
	s.reject[q] = true
	s.rejected = append(s.rejected, q)
}

// trackDegeneracy counts consecutive degenerate steps and, when the
// method stalls, perturbs the bounds of the basic variables (which makes
// the vertex nondegenerate); smallest-index pricing is the last resort.
func (s *simplex) trackDegeneracy(theta float64) {
	if theta > zeroStep {
		s.degenerate = 0
		s.bland = false
		return
	}
	s.degenerate++
	if s.degenerate < stallIterations {
		return
	}
	if !s.perturbed && s.perturbations < maxPerturbations {
		s.perturb()
	} else if s.degenerate > 4*stallIterations {
		s.bland = true
	}
}

// perturb widens the finite bounds of the basic variables by small random
// amounts. Widening keeps the basis as feasible as it was.
func (s *simplex) perturb() {
	if s.origLo == nil {
		s.origLo = make([]float64, len(s.lo))
		s.origHi = make([]float64, len(s.hi))
	}
	copy(s.origLo, s.lo)
	copy(s.origHi, s.hi)
	s.perturbed = true
	s.perturbations++
	s.degenerate = 0
	for _, j := range s.head {
		if s.lo[j] == s.hi[j] {
			continue
		}
		if !math.IsInf(s.lo[j], -1) {
			s.lo[j] -= (1 + s.rng.Float64()) * perturbScale * (1 + math.Abs(s.lo[j]))
		}
		if !math.IsInf(s.hi[j], 1) {
			s.hi[j] += (1 + s.rng.Float64()) * perturbScale * (1 + math.Abs(s.hi[j]))
		}
	}
}

// removePerturbation restores the true bounds, moves nonbasic variables
// back onto them and recomputes the basic variables; the iteration then
// continues (in phase 1 if the basis became slightly infeasible).
func (s *simplex) removePerturbation() {
	copy(s.lo, s.origLo)
	copy(s.hi, s.origHi)
	for j, p := range s.pos {
		if p < 0 {
			s.x[j] = nonbasicValue(s.lo[j], s.hi[j], s.x[j])
		}
	}
	s.perturbed = false
	s.bland = false
	s.degenerate = 0
	s.refactor()
}
