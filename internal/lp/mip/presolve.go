package mip

import (
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// MIP presolve. presolve reduces a model before the search, keeping its
// integer optimum, and postsolve maps the search's result back to the
// caller's model. The reductions:
//
//   - integer bounds are rounded inwards;
//   - bound propagation: the activity bounds of each row tighten the
//     bounds of its integer variables (rounded), a row that cannot be
//     violated is removed, one that cannot be satisfied proves the model
//     infeasible;
//   - empty rows are checked and removed, singleton rows become bounds;
//   - fixed columns are removed, their contribution moved to the row
//     bounds and the objective constant;
//   - dual fixing (a column dominated by one of its bounds): a column
//     whose objective does not prefer increasing it and that no row stops
//     from decreasing is fixed at its lower bound, and symmetrically;
//   - coefficient tightening: in a one-sided row that a binary variable
//     at one of its values makes redundant, its coefficient and the row
//     bound shrink so that the integer points stay and the relaxation
//     tightens;
//   - duplicate rows (the same coefficients up to a factor) are merged
//     into one with the intersection of their bounds;
//   - duplicate columns (the same coefficients in every row, the same
//     type) with the same objective are merged into one whose bounds are
//     the sums, which postsolve splits back; with different objectives,
//     one of them is fixed when the other is unbounded in the direction
//     that would take its value (presolve_dupcols.go);
//   - probing: each binary variable is set to 0 and to 1 in turn and the
//     bounds propagated (within a work budget); a value that makes the
//     rows infeasible fixes the variable to the other, and a variable
//     fixed to the same value both ways is fixed.
//
// Every reduction keeps the set of integer feasible points up to removed
// columns, whose values postsolve restores, and dual fixing keeps at
// least one optimal point, so objective, bound and gap are those of the
// caller's model.

// presolveTol is the feasibility tolerance of the reductions: bounds are
// rounded and rows judged with this slack, relative to the magnitudes.
const presolveTol = 1e-6

// propagateWork bounds the row entries a round of bound propagation
// visits, per nonzero of the model: chains of implied bounds that shrink
// a wide domain one unit at a time stop there.
const propagateWork = 100

// maxProbeRounds bounds the rounds of probing.
const maxProbeRounds = 3

// intSlack is the slack allowed before an integer bound is rounded.
const intSlack = 1e-6

// maxPresolvePasses bounds the rounds of the reductions.
const maxPresolvePasses = 20

// probeWork bounds the row entries probing visits, per nonzero of the
// model, and maxProbeWork in all.
const (
	probeWork    = 1000
	maxProbeWork = 20_000_000
)

// entry is a nonzero of a row or of a column.
type entry struct {
	idx int // the column of a row entry, the row of a column entry
	val float64
}

// pre is the working state of presolve.
type pre struct {
	m        *lp.Model
	sign     float64
	lo, hi   []float64 // column bounds
	obj      []float64 // minimisation-form objective
	integer  []bool
	colGone  []bool
	rowLo    []float64
	rowHi    []float64
	rows     [][]entry // live row entries; fixed columns stay until removed
	cols     [][]entry // column entries (rows may be gone)
	rowGone  []bool
	infeas   bool
	changed  bool
	rowQueue []int
	queued   []bool
	work     int   // row entries visited by propagation
	trail    []int // the columns propagation changed
	// splits lists the merges of duplicate columns, in order, and
	// merged marks the columns merged into another.
	splits []colSplit
	merged []bool
}

// presolved is the outcome of presolve: the reduced model and what
// postsolve needs to map results back.
type presolved struct {
	orig *lp.Model
	// red is the reduced model, nil when presolve proved the model
	// infeasible or fixed every column.
	red *lp.Model
	// colOf maps the reduced model's columns to the caller's.
	colOf []int
	// x holds the values of the caller's columns presolve removed.
	x []float64
	// splits are the merges of duplicate columns, undone in reverse.
	splits     []colSplit
	infeasible bool
}

// presolve reduces m. It returns nil when m has invalid data (left to the
// solver to report) or nothing to reduce.
func presolve(m *lp.Model) *presolved {
	p := newPre(m)
	if p == nil {
		return nil
	}
	p.run()
	return p.result()
}

// newPre builds the working state, or returns nil for invalid data.
func newPre(m *lp.Model) *pre {
	n, nr := len(m.Vars), len(m.Rows)
	p := &pre{
		m: m, sign: 1,
		lo: make([]float64, n), hi: make([]float64, n), obj: make([]float64, n),
		integer: make([]bool, n), colGone: make([]bool, n),
		rowLo: make([]float64, nr), rowHi: make([]float64, nr),
		rows: make([][]entry, nr), cols: make([][]entry, n), rowGone: make([]bool, nr),
		queued: make([]bool, nr), merged: make([]bool, n),
	}
	if m.Sense == lp.Maximize {
		p.sign = -1
	}
	if m.Sense != lp.Minimize && m.Sense != lp.Maximize || !finite(m.ObjConst) {
		return nil
	}
	for j, v := range m.Vars {
		if !finite(v.Obj) || math.IsNaN(v.Lo) || math.IsNaN(v.Hi) || v.Lo > v.Hi || math.IsInf(v.Lo, 1) || math.IsInf(v.Hi, -1) {
			return nil
		}
		p.lo[j], p.hi[j], p.obj[j], p.integer[j] = v.Lo, v.Hi, p.sign*v.Obj, v.Integer
	}
	for i, r := range m.Rows {
		if math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || r.Lo > r.Hi || math.IsInf(r.Lo, 1) || math.IsInf(r.Hi, -1) {
			return nil
		}
		p.rowLo[i], p.rowHi[i] = r.Lo, r.Hi
	}
	coefs := slices.Clone(m.Coefs)
	for _, c := range coefs {
		if c.Row < 0 || c.Row >= nr || c.Col < 0 || c.Col >= n || !finite(c.Val) {
			return nil
		}
	}
	slices.SortFunc(coefs, func(a, b lp.Coef) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return a.Col - b.Col
	})
	for k := 0; k < len(coefs); {
		c := coefs[k]
		v := 0.0
		for ; k < len(coefs) && coefs[k].Row == c.Row && coefs[k].Col == c.Col; k++ {
			v += coefs[k].Val
		}
		if v != 0 {
			p.rows[c.Row] = append(p.rows[c.Row], entry{c.Col, v})
			p.cols[c.Col] = append(p.cols[c.Col], entry{c.Row, v})
		}
	}
	return p
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// run applies the reductions until none applies or the model is proven
// infeasible.
func (p *pre) run() {
	for j := range p.lo {
		p.roundInt(j)
	}
	probes := 0
	for pass := 0; pass < maxPresolvePasses && !p.infeas; pass++ {
		p.changed = false
		p.propagateAll()
		if p.infeas {
			return
		}
		p.removeRows()
		p.dualFix()
		p.tightenCoefs()
		p.mergeDuplicateRows()
		p.mergeDuplicateCols()
		if !p.changed && probes < maxProbeRounds {
			probes++
			p.probe()
		}
		if !p.changed {
			return
		}
	}
}

// roundInt rounds the bounds of integer column j inwards and records
// infeasibility when no integer lies between them.
func (p *pre) roundInt(j int) {
	if !p.integer[j] {
		return
	}
	// Adding 0 turns a -0 from rounding up into 0.
	p.lo[j] = math.Ceil(p.lo[j]-intSlack) + 0
	p.hi[j] = math.Floor(p.hi[j]+intSlack) + 0
	if p.lo[j] > p.hi[j] {
		p.infeas = true
	}
}

// activity returns the minimum and maximum activity of row i under the
// bounds lo, hi, as finite sums and counts of infinite contributions.
func activity(row []entry, lo, hi []float64) (minAct, maxAct float64, minInf, maxInf int) {
	for _, e := range row {
		l, h := lo[e.idx], hi[e.idx]
		if e.val < 0 {
			l, h = h, l
		}
		if math.IsInf(l, 0) {
			minInf++
		} else {
			minAct += e.val * l
		}
		if math.IsInf(h, 0) {
			maxInf++
		} else {
			maxAct += e.val * h
		}
	}
	return minAct, maxAct, minInf, maxInf
}

// slack is the tolerance for comparing an activity with bound b.
func slack(b, act float64) float64 {
	return presolveTol * max(1, max(math.Abs(b), math.Abs(act)))
}

// propagateRow tightens the bounds lo, hi of the integer columns of row i
// (propagateIntRow). It returns the columns it changed and false when the
// row cannot be satisfied.
func (p *pre) propagateRow(i int, lo, hi []float64, changed []int) ([]int, bool) {
	return propagateIntRow(p.rows[i], p.rowLo[i], p.rowHi[i], p.integer, lo, hi, changed)
}

// intBoundSlack is the slack before rounding an implied integer bound b.
func intBoundSlack(b float64) float64 {
	return intSlack * max(1, math.Abs(b)*1e-6)
}

// propagate runs bound propagation on lo, hi from the queued rows until
// no bound changes or the work (p.work) reaches budget, if positive. It
// returns false when a row cannot be satisfied.
func (p *pre) propagate(lo, hi []float64, budget int) bool {
	var changed []int
	for len(p.rowQueue) > 0 {
		i := p.rowQueue[0]
		p.rowQueue = p.rowQueue[1:]
		p.queued[i] = false
		if p.rowGone[i] {
			continue
		}
		p.work += len(p.rows[i])
		if budget > 0 && p.work > budget {
			p.clearQueue()
			return true
		}
		var ok bool
		changed, ok = p.propagateRow(i, lo, hi, changed[:0])
		if !ok {
			p.clearQueue()
			return false
		}
		p.trail = append(p.trail, changed...)
		for _, j := range changed {
			for _, e := range p.cols[j] {
				p.enqueue(e.idx)
			}
		}
	}
	return true
}

func (p *pre) enqueue(i int) {
	if !p.queued[i] && !p.rowGone[i] {
		p.queued[i] = true
		p.rowQueue = append(p.rowQueue, i)
	}
}

func (p *pre) clearQueue() {
	for _, i := range p.rowQueue {
		p.queued[i] = false
	}
	p.rowQueue = p.rowQueue[:0]
}

// propagateAll propagates every row on the model's bounds.
func (p *pre) propagateAll() {
	before := p.boundsSum()
	p.trail = p.trail[:0]
	nnz := 0
	for i, row := range p.rows {
		p.enqueue(i)
		nnz += len(row)
	}
	if !p.propagate(p.lo, p.hi, p.work+propagateWork*(nnz+1)) {
		p.infeas = true
		return
	}
	if p.boundsSum() != before {
		p.changed = true
	}
}

// boundsSum is a fingerprint of the finite column bounds, to notice
// changes.
func (p *pre) boundsSum() float64 {
	s := 0.0
	for j := range p.lo {
		if finite(p.lo[j]) {
			s += p.lo[j]
		}
		if finite(p.hi[j]) {
			s -= p.hi[j]
		}
	}
	return s
}

// removeRows removes the empty rows, turns the singleton rows into
// column bounds and removes the rows that no point within the bounds
// can violate.
func (p *pre) removeRows() {
	for i, row := range p.rows {
		if p.rowGone[i] {
			continue
		}
		// Fold fixed columns into the row bounds.
		live := row[:0]
		for _, e := range row {
			j := e.idx
			if p.lo[j] == p.hi[j] {
				p.shiftRow(i, e.val*p.lo[j])
				continue
			}
			live = append(live, e)
		}
		p.rows[i] = live
		switch {
		case len(live) == 0:
			if p.rowLo[i] > slack(p.rowLo[i], 0) || p.rowHi[i] < -slack(p.rowHi[i], 0) {
				p.infeas = true
				return
			}
			p.dropRow(i)
		case len(live) == 1:
			if !p.singleton(i, live[0]) {
				p.infeas = true
				return
			}
			p.dropRow(i)
		default:
			minAct, maxAct, minInf, maxInf := activity(live, p.lo, p.hi)
			if (math.IsInf(p.rowLo[i], -1) || minInf == 0 && minAct >= p.rowLo[i]) &&
				(math.IsInf(p.rowHi[i], 1) || maxInf == 0 && maxAct <= p.rowHi[i]) {
				p.dropRow(i)
			}
		}
	}
	for j := range p.lo {
		if !p.colGone[j] && p.lo[j] == p.hi[j] {
			p.colGone[j] = true
			p.changed = true
		}
	}
}

// shiftRow moves the constant v out of row i's activity into its bounds.
func (p *pre) shiftRow(i int, v float64) {
	p.rowLo[i] -= v
	p.rowHi[i] -= v
}

// dropRow removes row i.
func (p *pre) dropRow(i int) {
	p.rowGone[i] = true
	p.rows[i] = nil
	p.changed = true
}

// singleton turns row i, whose only live entry is e, into bounds on its
// column. It returns false when they are inconsistent.
func (p *pre) singleton(i int, e entry) bool {
	j := e.idx
	l, h := p.rowLo[i]/e.val, p.rowHi[i]/e.val
	if e.val < 0 {
		l, h = h, l
	}
	if l > p.lo[j] {
		p.lo[j] = l
	}
	if h < p.hi[j] {
		p.hi[j] = h
	}
	p.roundInt(j)
	if p.lo[j] > p.hi[j] {
		if p.lo[j]-p.hi[j] > slack(p.lo[j], p.hi[j])*1e3 {
			return false
		}
		// Bounds crossing by rounding noise: meet in the middle.
		mid := (p.lo[j] + p.hi[j]) / 2
		p.lo[j], p.hi[j] = mid, mid
	}
	return !p.infeas
}

// locks counts the live rows that limit decreasing and increasing
// column j.
func (p *pre) locks(j int) (down, up int) {
	for _, e := range p.cols[j] {
		i := e.idx
		if p.rowGone[i] {
			continue
		}
		loLock, hiLock := !math.IsInf(p.rowLo[i], -1), !math.IsInf(p.rowHi[i], 1)
		if e.val < 0 {
			loLock, hiLock = hiLock, loLock
		}
		if loLock {
			down++
		}
		if hiLock {
			up++
		}
	}
	return down, up
}

// dualFix fixes each live column that some optimal point has at one of
// its bounds: at the lower bound when its objective does not reward
// increasing it and no row limits decreasing it, at the upper bound in
// the mirror case.
func (p *pre) dualFix() {
	for j := range p.lo {
		if p.colGone[j] || p.lo[j] == p.hi[j] {
			continue
		}
		down, up := p.locks(j)
		switch {
		case down == 0 && p.obj[j] >= 0 && !math.IsInf(p.lo[j], -1):
			p.hi[j] = p.lo[j]
		case up == 0 && p.obj[j] <= 0 && !math.IsInf(p.hi[j], 1):
			p.lo[j] = p.hi[j]
		default:
			continue
		}
		p.changed = true
	}
}

// binary reports whether column j is a live binary variable.
func (p *pre) binary(j int) bool {
	return p.integer[j] && p.lo[j] == 0 && p.hi[j] == 1
}

// tightenCoefs tightens the coefficients of binary variables in the
// one-sided rows. For a row a.x <= b with maximum activity M > b: when
// x_j = 0 makes the row redundant (a_j > 0 and M - a_j < b), then a_j and
// b both decrease by d = b - (M - a_j); when x_j = 1 does (a_j < 0 and
// M + a_j < b), a_j increases by d = b - (M + a_j). Both keep every
// integer point and cut off fractional ones. A row lo <= a.x is handled
// as -a.x <= -lo.
func (p *pre) tightenCoefs() {
	for i, row := range p.rows {
		if p.rowGone[i] || len(row) < 2 {
			continue
		}
		lower, upper := !math.IsInf(p.rowLo[i], -1), !math.IsInf(p.rowHi[i], 1)
		if lower == upper {
			continue
		}
		s := 1.0 // the row as s*a.x <= b
		b := p.rowHi[i]
		if lower {
			s, b = -1, -p.rowLo[i]
		}
		_, maxAct, _, maxInf := activity(scaled(row, s), p.lo, p.hi)
		if maxInf > 0 || maxAct <= b+slack(b, maxAct) {
			continue
		}
		for k, e := range row {
			if !p.binary(e.idx) {
				continue
			}
			a := s * e.val
			tol := 1e-7 * max(1, math.Abs(b))
			switch {
			case a > 0 && maxAct-a < b-tol:
				d := b - (maxAct - a)
				a -= d
				b -= d
				maxAct -= d
			case a < 0 && maxAct+a < b-tol:
				a += b - (maxAct + a)
			default:
				continue
			}
			row[k].val = s * a
			p.setColCoef(e.idx, i, s*a)
			p.changed = true
		}
		if lower {
			p.rowLo[i] = -b
		} else {
			p.rowHi[i] = b
		}
	}
}

// scaled returns row with every coefficient multiplied by s.
func scaled(row []entry, s float64) []entry {
	if s == 1 {
		return row
	}
	out := make([]entry, len(row))
	for k, e := range row {
		out[k] = entry{e.idx, s * e.val}
	}
	return out
}

// setColCoef sets the coefficient of row i in column j's entries.
func (p *pre) setColCoef(j, i int, v float64) {
	for k, e := range p.cols[j] {
		if e.idx == i {
			p.cols[j][k].val = v
			return
		}
	}
}
