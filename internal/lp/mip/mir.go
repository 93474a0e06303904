package mip

import (
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Mixed-integer rounding (c-MIR) cuts of the model's rows. Each side of
// a row is written as Σ a_j x_j <= b; continuous variables are
// substituted by the bound nearest to their relaxation value (a simple
// bound, or a variable upper bound x_j <= u·y_k on a binary y_k found in
// the model), which leaves Σ a_j z_j + Σ c_j y_j <= β over integer z >= 0
// (integer variables complemented to their nearer bound) and continuous
// y >= 0. For a divisor δ, with f0 the fractional part of β/δ and f_j
// that of a_j/δ, the rounding inequality
//
//	Σ (⌊a_j/δ⌋ + max(0, f_j-f0)/(1-f0)) z_j + Σ_{c_j<0} c_j/(δ(1-f0)) y_j <= ⌊β/δ⌋
//
// holds at every mixed-integer point of the row. The divisors tried are
// the coefficients of the integer variables strictly inside their bounds,
// then the best of them halved up to three times; the most efficacious
// cut of the row is kept. Substitutions use the root bounds, so the cuts
// hold in the whole tree.
//
// A row whose continuous variables lie strictly inside their bounds
// gives weak cuts; it is aggregated with another row that eliminates the
// one farthest from its bounds, up to maxMIRAggr times, and the best cut
// of the aggregations is kept.

const (
	maxMIRDivisors = 8   // divisors tried per row, before halving
	maxMIRRowLen   = 500 // longer rows are not used
	maxMIRRatio    = 1e6 // largest |β/δ| accepted
	maxMIRAggr     = 3   // rows added to a row to eliminate continuous variables
)

// vub is a variable upper bound x_j <= u·x_k of a continuous x_j >= 0 on
// a binary x_k.
type vub struct {
	k int
	u float64
}

// findVUBs returns the variable upper bounds stated by two-term rows of
// the model, by continuous variable.
func (s *search) findVUBs() map[int]vub {
	vubs := make(map[int]vub)
	vars := s.p.m.Vars
	s.rowSides(2, 2, func(_ int, row []lp.Coef, side, b float64) {
		if b == 0 {
			for t := range 2 {
				cj, ck := row[t], row[1-t]
				j, k := cj.Col, ck.Col
				aj, ak := side*cj.Val, side*ck.Val
				if vars[j].Integer || s.p.lo[j] != 0 || !vars[k].Integer || s.p.lo[k] != 0 || s.p.hi[k] != 1 || aj <= 0 || ak >= 0 {
					continue
				}
				u := -ak / aj
				if old, ok := vubs[j]; !ok || u < old.u {
					vubs[j] = vub{k: k, u: u}
				}
			}
		}
	})
	return vubs
}

// rowSides calls f with each finite side of every model row of minLen to
// maxLen terms, written as side·row <= b.
func (s *search) rowSides(minLen, maxLen int, f func(i int, row []lp.Coef, side, b float64)) {
	for i := range s.p.m.Rows {
		row := s.cuts.coefs[i]
		if len(row) < minLen || len(row) > maxLen {
			continue
		}
		r := s.cuts.rows[i]
		if !math.IsInf(r.Hi, 1) {
			f(i, row, 1, r.Hi)
		}
		if !math.IsInf(r.Lo, -1) {
			f(i, row, -1, -r.Lo)
		}
	}
}

// mirCuts returns the violated rounding cuts of the model's rows at x.
func (s *search) mirCuts(x []float64) []cut {
	return s.aggregatedCuts(x, func(agg []lp.Coef, b float64) (cut, bool) { return s.mirRow(agg, 1, b, x) })
}

// sparseRow appends the nonzeros of agg to row, by column.
func sparseRow(row []lp.Coef, agg *cutBuilder) []lp.Coef {
	for _, j := range agg.touched {
		if v := agg.coef[j]; v != 0 {
			row = append(row, lp.Coef{Col: j, Val: v})
		}
	}
	slices.SortFunc(row, func(p, q lp.Coef) int { return p.Col - q.Col })
	return row
}

// aggregate adds to the row agg <= b a multiple of another model row that
// eliminates the continuous variable of agg farthest from its bounds
// (simple or variable) at x, and returns the new right-hand side. used
// lists the rows in agg already; it reports false when no variable or no
// row fits.
func (s *search) aggregate(agg *cutBuilder, b float64, used *[]int, x []float64) (float64, bool) {
	bestJ, bestD := -1, 1e-6
	for _, j := range agg.touched {
		if agg.coef[j] == 0 || s.p.m.Vars[j].Integer {
			continue
		}
		d := min(x[j]-s.p.lo[j], s.p.hi[j]-x[j])
		if v, ok := s.vubs[j]; ok {
			d = min(d, v.u*x[v.k]-x[j])
		}
		if d > bestD || d == bestD && bestJ >= 0 && j < bestJ {
			bestJ, bestD = j, d
		}
	}
	if bestJ < 0 {
		return b, false
	}
	for _, i := range s.colRows[bestJ] {
		row := s.cuts.coefs[i]
		if slices.Contains(*used, i) || len(row) > maxMIRRowLen {
			continue
		}
		aj := 0.0
		for _, c := range row {
			if c.Col == bestJ {
				aj += c.Val
			}
		}
		if aj == 0 {
			continue
		}
		// agg + λ·row <= b + λ·bound, with the bound of the side λ's
		// sign allows.
		lambda := -agg.coef[bestJ] / aj
		bound := s.cuts.rows[i].Hi
		if lambda < 0 {
			bound = s.cuts.rows[i].Lo
		}
		if math.IsInf(bound, 0) {
			continue
		}
		for _, c := range row {
			agg.add(c.Col, lambda*c.Val)
		}
		agg.coef[bestJ] = 0
		*used = append(*used, i)
		return b + lambda*bound, true
	}
	return b, false
}

// mirTerm is a variable of a row after the bound substitutions: z (or y)
// is x_j - lo (upper false) or hi - x_j (upper true), or for a variable
// upper bound u·x_k - x_j.
type mirTerm struct {
	j     int
	a     float64 // coefficient of z or y
	upper bool
	vub   bool
	zx    float64 // value of z or y at x
}

// mirRow returns the best rounding cut of side·row <= b at x, in the >=
// form of the cut pool.
func (s *search) mirRow(row []lp.Coef, side, b float64, x []float64) (cut, bool) {
	vars := s.p.m.Vars
	beta := b
	intA := s.intB
	intA.reset()
	conts := s.mirConts[:0]
	defer func() { s.mirConts = conts[:0] }()
	for _, c := range row {
		j, a := c.Col, side*c.Val
		if vars[j].Integer {
			intA.add(j, a)
			continue
		}
		lo, hi := s.p.lo[j], s.p.hi[j]
		dLo, dHi := x[j]-lo, hi-x[j]
		v, hasVUB := s.vubs[j]
		dVUB := math.Inf(1)
		if hasVUB {
			dVUB = v.u*x[v.k] - x[j]
		}
		switch {
		case hasVUB && dVUB <= dLo && dVUB <= dHi:
			// x_j = u·x_k - y.
			intA.add(v.k, a*v.u)
			conts = append(conts, mirTerm{j: j, a: -a, vub: true, zx: max(dVUB, 0)})
		case !math.IsInf(lo, -1) && (dLo <= dHi || math.IsInf(hi, 1)):
			beta -= a * lo
			conts = append(conts, mirTerm{j: j, a: a, zx: max(dLo, 0)})
		case !math.IsInf(hi, 1):
			beta -= a * hi
			conts = append(conts, mirTerm{j: j, a: -a, upper: true, zx: max(dHi, 0)})
		default:
			return cut{}, false
		}
	}
	ints := s.mirInts[:0]
	defer func() { s.mirInts = ints[:0] }()
	slices.Sort(intA.touched)
	for _, j := range intA.touched {
		a := intA.coef[j]
		if a == 0 {
			continue
		}
		lo, hi := s.p.lo[j], s.p.hi[j]
		switch {
		case !math.IsInf(lo, -1) && (x[j]-lo <= hi-x[j] || math.IsInf(hi, 1)):
			beta -= a * lo
			ints = append(ints, mirTerm{j: j, a: a, zx: x[j] - lo})
		case !math.IsInf(hi, 1):
			beta -= a * hi
			ints = append(ints, mirTerm{j: j, a: -a, upper: true, zx: hi - x[j]})
		default:
			return cut{}, false
		}
	}
	if len(ints) == 0 {
		return cut{}, false
	}
	var divisors []float64
	for _, t := range ints {
		if t.zx > s.opts.IntTol && t.zx < s.p.hi[t.j]-s.p.lo[t.j]-s.opts.IntTol {
			d := math.Abs(t.a)
			if !slices.Contains(divisors, d) && len(divisors) < maxMIRDivisors {
				divisors = append(divisors, d)
			}
		}
	}
	best, bestDelta := cut{}, 0.0
	try := func(delta float64) {
		if c, ok := s.mirCut(ints, conts, beta, delta, x); ok && c.efficacy > best.efficacy {
			best, bestDelta = c, delta
		}
	}
	for _, d := range divisors {
		try(d)
	}
	if bestDelta > 0 {
		for _, k := range []float64{2, 4, 8} {
			try(bestDelta / k)
		}
	}
	return best, bestDelta > 0
}

// mirCut returns the rounding cut of Σ ints + Σ conts <= beta with
// divisor delta, written over the structural variables in >= form.
func (s *search) mirCut(ints, conts []mirTerm, beta, delta float64, x []float64) (cut, bool) {
	bd := beta / delta
	if math.Abs(bd) > maxMIRRatio {
		return cut{}, false
	}
	f0 := bd - math.Floor(bd)
	if f0 < minCutFrac || f0 > 1-minCutFrac {
		return cut{}, false
	}
	// The cut Σ g·z <= rhs, multiplied by delta, in x: coef·x <= rhs.
	b := s.builder()
	rhs := math.Floor(bd) * delta
	for _, t := range ints {
		ad := t.a / delta
		fj := ad - math.Floor(ad)
		g := (math.Floor(ad) + max(0, fj-f0)/(1-f0)) * delta
		rhs += s.unsubstitute(b, t, g)
	}
	for _, t := range conts {
		if t.a < 0 {
			rhs += s.unsubstitute(b, t, t.a/(1-f0))
		}
	}
	return s.finishCut(b, -1, -rhs, x)
}

// unsubstitute adds g times the substituted variable of t to the cut in
// b, over the structural variables, and returns the constant moved to
// the right-hand side of a <= cut.
func (s *search) unsubstitute(b *cutBuilder, t mirTerm, g float64) float64 {
	switch {
	case t.vub:
		v := s.vubs[t.j]
		b.add(v.k, g*v.u)
		b.add(t.j, -g)
		return 0
	case t.upper:
		b.add(t.j, -g)
		return -g * s.p.hi[t.j]
	default:
		b.add(t.j, g)
		return g * s.p.lo[t.j]
	}
}
