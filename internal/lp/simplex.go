package lp

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
)

// Tolerances of the simplex on the scaled problem.
const (
	primalTol = 1e-7  // bound violation accepted as feasible
	dualTol   = 1e-7  // reduced cost accepted as optimal
	pivotTol  = 1e-9  // smallest |alpha| accepted as a pivot
	zeroStep  = 1e-12 // steps below this count as degenerate

	refactorEvery   = 100 // basis updates between refactorisations
	stallIterations = 50  // degenerate iterations before anti-cycling measures
	checkEvery      = 32  // iterations between context checks

	perturbScale     = 1e-6 // relative size of bound perturbations
	maxPerturbations = 5
)

// simplex holds the state shared by the bounded-variable revised primal
// (primal.go) and dual (dual.go) simplex methods for
//
//	min cᵀx  subject to  A x - s = 0,  lo <= (x, s) <= hi
//
// Variables 0..n-1 are structural, n..n+m-1 are the logical variables of
// the rows (column -e_i). Nonbasic variables sit at a bound (free ones at
// any value); basic values follow from x_B = -B⁻¹ N x_N. The primal phase 1
// minimises the sum of infeasibilities of the basic variables (a composite
// objective recomputed every iteration); phase 2 minimises cᵀx once the
// basis is primal feasible.
type simplex struct {
	m, n   int
	a      *cscMatrix
	nb     *nonbasicRows // row-wise nonbasic structural columns
	lo, hi []float64     // bounds, length n+m
	cost   []float64     // phase-2 costs, length n+m
	origLo []float64     // unperturbed bounds while perturbed
	origHi []float64
	x      []float64 // values of all variables
	head   []int     // basis position -> variable
	pos    []int     // variable -> basis position, -1 when nonbasic
	lu     *luFactor

	// trueLo, trueHi and trueCost hold the bounds and costs during the
	// dual simplex (runDual), reused between solves.
	trueLo, trueHi, trueCost []float64

	cB, y, d, alpha, rho, rowAlpha []float64
	weight                         []float64 // primal pricing weights (steepest edge or Devex)
	dweight                        []float64 // dual steepest-edge weights by position
	tau                            []float64 // B⁻¹rho for the dual weight update
	reject                         []bool    // candidates refused since the last pivot
	rejected                       []int
	bps                            []breakpoint
	rowNz                          []int      // indices of rowAlpha that may be nonzero
	dualCands                      []dualCand // scratch of dualRatioTest
	inRow                          []bool     // membership in rowNz
	seWork                         []float64  // scratch: B⁻ᵀ alpha (steepest edge), Δy (correctDuals)
	steepest                       bool       // steepest-edge pricing instead of Devex
	negOne                         []float64
	logIdx                         []int
	// basisPos maps a variable to its position in the saved basis that
	// SetBasis is making current (-1 elsewhere, and between calls).
	basisPos []int
	// Scratch of switchBasis: the entering variables and the positions
	// of the leaving ones.
	switchIn, switchOut []int

	// The reduced costs d are valid for the basic costs dualCB (by
	// position) of phase dualPhase1 while dualsOK; they are updated from
	// the pivot row and recomputed when the phase-1 costs change.
	dualCB      []float64
	dualsOK     bool
	dualsPhase1 bool
	// boundsMoved records that bounds changed since the dual simplex
	// last made the basis dual feasible: a nonbasic variable may sit at a
	// bound its reduced cost does not want. The reduced costs themselves
	// stay valid, since they depend on the basis and costs alone.
	boundsMoved bool

	iters, maxIter int
	// objLimit stops the dual simplex with ObjectiveLimit once the
	// objective of a dual feasible basis of the true bounds and costs
	// exceeds it (+Inf: never); see Relaxation.SetObjectiveLimit.
	objLimit float64
	// dualBound is set when the dual simplex of the last solve stopped at
	// the iteration limit at a dual feasible basis of the true bounds and
	// costs (no artificial bounds or perturbed costs in use).
	dualBound     bool
	degenerate    int  // consecutive degenerate iterations
	perturbed     bool // bounds currently perturbed
	perturbations int
	bland         bool // smallest-index pricing while stalling in phase 1
	fresh         bool // factors and basic values freshly recomputed
	// factored is true while lu holds the factors of the current basis,
	// possibly with updates: every basis change either updates them or
	// refactorises, and only a basis set from outside (crash, SetBasis,
	// a new set of rows) leaves them stale.
	factored bool
	// exact is true while the basic values were recomputed through the
	// factors after the last change of a value or of the basis.
	exact bool
	// warm marks the simplex of a Relaxation, solved many times with
	// small changes: a solve keeps the factors and dual weights of the
	// basis it starts from, and accepts optimality on basic values
	// recomputed through the updated factors instead of refactorising
	// (the factors are refactorised anyway after refactorEvery updates).
	warm bool
	// dweightsOK is true while dweight holds the dual pricing weights of
	// the current basis: kept by dual pivots and carried by a saved basis
	// (Relaxation.SetBasis); lost by primal pivots and a change of rows.
	dweightsOK bool

	ctx context.Context
	rng *rand.Rand
}

func newSimplex(ctx context.Context, a *cscMatrix, lo, hi, cost []float64, maxIter int) *simplex {
	return newSimplexFrom(ctx, a, lo, hi, cost, maxIter, nil)
}

// newSimplexFrom is newSimplex reusing the factors and the scratch
// buffers of old (nil: none), the simplex of the same Relaxation before
// its rows changed. Only old's x and head may be read afterwards.
func newSimplexFrom(ctx context.Context, a *cscMatrix, lo, hi, cost []float64, maxIter int, old *simplex) *simplex {
	m, n := a.rows, a.cols
	N := n + m
	var o simplex
	lu := newLUFactor
	if old != nil {
		o = *old
		lu = old.lu.reuse
	}
	s := &simplex{
		m: m, n: n, a: a, nb: o.nb.reuse(a), lo: lo, hi: hi, cost: cost,
		objLimit: math.Inf(1),
		dualCB:   zeroed(o.dualCB, m),
		x:        make([]float64, N),
		head:     make([]int, m),
		pos:      zeroed(o.pos, N),
		lu:       lu(m),
		cB:       zeroed(o.cB, m),
		y:        zeroed(o.y, m),
		d:        zeroed(o.d, N),
		alpha:    zeroed(o.alpha, m),
		rho:      zeroed(o.rho, m),
		rowAlpha: zeroed(o.rowAlpha, N),
		inRow:    zeroed(o.inRow, N),
		weight:   zeroed(o.weight, N),
		dweight:  zeroed(o.dweight, m),
		tau:      zeroed(o.tau, m),
		seWork:   zeroed(o.seWork, m),
		reject:   zeroed(o.reject, N),
		negOne:   zeroed(o.negOne, m),
		logIdx:   zeroed(o.logIdx, m),
		trueLo:   o.trueLo[:0],
		trueHi:   o.trueHi[:0],
		trueCost: o.trueCost[:0],
		rejected: o.rejected[:0],
		bps:      o.bps[:0],
		rowNz:    o.rowNz[:0],
		maxIter:  maxIter,
		ctx:      ctx,
		rng:      rand.New(rand.NewPCG(0x5eed, 0xfa11)),
	}
	for i := 0; i < m; i++ {
		s.negOne[i], s.logIdx[i] = -1, i
	}
	for j := range s.weight {
		s.weight[j] = 1
	}
	for i := range s.dweight {
		s.dweight[i] = 1
	}
	// Slack basis; structurals at the bound their cost favours.
	for j := 0; j < n; j++ {
		s.pos[j] = -1
		s.x[j] = startValue(lo[j], hi[j], cost[j])
	}
	for i := 0; i < m; i++ {
		s.head[i] = n + i
		s.pos[n+i] = i
	}
	return s
}

// startValue is the starting value of a nonbasic structural variable with
// cost c: the finite bound that its cost favours (upper for c < 0, lower
// for c > 0), else the bound nearest to zero. Starting at the cheaper bound
// shortens phase 2 (notably on grow7 and 25fv47).
func startValue(lo, hi, c float64) float64 {
	switch {
	case c < 0 && !math.IsInf(hi, 1):
		return hi
	case c > 0 && !math.IsInf(lo, -1):
		return lo
	}
	return nonbasicValue(lo, hi, 0)
}

// nonbasicValue places a nonbasic variable at the bound nearest to v; a
// free variable stays at v.
func nonbasicValue(lo, hi, v float64) float64 {
	switch {
	case !math.IsInf(lo, -1) && !math.IsInf(hi, 1):
		if math.Abs(v-lo) <= math.Abs(hi-v) {
			return lo
		}
		return hi
	case !math.IsInf(lo, -1):
		return lo
	case !math.IsInf(hi, 1):
		return hi
	}
	return v
}

// column returns the nonzeros of variable j's column in [A -I].
func (s *simplex) column(j int) ([]int, []float64) {
	if j < s.n {
		lo, hi := s.a.colPtr[j], s.a.colPtr[j+1]
		return s.a.rowIdx[lo:hi], s.a.val[lo:hi]
	}
	i := j - s.n
	return s.logIdx[i : i+1], s.negOne[i : i+1]
}

// checkLimits reports IterationLimit or TimeLimit when a limit is reached,
// and the context's error when it was cancelled.
func (s *simplex) checkLimits() (Status, error) {
	if s.iters >= s.maxIter {
		return IterationLimit, nil
	}
	if s.iters%checkEvery == 0 {
		if err := s.ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return TimeLimit, nil
			}
			return "", err
		}
	}
	return "", nil
}

// refactor factorises the current basis, repairs it if singular and
// recomputes the basic variables from the nonbasic ones.
func (s *simplex) refactor() {
	s.factorize()
	s.computeBasics()
}

// factorize factorises the current basis; dependent columns are replaced by
// logical variables and leave at a bound.
func (s *simplex) factorize() {
	for _, rep := range s.lu.factor(s.head, s.column) {
		old := s.head[rep.pos]
		s.pos[old] = -1
		s.x[old] = nonbasicValue(s.lo[old], s.hi[old], s.x[old])
		lg := s.n + rep.row
		s.head[rep.pos] = lg
		s.pos[lg] = rep.pos
		s.dweight[rep.pos] = 1
	}
	s.nb.rebuild(s.pos)
	s.fresh = true
	s.factored = true
	s.dualsOK = false
}

// stale records that values or the basis changed since the basic values
// were last recomputed.
func (s *simplex) stale() {
	s.fresh, s.exact = false, false
}

// recomputeBasics makes the basic values exact for the current factors
// (a refactorisation when the factors are stale or due) and reports
// whether it refactorised.
func (s *simplex) recomputeBasics() bool {
	if !s.factored || s.lu.wantsRefactor() {
		s.refactor()
		return true
	}
	s.computeBasics()
	return false
}

// replaceBasic makes the nonbasic variable q basic at position r; the
// variable leaving that position becomes nonbasic.
func (s *simplex) replaceBasic(r, q int) {
	p := s.head[r]
	s.head[r] = q
	s.pos[q] = r
	s.pos[p] = -1
	if q < s.n {
		s.nb.remove(q)
	}
	if p < s.n {
		s.nb.add(p)
	}
}

// computeBasics recomputes the basic variables from the nonbasic ones:
// x_B = -B⁻¹ N x_N.
func (s *simplex) computeBasics() {
	rhs := s.alpha
	for i := range rhs {
		rhs[i] = 0
	}
	for j := 0; j < s.n; j++ {
		if s.pos[j] >= 0 || s.x[j] == 0 {
			continue
		}
		for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
			rhs[s.a.rowIdx[k]] -= s.a.val[k] * s.x[j]
		}
	}
	for i := 0; i < s.m; i++ {
		if j := s.n + i; s.pos[j] < 0 {
			rhs[i] += s.x[j]
		}
	}
	s.lu.ftran(rhs, false)
	for p, j := range s.head {
		s.x[j] = rhs[p]
	}
	s.exact = true
}

// phaseCosts fills cB with the phase-1 costs when the basis is infeasible
// (and reports true) or with the phase-2 costs.
func (s *simplex) phaseCosts() bool {
	infeasible := false
	for p, j := range s.head {
		v := s.x[j]
		switch {
		case v < s.lo[j]-primalTol:
			s.cB[p] = -1
			infeasible = true
		case v > s.hi[j]+primalTol:
			s.cB[p] = 1
			infeasible = true
		default:
			s.cB[p] = 0
		}
	}
	if !infeasible {
		for p, j := range s.head {
			s.cB[p] = s.cost[j]
		}
	}
	return infeasible
}

// computeDuals sets y = B⁻ᵀ cB and the reduced costs d of the nonbasic
// variables (phase-1 costs of nonbasic variables are zero).
func (s *simplex) computeDuals(phase1 bool) {
	copy(s.dualCB, s.cB)
	s.dualsOK, s.dualsPhase1 = true, phase1
	copy(s.y, s.cB)
	s.lu.btran(s.y)
	for j := 0; j < s.n; j++ {
		if s.pos[j] >= 0 {
			continue
		}
		dj := 0.0
		if !phase1 {
			dj = s.cost[j]
		}
		for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
			dj -= s.a.val[k] * s.y[s.a.rowIdx[k]]
		}
		s.d[j] = dj
	}
	for i := 0; i < s.m; i++ {
		j := s.n + i
		if s.pos[j] >= 0 {
			continue
		}
		dj := s.y[i]
		if !phase1 {
			dj += s.cost[j]
		}
		s.d[j] = dj
	}
}

// correctDuals brings the reduced costs up to date after some basic costs
// changed from dualCB to cB (phase-1 costs of variables that became
// feasible or infeasible): with Δy = B⁻ᵀ(cB - dualCB), which is sparse when
// few costs changed, d_j -= a_jᵀΔy for the nonbasic variables. The
// correction runs over the nonbasic rows of Δy's nonzeros only; y is not
// kept (computeDuals recomputes it when it is needed).
func (s *simplex) correctDuals() {
	dy := s.seWork
	for p, c := range s.cB {
		dy[p] = c - s.dualCB[p]
	}
	copy(s.dualCB, s.cB)
	s.lu.btran(dy)
	for i, v := range dy {
		if v == 0 {
			continue
		}
		cols, vals := s.nb.row(i)
		for k, j := range cols {
			s.d[j] -= vals[k] * v
		}
		if j := s.n + i; s.pos[j] < 0 {
			s.d[j] += v
		}
	}
}

// ftranColumn sets alpha = B⁻¹ a_q.
func (s *simplex) ftranColumn(q int) {
	for i := range s.alpha {
		s.alpha[i] = 0
	}
	idx, val := s.column(q)
	for k, i := range idx {
		s.alpha[i] = val[k]
	}
	s.lu.ftran(s.alpha, true)
}

// pivotRow computes rowAlpha = e_rᵀ B⁻¹ [A -I] for the nonbasic
// variables from rho = B⁻ᵀ e_r and the row-wise nonbasic columns; rowNz
// lists the entries that may be nonzero (entries of basic logical
// variables in it are meaningless).
func (s *simplex) pivotRow(r int) {
	clear(s.rho)
	s.rho[r] = 1
	s.lu.btran(s.rho)
	for _, j := range s.rowNz {
		s.rowAlpha[j] = 0
		s.inRow[j] = false
	}
	nz := s.rowNz[:0]
	for i, ri := range s.rho {
		if ri < 1e-13 && ri > -1e-13 {
			continue
		}
		cols, vals := s.nb.row(i)
		for k, j := range cols {
			if !s.inRow[j] {
				s.inRow[j] = true
				nz = append(nz, j)
			}
			s.rowAlpha[j] += ri * vals[k]
		}
		j := s.n + i
		s.inRow[j] = true
		nz = append(nz, j)
		s.rowAlpha[j] = -ri
	}
	s.rowNz = nz
}

// updateDuals updates the reduced costs for the pivot of q into position
// r: d_j -= (d_q/alpha_rq) alpha_rj. The leaving variable's reduced cost
// is corrected when its cost as a nonbasic differs from its basic cost
// (phase 1).
func (s *simplex) updateDuals(q, r int, phase1 bool) {
	p := s.head[r]
	thetaD := s.d[q] / s.alpha[r]
	for _, j := range s.rowNz {
		a := s.rowAlpha[j]
		if a != 0 && s.pos[j] < 0 {
			s.d[j] -= thetaD * a
		}
	}
	nonbasicCost := func(j int) float64 {
		if phase1 {
			return 0
		}
		return s.cost[j]
	}
	s.d[p] = -thetaD + nonbasicCost(p) - s.dualCB[r]
	s.d[q] = 0
	s.dualCB[r] = nonbasicCost(q)
}

// solve runs the chosen method. The primal simplex is the default. The dual
// simplex finishes with the primal simplex, which confirms optimality
// (usually without iterations) or repairs what the artificial bounds and
// perturbations of the dual phase left behind.
func (s *simplex) solve(method Method) (Status, error) {
	s.dualBound = false
	if s.steepest {
		s.initSteepestEdge()
	}
	if method != MethodDual {
		s.crash()
		return s.runPrimal()
	}
	dr, err := s.runDual()
	if err != nil {
		return "", err
	}
	s.dualBound = (dr.status == IterationLimit || dr.status == ObjectiveLimit) && !dr.artificial
	switch dr.status {
	case IterationLimit, TimeLimit, ObjectiveLimit:
		return dr.status, nil
	case Infeasible:
		if !dr.artificial && !dr.unproven {
			return Infeasible, nil
		}
	}
	return s.runPrimal()
}
