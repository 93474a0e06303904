// Package lp holds the format-independent representation of linear and
// mixed-integer programs and the simplex engine that solves them.
package lp

import "math"

// Inf is the bound used for "no bound".
var Inf = math.Inf(1)

// Sense is the direction of optimisation.
type Sense int

const (
	// Minimize asks for the smallest objective value.
	Minimize Sense = iota
	// Maximize asks for the largest objective value.
	Maximize
)

// String returns "min" or "max".
func (s Sense) String() string {
	if s == Maximize {
		return "max"
	}
	return "min"
}

// Var is one decision variable (a column).
type Var struct {
	Name string
	// Lo and Hi bound the variable: -Inf/+Inf for none, Lo == Hi for fixed.
	Lo, Hi float64
	// Obj is the variable's objective coefficient.
	Obj float64
	// Integer marks an integer variable (MIP).
	Integer bool
}

// Row is one constraint lo <= a.x <= hi. A free row has both bounds
// infinite; an equality has Lo == Hi.
type Row struct {
	Name   string
	Lo, Hi float64
}

// Coef is one nonzero of the constraint matrix.
type Coef struct {
	Row, Col int
	Val      float64
}

// Model is a linear program
//
//	min or max  c.x + ObjConst
//	subject to  Rows[i].Lo <= (A x)_i <= Rows[i].Hi
//	            Vars[j].Lo <= x_j     <= Vars[j].Hi
//
// with A held sparse as triplets. Duplicate (Row, Col) entries are summed.
type Model struct {
	Name     string
	Sense    Sense
	ObjName  string
	ObjConst float64
	Vars     []Var
	Rows     []Row
	Coefs    []Coef
}

// Status is the outcome of a solve.
type Status string

// Solve outcomes.
const (
	Optimal        Status = "optimal"
	Infeasible     Status = "infeasible"
	Unbounded      Status = "unbounded"
	IterationLimit Status = "iteration_limit"
	TimeLimit      Status = "time_limit"
	// ObjectiveLimit: a Relaxation's dual simplex proved the optimum no
	// better than the limit of SetObjectiveLimit; the result's Objective
	// is a bound on the optimum past that limit.
	ObjectiveLimit Status = "objective_limit"
)

// Result is the answer of a solve. Slices are indexed like Model.Vars and
// Model.Rows. Duals and reduced costs use the model's own sense: RowDual[i]
// is the rate of change of the objective per unit increase of the active
// bound of row i (a shadow price), ReducedCost[j] is c_j - A_j^T y.
type Result struct {
	Status      Status
	Objective   float64
	X           []float64
	RowActivity []float64
	RowDual     []float64
	ReducedCost []float64
	Iterations  int
}

// Options limits a solve. The zero value means engine defaults. Time limits
// and cancellation come from the context passed to Solve.
type Options struct {
	// MaxIterations stops the solve with IterationLimit; 0 means a default
	// proportional to the model size.
	MaxIterations int
	// Method selects the simplex variant; the zero value lets the engine
	// choose.
	Method Method
	// Pricing selects the primal pricing rule; the zero value lets the
	// engine choose.
	Pricing Pricing
}

// Pricing is a rule for choosing the entering variable of the primal
// simplex.
type Pricing int

const (
	// PricingAuto lets the engine choose: steepest edge for models with
	// at least 350 rows after presolve, Devex for smaller ones.
	PricingAuto Pricing = iota
	// PricingSteepestEdge uses exact steepest-edge weights (Goldfarb–Reid
	// updates, one extra BTRAN per iteration).
	PricingSteepestEdge
	// PricingDevex uses Devex reference weights (cheaper iterations,
	// usually more of them).
	PricingDevex
)

// String returns "auto", "steepest-edge" or "devex".
func (p Pricing) String() string {
	switch p {
	case PricingSteepestEdge:
		return "steepest-edge"
	case PricingDevex:
		return "devex"
	}
	return "auto"
}

// Method is a simplex variant.
type Method int

const (
	// MethodAuto lets the engine choose (currently the primal simplex,
	// which needs fewer iterations on the netlib models).
	MethodAuto Method = iota
	// MethodPrimal runs the primal simplex (composite phase 1, then phase 2).
	MethodPrimal
	// MethodDual runs the dual simplex, finishing with the primal simplex
	// to clean up after artificial bounds and perturbations.
	MethodDual
)

// String returns "auto", "primal" or "dual".
func (m Method) String() string {
	switch m {
	case MethodPrimal:
		return "primal"
	case MethodDual:
		return "dual"
	}
	return "auto"
}
