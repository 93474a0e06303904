package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Node bound propagation.
//
// Before a node's relaxation is solved, the rows of the columns whose
// bounds the node changed (its branching and the reduced-cost fixings of
// its parent) are propagated: each row's activity bounds imply bounds on
// its integer columns, and a tightened column queues its own rows in
// turn. A row that its activity bounds cannot satisfy proves the node
// infeasible without a relaxation; the implied bounds become bound
// changes of the node, which its children inherit, so that each node
// only propagates what is new to it. The work per node is bounded.

// nodePropWork bounds the row entries one node's propagation visits, per
// nonzero of the model, on top of nodePropMinWork.
const (
	nodePropWork    = 2
	nodePropMinWork = 1000
)

// propagator holds the model's rows for node propagation. It is read
// only once built; the workers of a parallel search share it and keep
// their own propScratch.
type propagator struct {
	rows         [][]entry
	rowLo, rowHi []float64
	colRows      [][]int // the rows of each column
	integer      []bool
	budget       int // row entries one node may visit
}

// propScratch is one search's working state of node propagation.
type propScratch struct {
	queue   []int
	queued  []bool
	changed []int
	moved   []int // the columns tightened, in order
}

// newPropagator indexes the rows of p's model, and those of cuts when
// it is not nil (the relaxation's rows after the root's cut rounds, the
// model's first), that hold an integer column. It returns nil when no
// row does (nothing to propagate).
func newPropagator(p *problem, cuts *cutRows) *propagator {
	m := p.m
	rows, coefs := m.Rows, [][]lp.Coef(nil)
	if cuts != nil {
		rows, coefs = cuts.rows, cuts.coefs
	} else {
		coefs = m.RowCoefs()
	}
	pr := &propagator{
		rows:    make([][]entry, len(rows)),
		rowLo:   make([]float64, len(rows)),
		rowHi:   make([]float64, len(rows)),
		colRows: make([][]int, len(m.Vars)),
		integer: make([]bool, len(m.Vars)),
	}
	for _, j := range p.ints {
		pr.integer[j] = true
	}
	nnz := 0
	for i, r := range rows {
		pr.rowLo[i], pr.rowHi[i] = r.Lo, r.Hi
		// A row without an integer column implies no bound the search
		// uses.
		hasInt := false
		for _, c := range coefs[i] {
			hasInt = hasInt || pr.integer[c.Col] && c.Val != 0
		}
		if !hasInt {
			continue
		}
		for _, c := range coefs[i] {
			if c.Val != 0 {
				pr.rows[i] = append(pr.rows[i], entry{c.Col, c.Val})
				pr.colRows[c.Col] = append(pr.colRows[c.Col], i)
			}
		}
		nnz += len(pr.rows[i])
	}
	if nnz == 0 {
		return nil
	}
	pr.budget = nodePropMinWork + nodePropWork*nnz
	return pr
}

// newScratch returns a working state for pr.
func (pr *propagator) newScratch() *propScratch {
	return &propScratch{queued: make([]bool, len(pr.rows))}
}

// propagate tightens the node bounds lo, hi from the rows of the columns
// of changes. It returns the bounds it tightened as bound changes and
// false when a row cannot be satisfied.
func (pr *propagator) propagate(sc *propScratch, changes []boundChange, lo, hi []float64) ([]boundChange, bool) {
	for _, c := range changes {
		for _, i := range pr.colRows[c.col] {
			if !sc.queued[i] {
				sc.queued[i] = true
				sc.queue = append(sc.queue, i)
			}
		}
	}
	work, ok := 0, true
	sc.moved = sc.moved[:0]
	// The queue is worked through in order; rows queued again go to its
	// end.
	for k := 0; k < len(sc.queue); k++ {
		i := sc.queue[k]
		sc.queued[i] = false
		if work += len(pr.rows[i]); work > pr.budget {
			break
		}
		sc.changed, ok = propagateIntRow(pr.rows[i], pr.rowLo[i], pr.rowHi[i], pr.integer, lo, hi, sc.changed[:0])
		if !ok {
			break
		}
		for _, j := range sc.changed {
			sc.moved = append(sc.moved, j)
			for _, r := range pr.colRows[j] {
				if !sc.queued[r] {
					sc.queued[r] = true
					sc.queue = append(sc.queue, r)
				}
			}
		}
	}
	for _, i := range sc.queue {
		sc.queued[i] = false
	}
	sc.queue = sc.queue[:0]
	if !ok {
		return nil, false
	}
	var implied []boundChange
	for _, j := range sc.moved {
		// A column tightened twice is listed twice; the later entry
		// holds both tightenings.
		implied = append(implied, boundChange{col: j, lo: lo[j], hi: hi[j]})
	}
	return implied, true
}

// propagateIntRow tightens the bounds lo, hi of the integer columns
// (integer[j]) of a row with entries row and sides rlo <= a x <= rhi from
// its activity bounds. It returns the columns it changed and false when
// the row cannot be satisfied.
func propagateIntRow(row []entry, rlo, rhi float64, integer []bool, lo, hi []float64, changed []int) ([]int, bool) {
	minAct, maxAct, minInf, maxInf := activity(row, lo, hi)
	if minInf == 0 && minAct > rhi+slack(rhi, minAct) || maxInf == 0 && maxAct < rlo-slack(rlo, maxAct) {
		return changed, false
	}
	// Most rows imply nothing at most nodes: a pass over the row
	// without divisions shows it before the one that tightens.
	r := intRange(row, integer, lo, hi)
	if quietSide(rhi-minAct, minInf, r) && quietSide(maxAct-rlo, maxInf, r) {
		return changed, true
	}
	return tightenIntRow(row, rlo, rhi, integer, lo, hi, changed, minAct, maxAct, minInf, maxInf)
}

// tightenIntRow is the work of propagateIntRow once the row's activity
// bounds are known: minAct and maxAct with minInf and maxInf infinite
// contributions.
func tightenIntRow(row []entry, rlo, rhi float64, integer []bool, lo, hi []float64, changed []int,
	minAct, maxAct float64, minInf, maxInf int) ([]int, bool) {
	for _, e := range row {
		j := e.idx
		if !integer[j] || lo[j] == hi[j] {
			continue
		}
		l, h := lo[j], hi[j]
		if e.val < 0 {
			l, h = h, l
		}
		// The residual activity of the other entries.
		resMin, resMinInf := minAct, minInf
		if math.IsInf(l, 0) {
			resMinInf--
		} else {
			resMin -= e.val * l
		}
		resMax, resMaxInf := maxAct, maxInf
		if math.IsInf(h, 0) {
			resMaxInf--
		} else {
			resMax -= e.val * h
		}
		newLo, newHi := lo[j], hi[j]
		// a x <= rhi - resMin and a x >= rlo - resMax.
		if !math.IsInf(rhi, 1) && resMinInf == 0 {
			b := (rhi - resMin) / e.val
			if e.val > 0 {
				newHi = min(newHi, math.Floor(b+intBoundSlack(b)))
			} else {
				newLo = max(newLo, math.Ceil(b-intBoundSlack(b)))
			}
		}
		if !math.IsInf(rlo, -1) && resMaxInf == 0 {
			b := (rlo - resMax) / e.val
			if e.val > 0 {
				newLo = max(newLo, math.Ceil(b-intBoundSlack(b)))
			} else {
				newHi = min(newHi, math.Floor(b+intBoundSlack(b)))
			}
		}
		if newLo > newHi {
			return changed, false
		}
		if newLo > lo[j] || newHi < hi[j] {
			lo[j], hi[j] = newLo, newHi
			changed = append(changed, j)
			// The activities change with the bounds: move j's
			// contributions from the old bounds to the new ones.
			nl, nh := newLo, newHi
			if e.val < 0 {
				nl, nh = nh, nl
			}
			minAct, minInf = moveContribution(minAct, minInf, e.val, l, nl)
			maxAct, maxInf = moveContribution(maxAct, maxInf, e.val, h, nh)
		}
	}
	return changed, true
}

// moveContribution returns the activity bound act, with inf infinite
// contributions, after the contribution a·from of one entry became a·to.
func moveContribution(act float64, inf int, a, from, to float64) (float64, int) {
	if math.IsInf(from, 0) {
		inf--
	} else {
		act -= a * from
	}
	if math.IsInf(to, 0) {
		inf++
	} else {
		act += a * to
	}
	return act, inf
}

// intRange returns the largest |a_j|·(hi_j - lo_j) over the integer
// entries of row that are not fixed: +Inf when one of them has an
// infinite bound or, as may a continuous relaxation's, a fractional one.
func intRange(row []entry, integer []bool, lo, hi []float64) float64 {
	r := 0.0
	for _, e := range row {
		j := e.idx
		if !integer[j] || lo[j] == hi[j] {
			continue
		}
		if lo[j] != math.Floor(lo[j]) || hi[j] != math.Floor(hi[j]) {
			return math.Inf(1)
		}
		r = max(r, math.Abs(e.val)*(hi[j]-lo[j]))
	}
	return r
}

// quietSide reports whether one side of a row cannot tighten the bound
// of any integer entry whose coefficient times its range is at most r.
// gap is the side's distance from the activity bound facing it (+Inf or
// NaN for an infinite side) and inf that bound's number of infinite
// contributions. With none, an entry's implied bound lies gap/|a_j|
// beyond its own bound, short of its other bound only when gap is below
// |a_j|·(hi_j - lo_j). With one, only the entry that contributes it can
// be bounded, and r is +Inf if that entry is an integer one; with two or
// more, no entry can.
func quietSide(gap float64, inf int, r float64) bool {
	if math.IsInf(gap, 1) || math.IsNaN(gap) || inf >= 2 {
		return true
	}
	return gap >= r*(1+1e-9)+1e-9
}
