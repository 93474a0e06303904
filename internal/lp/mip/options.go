package mip

import "github.com/nsqfarm/nsqfarm/internal/lp"

// Default tolerances, those of common MIP solvers.
const (
	// DefaultRelGap is the default relative gap at which a search stops.
	DefaultRelGap = 1e-4
	// DefaultAbsGap is the default absolute gap at which a search stops.
	DefaultAbsGap = 1e-6
	// DefaultIntTol is the default integrality tolerance.
	DefaultIntTol = 1e-6
)

// Options controls a branch-and-bound search. The zero value means the
// defaults. Time limits and cancellation come from the context passed to
// Solve.
type Options struct {
	// RelGap and AbsGap stop the search, with status lp.Optimal, once the
	// incumbent is proven within max(AbsGap, RelGap*|incumbent|) of the
	// optimum; nodes whose bound is not better than the incumbent by more
	// than that are pruned. 0 means DefaultRelGap and DefaultAbsGap; to
	// ask for the exact optimum give a tiny positive value such as 1e-9.
	RelGap, AbsGap float64
	// IntTol is the distance to the nearest integer under which a value
	// counts as integral; 0 means DefaultIntTol.
	IntTol float64
	// MaxNodes stops the search with status NodeLimit after that many
	// relaxations; 0 means no limit.
	MaxNodes int
	// NoCuts turns off the cutting planes (of the root and of the tree).
	NoCuts bool
	// NoHeuristics turns off the primal heuristics (diving, the
	// feasibility pump and RINS, see heuristics.go).
	NoHeuristics bool
	// LP holds the options of each relaxation's lp.Solve.
	LP lp.Options
	// NoPresolve turns off the MIP presolve (presolve.go) and searches
	// the caller's model as it is.
	NoPresolve bool
	// Threads is the number of workers of the tree search. 0 and 1 mean
	// the sequential search; n > 1 searches the tree in rounds of n
	// workers (parallel.go). The result (status, objective, bound, gap,
	// node count and point) is the same on every run with the same n,
	// whatever the scheduling of the workers, but differs between values
	// of n.
	Threads int
}

// withDefaults returns o with zero fields replaced by the defaults.
func (o Options) withDefaults() Options {
	if o.RelGap <= 0 {
		o.RelGap = DefaultRelGap
	}
	if o.AbsGap <= 0 {
		o.AbsGap = DefaultAbsGap
	}
	if o.IntTol <= 0 {
		o.IntTol = DefaultIntTol
	}
	return o
}
