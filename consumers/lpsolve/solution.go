package lpsolve

import (
	"math"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// The engine that produces solutions, reported in every Solution.
const (
	EngineName    = "nsqfarm-simplex"
	EngineVersion = "1.0"
)

// StatusError is the status of a solution whose solve failed inside the
// engine; Solution.Error says why. The other statuses are lp.Status values.
const StatusError = "error"

// Solution is the message published on the "solution" port, and the result
// of SolveFile. See the package documentation for an example.
type Solution struct {
	// ID is the job's "id", verbatim (a JSON string or number); absent when
	// the job had none.
	ID json.RawMessage `json:"id,omitempty"`
	// InputID is the input message ID, the key for deduplication.
	InputID string `json:"input_id,omitempty"`
	// Model is the template name, "inline", "lp" or "mps" (for SolveFile,
	// the file name).
	Model string `json:"model"`
	// Params holds every parameter of a named model, given or default,
	// with its exact value.
	Params Object[json.Number] `json:"params,omitempty"`
	// Status is optimal, infeasible, unbounded, time_limit,
	// iteration_limit or error.
	Status string `json:"status"`
	// Error explains StatusError.
	Error string `json:"error,omitempty"`
	// Relaxation reports that the model has integer variables and that
	// the values are those of its linear relaxation: the engine does not
	// branch.
	Relaxation bool `json:"relaxation,omitempty"`
	// Objective, Variables, Constraints and ReducedCosts are only present
	// when Status is optimal. Duals and reduced costs follow the model's
	// sense: a dual is the change of the objective per unit increase of
	// the constraint's active bound.
	Objective    *float64         `json:"objective,omitempty"`
	Variables    Object[float64]  `json:"variables,omitempty"`
	Constraints  Object[RowValue] `json:"constraints,omitempty"`
	ReducedCosts Object[float64]  `json:"reduced_costs,omitempty"`
	// Iterations is the number of simplex iterations.
	Iterations int `json:"iterations"`
	// SolveTimeMS is the wall time of the solve in milliseconds, to the
	// microsecond; TimeLimitMS is the limit it ran under (0: none).
	SolveTimeMS float64 `json:"solve_time_ms"`
	TimeLimitMS int64   `json:"time_limit_ms"`
	Engine      Engine  `json:"engine"`
}

// RowValue is the activity (the value of the constraint's expression) and
// dual value of one constraint.
type RowValue struct {
	Activity float64 `json:"activity"`
	Dual     float64 `json:"dual"`
}

// Engine names the solver that produced a solution.
type Engine struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// newSolution describes the result of solving m.
func newSolution(m *lp.Model, res *lp.Result, elapsed, limit time.Duration) *Solution {
	s := &Solution{
		Status:      string(res.Status),
		Iterations:  res.Iterations,
		SolveTimeMS: math.Round(float64(elapsed.Microseconds())) / 1000,
		TimeLimitMS: limit.Milliseconds(),
		Engine:      Engine{Name: EngineName, Version: EngineVersion},
	}
	for _, v := range m.Vars {
		if v.Integer {
			s.Relaxation = true
			break
		}
	}
	if res.Status != lp.Optimal {
		return s
	}
	if !allFinite(res) {
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
		s.Constraints[i] = Entry[RowValue]{r.Name, RowValue{clean(res.RowActivity[i]), clean(res.RowDual[i])}}
	}
	return s
}

// clean maps -0 to 0.
func clean(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

// allFinite reports whether every number of res is finite.
func allFinite(res *lp.Result) bool {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(res.Objective) {
		return false
	}
	for _, vs := range [][]float64{res.X, res.ReducedCost, res.RowActivity, res.RowDual} {
		for _, v := range vs {
			if !finite(v) {
				return false
			}
		}
	}
	return true
}
