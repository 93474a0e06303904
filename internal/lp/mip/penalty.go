package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Penalties bound the children of a branching before they are solved
// (Driebeck's one-step penalties). At a node whose relaxation is optimal,
// the down child of a fractional basic variable x_j adds the bound
// x_j <= floor(x_j): x_j must fall by f, its fractional part. The dual
// simplex would reoptimise by letting x_j leave the basis; its first
// step moves the duals along the tableau row of x_j as far as the first
// reduced cost reaching zero allows, and the dual objective rises by
//
//	f · min |d_k| / |a_k|
//
// over the nonbasic variables k that can move in the direction that
// lowers x_j (a_k the entry of the tableau row, d_k the reduced cost);
// likewise with 1-f for the up child. The duals after that step are dual
// feasible for the child, so its relaxation value is at least the
// node's plus the penalty: a valid bound, which the child takes into
// the open queue (prune and order it) instead of its parent's value.
// Tomlin's rounding of the step for integer k, which GLPK uses to choose
// the branching variable, would not give a bound on the relaxation and
// is not applied.
//
// The penalties cost one tableau row (a BTRAN and a row of the nonbasic
// matrix) and are computed for the chosen branching variable only, when
// the relaxation still holds the node's factored basis: after strong
// branching it does not, and a variable it tried has a measured value
// for its children, at least the penalty.

// penalties returns the penalties of the down [0] and up [1] child of
// fractional variable j at the node whose optimal relaxation is res, and
// false when the relaxation no longer holds that basis factored (strong
// branching moved it; its trials bound the children it solved).
func (s *search) penalties(res *lp.Result, j int) ([2]float64, bool) {
	cols, vals, ok := s.rel.TableauRow(j)
	if !ok {
		return [2]float64{}, false
	}
	n := len(s.p.m.Vars)
	f := res.X[j] - math.Floor(res.X[j])
	need := [2]float64{f, 1 - f}
	pen := [2]float64{math.Inf(1), math.Inf(1)}
	for idx, k := range cols {
		a := vals[idx]
		if a == 0 {
			continue
		}
		v, lo, hi := s.tableauVar(res, k)
		var d float64
		if k < n {
			d = res.ReducedCost[k]
		} else {
			d = res.RowDual[k-n]
		}
		if lo == hi {
			continue // a fixed variable cannot enter
		}
		// Reduced costs within the dual tolerance of 0 give a step of 0.
		cost := math.Abs(d)
		if cost <= penaltyDualTol {
			cost = 0
		}
		atLo := !math.IsInf(lo, -1) && math.Abs(v-lo) <= penaltyBoundTol*(1+math.Abs(lo))
		atHi := !math.IsInf(hi, 1) && math.Abs(v-hi) <= penaltyBoundTol*(1+math.Abs(hi))
		// x_j + a·v_k = const: raising v_k lowers x_j when a > 0. A
		// variable at a bound moves away from it only; one at neither
		// (free) moves either way.
		for _, raise := range [2]bool{false, true} {
			if raise && atHi && !atLo || !raise && atLo && !atHi {
				continue
			}
			up := (a > 0) != raise // the direction x_j moves
			if p := cost * need[dir(up)] / math.Abs(a); p < pen[dir(up)] {
				pen[dir(up)] = p
			}
		}
	}
	return pen, true
}

// penaltyDualTol and penaltyBoundTol are the tolerances below which a
// reduced cost counts as zero and a nonbasic variable's value as its
// bound.
const (
	penaltyDualTol  = 1e-9
	penaltyBoundTol = 1e-7
)

// tableauVar returns the value in res and the bounds of variable k of a
// tableau row (lp.Relaxation.TableauRow): structural variable k, or the
// activity of row k - n of the relaxation (a model row or a cut).
func (s *search) tableauVar(res *lp.Result, k int) (v, lo, hi float64) {
	n := len(s.p.m.Vars)
	if k < n {
		lo, hi = s.rel.Bounds(k)
		return res.X[k], lo, hi
	}
	i := k - n
	rows := s.p.m.Rows
	if s.cuts != nil {
		rows = s.cuts.rows
	}
	return res.RowActivity[i], rows[i].Lo, rows[i].Hi
}
