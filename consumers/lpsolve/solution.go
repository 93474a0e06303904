package lpsolve

import (
	"math"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
)

// The engine that produces solutions, reported in every Solution.
const (
	EngineName    = "nsqfarm-simplex"
	EngineVersion = "1.0"
)

// StatusError is the status of a solution whose solve failed inside the
// engine; Solution.Error says why. StatusCancelled is the status of a job
// cancelled through the control topic (see Handler.Control): it was not
// solved, or its solve was stopped; Solution.Error gives the cancel's
// reason. The other statuses are lp.Status values.
const (
	StatusError     = "error"
	StatusCancelled = "cancelled"
)

// Solution is the message published on the "solution" port, which
// `nsqfarm solve --json` prints too. See the package documentation for an
// example.
type Solution struct {
	// ID is the job's "id" (a JSON string or number); absent when the job
	// had none. A number keeps its exact digits; a string keeps its text,
	// though the encoder may escape <, >, &, U+2028 and U+2029 in it.
	ID json.RawMessage `json:"id,omitempty"`
	// InputID is the input message ID, the key for deduplication.
	InputID string `json:"input_id,omitempty"`
	// Model is the template name, "inline", "lp" or "mps" (for `nsqfarm
	// solve`, the file name).
	Model string `json:"model"`
	// Params holds every parameter of a named model, given or default,
	// with its exact value.
	Params Object[json.Number] `json:"params,omitempty"`
	// Status is optimal, infeasible, unbounded, time_limit,
	// iteration_limit, error or cancelled.
	Status string `json:"status"`
	// Error explains StatusError, and gives the reason of
	// StatusCancelled.
	Error string `json:"error,omitempty"`
	// Relaxation reports that the model has integer variables and that
	// the values are those of its linear relaxation, as asked by the
	// job's "relax" or Options.RelaxIntegers.
	Relaxation bool `json:"relaxation,omitempty"`
	// Objective, Variables, Constraints and ReducedCosts are present when
	// Status is optimal and, for a model with integer variables, when a
	// limit stopped the search after it found an integer solution (the
	// best one found). Duals and reduced costs follow the model's sense: a
	// dual is the change of the objective per unit increase of the
	// constraint's active bound. Models with integer variables have no
	// duals or reduced costs: those fields are left out.
	Objective    *float64         `json:"objective,omitempty"`
	Variables    Object[float64]  `json:"variables,omitempty"`
	Constraints  Object[RowValue] `json:"constraints,omitempty"`
	ReducedCosts Object[float64]  `json:"reduced_costs,omitempty"`
	// Bound, Gap and Nodes describe the branch-and-bound search of a model
	// with integer variables: the best proven bound on the optimum (left
	// out while infinite), the relative gap |objective - bound| /
	// max(1, |objective|) (left out without an integer solution) and the
	// number of relaxations solved.
	Bound *float64 `json:"bound,omitempty"`
	Gap   *float64 `json:"gap,omitempty"`
	Nodes *int     `json:"nodes,omitempty"`
	// Iterations is the number of simplex iterations (of all the
	// relaxations of a branch-and-bound search).
	Iterations int `json:"iterations"`
	// SolveTimeMS is the wall time of the solve in milliseconds, to the
	// microsecond; TimeLimitMS is the limit it ran under (0: none).
	SolveTimeMS float64 `json:"solve_time_ms"`
	TimeLimitMS int64   `json:"time_limit_ms"`
	Engine      Engine  `json:"engine"`
}

// RowValue is the activity (the value of the constraint's expression) and
// dual value of one constraint. Dual is nil for models with integer
// variables solved by branch and bound.
type RowValue struct {
	Activity float64  `json:"activity"`
	Dual     *float64 `json:"dual,omitempty"`
}

// Engine names the solver that produced a solution.
type Engine struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// NewSolution describes the result of solving m: the fields every
// outcome has, and the values the outcome gives. ID, InputID, Model and
// Params are left for the caller. An engine failure, or non-finite values
// in a solution, give StatusError.
func NewSolution(m *lp.Model, res *solver.Result) *Solution {
	switch {
	case res.Failure != nil:
		s := solutionHeader("", 0, res.Elapsed, res.TimeLimit)
		s.Status, s.Error = StatusError, res.Failure.Error()
		return s
	case res.MIP != nil:
		return newMIPSolution(m, res.MIP, res.Elapsed, res.TimeLimit)
	}
	s := newLPSolution(m, res.LP, res.Elapsed, res.TimeLimit)
	s.Relaxation = res.Relaxation
	return s
}

// cancelledSolution describes a cancelled job: the reason, and the work
// res did before the cancel stopped it (nil when the job was not solved).
// ID, InputID, Model and Params are left for the caller.
func cancelledSolution(reason string, res *solver.Result, limit time.Duration) *Solution {
	if res == nil {
		res = &solver.Result{}
	}
	s := solutionHeader(StatusCancelled, 0, res.Elapsed, limit)
	s.Error = reason
	switch {
	case res.LP != nil:
		s.Iterations = res.LP.Iterations
	case res.MIP != nil:
		nodes := res.MIP.Nodes
		s.Iterations, s.Nodes = res.MIP.Iterations, &nodes
	}
	return s
}

// newLPSolution describes the result of the simplex method on m.
func newLPSolution(m *lp.Model, res *lp.Result, elapsed, limit time.Duration) *Solution {
	s := solutionHeader(res.Status, res.Iterations, elapsed, limit)
	if res.Status != lp.Optimal {
		return s
	}
	if !isFinite(res.Objective) || !allFinite(res.X, res.ReducedCost, res.RowActivity, res.RowDual) {
		s.Status, s.Error = StatusError, "the engine returned a non-finite value in an optimal solution"
		return s
	}
	obj := clean(res.Objective)
	s.Objective = &obj
	s.Variables = make(Object[float64], len(m.Vars))
	s.ReducedCosts = make(Object[float64], len(m.Vars))
	for j, v := range m.Vars {
		s.Variables[j] = Entry[float64]{v.Name, clean(res.X[j])}
		s.ReducedCosts[j] = Entry[float64]{v.Name, clean(res.ReducedCost[j])}
	}
	s.Constraints = make(Object[RowValue], len(m.Rows))
	for i, r := range m.Rows {
		dual := clean(res.RowDual[i])
		s.Constraints[i] = Entry[RowValue]{r.Name, RowValue{clean(res.RowActivity[i]), &dual}}
	}
	return s
}

// newMIPSolution describes the result of a branch-and-bound search on m.
func newMIPSolution(m *lp.Model, res *mip.Result, elapsed, limit time.Duration) *Solution {
	s := solutionHeader(res.Status, res.Iterations, elapsed, limit)
	nodes := res.Nodes
	s.Nodes = &nodes
	if isFinite(res.Bound) {
		bound := clean(res.Bound)
		s.Bound = &bound
	}
	if !res.HasSolution() {
		return s
	}
	if !isFinite(res.Objective) || !allFinite(res.X, res.RowActivity) {
		s.Status, s.Error = StatusError, "the engine returned a non-finite value in an integer solution"
		return s
	}
	obj := clean(res.Objective)
	s.Objective = &obj
	if isFinite(res.Gap) {
		gap := clean(res.Gap)
		s.Gap = &gap
	}
	s.Variables = make(Object[float64], len(m.Vars))
	for j, v := range m.Vars {
		s.Variables[j] = Entry[float64]{v.Name, clean(res.X[j])}
	}
	s.Constraints = make(Object[RowValue], len(m.Rows))
	for i, r := range m.Rows {
		s.Constraints[i] = Entry[RowValue]{r.Name, RowValue{Activity: clean(res.RowActivity[i])}}
	}
	return s
}

// solutionHeader returns a Solution with the fields every outcome has.
func solutionHeader(status lp.Status, iterations int, elapsed, limit time.Duration) *Solution {
	return &Solution{
		Status:      string(status),
		Iterations:  iterations,
		SolveTimeMS: math.Round(float64(elapsed.Microseconds())) / 1000,
		TimeLimitMS: limit.Milliseconds(),
		Engine:      Engine{Name: EngineName, Version: EngineVersion},
	}
}

// clean maps -0 to 0.
func clean(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// allFinite reports whether every number of vss is finite.
func allFinite(vss ...[]float64) bool {
	for _, vs := range vss {
		for _, v := range vs {
			if !isFinite(v) {
				return false
			}
		}
	}
	return true
}
