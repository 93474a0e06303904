package mip

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Root cutting planes: Gomory mixed-integer cuts read from the optimal
// tableau of the root relaxation, mixed-integer rounding cuts of the
// model's rows (mir.go), lifted knapsack covers (cover.go), cliques of
// the conflict graph of the binaries (clique.go) and flow covers of the
// rows with continuous variables and their aggregations, which the
// rounding cuts share (flowcover.go). Each round
// derives the rounding and cover cuts of every row and, while the
// relaxation's factors are those of its last solve (the first round, and
// a round after one that removed no cut), one Gomory cut from the tableau
// row of every fractional basic integer variable; it keeps the violated,
// numerically safe and mutually non-parallel ones, adds the best of them
// as rows of the relaxation and reoptimises with the dual simplex; cuts
// that went slack are removed again. (Re-solving after each removal, so
// that every round has Gomory cuts, made the search slower on the shared
// MIPLIB models: denser relaxations, vpm2 24 s to 51 s.) The rounds stop
// when the bound stalls. The cuts are derived from the root bounds, so
// they hold in the whole tree.

const (
	maxCutRounds    = 30
	maxCutsPerRound = 100
	cutStallRounds  = 3     // rounds without bound progress before stopping
	minCutFrac      = 0.005 // smallest fractionality of a row's right-hand side
	minCutEfficacy  = 1e-5  // violation / Euclidean norm of the cut
	maxCutDynamism  = 1e6   // largest / smallest coefficient magnitude
	maxCutParallel  = 0.999 // cosine above which two cuts count as parallel
)

// cut is the row Σ val[k]·x_idx[k] >= rhs over structural variables,
// sparse with idx increasing.
type cut struct {
	idx      []int
	val      []float64
	rhs      float64
	efficacy float64
	norm     float64
}

// dense returns the coefficients of c over n variables.
func (c cut) dense(n int) []float64 {
	coef := make([]float64, n)
	for k, j := range c.idx {
		coef[j] = c.val[k]
	}
	return coef
}

// dot returns the inner product of the coefficients of c and d.
func (c cut) dot(d cut) float64 {
	dot := 0.0
	for a, b := 0, 0; a < len(c.idx) && b < len(d.idx); {
		switch {
		case c.idx[a] < d.idx[b]:
			a++
		case c.idx[a] > d.idx[b]:
			b++
		default:
			dot += c.val[a] * d.val[b]
			a++
			b++
		}
	}
	return dot
}

// cutBuilder accumulates the coefficients of a cut in a dense array
// that stays allocated between cuts, remembering which entries it
// touched, so that building a cut costs its number of terms rather than
// the number of variables.
type cutBuilder struct {
	coef    []float64
	in      []bool
	touched []int
}

// newCutBuilder returns a builder for cuts over n variables.
func newCutBuilder(n int) *cutBuilder {
	return &cutBuilder{coef: make([]float64, n), in: make([]bool, n)}
}

// add adds v to the coefficient of column j.
func (b *cutBuilder) add(j int, v float64) {
	if !b.in[j] {
		b.in[j] = true
		b.touched = append(b.touched, j)
	}
	b.coef[j] += v
}

// reset clears the builder for the next cut.
func (b *cutBuilder) reset() {
	for _, j := range b.touched {
		b.coef[j], b.in[j] = 0, false
	}
	b.touched = b.touched[:0]
}

// builder returns the search's cut builder, reset.
func (s *search) builder() *cutBuilder {
	if s.cb == nil {
		s.cb = newCutBuilder(len(s.p.m.Vars))
	}
	s.cb.reset()
	return s.cb
}

// cutRows holds, for each row of the relaxation, its coefficients and
// whether its activity is integral at integer points.
type cutRows struct {
	coefs    [][]lp.Coef
	rows     []lp.Row
	integral []bool
}

// newCutRows indexes the model's rows.
func (p *problem) newCutRows() *cutRows {
	cr := &cutRows{coefs: p.m.RowCoefs(), rows: slices.Clone(p.m.Rows)}
	cr.integral = make([]bool, len(cr.rows))
	for i, row := range cr.coefs {
		ok := isInt(cr.rows[i].Lo) && isInt(cr.rows[i].Hi)
		for _, c := range row {
			if !ok {
				break
			}
			ok = p.m.Vars[c.Col].Integer && c.Val == math.Round(c.Val)
		}
		cr.integral[i] = ok
	}
	return cr
}

// isInt reports whether v is an integer or infinite.
func isInt(v float64) bool { return math.IsInf(v, 0) || v == math.Round(v) }

// rootCuts runs the cut rounds on the root relaxation res and returns the
// final relaxation.
func (s *search) rootCuts(res *lp.Result) (*lp.Result, error) {
	if s.cuts == nil {
		s.cuts = s.p.newCutRows()
	}
	s.cg = s.newConflictGraph()
	z := res.Objective * s.p.sign
	stall := 0
	for round := 0; round < maxCutRounds && stall < cutStallRounds; round++ {
		frac := s.p.fractional(res.X, s.opts.IntTol)
		if len(frac) == 0 {
			break
		}
		// Each round's relaxation may round to a better incumbent, which
		// a limit reached during the rounds would otherwise lose.
		s.offerRounding(res.X, true)
		s.offerRounding(res.X, false)
		cuts := selectCuts(append(s.gomoryCuts(res, frac), s.globalCuts(res.X)...))
		if len(cuts) == 0 {
			break
		}
		if err := s.addCuts(cuts); err != nil {
			return nil, err
		}
		next, err := s.rel.Solve(s.ctx)
		if err != nil {
			return nil, fmt.Errorf("mip: cut round %d: %w", round, err)
		}
		s.iterations += next.Iterations
		if next.Status != lp.Optimal {
			// Infeasible after valid cuts means no integer point; other
			// statuses are limits, handled by the caller.
			return next, nil
		}
		res = next
		nz := res.Objective * s.p.sign
		if nz-z <= 1e-6*(1+math.Abs(z)) {
			stall++
		} else {
			stall = 0
		}
		z = nz
		s.dropSlackCuts(res)
	}
	return res, nil
}

// Cuts in the tree. At the nodes of the first treeCutDepth levels, one
// round of the separators that use the root bounds only (rounding and
// flow covers, knapsack covers, cliques; not Gomory cuts, which read the
// node's tableau) adds the violated cuts of efficacy at least
// treeCutEfficacy as rows of the relaxation, which hold in the whole
// tree, and reoptimises. Rows are only added in the tree, never removed,
// so that the bases of the open nodes stay valid (lp.Relaxation.SetBasis
// extends them with the new rows' logicals); at most treeCutRows rows in
// all, since every row makes every later node's relaxation larger. A
// parallel search processes those levels before its workers start.
const (
	treeCutDepth    = 3
	treeCutEfficacy = 1e-3
	treeCutsPerNode = 20
)

// treeCutRows bounds the rows the tree's cuts may add: a tenth of the
// model's, at least 10.
func (s *search) treeCutRows() int { return max(10, len(s.p.m.Rows)/10) }

// treeCutsDue reports whether node n, whose relaxation is optimal,
// separates cuts.
func (s *search) treeCutsDue(n *node) bool {
	return n.start != nil && s.cutLevel(n)
}

// cutLevel reports whether n lies on the levels that add cuts while the
// search may still add them.
func (s *search) cutLevel(n *node) bool {
	return n.depth <= treeCutDepth && s.treeCutsLeft()
}

// treeCutsLeft reports whether the search may still add cuts in the
// tree: cuts are on, the root's were made, the rows allowed are not all
// used, and s is not a worker of a parallel search (whose relaxations
// must keep the same rows).
func (s *search) treeCutsLeft() bool {
	return !s.opts.NoCuts && !s.worker && s.cuts != nil && s.treeCuts < s.treeCutRows()
}

// nodeCuts runs one round of cuts at a node whose relaxation is res and
// returns the relaxation after them (res itself when none is added).
func (s *search) nodeCuts(res *lp.Result) (*lp.Result, error) {
	frac := s.p.fractional(res.X, s.opts.IntTol)
	if len(frac) == 0 {
		return res, nil
	}
	cuts := selectCuts(s.globalCuts(res.X))
	keep := cuts[:0]
	for _, c := range cuts {
		if c.efficacy >= treeCutEfficacy && len(keep) < min(treeCutsPerNode, s.treeCutRows()-s.treeCuts) {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return res, nil
	}
	if err := s.addCuts(keep); err != nil {
		return nil, err
	}
	s.treeCuts += len(keep)
	// A deadline ends the solve with status TimeLimit, not an error.
	next, err := s.rel.Solve(s.ctx)
	if err != nil {
		return nil, fmt.Errorf("mip: node %d cuts: %w", s.nodes, err)
	}
	s.iterations += next.Iterations
	return next, nil
}

// globalCuts returns the violated cuts at x of the separators that use
// the root bounds only, which hold in the whole tree: rounding and flow
// covers, knapsack covers and the cliques of the root's conflict graph.
func (s *search) globalCuts(x []float64) []cut {
	cands := s.mirFlowCuts(x)
	cands = append(cands, s.coverCuts(x)...)
	return append(cands, s.cg.cliqueCuts(s, x)...)
}

// addCuts appends cuts as rows of the relaxation.
func (s *search) addCuts(cuts []cut) error {
	nnz := 0
	for _, c := range cuts {
		nnz += len(c.idx)
	}
	rows := make([]lp.Row, 0, len(cuts))
	coefs := make([]lp.Coef, 0, nnz)
	for k, c := range cuts {
		row := make([]lp.Coef, 0, len(c.idx))
		for t, j := range c.idx {
			v := c.val[t]
			row = append(row, lp.Coef{Row: len(s.cuts.rows), Col: j, Val: v})
			coefs = append(coefs, lp.Coef{Row: k, Col: j, Val: v})
		}
		r := lp.Row{Name: fmt.Sprintf("cut%d", s.cutCount), Lo: c.rhs, Hi: math.Inf(1)}
		s.cutCount++
		rows = append(rows, r)
		s.cuts.rows = append(s.cuts.rows, r)
		s.cuts.coefs = append(s.cuts.coefs, row)
		s.cuts.integral = append(s.cuts.integral, false)
	}
	if err := s.rel.AddRows(rows, coefs); err != nil {
		return fmt.Errorf("mip: add cuts: %w", err)
	}
	return nil
}

// dropSlackCuts removes the cuts that are not binding in res.
func (s *search) dropSlackCuts(res *lp.Result) {
	first := len(s.p.m.Rows)
	var slack []int
	for i := first; i < len(s.cuts.rows); i++ {
		if res.RowActivity[i] > s.cuts.rows[i].Lo+1e-6*(1+math.Abs(s.cuts.rows[i].Lo)) {
			slack = append(slack, i)
		}
	}
	if s.rel.RemoveRows(slack) == 0 {
		return
	}
	// Mirror the removal: RemoveRows takes out exactly the rows whose
	// logical is basic; a slack row's logical is basic.
	n := s.rel.NumRows()
	keep := s.cuts.rows[:0]
	keepCoefs := s.cuts.coefs[:0]
	keepInt := s.cuts.integral[:0]
	isSlack := make(map[int]bool, len(slack))
	for _, i := range slack {
		isSlack[i] = true
	}
	for i := range s.cuts.rows {
		if isSlack[i] {
			continue
		}
		keep = append(keep, s.cuts.rows[i])
		keepCoefs = append(keepCoefs, s.cuts.coefs[i])
		keepInt = append(keepInt, s.cuts.integral[i])
	}
	s.cuts.rows, s.cuts.coefs, s.cuts.integral = keep, keepCoefs, keepInt
	if len(keep) != n {
		panic(fmt.Sprintf("mip: %d cut rows kept, relaxation has %d", len(keep), n))
	}
}

// gomoryCuts returns the violated Gomory mixed-integer cuts of the
// tableau rows of the fractional variables frac at the relaxation res.
func (s *search) gomoryCuts(res *lp.Result, frac []int) []cut {
	var cuts []cut
	for _, j := range frac {
		if c, ok := s.gomoryCut(res, j); ok {
			cuts = append(cuts, c)
		}
	}
	return cuts
}

// selectCuts returns the best cuts of a round: best efficacy first, at
// most maxCutsPerRound, without near-parallel pairs.
func selectCuts(cuts []cut) []cut {
	slices.SortStableFunc(cuts, func(a, b cut) int { return cmp.Compare(b.efficacy, a.efficacy) })
	var chosen []cut
	for _, c := range cuts {
		if len(chosen) == maxCutsPerRound {
			break
		}
		parallel := false
		for _, d := range chosen {
			if c.dot(d)/(c.norm*d.norm) > maxCutParallel {
				parallel = true
				break
			}
		}
		if !parallel {
			chosen = append(chosen, c)
		}
	}
	return chosen
}

// gomoryCut derives the Gomory mixed-integer cut of the tableau row of
// basic integer variable j. Writing the row x_j + Σ a_k t_k = β over the
// distances t_k >= 0 of the nonbasic variables from their bounds, with
// f0 the fractional part of β and f_k that of a_k, the cut is
//
//	Σ_{k int, f_k <= f0} f_k/f0 t_k + Σ_{k int, f_k > f0} (1-f_k)/(1-f0) t_k
//	+ Σ_{k cont, a_k > 0} a_k/f0 t_k + Σ_{k cont, a_k < 0} -a_k/(1-f0) t_k >= 1,
//
// which is then written over the structural variables.
func (s *search) gomoryCut(res *lp.Result, j int) (cut, bool) {
	cols, vals, ok := s.rel.TableauRow(j)
	if !ok {
		return cut{}, false
	}
	n := len(s.p.m.Vars)
	// The row in t: a_k per nonbasic, and its distances' bounds.
	type term struct {
		k       int
		a       float64
		upper   bool
		integer bool
	}
	terms := make([]term, 0, len(cols))
	beta := 0.0
	for idx, k := range cols {
		a := vals[idx]
		v, lo, hi := s.tableauVar(res, k)
		var integer bool
		if k < n {
			integer = s.p.m.Vars[k].Integer
		} else {
			integer = s.cuts.integral[k-n]
		}
		if lo == hi {
			beta -= a * lo
			continue
		}
		var upper bool
		switch {
		case !math.IsInf(lo, -1) && math.Abs(v-lo) <= 1e-9*(1+math.Abs(lo)):
			beta -= a * lo
		case !math.IsInf(hi, 1) && math.Abs(v-hi) <= 1e-9*(1+math.Abs(hi)):
			beta -= a * hi
			a, upper = -a, true
		default:
			return cut{}, false // a nonbasic variable off its bounds
		}
		terms = append(terms, term{k: k, a: a, upper: upper, integer: integer})
	}
	if math.Abs(beta-res.X[j]) > 1e-6*(1+math.Abs(beta)) {
		return cut{}, false
	}
	f0 := beta - math.Floor(beta)
	if f0 < minCutFrac || f0 > 1-minCutFrac {
		return cut{}, false
	}
	// Σ π_k t_k >= 1, written over the structurals: coef·x >= rhs.
	b := s.builder()
	rhs := 1.0
	addVar := func(k int, pi float64, upper bool, bound float64) {
		if upper {
			b.add(k, -pi)
			rhs -= pi * bound
		} else {
			b.add(k, pi)
			rhs += pi * bound
		}
	}
	for _, t := range terms {
		var pi float64
		if t.integer {
			fk := t.a - math.Floor(t.a)
			if fk <= f0 {
				pi = fk / f0
			} else {
				pi = (1 - fk) / (1 - f0)
			}
		} else if t.a > 0 {
			pi = t.a / f0
		} else {
			pi = -t.a / (1 - f0)
		}
		if pi == 0 {
			continue
		}
		if t.k < n {
			lo, hi := s.rel.Bounds(t.k)
			bound := lo
			if t.upper {
				bound = hi
			}
			addVar(t.k, pi, t.upper, bound)
			continue
		}
		// t = activity - lo or hi - activity: expand the activity.
		i := t.k - n
		bound := s.cuts.rows[i].Lo
		if t.upper {
			bound = s.cuts.rows[i].Hi
			pi = -pi
		}
		rhs += pi * bound
		for _, c := range s.cuts.coefs[i] {
			b.add(c.Col, pi*c.Val)
		}
	}
	return s.finishCut(b, 1, rhs, res.X)
}

// finishCut makes sign·b·x >= rhs, the cut held by the builder b with
// its coefficients multiplied by sign, safe to add: tiny coefficients are
// removed by relaxing the right-hand side with the variable's bounds, and
// cuts with too wide a range of coefficients or too small a violation at
// x are refused. The builder is left to the next cut.
func (s *search) finishCut(b *cutBuilder, sign, rhs float64, x []float64) (cut, bool) {
	big := 0.0
	for _, j := range b.touched {
		b.coef[j] *= sign
		big = max(big, math.Abs(b.coef[j]))
	}
	if big == 0 || math.IsNaN(big) || math.IsInf(big, 0) {
		return cut{}, false
	}
	slices.Sort(b.touched)
	small := math.Inf(1)
	// The terms are gathered in scratch space and copied out only for a
	// cut that passes: most candidates do not.
	c := cut{idx: s.cutIdx[:0], val: s.cutVal[:0]}
	defer func() { s.cutIdx, s.cutVal = c.idx[:0], c.val[:0] }()
	for _, j := range b.touched {
		v := b.coef[j]
		if v == 0 {
			continue
		}
		if math.Abs(v) < big/maxCutDynamism {
			// v·x_j <= max(v·lo, v·hi): drop it from the left side. The
			// root bounds keep the cut valid in the whole tree.
			lo, hi := s.p.lo[j], s.p.hi[j]
			m := max(v*lo, v*hi)
			if math.IsInf(m, 0) || math.IsNaN(m) {
				return cut{}, false
			}
			rhs -= m
			continue
		}
		small = min(small, math.Abs(v))
		c.idx = append(c.idx, j)
		c.val = append(c.val, v)
	}
	if math.IsInf(small, 1) {
		return cut{}, false
	}
	rhs -= 1e-9 * max(1, math.Abs(rhs))
	act, norm := 0.0, 0.0
	for k, j := range c.idx {
		v := c.val[k]
		act += v * x[j]
		norm += v * v
	}
	norm = math.Sqrt(norm)
	eff := (rhs - act) / norm
	if eff < minCutEfficacy || rhs-act < 1e-6*max(1, math.Abs(rhs)) {
		return cut{}, false
	}
	out := cut{idx: slices.Clone(c.idx), val: slices.Clone(c.val), rhs: rhs, efficacy: eff, norm: norm}
	return out, true
}
