package mip

import (
	"container/heap"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// boundChange is one branching decision: variable col gets bounds
// [lo, hi].
type boundChange struct {
	col    int
	lo, hi float64
}

// changeList is a list of bound changes that nodes share: those of one
// node followed, through prev, by its ancestors'. It is never modified.
type changeList struct {
	prev    *changeList
	changes []boundChange
}

// node is an open subproblem: the root bounds with the changes of
// inherited and changes applied. Every change tightens the bounds it
// meets, so they apply in any order (as intersections).
type node struct {
	// bound is a lower bound (minimisation form) on the node's optimum,
	// from its parent's relaxation.
	bound float64
	depth int
	// inherited holds the changes of the ancestors that were propagated
	// there, shared by the node's siblings; changes holds the node's own.
	inherited *changeList
	changes   []boundChange
	// propagated is the number of the node's own changes whose
	// consequences node propagation (propagate.go) has drawn; the rest
	// are new.
	propagated int
	// shared is the list the node's children inherit, made by the first.
	shared *changeList
	// The branching that created the node, for pseudo-costs: col was
	// moved by dist (the fractional distance) up or down from a parent
	// whose relaxation value was parentObj. col is -1 at the root.
	col       int
	up        bool
	dist      float64
	parentObj float64
	// start is the final basis of the parent's relaxation, from which
	// this node's relaxation starts (nil at the root).
	start *lp.Basis
}

// child returns the node with the extra bound change c, made by moving
// the variable dist up or down from a relaxation of value obj (bound
// before rounding: objLP) whose final basis is start. The child shares
// n's propagated changes (and its ancestors') with its sibling, and owns
// c and those that n has not propagated (reduced cost fixings made after
// its relaxation), so that making it costs the new changes only.
func (n *node) child(c boundChange, up bool, dist, bound, objLP float64, start *lp.Basis) *node {
	if n.shared == nil {
		n.shared = n.inherited
		if n.propagated > 0 {
			n.shared = &changeList{prev: n.inherited, changes: n.changes[:n.propagated:n.propagated]}
		}
	}
	fresh := n.changes[n.propagated:]
	changes := make([]boundChange, len(fresh)+1)
	copy(changes, fresh)
	changes[len(fresh)] = c
	return &node{bound: bound, depth: n.depth + 1, inherited: n.shared, changes: changes,
		col: c.col, up: up, dist: dist, parentObj: objLP, start: start}
}

// refixed returns node n, whose relaxation has value z and final basis
// start, with the extra bound changes fixed, to be solved again. It
// records no branching (col -1): the change of its relaxation is not a
// branching's, and the pseudo-costs must not count it.
func (n *node) refixed(fixed []boundChange, z float64, start *lp.Basis) *node {
	changes := make([]boundChange, 0, len(n.changes)+len(fixed))
	changes = append(append(changes, n.changes...), fixed...)
	return &node{bound: z, depth: n.depth, inherited: n.inherited, changes: changes, propagated: n.propagated,
		col: -1, start: start}
}

// nodeQueue holds the open nodes, best (lowest) bound first, deeper
// nodes first among equal bounds.
type nodeQueue []*node

var _ heap.Interface = (*nodeQueue)(nil)

func (q nodeQueue) Len() int { return len(q) }

func (q nodeQueue) Less(i, j int) bool {
	if q[i].bound != q[j].bound {
		return q[i].bound < q[j].bound
	}
	return q[i].depth > q[j].depth
}

func (q nodeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

// Push implements heap.Interface.
func (q *nodeQueue) Push(x any) { *q = append(*q, x.(*node)) }

// Pop implements heap.Interface.
func (q *nodeQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return n
}

// push adds n.
func (q *nodeQueue) push(n *node) { heap.Push(q, n) }

// pop removes and returns the node with the best bound.
func (q *nodeQueue) pop() *node { return heap.Pop(q).(*node) }

// best returns the lowest bound of the open nodes, or +Inf.
func (q nodeQueue) best(inf float64) float64 {
	if len(q) == 0 {
		return inf
	}
	return q[0].bound
}
