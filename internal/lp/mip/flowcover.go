package mip

import (
	"cmp"
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Flow cover cuts of the model's rows. Each side of a row with a
// continuous variable, written Σ a_j x_j <= b, is relaxed to a single-node
// flow set
//
//	Σ_{N+} f_j - Σ_{N-} f_j <= b',  0 <= f_j <= u_j·y_j,  y_j binary:
//
// a continuous variable with a variable upper bound x_j <= u·y_k (mir.go)
// is the flow |a_j|·x_j on binary y_k; a binary x_j is the flow |a_j|·x_j
// on itself; any other variable is its distance to its nearer finite
// bound times |a_j|, on a binary fixed at 1. The arc is in N+ or N- by
// the sign of the flow's coefficient. A flow cover is a set C+ ⊆ N+,
// C- ⊆ N- with excess λ = Σ_{C+} u_j - Σ_{C-} u_j - b' > 0, and gives the
// simple generalized flow cover inequality
//
//	Σ_{C+} f_j + Σ_{C+, u_j > λ} (u_j - λ)(1 - y_j)
//	  <= b' + Σ_{C-} u_j + λ Σ_{L-} y_j + Σ_{N- \ (C- ∪ L-)} f_j,
//
// where L- takes the arcs of N- \ C- whose λ·y_j is below f_j at the
// relaxation. As for the rounding cuts, a row is also aggregated with
// the rows that eliminate its continuous variables farthest from their
// bounds, and the best cut of the aggregations is kept. The cover is chosen by a knapsack heuristic: the arcs of N+
// (in C+) and of N- (out of C-) with finite capacity are taken by
// increasing (1 - y_j)/u_j until their capacities exceed b' plus the
// capacities of N-, once as they come and once reduced to a minimal
// cover; the more efficacious cut is kept. The relaxation uses the root
// bounds, so the cuts hold in the whole tree.

// flowArc is an arc of a single-node flow set: its flow is scale·(x_j -
// ref) (upper false) or scale·(ref - x_j) (upper true), with capacity u
// (possibly +Inf) on the binary bin (-1 for a binary fixed at 1).
type flowArc struct {
	j      int
	scale  float64
	ref    float64
	upper  bool
	out    bool // in N-
	u      float64
	bin    int
	fx, yx float64 // flow and binary values at the relaxation
}

// flowCoverCuts returns the violated flow cover cuts of the model's rows
// at x.
func (s *search) flowCoverCuts(x []float64) []cut {
	return s.aggregatedCuts(x, s.flowSep(x))
}

// mirFlowCuts returns the violated rounding cuts (mir.go) and flow cover
// cuts of the model's rows at x, made from the same aggregations.
func (s *search) mirFlowCuts(x []float64) []cut {
	mir := func(agg []lp.Coef, b float64) (cut, bool) { return s.mirRow(agg, 1, b, x) }
	return s.aggregatedCuts(x, mir, s.flowSep(x))
}

// separator makes a cut of an aggregated row agg <= b.
type separator func(agg []lp.Coef, b float64) (cut, bool)

// flowSep is the flow cover separator at x.
func (s *search) flowSep(x []float64) separator {
	return func(agg []lp.Coef, b float64) (cut, bool) { return s.flowCoverRow(agg, 1, b, x) }
}

// aggregatedCuts returns, for every side of the model's rows and every
// separator of seps, the most efficacious cut the separator makes of the
// row and of its aggregations with other rows (aggregate, mir.go), up to
// maxMIRAggr of them; the separators share the aggregations.
func (s *search) aggregatedCuts(x []float64, seps ...separator) []cut {
	if s.vubs == nil {
		s.vubs = s.findVUBs()
	}
	s.indexColRows()
	if s.aggB == nil {
		s.aggB, s.intB = newCutBuilder(len(x)), newCutBuilder(len(x))
	}
	agg := s.aggB
	var cuts []cut
	best := make([]cut, len(seps))
	found := make([]bool, len(seps))
	s.rowSides(2, maxMIRRowLen, func(i int, row []lp.Coef, side, b float64) {
		clear(found)
		agg.reset()
		for _, c := range row {
			agg.add(c.Col, side*c.Val)
		}
		used := []int{i}
		for step := 0; ; step++ {
			s.rowBuf = sparseRow(s.rowBuf[:0], agg)
			for k, sep := range seps {
				if c, ok := sep(s.rowBuf, b); ok && (!found[k] || c.efficacy > best[k].efficacy) {
					best[k], found[k] = c, true
				}
			}
			if step == maxMIRAggr {
				break
			}
			var ok bool
			if b, ok = s.aggregate(agg, b, &used, x); !ok {
				break
			}
		}
		for k := range seps {
			if found[k] {
				cuts = append(cuts, best[k])
			}
		}
	})
	return cuts
}

// indexColRows lists the model rows of each column, for aggregate, once.
func (s *search) indexColRows() {
	if s.colRows != nil {
		return
	}
	s.colRows = make([][]int, len(s.p.m.Vars))
	for i := range s.p.m.Rows {
		for _, c := range s.cuts.coefs[i] {
			s.colRows[c.Col] = append(s.colRows[c.Col], i)
		}
	}
}

// flowArcs relaxes side·row <= b to a single-node flow set at x and
// returns its arcs (in scratch space, valid until the next call) and b'. It reports false when a variable has no finite
// bound or the row has no continuous variable.
func (s *search) flowArcs(row []lp.Coef, side, b float64, x []float64) ([]flowArc, float64, bool) {
	arcs := s.flowArcBuf[:0]
	defer func() { s.flowArcBuf = arcs[:0] }()
	continuous := false
	for _, c := range row {
		j, a := c.Col, side*c.Val
		if a == 0 {
			continue
		}
		arc := flowArc{j: j, scale: math.Abs(a), out: a < 0, bin: -1}
		lo, hi := s.p.lo[j], s.p.hi[j]
		v, hasVUB := s.vubs[j]
		switch {
		case s.isBinary(j):
			arc.u, arc.bin = arc.scale, j
		case hasVUB:
			arc.u, arc.bin = arc.scale*min(v.u, hi), v.k
		case !math.IsInf(lo, -1):
			arc.ref, arc.u = lo, arc.scale*(hi-lo)
			b -= a * lo
		case !math.IsInf(hi, 1):
			// a·x = a·hi - a·(hi - x): the flow's sign is -a's.
			arc.ref, arc.upper, arc.out, arc.u = hi, true, a > 0, math.Inf(1)
			b -= a * hi
		default:
			return nil, 0, false
		}
		continuous = continuous || !s.p.m.Vars[j].Integer
		arc.fx = arc.flow(x)
		arc.yx = 1
		if arc.bin >= 0 {
			arc.yx = x[arc.bin]
		}
		arcs = append(arcs, arc)
	}
	return arcs, b, continuous
}

// flowItem is an arc of the cover's knapsack: its index in the arcs,
// its sort key (1 - y)/u and its capacity u.
type flowItem struct {
	k      int
	key, u float64
}

// flowHeap is a binary min-heap of knapsack items in the order of
// flowCoverRow: increasing key, then decreasing u, then increasing k.
type flowHeap []flowItem

// less orders the items a and b.
func (h flowHeap) less(a, b int) bool {
	p, q := h[a], h[b]
	return cmp.Or(cmp.Compare(p.key, q.key), cmp.Compare(q.u, p.u), p.k-q.k) < 0
}

// init makes h a heap.
func (h flowHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i, len(h))
	}
}

// popTo moves the least item of the heap h[:end+1] to h[end], restores
// the heap on h[:end] and returns the item.
func (h flowHeap) popTo(end int) flowItem {
	h[0], h[end] = h[end], h[0]
	h.down(0, end)
	return h[end]
}

// down moves item i down the heap h[:n] to its place.
func (h flowHeap) down(i, n int) {
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h.less(c+1, c) {
			c++
		}
		if !h.less(c, i) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// flow returns the arc's flow at x.
func (a flowArc) flow(x []float64) float64 {
	if a.upper {
		return a.scale * (a.ref - x[a.j])
	}
	return a.scale * (x[a.j] - a.ref)
}

// addFlow adds mult times the arc's flow to the left side of coef·x <=
// rhs and returns the new rhs.
func (a flowArc) addFlow(cb *cutBuilder, rhs, mult float64) float64 {
	if a.upper {
		cb.add(a.j, -mult*a.scale)
		return rhs - mult*a.scale*a.ref
	}
	cb.add(a.j, mult*a.scale)
	return rhs + mult*a.scale*a.ref
}

// flowCoverRow returns the best flow cover cut of side·row <= b at x, in
// the >= form of the cut pool, if one is violated.
func (s *search) flowCoverRow(row []lp.Coef, side, b float64, x []float64) (cut, bool) {
	arcs, b, ok := s.flowArcs(row, side, b, x)
	if !ok {
		return cut{}, false
	}
	// The knapsack: take arcs (into C+ for N+, out of C- for N-) until
	// their capacities exceed b' plus the capacities of N-, by increasing
	// (1 - y)/u, then decreasing u, then position.
	capacity := b
	items := s.flowItems[:0]
	for k, a := range arcs {
		if math.IsInf(a.u, 1) {
			continue
		}
		if a.out {
			capacity += a.u
		}
		if a.u > 0 {
			items = append(items, flowItem{k: k, key: (1 - a.yx) / a.u, u: a.u})
		}
	}
	s.flowItems = items
	tol := 1e-6 * (1 + math.Abs(capacity))
	total := 0.0
	for _, it := range items {
		total += it.u
	}
	if total <= capacity+tol {
		return cut{}, false
	}
	// Only the first items of the order are taken: a heap gives them in
	// order without sorting the rest.
	h := flowHeap(items)
	h.init()
	sum, n := 0.0, 0
	for n < len(items) && sum <= capacity+tol {
		sum += h.popTo(len(items) - 1 - n).u
		n++
	}
	if sum <= capacity+tol {
		return cut{}, false
	}
	// The taken items are at the end, last taken first; put them first,
	// in the order taken.
	slices.Reverse(items)
	// Arcs of N- without a capacity are never in C-.
	taken := resized(s.flowTaken, len(arcs))
	s.flowTaken = taken
	for k, a := range arcs {
		taken[k] = a.out && math.IsInf(a.u, 1)
	}
	for _, it := range items[:n] {
		taken[it.k] = true
	}
	best, found := s.flowCoverCut(arcs, taken, b, sum-capacity, x)
	// The minimal cover: drop the arcs taken last while the capacities
	// still exceed.
	reduced := false
	for i := n - 1; i >= 0; i-- {
		if u := items[i].u; sum-u > capacity+tol {
			sum -= u
			taken[items[i].k] = false
			reduced = true
		}
	}
	if reduced {
		if c, ok := s.flowCoverCut(arcs, taken, b, sum-capacity, x); ok && (!found || c.efficacy > best.efficacy) {
			best, found = c, true
		}
	}
	return best, found
}

// flowCoverCut returns the simple generalized flow cover inequality of
// the arcs with excess lambda; taken marks C+ in N+ and the complement of
// C- in N-.
func (s *search) flowCoverCut(arcs []flowArc, taken []bool, b, lambda float64, x []float64) (cut, bool) {
	// The violation at x, from the arcs' values, before building the cut.
	viol := -b
	for k, a := range arcs {
		switch {
		case !a.out && taken[k]:
			viol += a.fx + max(a.u-lambda, 0)*(1-a.yx)
		case !a.out:
		case !taken[k]:
			viol -= a.u
		default:
			viol -= min(lambda*a.yx, a.fx)
		}
	}
	if viol <= 1e-7 {
		return cut{}, false
	}
	cb := s.builder()
	rhs := b
	// addBin adds g·y to the left side; a fixed binary is the constant g.
	addBin := func(a flowArc, g float64) {
		if a.bin < 0 {
			rhs -= g
		} else {
			cb.add(a.bin, g)
		}
	}
	for k, a := range arcs {
		switch {
		case !a.out && taken[k]: // C+
			rhs = a.addFlow(cb, rhs, 1)
			if a.u > lambda {
				// (u - λ)(1 - y) on the left.
				rhs -= a.u - lambda
				addBin(a, -(a.u - lambda))
			}
		case !a.out: // N+ \ C+: dropped
		case !taken[k]: // C-
			rhs += a.u
		case lambda*a.yx < a.fx: // L-
			addBin(a, -lambda)
		default:
			rhs = a.addFlow(cb, rhs, -1)
		}
	}
	return s.finishCut(cb, -1, -rhs, x)
}

// resized returns a slice of length n, reusing buf's array when it is
// large enough; the contents are unspecified.
func resized[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}
