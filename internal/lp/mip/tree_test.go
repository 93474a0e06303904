package mip

import (
	"slices"
	"testing"
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
