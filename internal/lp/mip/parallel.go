package mip

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"sync"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Parallel tree search (Options.Threads > 1). The root node (its cut
// rounds and heuristics), and the nodes of the first levels while they
// add cuts (cuts.go), are processed as in the sequential search; the
// rest of the tree is searched in rounds. Each round takes the best open
// nodes, nodesPerWorker per worker in queue order, and deals them out in
// turn; every worker owns a relaxation of its own (the model with the
// root's cuts), its node bounds, polish relaxation and heuristics state,
// and processes its nodes one after the other, plunging into a child as
// the sequential search does (for at most maxPlunge relaxations once
// there is an incumbent), against the incumbent, cutoff and
// pseudo-costs of the start of the round (with its own incumbents and
// observations since). When every worker is done, their results are merged
// in worker order: pseudo-cost observations, the incumbent (a strictly
// better objective wins, so the first worker wins ties), pruned bounds,
// counters and the open children.
//
// Nothing a worker computes depends on the scheduling of the goroutines:
// the nodes of a round, their split and the state each worker starts from
// are functions of the earlier rounds only, so a search with the same
// number of threads gives the same result on every run. A node limit is
// split between the workers of a round so that the search solves exactly
// Options.MaxNodes relaxations; a context's end stops every worker, and
// the nodes they leave unsolved count in the final bound.

const (
	nodesPerWorker = 4  // open nodes a worker takes per round
	maxPlunge      = 16 // relaxations one taken node may lead to in a round
)

// pcUpdate is one pseudo-cost observation (pseudoCosts.update's
// arguments) made by a worker, applied when the round is merged.
type pcUpdate struct {
	col        int
	up         bool
	dist, gain float64
	// inference marks an inference observation (updateInference) of
	// gain bound changes, or of a cutoff.
	inference, cutoff bool
}

// updatePC records a pseudo-cost observation in pc and, for a worker of a
// parallel search, in pcLog for the merge.
func (s *search) updatePC(col int, up bool, dist, gain float64) {
	if s.pcLog != nil {
		*s.pcLog = append(*s.pcLog, pcUpdate{col: col, up: up, dist: dist, gain: gain})
	}
	s.pc.update(col, up, dist, gain)
}

// updateInference records an inference observation in pc and, for a
// worker of a parallel search, in pcLog for the merge.
func (s *search) updateInference(col int, up bool, k float64, cutoff bool) {
	if s.pcLog != nil {
		*s.pcLog = append(*s.pcLog, pcUpdate{col: col, up: up, gain: k, inference: true, cutoff: cutoff})
	}
	s.pc.updateInference(col, up, k, cutoff)
}

// copyFrom makes pc a copy of o, which has the same number of variables.
func (pc *pseudoCosts) copyFrom(o *pseudoCosts) {
	for d := range pc.sum {
		copy(pc.sum[d], o.sum[d])
		copy(pc.cnt[d], o.cnt[d])
		copy(pc.infSum[d], o.infSum[d])
		copy(pc.infCnt[d], o.infCnt[d])
		copy(pc.cutSum[d], o.cutSum[d])
	}
	pc.total, pc.totalCnt = o.total, o.totalCnt
	pc.infTotal, pc.cutTotal, pc.infTotalCnt = o.infTotal, o.cutTotal, o.infTotalCnt
}

// worker is one worker of a parallel search and its round: s is a search
// of its own sharing the problem and the cut rows with the main search;
// its pseudo-costs are those of the main search at the start of the
// round, with its own observations since.
type worker struct {
	s     *search
	log   []pcUpdate // pseudo-cost observations of the round
	nodes []*node    // the nodes taken this round
	// quota is the number of relaxations the worker may solve in the
	// round, -1 for no limit.
	quota int
	// stop is the step that stopped the worker, if one did.
	stop step
	// The main search's counters and heuristics state at the start of
	// the round.
	nodes0, iters0, strong0, tree0 int
	heur0                          heuristics
	// panicked holds a panic of the round, with its stack.
	panicked any
	stack    []byte
}

// runParallel processes root and the first levels of the tree as the
// sequential search does, then searches the rest in rounds of
// Options.Threads workers.
func (s *search) runParallel(root *node) (lp.Status, error) {
	// The root, and the first levels while they add cuts (cuts.go), are
	// searched as the sequential search does, so that the workers start
	// from the same rows.
	next := root
	for {
		if next == nil {
			if len(s.open) == 0 {
				return s.exhausted(), nil
			}
			if !s.cutLevel(s.open[0]) {
				break
			}
			next = s.open.pop()
		}
		if next != root && !s.cutLevel(next) {
			s.open.push(next)
			break
		}
		st := s.process(next)
		if st.stop {
			return st.status, st.err
		}
		next = st.next
	}
	if s.heur == nil {
		s.heur = newHeuristics(s.opts)
	}
	workers, err := s.newWorkers()
	if err != nil {
		return "", err
	}
	for round := uint64(0); ; round++ {
		batch := s.takeBatch(len(workers) * nodesPerWorker)
		if len(batch) == 0 {
			return s.exhausted(), nil
		}
		if s.opts.MaxNodes > 0 && s.nodes >= s.opts.MaxNodes {
			s.putBack(batch)
			return NodeLimit, nil
		}
		if s.ctx.Err() != nil {
			s.putBack(batch)
			return s.stopped()
		}
		s.deal(workers, batch, round)
		var wg sync.WaitGroup
		for _, wk := range workers[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wk.runRound()
			}()
		}
		workers[0].runRound()
		wg.Wait()
		if st := s.merge(workers); st.stop {
			return st.status, st.err
		}
	}
}

// newWorkers returns the workers of the search. The first one takes over
// the relaxation of the root; the others get a relaxation of the model
// with the root's cut rows, which holds the same program.
func (s *search) newWorkers() ([]*worker, error) {
	var rows []lp.Row
	var coefs []lp.Coef
	first := len(s.p.m.Rows)
	if s.cuts != nil {
		for i := first; i < len(s.cuts.rows); i++ {
			rows = append(rows, s.cuts.rows[i])
			for _, c := range s.cuts.coefs[i] {
				coefs = append(coefs, lp.Coef{Row: i - first, Col: c.Col, Val: c.Val})
			}
		}
	}
	workers := make([]*worker, s.opts.Threads)
	for i := range workers {
		w := &search{
			ctx: s.ctx, opts: s.opts, p: s.p, pc: newPseudoCosts(len(s.lo)), worker: true,
			cuts: s.cuts, cutCount: s.cutCount, vubs: s.vubs, colRows: s.colRows, prop: s.prop,
			lo: make([]float64, len(s.lo)), hi: make([]float64, len(s.hi)),
		}
		if s.prop != nil {
			w.propSc = s.prop.newScratch()
		}
		// The main search enforces the node limit between rounds.
		w.opts.MaxNodes = 0
		if i == 0 {
			w.rel, w.held, w.pol = s.rel, s.held, s.pol
		} else {
			rel, err := lp.NewRelaxation(s.p.m, s.opts.LP)
			if err != nil {
				return nil, fmt.Errorf("mip: worker %d: %w", i, err)
			}
			if len(rows) > 0 {
				if err := rel.AddRows(rows, coefs); err != nil {
					return nil, fmt.Errorf("mip: worker %d: %w", i, err)
				}
			}
			w.rel = rel
		}
		workers[i] = &worker{s: w}
	}
	return workers, nil
}

// takeBatch removes up to k open nodes from the queue, best first, and
// returns them; nodes that the cutoff prunes are dropped on the way.
func (s *search) takeBatch(k int) []*node {
	var batch []*node
	for len(batch) < k && len(s.open) > 0 {
		n := s.open.pop()
		if n.bound >= s.cutoff() {
			s.fathomed = min(s.fathomed, n.bound)
			continue
		}
		batch = append(batch, n)
	}
	return batch
}

// putBack returns nodes to the open queue.
func (s *search) putBack(nodes []*node) {
	for _, n := range nodes {
		s.open.push(n)
	}
}

// deal hands the nodes of batch (best first) to the workers in turn,
// splits what is left of the node limit between them and gives each the
// main search's state at the start of the round.
func (s *search) deal(workers []*worker, batch []*node, round uint64) {
	t := len(workers)
	for i, wk := range workers {
		w := wk.s
		wk.nodes = wk.nodes[:0]
		for k := i; k < len(batch); k += t {
			wk.nodes = append(wk.nodes, batch[k])
		}
		wk.quota = -1
		if s.opts.MaxNodes > 0 {
			left := s.opts.MaxNodes - s.nodes
			wk.quota = left / t
			if i < left%t {
				wk.quota++
			}
		}
		wk.stop = step{}
		wk.log = wk.log[:0]
		wk.nodes0, wk.iters0, wk.strong0, wk.tree0 = s.nodes, s.iterations, s.strongIters, s.treeIters
		wk.heur0 = *s.heur
		h := *s.heur
		h.rng = rand.New(rand.NewPCG(round, uint64(i)))
		w.heur = &h
		w.pcLog = &wk.log
		w.pc.copyFrom(s.pc)
		w.inc, w.incX = s.inc, s.incX
		w.fathomed, w.unsolved = math.Inf(1), math.Inf(1)
		w.openFloor = batch[0].bound
		w.open = w.open[:0]
		w.nodes, w.iterations, w.strongIters, w.treeIters = s.nodes, s.iterations, s.strongIters, s.treeIters
	}
}

// runRound processes the worker's nodes of the round, plunging from each
// (for at most maxPlunge relaxations once there is an incumbent); the
// children, and the nodes left
// when the quota is spent or the search stops, go to its open queue.
func (wk *worker) runRound() {
	defer func() {
		if r := recover(); r != nil {
			wk.panicked, wk.stack = r, debug.Stack()
		}
	}()
	w := wk.s
	for k, n := range wk.nodes {
		for solved := 0; n != nil; solved++ {
			if (solved >= maxPlunge && w.incX != nil) || (wk.quota >= 0 && w.nodes-wk.nodes0 >= wk.quota) {
				w.open.push(n)
				break
			}
			st := w.process(n)
			if st.stop {
				wk.stop = st
				w.putBack(wk.nodes[k+1:])
				return
			}
			n = st.next
		}
	}
}

// merge folds the workers' rounds into the main search, in worker order,
// and returns the step of the first worker that stopped, if any. A panic
// of a worker is raised again here.
func (s *search) merge(workers []*worker) step {
	for i, wk := range workers {
		if wk.panicked != nil {
			panic(fmt.Sprintf("mip: worker %d: %v\n%s", i, wk.panicked, wk.stack))
		}
	}
	var stop step
	h := s.heur
	for _, wk := range workers {
		w := wk.s
		for _, u := range wk.log {
			if u.inference {
				s.pc.updateInference(u.col, u.up, u.gain, u.cutoff)
			} else {
				s.pc.update(u.col, u.up, u.dist, u.gain)
			}
		}
		if w.inc < s.inc {
			s.inc, s.incX = w.inc, w.incX
		}
		s.fathomed = min(s.fathomed, w.fathomed)
		s.unsolved = min(s.unsolved, w.unsolved)
		s.nodes += w.nodes - wk.nodes0
		s.iterations += w.iterations - wk.iters0
		s.strongIters += w.strongIters - wk.strong0
		s.treeIters += w.treeIters - wk.tree0
		wh := w.heur
		h.spent += wh.spent - wk.heur0.spent
		h.lastDive = max(h.lastDive, wh.lastDive)
		h.lastRINS = max(h.lastRINS, wh.lastRINS)
		if wh.rinsInc != wk.heur0.rinsInc || wh.rinsTries != wk.heur0.rinsTries {
			h.rinsInc, h.rinsTries = wh.rinsInc, wh.rinsTries
		}
		s.putBack(w.open)
		if wk.stop.stop && !stop.stop {
			stop = wk.stop
		}
	}
	return stop
}
