package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// NodeLimit is the status of a search stopped by Options.MaxNodes. The
// other statuses are those of package lp: lp.Optimal (proven within the
// gap tolerance), lp.Infeasible (no integer point satisfies the rows),
// lp.Unbounded (a relaxation is unbounded: the MIP is unbounded or, in
// rare cases, infeasible), lp.TimeLimit (the context's deadline passed)
// and lp.IterationLimit (a relaxation hit lp.Options.MaxIterations).
const NodeLimit lp.Status = "node_limit"

// Result is the outcome of a search. X and RowActivity are indexed like
// Model.Vars and Model.Rows; they hold the incumbent, the best integer
// point found, and are nil when there is none (Solution reports whether
// there is one). Integer variables are rounded to exact integers. Duals
// and reduced costs are not defined for a MIP and are not given.
type Result struct {
	Status lp.Status
	// Objective is the incumbent's objective value (0 without one).
	Objective float64
	// X and RowActivity are the incumbent's values and row activities.
	X           []float64
	RowActivity []float64
	// Bound is the best proven bound on the optimum, in the model's sense
	// (a lower bound when minimising): ±Inf when nothing is known.
	Bound float64
	// Gap is |Objective - Bound| / max(1, |Objective|); +Inf without an
	// incumbent.
	Gap float64
	// Nodes is the number of relaxations solved; Iterations is the total
	// number of simplex iterations they took.
	Nodes      int
	Iterations int
}

// HasSolution reports whether r holds an integer feasible point.
func (r *Result) HasSolution() bool { return r.X != nil }

// relGap is the gap of Result.Gap.
func relGap(obj, bound float64) float64 {
	if math.IsInf(bound, 0) || math.IsInf(obj, 0) {
		return math.Inf(1)
	}
	return math.Abs(obj-bound) / max(1, math.Abs(obj))
}
