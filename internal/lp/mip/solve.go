package mip

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// feasTol is the row and bound tolerance for accepting rounded points.
const feasTol = 1e-6

// Solve solves the mixed-integer program m by branch and bound (see the
// package documentation). Variables without Integer set stay continuous;
// a model without integer variables is solved as one relaxation. m is
// not modified.
//
// The error return is reserved for invalid models (as reported by
// lp.Solve) and for context cancellation other than a deadline. A
// context deadline ends the search with status lp.TimeLimit and the best
// incumbent found, if any; Options.MaxNodes likewise gives NodeLimit.
func Solve(ctx context.Context, m *lp.Model, opts Options) (*Result, error) {
	if m == nil {
		return nil, errors.New("mip: nil model")
	}
	opts = opts.withDefaults()
	if opts.NoPresolve {
		return branchAndBound(ctx, m, opts)
	}
	// Presolve (presolve.go): search the reduced model, map back.
	ps := presolve(m)
	if ps == nil {
		return branchAndBound(ctx, m, opts)
	}
	var res *Result
	if ps.red != nil {
		var err error
		if res, err = branchAndBound(ctx, ps.red, opts); err != nil {
			return nil, err
		}
	}
	return ps.postsolve(res), nil
}

// branchAndBound is Solve without presolve.
func branchAndBound(ctx context.Context, m *lp.Model, opts Options) (*Result, error) {
	s, ok, err := newSearch(ctx, m, opts)
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.result(lp.Infeasible), nil
	}
	status, err := s.run()
	if err != nil {
		return nil, err
	}
	return s.result(status), nil
}

// newSearch prepares the search of m with opts (defaults applied). It
// reports false when the rounded integer bounds are inconsistent: the
// model is then infeasible and the search must not run.
func newSearch(ctx context.Context, m *lp.Model, opts Options) (*search, bool, error) {
	p, ok := newProblem(m, opts.IntTol)
	s := &search{
		ctx:      ctx,
		opts:     opts,
		p:        p,
		pc:       newPseudoCosts(len(m.Vars)),
		inc:      math.Inf(1),
		fathomed: math.Inf(1),
	}
	if !ok {
		// Integer bounds with no integer between them: check the model
		// is otherwise valid before reporting infeasibility.
		if _, err := lp.Solve(ctx, m, opts.LP); err != nil {
			return nil, false, fmt.Errorf("mip: %w", err)
		}
		return s, false, nil
	}
	rel, err := lp.NewRelaxation(m, opts.LP)
	if err != nil {
		return nil, false, fmt.Errorf("mip: %w", err)
	}
	s.rel = rel
	if s.prop = newPropagator(p, nil); s.prop != nil {
		s.propSc = s.prop.newScratch()
	}
	s.lo = append([]float64(nil), p.lo...)
	s.hi = append([]float64(nil), p.hi...)
	for _, j := range p.ints {
		rel.SetBounds(j, p.lo[j], p.hi[j])
	}
	return s, true, nil
}

// search is the state of one branch-and-bound run. Objective values are
// in minimisation form.
type search struct {
	ctx  context.Context
	opts Options
	p    *problem
	pc   *pseudoCosts
	open nodeQueue
	// rel holds the relaxation solved at every node, warm-started from
	// the basis of the node solved before or of the node's parent.
	rel *lp.Relaxation
	// lo and hi are the bounds of the node being solved.
	lo, hi []float64
	// cuts indexes the rows of rel (the model's, then the cuts);
	// cutCount numbers the cuts made.
	cuts     *cutRows
	cutCount int
	// cg is the root's conflict graph, treeCuts the rows the tree's
	// cuts added (cuts.go).
	cg       *conflictGraph
	treeCuts int
	// cb builds the cuts (cuts.go); aggB and intB hold the aggregated
	// row and its integer part in the rounding cut separator, rowBuf its
	// nonzeros (mir.go).
	cb, aggB, intB *cutBuilder
	rowBuf         []lp.Coef
	// mirConts, mirInts, flowArcBuf, flowItems, flowTaken, knapBuf,
	// coverBuf, cutIdx and cutVal are scratch space of the separators
	// (mir.go, flowcover.go, clique.go, cover.go, cuts.go).
	mirConts, mirInts []mirTerm
	flowArcBuf        []flowArc
	flowItems         []flowItem
	flowTaken         []bool
	knapBuf           []knapItem
	coverBuf          []coverItem
	cutIdx            []int
	cutVal            []float64
	// prop propagates the node bounds through the model's rows, with
	// propSc as working state; prop is nil for a model without rows of
	// integer columns (propagate.go).
	prop   *propagator
	propSc *propScratch
	// vubs are the variable upper bounds of the model (mir.go).
	vubs map[int]vub
	// colRows lists the model rows of each column (mir.go).
	colRows [][]int
	// held is the basis rel holds as the final basis of the last node
	// solved, once that node has branched (nil otherwise).
	held *lp.Basis
	// pol re-solves the continuous part of new incumbents (polish.go).
	pol *lp.Relaxation
	// heur is the state of the primal heuristics (heuristics.go).
	heur *heuristics

	inc  float64   // incumbent value, +Inf without one
	incX []float64 // incumbent point
	// fathomed is the lowest bound of the nodes pruned by bound, which
	// limits the final Bound together with the open nodes.
	fathomed float64
	// unsolved is the bound of a node left unsolved by a limit.
	unsolved float64
	// openFloor is the best bound of the open nodes outside open: those
	// of the shared queue while a worker of a parallel search processes
	// its nodes (parallel.go), +Inf otherwise.
	openFloor float64
	// worker marks the search of a worker of a parallel search.
	worker bool
	// pcLog, when set, receives the pseudo-cost observations instead of
	// pc, which the workers of a parallel search only read.
	pcLog *[]pcUpdate

	nodes      int
	iterations int
	// treeIters counts the iterations of the node relaxations below the
	// root (strong.go).
	treeIters int
	// trials holds the strong branching outcomes at the node being
	// branched (strong.go).
	trials []trial
	// strongIters counts the iterations of strong branching (strong.go).
	strongIters int
	// roundBuf holds the roundings offerRounding tries, actBuf the row
	// activities of the points offer checks.
	roundBuf, actBuf []float64
	// nodeRes holds the result of the last node relaxation; the next
	// one is written over it (lp.Relaxation.SolveInto).
	nodeRes *lp.Result
	// baseUsers counts, in a sequential search, the nodes that will start
	// from each basis saved at a branched node (held); one that no node
	// needs any more goes to spareBases, over which a later node saves
	// its own (lp.Relaxation.BasisInto).
	baseUsers  map[*lp.Basis]int
	spareBases []*lp.Basis
}

// run explores the tree and returns the final status: sequentially, or in
// rounds of parallel workers when Options.Threads is above 1
// (parallel.go).
func (s *search) run() (lp.Status, error) {
	s.unsolved = math.Inf(1)
	s.openFloor = math.Inf(1)
	root := &node{bound: math.Inf(-1), col: -1}
	if s.opts.Threads > 1 {
		return s.runParallel(root)
	}
	next := root
	for {
		if next == nil {
			if len(s.open) == 0 {
				return s.exhausted(), nil
			}
			next = s.open.pop()
		}
		var st step
		if st = s.process(next); st.stop {
			return st.status, st.err
		}
		next = st.next
	}
}

// exhausted is the status of a search whose tree has no open node left.
func (s *search) exhausted() lp.Status {
	if s.incX == nil {
		return lp.Infeasible
	}
	return lp.Optimal
}

// step is the outcome of processing one node: the child to go on with
// when the search plunges (nil otherwise), or, when stop is set, the
// status (or error) that ends the search.
type step struct {
	next   *node
	stop   bool
	status lp.Status
	err    error
}

// stopStep ends the search with status and err.
func stopStep(status lp.Status, err error) step {
	return step{stop: true, status: status, err: err}
}

// process solves the relaxation of node n, prunes, offers rounded points,
// runs the heuristics due and branches: one child goes to the open queue,
// the other too or, when the search plunges, into the returned step.
func (s *search) process(n *node) step {
	if n.bound >= s.cutoff() {
		s.fathomed = min(s.fathomed, n.bound)
		s.dropBasis(n.start)
		return step{}
	}
	if s.opts.MaxNodes > 0 && s.nodes >= s.opts.MaxNodes {
		s.unsolved = n.bound
		return stopStep(NodeLimit, nil)
	}
	if s.ctx.Err() != nil {
		s.unsolved = n.bound
		return stopStep(s.stopped())
	}
	res, err := s.relax(n)
	if err != nil {
		return stopStep("", err)
	}
	// solved is the node's bound once its relaxation is solved: a limit
	// that stops the search later at this node (in the cut rounds, in
	// strong branching) leaves that bound, not the parent's.
	solved := n.bound
	if res.Status == lp.Optimal {
		solved = max(s.p.roundBound(s.p.sign*res.Objective), n.bound)
	}
	if n.start == nil && res.Status == lp.Optimal && !s.opts.NoCuts {
		if res, err = s.rootCuts(res); err != nil {
			return stopStep("", err)
		}
		// The cuts hold in the whole tree: the nodes propagate them too.
		if s.prop = newPropagator(s.p, s.cuts); s.prop != nil {
			s.propSc = s.prop.newScratch()
		}
	} else if res.Status == lp.Optimal && s.treeCutsDue(n) {
		if res, err = s.nodeCuts(res); err != nil {
			return stopStep("", err)
		}
	}
	switch res.Status {
	case lp.Optimal:
	case lp.Infeasible:
		return step{}
	case lp.ObjectiveLimit:
		// The dual simplex proved the node no better than the cutoff;
		// its value there bounds the branching's objective change, which
		// the pseudo-costs record as a solved node's (not recording it
		// leaves them with the changes of the nodes that were kept).
		zStop := s.p.sign * res.Objective
		if n.col >= 0 {
			s.updatePC(n.col, n.up, n.dist, zStop-n.parentObj)
		}
		s.fathomed = min(s.fathomed, max(s.p.roundBound(zStop), n.bound))
		return step{}
	case lp.Unbounded:
		return stopStep(lp.Unbounded, nil)
	case lp.TimeLimit:
		s.unsolved = solved
		return stopStep(s.stopped())
	default:
		s.unsolved = solved
		return stopStep(res.Status, nil)
	}
	zLP := s.p.sign * res.Objective
	if n.col >= 0 {
		s.updatePC(n.col, n.up, n.dist, zLP-n.parentObj)
	}
	z := max(s.p.roundBound(zLP), n.bound)
	if z >= s.cutoff() {
		s.fathomed = min(s.fathomed, z)
		return step{}
	}
	frac := s.p.fractional(res.X, s.opts.IntTol)
	if len(frac) == 0 {
		s.offer(s.p.rounded(res.X), 0)
		return step{}
	}
	s.offerRounding(res.X, true)
	s.offerRounding(res.X, false)
	s.runHeuristics(n, res)
	if z >= s.cutoff() {
		s.fathomed = min(s.fathomed, z)
		return step{}
	}
	if fixed := s.reducedCostFixing(res, zLP); len(fixed) > 0 {
		n.changes = append(n.changes[:len(n.changes):len(n.changes)], fixed...)
	}
	s.held = s.saveBasis()
	if ok, err := s.strongBranch(res.X, frac, zLP, s.held); err != nil {
		return stopStep("", err)
	} else if !ok {
		s.unsolved = z
		return stopStep(s.stopped())
	}
	// A variable with a pruned trial child is fixed the other way, and
	// the node is solved again with the fixings (strong.go).
	if fixed, bound, ok := s.trialFixings(res.X, z); !ok {
		s.fathomed = min(s.fathomed, bound)
		s.dropBasis(s.held)
		return step{}
	} else if len(fixed) > 0 {
		s.useBasis(s.held, 1)
		return step{next: n.refixed(fixed, z, s.held)}
	}
	// The up child comes first, whatever the fractional part: raising
	// a variable (a binary to 1) usually implies more than lowering it
	// (the other variables of its set-partitioning or assignment rows
	// fall to 0), so a plunge meets a feasible point or an infeasible
	// child sooner. Rounding to the nearer integer instead left GLPK's
	// planarity example without a feasible point after 265,000 nodes
	// (up first: 707 nodes) and took 20,176 nodes on magic (up first:
	// 535); the shared MIPLIB models search about as many nodes in all.
	down, up := s.branch(n, res, frac, z, zLP, s.held)
	s.useBasis(s.held, 2)
	s.open.push(down)
	if s.plunge(z) {
		return step{next: up}
	}
	s.open.push(up)
	return step{}
}

// plunge reports whether the search should go on with a child of a node
// of value z rather than the best open node: always before the first
// incumbent (a dive), afterwards while z is in the better quarter of the
// range between the best open bound and the cutoff.
func (s *search) plunge(z float64) bool {
	if s.incX == nil {
		return true
	}
	best := min(s.open.best(math.Inf(1)), s.openFloor)
	return z-best <= plungeFraction*(s.cutoff()-best)
}

// plungeFraction bounds plunges after the first incumbent; see plunge.
const plungeFraction = 0.25

// stopped is the status of a search ended by its context: TimeLimit for a
// deadline, the context's error otherwise.
func (s *search) stopped() (lp.Status, error) {
	err := s.ctx.Err()
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		return lp.TimeLimit, nil
	}
	return "", fmt.Errorf("mip: solve %q: %w", s.p.m.Name, err)
}

// relax solves the relaxation of node n, starting from the final basis
// of its parent.
func (s *search) relax(n *node) (*lp.Result, error) {
	defer s.dropBasis(n.start)
	copy(s.lo, s.p.lo)
	copy(s.hi, s.p.hi)
	apply := func(changes []boundChange) {
		for _, c := range changes {
			s.lo[c.col] = max(s.lo[c.col], c.lo)
			s.hi[c.col] = min(s.hi[c.col], c.hi)
		}
	}
	for l := n.inherited; l != nil; l = l.prev {
		apply(l.changes)
	}
	apply(n.changes)
	// inferences counts the bound changes propagation implied.
	inferences := 0
	if s.prop != nil && n.propagated < len(n.changes) {
		implied, ok := s.prop.propagate(s.propSc, n.changes[n.propagated:], s.lo, s.hi)
		if !ok {
			if n.col >= 0 {
				s.updateInference(n.col, n.up, 0, true)
			}
			return &lp.Result{Status: lp.Infeasible}, nil
		}
		inferences = len(implied)
		n.changes = append(n.changes[:len(n.changes):len(n.changes)], implied...)
		n.propagated = len(n.changes)
	}
	for _, j := range s.p.ints {
		s.rel.SetBounds(j, s.lo[j], s.hi[j])
	}
	if n.start != nil && n.start != s.held {
		s.rel.SetBasis(n.start)
	}
	s.held = nil
	s.limitRelaxation()
	// The node's result is read until the next node's relaxation only.
	res, err := s.rel.SolveInto(s.ctx, s.nodeRes)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &lp.Result{Status: lp.TimeLimit}, nil
		}
		return nil, fmt.Errorf("mip: node %d: %w", s.nodes, err)
	}
	s.nodeRes = res
	s.nodes++
	s.iterations += res.Iterations
	if n.start != nil {
		s.treeIters += res.Iterations
	}
	if n.col >= 0 && res.Status != lp.TimeLimit {
		s.updateInference(n.col, n.up, float64(inferences), res.Status == lp.Infeasible)
	}
	return res, nil
}

// saveBasis returns a copy of the relaxation's basis, for the nodes that
// will start from it, written over a spare basis in a sequential search.
func (s *search) saveBasis() *lp.Basis {
	if s.opts.Threads > 1 || s.worker {
		return s.rel.Basis()
	}
	var b *lp.Basis
	if k := len(s.spareBases); k > 0 {
		b, s.spareBases = s.spareBases[k-1], s.spareBases[:k-1]
	}
	b = s.rel.BasisInto(b)
	if s.baseUsers == nil {
		s.baseUsers = make(map[*lp.Basis]int)
	}
	s.baseUsers[b] = 0
	return b
}

// useBasis records k more nodes that will start from basis b.
func (s *search) useBasis(b *lp.Basis, k int) {
	if u, ok := s.baseUsers[b]; ok {
		s.baseUsers[b] = u + k
	}
}

// dropBasis records that a node no longer needs basis b (it started from
// it or was pruned); a basis without users becomes spare.
func (s *search) dropBasis(b *lp.Basis) {
	u, ok := s.baseUsers[b]
	switch {
	case !ok:
	case u <= 1:
		delete(s.baseUsers, b)
		s.spareBases = append(s.spareBases, b)
	default:
		s.baseUsers[b] = u - 1
	}
}

// limitRelaxation gives the relaxation the objective limit past which
// the cutoff prunes (lp.Relaxation.SetObjectiveLimit): a node or trial
// that will be pruned stops as soon as its dual simplex proves it.
func (s *search) limitRelaxation() {
	s.rel.SetObjectiveLimit(s.p.sign * s.p.pruneLimit(s.cutoff()))
}

// branch returns the two children of n, whose optimal relaxation res has
// value zLP (bound z after rounding) and final basis start, split on the
// variable chosen among frac.
func (s *search) branch(n *node, res *lp.Result, frac []int, z, zLP float64, start *lp.Basis) (down, up *node) {
	j := s.choose(res.X, frac, zLP)
	pen, hasPen := s.penalties(res, j)
	v := res.X[j]
	fl := math.Floor(v)
	f := v - fl
	// A child starts from the larger of the value strong branching
	// measured and its penalty (penalty.go), which order and prune it
	// before it is solved.
	bound := func(up bool) float64 {
		g, _ := s.trialGain(j, up, zLP)
		if hasPen {
			// A penalty without a step (no variable can move x_j that
			// way) would prove the child infeasible; it is solved
			// instead.
			g = max(g, min(pen[dir(up)], maxGain))
		}
		if g <= 0 {
			return z
		}
		return max(z, s.p.roundBound(zLP+g))
	}
	down = n.child(boundChange{col: j, lo: math.Inf(-1), hi: fl}, false, f, bound(false), zLP, start)
	up = n.child(boundChange{col: j, lo: fl + 1, hi: math.Inf(1)}, true, 1-f, bound(true), zLP, start)
	return down, up
}

// choose returns the fractional variable of x to branch on at a node of
// value zLP: the best product score of the objective changes of its two
// children (pseudoCosts.choose), taking the changes strong branching
// measured at this node over the pseudo-cost estimates, and an
// infeasible child as a change of maxGain.
func (s *search) choose(x []float64, frac []int, zLP float64) int {
	return s.pc.choose(x, frac, func(j int, up bool) (float64, bool) {
		g, ok := s.trialGain(j, up, zLP)
		return min(g, maxGain), ok
	})
}

// maxGain stands for the objective change of an infeasible child in
// branching scores.
const maxGain = 1e30

// offer makes x the incumbent if it satisfies the model within tol
// (0: x comes from an integral relaxation and is trusted) and improves on
// the incumbent. Values are clipped to the variables' bounds.
func (s *search) offer(x []float64, tol float64) {
	if tol > 0 {
		var ok bool
		if s.actBuf, ok = s.p.feasibleAct(s.actBuf, x, tol); !ok {
			return
		}
	}
	// A relaxation's values may pass a bound by the simplex tolerance.
	for j := range x {
		x[j] = min(max(x[j], s.p.lo[j]), s.p.hi[j])
	}
	obj := s.p.sign * s.p.objective(x)
	if obj >= s.inc {
		return
	}
	x = s.polish(x)
	obj = s.p.sign * s.p.objective(x)
	s.inc, s.incX = obj, x
}

// offerRounding offers the rounding of x, in the directions no row
// locks when lock is set (problem.lockRounded) or else to the nearest
// integers, when it meets the rows within feasTol. Most roundings do
// not: they are made in a buffer, copied only when offered.
func (s *search) offerRounding(x []float64, lock bool) {
	if lock {
		s.roundBuf = s.p.lockRoundedTo(s.roundBuf, x)
	} else {
		s.roundBuf = s.p.roundedTo(s.roundBuf, x)
	}
	var ok bool
	if s.actBuf, ok = s.p.feasibleAct(s.actBuf, s.roundBuf, feasTol); ok {
		s.offer(slices.Clone(s.roundBuf), feasTol)
	}
}

// cutoff is the value a node bound must be below to be explored: the
// incumbent minus the gap tolerance.
func (s *search) cutoff() float64 {
	if s.incX == nil {
		return math.Inf(1)
	}
	return s.inc - max(s.opts.AbsGap, s.opts.RelGap*math.Abs(s.inc))
}

// result describes the search after it ended with status.
func (s *search) result(status lp.Status) *Result {
	bound := min(min(s.fathomed, s.unsolved), s.open.best(math.Inf(1)))
	bound = min(bound, s.inc)
	r := &Result{
		Status:     status,
		Nodes:      s.nodes,
		Iterations: s.iterations,
		Gap:        math.Inf(1),
	}
	switch {
	case status == lp.Infeasible:
		bound = math.Inf(1)
	case status == lp.Unbounded:
		bound = math.Inf(-1)
	}
	if s.incX != nil && status != lp.Unbounded {
		r.X = s.incX
		r.RowActivity = s.p.activities(r.X)
		r.Objective = s.p.objective(r.X)
		r.Gap = relGap(s.inc, bound)
	}
	r.Bound = s.p.sign * bound
	return r
}
