package mip

import (
	"math"
	"slices"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// allChanges returns the changes of n and of its inherited list.
func allChanges(n *node) []boundChange {
	all := slices.Clone(n.changes)
	for l := n.inherited; l != nil; l = l.prev {
		all = append(all, l.changes...)
	}
	return all
}

// TestChildChanges checks the change lists of children: each child has
// every change of its ancestors once, owns (as new, to be propagated)
// its branching and the changes its parent did not propagate, and shares
// the rest with its sibling.
func TestChildChanges(t *testing.T) {
	root := &node{col: -1}
	a := root.child(boundChange{col: 0, lo: 1, hi: 1}, true, 0.5, 0, 0, nil)
	// a's relaxation propagates its branching, which implies a bound on
	// column 1; then reduced cost fixing fixes column 2 (not propagated).
	a.changes = append(a.changes, boundChange{col: 1, lo: 0, hi: 3})
	a.propagated = len(a.changes)
	a.changes = append(a.changes, boundChange{col: 2, lo: 0, hi: 0})
	down := a.child(boundChange{col: 3, lo: 0, hi: 0}, false, 0.5, 0, 0, nil)
	up := a.child(boundChange{col: 3, lo: 1, hi: 1}, true, 0.5, 0, 0, nil)
	if down.inherited == nil || down.inherited != up.inherited {
		t.Fatalf("siblings inherit %p and %p, want one shared list", down.inherited, up.inherited)
	}
	for _, tt := range []struct {
		name string
		n    *node
		last boundChange
	}{{"down", down, boundChange{col: 3, lo: 0, hi: 0}}, {"up", up, boundChange{col: 3, lo: 1, hi: 1}}} {
		wantOwn := []boundChange{{col: 2, lo: 0, hi: 0}, tt.last}
		if tt.n.propagated != 0 || !slices.Equal(tt.n.changes, wantOwn) {
			t.Errorf("%s: own changes %v (%d propagated), want %v, none propagated", tt.name, tt.n.changes, tt.n.propagated, wantOwn)
		}
		want := []boundChange{{col: 0, lo: 1, hi: 1}, {col: 1, lo: 0, hi: 3}, {col: 2, lo: 0, hi: 0}, tt.last}
		got := allChanges(tt.n)
		cmp := func(p, q boundChange) int { return p.col - q.col }
		slices.SortFunc(got, cmp)
		if !slices.Equal(got, want) {
			t.Errorf("%s: all changes %v, want %v", tt.name, got, want)
		}
	}
	// A node solved again with fixings keeps its inherited list and adds
	// the fixings to its own.
	r := down.refixed([]boundChange{{col: 4, lo: 0, hi: 0}}, 0, nil)
	if r.inherited != down.inherited || len(r.changes) != len(down.changes)+1 || r.depth != down.depth {
		t.Errorf("refixed node: inherited %p (want %p), %d own changes (want %d), depth %d (want %d)",
			r.inherited, down.inherited, len(r.changes), len(down.changes)+1, r.depth, down.depth)
	}
}

// TestBasisReuse checks the bookkeeping of the bases saved at branched
// nodes: a basis becomes spare (and is saved over) only once every node
// that starts from it has started or been pruned, and the workers of a
// parallel search save fresh bases and keep none.
func TestBasisReuse(t *testing.T) {
	m := &lp.Model{Name: "knapsack", Sense: lp.Maximize, Rows: []lp.Row{{Lo: math.Inf(-1), Hi: 20}}}
	for j, w := range []float64{7, 9, 6, 8} {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(10 - j), Integer: true})
		m.Coefs = append(m.Coefs, lp.Coef{Row: 0, Col: j, Val: w})
	}
	s, _ := rootSearch(t, m)
	if s == nil {
		t.Fatal("knapsack: root relaxation integral")
	}
	a := s.saveBasis()
	s.useBasis(a, 2) // two children start from a
	s.dropBasis(a)   // the first starts
	if len(s.spareBases) != 0 {
		t.Fatal("a basis one child still needs became spare")
	}
	b := s.saveBasis() // the first child branches
	if b == a {
		t.Fatal("a basis in use was saved over")
	}
	s.dropBasis(b) // both of b's children are pruned at once
	s.dropBasis(a) // the second child of a starts
	if len(s.spareBases) != 2 || len(s.baseUsers) != 0 {
		t.Fatalf("%d spare bases, %d in use; want 2 and 0", len(s.spareBases), len(s.baseUsers))
	}
	if c := s.saveBasis(); c != a && c != b {
		t.Error("a spare basis was not reused")
	}
	s.worker = true
	w := s.saveBasis()
	s.useBasis(w, 1)
	s.dropBasis(w)
	if w == a || w == b || len(s.spareBases) != 1 {
		t.Errorf("worker: saved over a spare basis, or kept its own (%d spare)", len(s.spareBases))
	}
}
