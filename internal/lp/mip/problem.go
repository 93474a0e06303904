package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// problem is the caller's model prepared for the search: objective values
// are handled in minimisation form (sign*objective), integer bounds are
// rounded inwards, and the rows are indexed for feasibility checks.
type problem struct {
	m      *lp.Model
	sign   float64   // 1 to minimise, -1 to maximise
	lo, hi []float64 // root bounds, integer ones rounded inwards
	ints   []int     // indices of the integer variables
	// objStep is true when every attainable objective value lies on
	// objBase + Z (minimisation form), so that bounds may be rounded up.
	objStep bool
	objBase float64
	coefs   []lp.Coef // the nonzeros, for activities and rounding checks
	// downLocks[j] and upLocks[j] count the rows that decreasing or
	// increasing x_j may violate.
	downLocks, upLocks []int
}

// newProblem prepares m. It reports false when the rounded integer
// bounds are inconsistent (the MIP is infeasible).
func newProblem(m *lp.Model, intTol float64) (*problem, bool) {
	p := &problem{
		m:       m,
		sign:    1,
		lo:      make([]float64, len(m.Vars)),
		hi:      make([]float64, len(m.Vars)),
		coefs:   m.Coefs,
		objStep: true,
	}
	if m.Sense == lp.Maximize {
		p.sign = -1
	}
	p.objBase = p.sign * m.ObjConst
	p.downLocks = make([]int, len(m.Vars))
	p.upLocks = make([]int, len(m.Vars))
	for _, c := range m.Coefs {
		r := m.Rows[c.Row]
		loLock, hiLock := !math.IsInf(r.Lo, -1), !math.IsInf(r.Hi, 1)
		if c.Val < 0 {
			loLock, hiLock = hiLock, loLock
		}
		switch {
		case c.Val == 0:
		case loLock && hiLock:
			p.downLocks[c.Col]++
			p.upLocks[c.Col]++
		case loLock:
			p.downLocks[c.Col]++
		case hiLock:
			p.upLocks[c.Col]++
		}
	}
	ok := true
	for j, v := range m.Vars {
		p.lo[j], p.hi[j] = v.Lo, v.Hi
		if v.Integer {
			p.ints = append(p.ints, j)
			p.lo[j] = math.Ceil(v.Lo - intTol)
			p.hi[j] = math.Floor(v.Hi + intTol)
			if p.lo[j] > p.hi[j] {
				ok = false
			}
		}
		switch {
		case v.Obj == 0:
		case v.Lo == v.Hi:
			p.objBase += p.sign * v.Obj * v.Lo
		case !v.Integer || v.Obj != math.Round(v.Obj):
			p.objStep = false
		}
	}
	return p, ok
}

// roundBound raises a minimisation-form relaxation bound z to the next
// attainable objective value when the objective takes values on a grid.
func (p *problem) roundBound(z float64) float64 {
	if !p.objStep || math.IsInf(z, 0) {
		return z
	}
	return p.objBase + math.Ceil(z-p.objBase-1e-6)
}

// pruneLimit returns the largest minimisation-form relaxation value that
// roundBound keeps below cutoff: values above it prune a node. It is
// cutoff itself unless the objective takes values on a grid, where it is
// the grid value below cutoff (plus roundBound's tolerance).
func (p *problem) pruneLimit(cutoff float64) float64 {
	if !p.objStep || math.IsInf(cutoff, 0) {
		return cutoff
	}
	return p.objBase + math.Ceil(cutoff-p.objBase) - 1 + 1e-6
}

// objective returns the model's objective value at x.
func (p *problem) objective(x []float64) float64 {
	obj := p.m.ObjConst
	for j, v := range p.m.Vars {
		obj += v.Obj * x[j]
	}
	return obj
}

// activities returns the row activities at x.
func (p *problem) activities(x []float64) []float64 {
	return p.activitiesTo(nil, x)
}

// activitiesTo returns the row activities at x in act, grown to the
// number of rows if needed.
func (p *problem) activitiesTo(act, x []float64) []float64 {
	if cap(act) < len(p.m.Rows) {
		act = make([]float64, len(p.m.Rows))
	}
	act = act[:len(p.m.Rows)]
	clear(act)
	for _, c := range p.coefs {
		act[c.Row] += c.Val * x[c.Col]
	}
	return act
}

// feasible reports whether x satisfies the root bounds and the rows of
// p within the absolute-and-relative tolerance tol.
func (p *problem) feasible(x []float64, tol float64) bool {
	_, ok := p.feasibleAct(nil, x, tol)
	return ok
}

// feasibleAct is feasible with a buffer for the row activities, which it
// returns (grown if needed) for the next call.
func (p *problem) feasibleAct(act, x []float64, tol float64) ([]float64, bool) {
	for j := range x {
		if x[j] < p.lo[j]-tol*(1+math.Abs(p.lo[j])) || x[j] > p.hi[j]+tol*(1+math.Abs(p.hi[j])) {
			return act, false
		}
	}
	act = p.activitiesTo(act, x)
	for i, a := range act {
		r := p.m.Rows[i]
		if a < r.Lo-tol*(1+math.Abs(r.Lo)) || a > r.Hi+tol*(1+math.Abs(r.Hi)) {
			return act, false
		}
	}
	return act, true
}

// fractional returns the integer variables of x that are not integral
// within intTol.
func (p *problem) fractional(x []float64, intTol float64) []int {
	var frac []int
	for _, j := range p.ints {
		if math.Abs(x[j]-math.Round(x[j])) > intTol {
			frac = append(frac, j)
		}
	}
	return frac
}

// rounded returns a copy of x with the integer variables rounded to the
// nearest integer.
func (p *problem) rounded(x []float64) []float64 {
	return p.roundedTo(nil, x)
}

// roundedTo is rounded writing the copy to r (grown if needed).
func (p *problem) roundedTo(r, x []float64) []float64 {
	r = append(r[:0], x...)
	for _, j := range p.ints {
		r[j] = math.Round(r[j])
	}
	return r
}

// lockRounded returns a copy of x with the integer variables rounded in
// a direction no row locks (down if no row limits decreasing the
// variable, else up if none limits increasing it), else to the nearest
// integer.
func (p *problem) lockRounded(x []float64) []float64 {
	return p.lockRoundedTo(nil, x)
}

// lockRoundedTo is lockRounded writing the copy to r (grown if needed).
func (p *problem) lockRoundedTo(r, x []float64) []float64 {
	r = append(r[:0], x...)
	for _, j := range p.ints {
		switch {
		case p.downLocks[j] == 0 && p.upLocks[j] > 0:
			r[j] = math.Floor(r[j] + DefaultIntTol)
		case p.upLocks[j] == 0 && p.downLocks[j] > 0:
			r[j] = math.Ceil(r[j] - DefaultIntTol)
		default:
			r[j] = math.Round(r[j])
		}
	}
	return r
}
