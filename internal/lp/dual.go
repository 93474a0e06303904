package lp

import (
	"math"
	"slices"
)

// Dual simplex.
//
// The dual simplex keeps the reduced costs dual feasible (d_j >= 0 at a
// lower bound, <= 0 at an upper bound, 0 for free nonbasic variables) and
// drives out primal infeasibilities: each iteration picks an infeasible
// basic variable to leave at its violated bound (dual steepest-edge
// pricing), then the entering variable by a Harris ratio test on the pivot
// row.
//
// Dual feasibility of the starting basis is obtained by placing boxed
// variables at the bound matching the sign of their reduced cost and by
// giving other variables temporary artificial bounds (a "big box"). The
// true bounds and costs are restored at the end and the primal simplex
// finishes from the final basis, which removes any effect of the
// artificial bounds and of cost perturbations.

// artificialBound is the size of the temporary box, in scaled units.
const artificialBound = 1e6

// dualResult tells the caller how the dual phase ended.
type dualResult struct {
	status     Status
	artificial bool // artificial bounds or cost perturbations were in use
	// unproven is set with status Infeasible when the last pivot row held
	// entries too small to pivot on that might, within their bounds,
	// have closed the leaving variable's gap: the primal simplex decides.
	unproven bool
}

// runDual runs the dual simplex from the current basis.
func (s *simplex) runDual() (dualResult, error) {
	// The true bounds and costs, restored at the end: artificial bounds
	// and cost perturbations are the dual phase's own.
	s.trueLo = append(s.trueLo[:0], s.lo...)
	s.trueHi = append(s.trueHi[:0], s.hi...)
	s.trueCost = append(s.trueCost[:0], s.cost...)
	trueLo, trueHi, trueCost := s.trueLo, s.trueHi, s.trueCost
	res := dualResult{}
	defer func() {
		if slices.Equal(s.lo, trueLo) && slices.Equal(s.hi, trueHi) && slices.Equal(s.cost, trueCost) {
			return // no artificial bounds or perturbed costs to undo
		}
		copy(s.lo, trueLo)
		copy(s.hi, trueHi)
		copy(s.cost, trueCost)
		for j, p := range s.pos {
			if p < 0 {
				s.x[j] = nonbasicValue(s.lo[j], s.hi[j], s.x[j])
			}
		}
		s.stale()
		s.dualsOK = false
	}()
	if !s.warm || !s.dweightsOK {
		// The dual weights belong to the basis they were updated for; a
		// warm solve keeps those of its starting basis: the final basis
		// of the last solve or a saved one.
		for i := range s.dweight {
			s.dweight[i] = 1
		}
		s.dweightsOK = true
	}
	if s.warm {
		s.recomputeBasics()
	} else {
		s.refactor()
	}
	degenerate := 0
	// Every stallIterations pivots the dual objective must have grown: at
	// a point where many reduced costs lie within dualTol of zero, the
	// Harris ratio test can take steps of that size that undo each other
	// and cycle without any of them counting as degenerate.
	pivots, lastObj := 0, math.Inf(-1)
	for {
		if st, err := s.checkLimits(); st != "" || err != nil {
			res.status = st
			return res, err
		}
		// After SetBounds alone the reduced costs of the last solve still
		// hold (recomputing them from the same factors would give the
		// same values); only the nonbasic variables move.
		if stale := !s.dualsOK; stale || s.boundsMoved {
			if stale {
				for p, j := range s.head {
					s.cB[p] = s.cost[j]
				}
				s.computeDuals(false)
			}
			s.boundsMoved = false
			if s.makeDualFeasible() {
				res.artificial = true
			}
		}
		r := s.dualPrice()
		if r < 0 {
			if s.warm && !s.exact {
				s.recomputeBasics()
				continue
			}
			if !s.warm && !s.fresh {
				s.refactor()
				continue
			}
			res.status = Optimal
			return res, nil
		}
		s.pivotRow(r)
		p := s.head[r]
		target, sgn := s.lo[p], 1.0
		if s.x[p] > s.hi[p] {
			target, sgn = s.hi[p], -1
		}
		q, unproven := s.dualRatioTest(sgn, math.Abs(s.x[p]-target))
		if q < 0 {
			if !s.fresh {
				s.refactor()
				continue
			}
			res.status, res.unproven = Infeasible, unproven
			return res, nil
		}
		s.ftranColumn(q)
		arq := s.alpha[r]
		if math.Abs(arq-s.rowAlpha[q]) > 1e-6*(1+math.Abs(arq)) || math.Abs(arq) < pivotTol {
			// Row and column disagree: the factors have lost accuracy.
			if !s.fresh {
				s.refactor()
				continue
			}
		}
		s.iters++
		// Primal step: x_q moves so that x_p reaches its violated bound.
		delta := (s.x[p] - target) / arq
		s.x[q] += delta
		for i, a := range s.alpha {
			if a != 0 {
				s.x[s.head[i]] -= a * delta
			}
		}
		s.x[p] = target
		if math.Abs(s.d[q]/arq) < zeroStep {
			degenerate++
		} else {
			degenerate = 0
		}
		s.updateDuals(q, r, false)
		s.updateDualWeights(r)
		s.replaceBasic(r, q)
		s.stale()
		if !s.lu.update(r, arq) {
			s.refactor()
		}
		s.flipBoxed()
		if s.pastLimit(res.artificial) {
			res.status = ObjectiveLimit
			return res, nil
		}
		pivots++
		stalled := false
		if pivots%stallIterations == 0 {
			obj := s.objective()
			stalled = obj <= lastObj+zeroStep*(1+math.Abs(lastObj))
			lastObj = obj
		}
		if degenerate >= stallIterations || stalled {
			s.perturbCosts()
			res.artificial = true
			degenerate = 0
			lastObj = s.objective()
		}
		if s.lu.wantsRefactor() {
			s.refactor()
		}
	}
}

// pastLimit reports whether the objective of the current basis, dual
// feasible for the true bounds and costs unless artificial, has passed
// the objective limit by more than a relative 1e-9: in the dual simplex
// that objective is the value of a dual feasible point, a lower bound on
// the optimum.
func (s *simplex) pastLimit(artificial bool) bool {
	if artificial || math.IsInf(s.objLimit, 1) {
		return false
	}
	return s.objective() > s.objLimit+1e-9*(1+math.Abs(s.objLimit))
}

// makeDualFeasible moves nonbasic variables to the bound that their reduced
// cost calls for, creating artificial bounds where that bound is infinite,
// and recomputes the basic variables if anything moved. It reports whether
// artificial bounds were added.
func (s *simplex) makeDualFeasible() bool {
	moved, artificial := false, false
	for j, p := range s.pos {
		if p >= 0 || s.lo[j] == s.hi[j] {
			continue
		}
		dj := s.d[j]
		switch {
		case dj > dualTol && s.x[j] != s.lo[j]:
			if math.IsInf(s.lo[j], -1) {
				s.lo[j] = min(s.x[j], 0) - artificialBound
				artificial = true
			}
			s.x[j], moved = s.lo[j], true
		case dj < -dualTol && s.x[j] != s.hi[j]:
			if math.IsInf(s.hi[j], 1) {
				s.hi[j] = max(s.x[j], 0) + artificialBound
				artificial = true
			}
			s.x[j], moved = s.hi[j], true
		}
	}
	if moved {
		s.computeBasics()
	}
	return artificial
}

// dualPrice returns the basis position of the infeasible basic variable
// with the largest infeasibility²/weight, or -1 when the basis is primal
// feasible.
func (s *simplex) dualPrice() int {
	r, best := -1, 0.0
	for i, j := range s.head {
		v := s.x[j]
		var inf float64
		switch {
		case v < s.lo[j]-primalTol:
			inf = s.lo[j] - v
		case v > s.hi[j]+primalTol:
			inf = v - s.hi[j]
		default:
			continue
		}
		if score := inf * inf / s.dweight[i]; score > best {
			r, best = i, score
		}
	}
	return r
}

// dualRatioTest chooses the entering variable for the pivot row in
// rowAlpha, where sgn is +1 when the leaving variable must increase to its
// lower bound and -1 when it must decrease to its upper bound, and gap is
// its distance to that bound. It is a Harris two-pass test on the reduced
// costs: the first pass bounds the dual step with the reduced costs
// relaxed by dualTol, the second picks the largest |alpha| among the
// candidates within that bound. It returns -1 when no variable can enter:
// the row is a ray of the dual, which proves the program infeasible.
//
// Entries below dualPivotRel times the largest |alpha| of the row are no
// pivots: they are mostly rounding errors around a zero, and a pivot on
// one makes the basis numerically singular; the next factorisation then
// repairs it back towards the basis it left, and the method cycles. When
// only such entries could move the leaving variable, -1 is returned too;
// unproven is then set if their variables could close the gap within
// their bounds (the row alone does not prove infeasibility).
func (s *simplex) dualRatioTest(sgn, gap float64) (q int, unproven bool) {
	// One pass gathers the candidates and the row's largest nonbasic
	// entry; the two passes of the test then read only the candidates.
	rowMax := 0.0
	cands := s.dualCands[:0]
	for _, j := range s.rowNz {
		if s.pos[j] >= 0 {
			continue
		}
		rowMax = max(rowMax, math.Abs(s.rowAlpha[j]))
		if dd, a, ok := s.dualCandidate(j, s.rowAlpha[j], sgn); ok {
			cands = append(cands, dualCand{j: j, dd: dd, a: a})
		}
	}
	s.dualCands = cands
	minPivot := max(pivotTol, dualPivotRel*rowMax)
	thetaMax := math.Inf(1)
	reach := 0.0 // how far the entries below minPivot can move the leaving variable
	for _, c := range cands {
		if c.a < minPivot {
			reach += c.a * (s.hi[c.j] - s.lo[c.j])
		} else {
			thetaMax = min(thetaMax, (c.dd+dualTol)/c.a)
		}
	}
	if math.IsInf(thetaMax, 1) {
		return -1, !(reach < gap-primalTol)
	}
	q, best := -1, 0.0
	for _, c := range cands {
		if c.a >= minPivot && c.dd/c.a <= thetaMax && c.a > best {
			q, best = c.j, c.a
		}
	}
	return q, false
}

// dualCand is a candidate of the dual ratio test: nonbasic j, its reduced
// cost's distance to zero dd and its pivot row entry's magnitude a.
type dualCand struct {
	j     int
	dd, a float64
}

// dualPivotRel is the smallest |alpha| accepted as a dual simplex pivot,
// relative to the largest entry of the pivot row.
const dualPivotRel = 1e-7

// dualCandidate reports whether nonbasic j can enter for the pivot row
// entry arj, with its reduced cost distance to zero dd (>= 0 when dual
// feasible, clamped at zero) and |arj|.
func (s *simplex) dualCandidate(j int, arj, sgn float64) (dd, a float64, ok bool) {
	if arj == 0 || s.pos[j] >= 0 {
		return 0, 0, false
	}
	a = math.Abs(arj)
	if a < pivotTol {
		return 0, 0, false
	}
	switch t := sgn * arj; {
	case t < 0 && s.x[j] < s.hi[j]:
		dd = s.d[j]
	case t > 0 && s.x[j] > s.lo[j]:
		dd = -s.d[j]
	default:
		return 0, 0, false
	}
	return max(dd, 0), a, true
}

// updateDualWeights updates the dual steepest-edge weights
// w_i = ||e_iᵀB⁻¹||² (Forrest–Goldfarb) for a pivot in position r, given
// the pivot column alpha and the pivot row rho = B⁻ᵀe_r; it needs
// tau = B⁻¹rho, one extra FTRAN. The weight of row r is taken exactly as
// ||rho||².
func (s *simplex) updateDualWeights(r int) {
	tau := s.tau
	copy(tau, s.rho)
	s.lu.ftran(tau, false)
	wr := 0.0
	for _, v := range s.rho {
		wr += v * v
	}
	arq := s.alpha[r]
	inv := 1 / arq
	for i, a := range s.alpha {
		if a == 0 || i == r {
			continue
		}
		t := a * inv
		s.dweight[i] = max(s.dweight[i]+t*(t*wr-2*tau[i]), minDualWeight)
	}
	s.dweight[r] = max(wr*inv*inv, minDualWeight)
}

// minDualWeight bounds the dual steepest-edge weights from below, against
// cancellation in their update.
const minDualWeight = 1e-4

// flipBoxed moves boxed nonbasic variables whose reduced cost changed sign
// to their other bound and updates the basic variables.
func (s *simplex) flipBoxed() {
	rhs := s.rho // free after the pivot row was used
	clear(rhs)
	flipped := false
	for _, j := range s.rowNz {
		arj := s.rowAlpha[j]
		if arj == 0 || s.pos[j] >= 0 || math.IsInf(s.lo[j], -1) || math.IsInf(s.hi[j], 1) || s.lo[j] == s.hi[j] {
			continue
		}
		var to float64
		switch {
		case s.x[j] == s.lo[j] && s.d[j] < -dualTol:
			to = s.hi[j]
		case s.x[j] == s.hi[j] && s.d[j] > dualTol:
			to = s.lo[j]
		default:
			continue
		}
		delta := to - s.x[j]
		s.x[j] = to
		idx, val := s.column(j)
		for k, i := range idx {
			rhs[i] += val[k] * delta
		}
		flipped = true
	}
	if !flipped {
		return
	}
	s.lu.ftran(rhs, false)
	for i, v := range rhs {
		if v != 0 {
			s.x[s.head[i]] -= v
		}
	}
}

// perturbCosts adds small random amounts to the costs of nonbasic
// variables, in the direction that keeps them dual feasible, to break the
// ties that make the dual simplex stall.
func (s *simplex) perturbCosts() {
	for j, p := range s.pos {
		if p >= 0 || s.lo[j] == s.hi[j] {
			continue
		}
		xi := (1 + s.rng.Float64()) * perturbScale * (1 + math.Abs(s.cost[j]))
		switch {
		case s.x[j] == s.lo[j]:
		case s.x[j] == s.hi[j]:
			xi = -xi
		default:
			continue
		}
		s.cost[j] += xi
		s.d[j] += xi
	}
}

// objective returns cᵀx for the current values: the dual objective while
// the dual simplex runs (the rows' right-hand sides are zero).
func (s *simplex) objective() float64 {
	obj := 0.0
	for j, c := range s.cost {
		if c != 0 {
			obj += c * s.x[j]
		}
	}
	return obj
}
