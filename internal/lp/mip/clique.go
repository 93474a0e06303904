package mip

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Clique cuts from a conflict graph of the binary variables. A literal is
// a binary x_j (literal 2j) or its complement 1 - x_j (literal 2j+1); two
// literals conflict when no point of the model has both at 1. The
// conflicts are read once from the rows: each side, written Σ a_j x_j <=
// b, is relaxed to a knapsack over its binaries as for the cover cuts
// (the other variables at their least contribution, binaries with a
// negative coefficient complemented), and two literals whose weights sum
// to more than the capacity conflict. This covers set packing and
// partitioning rows (every pair) and the largest items of knapsack rows.
//
// A clique of the graph, a set of pairwise conflicting literals, gives
// the cut Σ_{clique} literal <= 1. Each round grows one clique greedily
// from every fractional literal: its neighbours by decreasing value at
// the relaxation, then, to strengthen the cut, neighbours at zero, each
// kept when it conflicts with all literals taken so far. Violated
// cliques are cut unless a model row states them already (a set packing
// row) or they were already made in the round. The conflicts follow from the root
// bounds, so the cuts hold in the whole tree.

const (
	maxConflictEdges = 1 << 20 // edges of the conflict graph
	maxCliqueStarts  = 500     // literals a round grows a clique from
	maxCliqueWork    = 1 << 21 // adjacency tests in a round
)

// conflictGraph holds the conflicts of the literals of the binaries.
type conflictGraph struct {
	// adj lists the literals in conflict with each literal, sorted.
	adj [][]int32
	// rows holds the keys of the cliques the model's rows state (set
	// packing rows, whose every weight reaches the capacity).
	rows map[string]bool
	// edges counts the conflicts, each once.
	edges int
}

// knapItem is a literal of a row's knapsack relaxation and its weight.
type knapItem struct {
	lit int
	w   float64
}

// litValue returns the value of literal l at x.
func litValue(x []float64, l int) float64 {
	if l%2 == 0 {
		return x[l/2]
	}
	return 1 - x[l/2]
}

// cliqueKey identifies a set of literals.
func cliqueKey(lits []int) string {
	sorted := slices.Clone(lits)
	slices.Sort(sorted)
	var b strings.Builder
	for _, l := range sorted {
		b.WriteString(strconv.Itoa(l))
		b.WriteByte(',')
	}
	return b.String()
}

// newConflictGraph reads the conflicts of the model's rows, within
// maxConflictEdges edges: a row side that would exceed them is left out.
func (s *search) newConflictGraph() *conflictGraph {
	n := len(s.p.m.Vars)
	g := &conflictGraph{adj: make([][]int32, 2*n), rows: make(map[string]bool)}
	s.rowSides(2, math.MaxInt, func(_ int, row []lp.Coef, side, b float64) {
		items, capacity, ok := s.knapsack(s.knapBuf, row, side, b)
		s.knapBuf = items
		if !ok || len(items) < 2 {
			return
		}
		slices.SortStableFunc(items, func(p, q knapItem) int { return cmp.Compare(q.w, p.w) })
		tol := 1e-6 * (1 + math.Abs(capacity))
		// Sorted by decreasing weight, item i conflicts with a prefix of
		// the later ones.
		count := 0
		ends := make([]int, len(items))
		for i := range items {
			k := i + 1
			for k < len(items) && items[i].w+items[k].w > capacity+tol {
				k++
			}
			ends[i] = k
			count += k - i - 1
		}
		if count == 0 || g.edges+count > maxConflictEdges {
			return
		}
		g.edges += count
		for i := range items {
			for k := i + 1; k < ends[i]; k++ {
				a, c := items[i].lit, items[k].lit
				g.adj[a] = append(g.adj[a], int32(c))
				g.adj[c] = append(g.adj[c], int32(a))
			}
		}
		// A row whose every weight reaches the capacity states its
		// clique inequality in the relaxation already.
		if items[len(items)-1].w >= capacity-tol {
			lits := make([]int, len(items))
			for i, it := range items {
				lits[i] = it.lit
			}
			g.rows[cliqueKey(lits)] = true
		}
	})
	for l, a := range g.adj {
		slices.Sort(a)
		g.adj[l] = slices.Compact(a)
	}
	return g
}

// knapsack relaxes side·row <= b to a knapsack over the literals of its
// binaries, as coverRow does, and returns the items (in buf's array when
// it is large enough) and the capacity. It reports false when a
// non-binary variable is unbounded in the direction that matters.
func (s *search) knapsack(buf []knapItem, row []lp.Coef, side, b float64) ([]knapItem, float64, bool) {
	items := buf[:0]
	capacity := b
	for _, c := range row {
		j, a := c.Col, side*c.Val
		switch {
		case a == 0:
		case s.isBinary(j) && a > 0:
			items = append(items, knapItem{lit: 2 * j, w: a})
		case s.isBinary(j):
			capacity -= a
			items = append(items, knapItem{lit: 2*j + 1, w: -a})
		default:
			least := min(a*s.p.lo[j], a*s.p.hi[j])
			if math.IsInf(least, 0) || math.IsNaN(least) {
				return items, 0, false
			}
			capacity -= least
		}
	}
	return items, capacity, capacity >= 0
}

// conflict reports whether literals a and b conflict.
func (g *conflictGraph) conflict(a, b int) bool {
	_, ok := slices.BinarySearch(g.adj[a], int32(b))
	return ok
}

// cliqueCuts returns the violated clique cuts at x.
func (g *conflictGraph) cliqueCuts(s *search, x []float64) []cut {
	if g.edges == 0 {
		return nil
	}
	var starts []int
	for _, j := range s.p.ints {
		if v := x[j]; v > s.opts.IntTol && v < 1-s.opts.IntTol && len(g.adj[2*j])+len(g.adj[2*j+1]) > 0 {
			starts = append(starts, 2*j, 2*j+1)
		}
	}
	slices.SortStableFunc(starts, func(a, b int) int { return cmp.Compare(litValue(x, b), litValue(x, a)) })
	if len(starts) > maxCliqueStarts {
		starts = starts[:maxCliqueStarts]
	}
	made := make(map[string]bool)
	work := 0
	var cuts []cut
	for _, start := range starts {
		if work > maxCliqueWork {
			break
		}
		var lits []int
		lits, work = g.growClique(start, x, work)
		sum := 0.0
		for _, l := range lits {
			sum += litValue(x, l)
		}
		if len(lits) < 2 || sum <= 1+1e-6 {
			continue
		}
		key := cliqueKey(lits)
		if made[key] || g.rows[key] {
			continue
		}
		made[key] = true
		// Σ_{pos} x_j + Σ_{neg} (1 - x_j) <= 1, in >= form.
		cb := s.builder()
		rhs := -1.0
		for _, l := range lits {
			if l%2 == 0 {
				cb.add(l/2, -1)
			} else {
				cb.add(l/2, 1)
				rhs++
			}
		}
		if c, ok := s.finishCut(cb, 1, rhs, x); ok {
			cuts = append(cuts, c)
		}
	}
	return cuts
}

// growClique grows a clique from literal start: its neighbours with a
// positive value at x by decreasing value, then those at zero, each kept
// when it conflicts with every literal kept before and its variable is
// not in the clique yet. work counts the adjacency tests, and growing
// stops when it exceeds maxCliqueWork; the updated count is returned.
func (g *conflictGraph) growClique(start int, x []float64, work int) ([]int, int) {
	var pos, zero []int
	for _, l := range g.adj[start] {
		if litValue(x, int(l)) > 1e-9 {
			pos = append(pos, int(l))
		} else {
			zero = append(zero, int(l))
		}
	}
	slices.SortStableFunc(pos, func(a, b int) int { return cmp.Compare(litValue(x, b), litValue(x, a)) })
	lits := []int{start}
	for _, c := range append(pos, zero...) {
		if work > maxCliqueWork {
			break
		}
		ok := true
		for _, l := range lits {
			work++
			if l/2 == c/2 || !g.conflict(l, c) {
				ok = false
				break
			}
		}
		if ok {
			lits = append(lits, c)
		}
	}
	return lits, work
}
