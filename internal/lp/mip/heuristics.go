package mip

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Primal heuristics: they look for integer points near the relaxations of
// the search and offer each one they find to the incumbent (search.offer,
// which checks it against the model's rows and bounds).
//
//   - Diving fixes one fractional variable at a time on the search's own
//     relaxation and reoptimises with the dual simplex, until the point is
//     integral, infeasible or no better than the incumbent, with one
//     backtrack. Fractional diving rounds the least fractional variable to
//     its nearer integer; guided diving rounds the variable nearest to its
//     incumbent value towards it. Bounds and basis are restored after.
//   - The feasibility pump alternates between rounding a relaxation point
//     and finding the relaxation point nearest (in L1 distance, plus a
//     small multiple of the scaled objective) to the rounding, flipping
//     variables when the roundings repeat. It runs at the root when
//     diving found no incumbent.
//   - RINS fixes the integer variables on which the incumbent and a node's
//     relaxation agree and solves the remaining sub-MIP with Solve, its
//     own heuristics and cuts off, under a node limit.
//
// The work is bounded in simplex iterations (so the search stays
// deterministic): the heuristics may spend about heurShare of the
// iterations of the search, on top of an allowance at the root.

const (
	heurShare      = 0.1  // share of the search's iterations for heuristics
	heurRootShare  = 1.0  // allowance at the root, times the root's iterations
	heurMinBudget  = 300  // smallest allowance, in iterations
	diveFreq       = 64   // nodes between dives
	maxDiveDepth   = 500  // fixings in one dive
	pumpRounds     = 40   // rounds of the feasibility pump
	pumpObjWeight  = 0.05 // weight of the scaled objective in the pump
	pumpFlips      = 10   // variables flipped when a rounding repeats
	pumpHistory    = 8    // roundings remembered to detect cycles
	rinsFreq       = 256  // nodes between RINS attempts
	rinsMinFixed   = 0.3  // share of integer variables RINS must fix
	rinsNodes      = 500  // node limit of the RINS sub-MIP
	rinsMaxRetries = 3    // RINS attempts at one incumbent
)

// heuristics is the state of the primal heuristics of one search.
type heuristics struct {
	off       bool
	spent     int // simplex iterations used by the heuristics
	allowance int // iterations granted at the root
	lastDive  int // node count at the last dive
	lastRINS  int // node count at the last RINS
	rinsInc   float64
	rinsTries int // RINS attempts at incumbent rinsInc
	rng       *rand.Rand
}

// newHeuristics returns the heuristics state for opts.
func newHeuristics(opts Options) *heuristics {
	return &heuristics{off: opts.NoHeuristics, rinsInc: math.Inf(1), rng: rand.New(rand.NewPCG(1, 2))}
}

// runHeuristics runs the heuristics due at node n, whose relaxation res
// is optimal and fractional. It leaves the relaxation with the node's
// bounds and final basis.
func (s *search) runHeuristics(n *node, res *lp.Result) {
	if s.heur == nil {
		s.heur = newHeuristics(s.opts)
	}
	h := s.heur
	if h.off || len(s.p.ints) == 0 || s.ctx.Err() != nil {
		return
	}
	root := n.col < 0 && n.depth == 0
	if root {
		h.allowance = max(heurMinBudget, int(heurRootShare*float64(s.iterations)))
		h.spent += s.dive(res.X, false)
		if s.incX == nil {
			h.spent += s.pump(res.X)
		}
		if s.incX != nil {
			h.spent += s.rins(res.X)
		}
		h.lastDive, h.lastRINS = s.nodes, s.nodes
		return
	}
	if s.nodes-h.lastDive >= diveFreq && h.budget(s.iterations) > 0 {
		h.lastDive = s.nodes
		h.spent += s.dive(res.X, s.incX != nil)
	}
	if s.incX != nil && s.nodes-h.lastRINS >= rinsFreq && h.budget(s.iterations) > 0 {
		if s.inc != h.rinsInc {
			h.rinsInc, h.rinsTries = s.inc, 0
		}
		if h.rinsTries < rinsMaxRetries {
			h.lastRINS = s.nodes
			h.rinsTries++
			h.spent += s.rins(res.X)
		}
	}
}

// budget returns the iterations the heuristics may still use in a search
// that has used iters.
func (h *heuristics) budget(iters int) int {
	return h.allowance + int(heurShare*float64(iters)) - h.spent
}

// saveRelaxation returns a function that gives the relaxation back the
// node's integer bounds and the current basis.
func (s *search) saveRelaxation() func() {
	b := s.rel.Basis()
	return func() {
		for _, j := range s.p.ints {
			s.rel.SetBounds(j, s.lo[j], s.hi[j])
		}
		s.rel.SetBasis(b)
	}
}

// dive dives from the relaxation point x (guided by the incumbent when
// guided is set) and returns the simplex iterations it took.
func (s *search) dive(x []float64, guided bool) int {
	limit := s.heur.budget(s.iterations)
	if limit <= 0 {
		return 0
	}
	defer s.saveRelaxation()()
	iters := 0
	backtracked := false
	for depth := 0; depth < maxDiveDepth && iters < limit; depth++ {
		frac := s.p.fractional(x, s.opts.IntTol)
		if len(frac) == 0 {
			s.offer(s.p.rounded(x), feasTol)
			return iters
		}
		s.offerRounding(x, true)
		j, up := s.diveChoice(x, frac, guided)
		lo, hi := s.rel.Bounds(j)
		fl := math.Floor(x[j])
		if up {
			s.rel.SetBounds(j, fl+1, hi)
		} else {
			s.rel.SetBounds(j, lo, fl)
		}
		res, err := s.rel.Solve(s.ctx)
		if err != nil {
			return iters
		}
		iters += res.Iterations
		if !s.diveOK(res) && !backtracked {
			backtracked = true
			if up {
				s.rel.SetBounds(j, lo, fl)
			} else {
				s.rel.SetBounds(j, fl+1, hi)
			}
			if res, err = s.rel.Solve(s.ctx); err != nil {
				return iters
			}
			iters += res.Iterations
		}
		if !s.diveOK(res) {
			return iters
		}
		x = res.X
	}
	return iters
}

// diveOK reports whether a dive may go on from the relaxation res: it is
// optimal and better than the cutoff.
func (s *search) diveOK(res *lp.Result) bool {
	return res.Status == lp.Optimal && s.p.roundBound(s.p.sign*res.Objective) < s.cutoff()
}

// diveChoice returns the variable of frac a dive fixes next and whether
// it rounds it up: the one nearest to its incumbent value, towards it,
// when guided; else the least fractional, to its nearer integer.
func (s *search) diveChoice(x []float64, frac []int, guided bool) (int, bool) {
	best, bestScore, bestUp := -1, math.Inf(1), false
	for _, j := range frac {
		f := x[j] - math.Floor(x[j])
		var score float64
		var up bool
		if guided {
			score, up = math.Abs(x[j]-s.incX[j]), s.incX[j] > x[j]
		} else {
			score, up = min(f, 1-f), f >= 0.5
			// A variable that no row locks in one direction rounds
			// that way without risk.
			switch {
			case s.p.downLocks[j] == 0:
				up = false
			case s.p.upLocks[j] == 0:
				up = true
			}
		}
		if score < bestScore {
			best, bestScore, bestUp = j, score, up
		}
	}
	return best, bestUp
}

// pumpModel is the relaxation of the feasibility pump: the model's
// variables x and rows, and for the k-th integer variable j a variable
// t_k (fixed to the rounding of x_j) and a distance d_k >= |x_j - t_k|.
type pumpModel struct {
	rel   *lp.Relaxation
	tcol  []int // t_k's column
	nVars int
}

// newPumpModel builds the pump's relaxation of p.
func (s *search) newPumpModel() (*pumpModel, error) {
	m := s.p.m
	n, k := len(m.Vars), len(s.p.ints)
	pm := &lp.Model{Name: m.Name + "_pump", Sense: lp.Minimize}
	pm.Vars = make([]lp.Var, n, n+2*k)
	norm := 0.0
	for _, v := range m.Vars {
		norm += v.Obj * v.Obj
	}
	scale := 0.0
	if norm > 0 {
		scale = pumpObjWeight * math.Sqrt(float64(k)/norm)
	}
	for j, v := range m.Vars {
		pm.Vars[j] = lp.Var{Name: v.Name, Lo: s.p.lo[j], Hi: s.p.hi[j], Obj: scale * s.p.sign * v.Obj}
	}
	pm.Rows = slices.Clone(m.Rows)
	pm.Coefs = slices.Clone(m.Coefs)
	tcol := make([]int, k)
	for i, j := range s.p.ints {
		t, d := len(pm.Vars), len(pm.Vars)+1
		tcol[i] = t
		pm.Vars = append(pm.Vars,
			lp.Var{Name: fmt.Sprintf("pump_t%d", i), Lo: s.p.lo[j], Hi: s.p.hi[j]},
			lp.Var{Name: fmt.Sprintf("pump_d%d", i), Hi: math.Inf(1), Obj: 1})
		r := len(pm.Rows)
		pm.Rows = append(pm.Rows, lp.Row{Lo: 0, Hi: math.Inf(1)}, lp.Row{Lo: 0, Hi: math.Inf(1)})
		pm.Coefs = append(pm.Coefs,
			lp.Coef{Row: r, Col: d, Val: 1}, lp.Coef{Row: r, Col: j, Val: -1}, lp.Coef{Row: r, Col: t, Val: 1},
			lp.Coef{Row: r + 1, Col: d, Val: 1}, lp.Coef{Row: r + 1, Col: j, Val: 1}, lp.Coef{Row: r + 1, Col: t, Val: -1})
	}
	rel, err := lp.NewRelaxation(pm, s.opts.LP)
	if err != nil {
		return nil, fmt.Errorf("mip: pump model: %w", err)
	}
	return &pumpModel{rel: rel, tcol: tcol, nVars: n}, nil
}

// pump runs the feasibility pump from the relaxation point x and returns
// the simplex iterations it took.
func (s *search) pump(x []float64) int {
	limit := s.heur.budget(s.iterations)
	if limit <= 0 {
		return 0
	}
	pm, err := s.newPumpModel()
	if err != nil {
		return 0
	}
	iters := 0
	round := s.p.rounded(x)
	var history [][]float64
	for r := 0; r < pumpRounds && iters < limit; r++ {
		if s.pumpCycles(history, round) {
			s.pumpFlip(x, round, r)
		}
		history = append(history, slices.Clone(round))
		if len(history) > pumpHistory {
			history = history[1:]
		}
		for i, j := range s.p.ints {
			pm.rel.SetBounds(pm.tcol[i], round[j], round[j])
		}
		res, err := pm.rel.Solve(s.ctx)
		if err != nil || res.Status != lp.Optimal {
			return iters
		}
		iters += res.Iterations
		x = res.X[:pm.nVars]
		if len(s.p.fractional(x, s.opts.IntTol)) == 0 {
			iters += s.completePump(s.p.rounded(x))
			return iters
		}
		s.offer(s.p.lockRounded(x), feasTol)
		round = s.p.rounded(x)
	}
	return iters
}

// pumpCycles reports whether round is one of the roundings of history.
func (s *search) pumpCycles(history [][]float64, round []float64) bool {
	for _, h := range history {
		same := true
		for _, j := range s.p.ints {
			if h[j] != round[j] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// pumpFlip perturbs a rounding round of x that repeats: in round r it
// moves the pumpFlips variables farthest from x to their other rounding,
// and every few rounds it also moves a random share of the others.
func (s *search) pumpFlip(x, round []float64, r int) {
	type cand struct {
		j    int
		dist float64
	}
	var cands []cand
	for _, j := range s.p.ints {
		dist := math.Abs(x[j] - round[j])
		if r%4 == 3 {
			dist += max(s.heur.rng.Float64()-0.3, 0)
		}
		cands = append(cands, cand{j, dist})
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.dist > b.dist:
			return -1
		case a.dist < b.dist:
			return 1
		}
		return 0
	})
	flips := pumpFlips/2 + s.heur.rng.IntN(pumpFlips+1)
	for _, c := range cands[:min(flips, len(cands))] {
		j := c.j
		step := 1.0
		if x[j] < round[j] || (x[j] == round[j] && round[j] >= s.p.hi[j]) {
			step = -1
		}
		round[j] = min(max(round[j]+step, s.p.lo[j]), s.p.hi[j])
	}
}

// completePump fixes the integer variables at the values of the pump's
// integer point xr, solves the search's relaxation for the continuous
// ones, and offers the result (xr itself if that fails). It returns the
// simplex iterations taken.
func (s *search) completePump(xr []float64) int {
	restore := s.saveRelaxation()
	for _, j := range s.p.ints {
		s.rel.SetBounds(j, xr[j], xr[j])
	}
	res, err := s.rel.Solve(s.ctx)
	restore()
	if err == nil && res.Status == lp.Optimal {
		s.offer(s.p.rounded(res.X), feasTol)
		return res.Iterations
	}
	// The relaxation failed on a point the pump found feasible.
	s.offer(xr, feasTol)
	if err != nil {
		return 0
	}
	return res.Iterations
}

// rins solves the sub-MIP of the integer variables on which the
// incumbent and the relaxation point x disagree (the others fixed at
// their incumbent value, the objective bounded by the cutoff), offers
// its solution, and returns the simplex iterations it took.
func (s *search) rins(x []float64) int {
	m := s.p.m
	sub := *m
	sub.Vars = slices.Clone(m.Vars)
	fixed := 0
	for _, j := range s.p.ints {
		if v := s.incX[j]; math.Abs(x[j]-v) <= s.opts.IntTol {
			sub.Vars[j].Lo, sub.Vars[j].Hi = v, v
			fixed++
		}
	}
	if fixed == len(s.p.ints) || float64(fixed) < rinsMinFixed*float64(len(s.p.ints)) {
		return 0
	}
	// The objective bound: sign * (c·x + const) <= cutoff.
	r := len(m.Rows)
	sub.Rows = append(slices.Clone(m.Rows), lp.Row{Name: "rins_cutoff", Lo: math.Inf(-1), Hi: s.cutoff() - s.p.sign*m.ObjConst})
	sub.Coefs = slices.Clone(m.Coefs)
	for j, v := range m.Vars {
		if v.Obj != 0 {
			sub.Coefs = append(sub.Coefs, lp.Coef{Row: r, Col: j, Val: s.p.sign * v.Obj})
		}
	}
	opts := s.opts
	opts.MaxNodes = rinsNodes
	opts.NoHeuristics = true
	// The sub-MIP is small and solved once: cut rounds at its root cost
	// more than they save (on dcmulti, a third of the whole search).
	opts.NoCuts = true
	opts.Threads = 1
	res, err := Solve(s.ctx, &sub, opts)
	if err != nil {
		return 0
	}
	if res.X != nil {
		s.offer(slices.Clone(res.X), feasTol)
	}
	return res.Iterations
}
