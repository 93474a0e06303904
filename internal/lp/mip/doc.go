// Package mip solves mixed-integer linear programs by LP-based branch and
// bound on top of the simplex engine of package lp.
//
// Solve solves the linear relaxation of the model (lp.Solve ignores
// integrality), branches on a fractional integer variable by tightening
// its bounds (x_j <= floor(v) in one child, x_j >= ceil(v) in the other),
// and prunes nodes whose relaxation bound cannot improve the incumbent by
// more than the gap tolerance. One lp.Relaxation serves the whole tree:
// a node sets its variable bounds and starts from the final basis of its
// parent (already in place when the search dives into a child), so the
// dual simplex reoptimises in a few pivots; the caller's model is never
// modified. Each solve from the basis the last one ended in keeps the
// factors and dual pricing weights of the simplex (package lp); a node
// taken from the queue starts from its parent's saved basis with that
// basis's dual weights, and the factors move there by a few column
// replacements when at most eight columns differ (lp.Relaxation.SetBasis),
// else they are computed anew. Once
// there is an incumbent, every relaxation of the tree carries the cutoff
// as its objective limit (lp.Relaxation.SetObjectiveLimit): the dual
// simplex of a node that will be pruned stops as soon as its objective
// passes it, instead of reoptimising to the end.
//
// The root relaxation is strengthened by rounds of cutting planes
// (cuts.go): Gomory mixed-integer cuts read from its optimal tableau,
// mixed-integer rounding cuts of the model's rows after bound and
// variable-upper-bound substitution and aggregation (mir.go), extended
// knapsack covers (cover.go), cliques of a conflict graph of the binaries
// and their complements (clique.go) and flow covers of single-node flow
// relaxations of the rows (flowcover.go); the cuts stay in the relaxation
// of every node. The nodes of the first levels of the tree add a round of
// the cuts derived from the root bounds, which hold in the whole tree,
// up to a tenth of the model's rows in all (cuts.go). Options.NoCuts
// turns the cuts off. A new incumbent's
// continuous part is re-solved with its integers fixed (polish.go), so
// that returned points satisfy the rows within 1e-9 rather than the
// simplex tolerance.
//
// Search strategy:
//
//   - Node selection is best-bound first with plunging: after branching,
//     the search goes on with the up child (a dive) until the first
//     incumbent, and afterwards while that child's bound stays in the
//     better quarter of the range between the best open bound and the
//     incumbent.
//   - Before its relaxation is solved, a node propagates its new bounds
//     through the model's rows (propagate.go): the rows' activity bounds
//     tighten the bounds of integer variables, which the node's children
//     inherit, and prove some nodes infeasible without a relaxation.
//   - Reduced costs of each relaxation tighten the bounds of nonbasic
//     integer variables in the node's subtree once there is an incumbent.
//   - Branching uses pseudo-costs (the average objective degradation per
//     unit of bound change seen so far, per variable and direction) with
//     the product score. Strong branching (strong.go) initialises
//     them: before a node branches, up to eight fractional variables
//     without history have both children's relaxations solved from the
//     node's basis, within a share of the simplex iterations; variables
//     still without history use the average of those with one. The node
//     itself branches on the changes it measured (an infeasible child
//     counts as an unbounded change), and a measured child enters the
//     queue with its own relaxation value as its bound. A trial child
//     that is infeasible or no better than the incumbent fixes its
//     variable the other way, and the node is solved again with the
//     fixings before it branches (both children pruned: the node is).
//     A child that was not measured takes its penalty as a bound when
//     the node's basis is still factored (penalty.go): the rise of the
//     dual objective in the first dual simplex step after the
//     branching, a lower bound on the child's relaxation from one
//     tableau row. As in SCIP's hybrid rules, the bound changes that
//     propagation implied in a variable's children and the share of
//     them that were infeasible add a small weight to the score, which
//     decides between variables whose branchings do not move the
//     objective.
//   - Primal heuristics (heuristics.go) run at the root after the cuts
//     and every few nodes within a share of the simplex iterations:
//     fractional and guided diving, a feasibility pump when no
//     incumbent is known, and RINS (Options.NoHeuristics turns them off).
//   - Every node's relaxation is also rounded, to the nearest integers and
//     in the directions no row constrains (locks): a rounded point that
//     satisfies all rows is a candidate incumbent.
//   - When every variable with a nonzero objective coefficient is integer
//     and the coefficients are integers, node bounds are rounded up to the
//     next attainable objective value, which prunes many more nodes.
//   - Options.Threads > 1 searches the tree below the root and the
//     levels that add cuts in rounds of workers, each with a relaxation
//     of its own, merged in worker order
//     (parallel.go): a given number of threads gives the same result on
//     every run.
package mip
