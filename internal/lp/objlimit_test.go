package lp_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestRelaxationObjectiveLimit tightens bounds between warm solves of a
// Relaxation whose objective limit lies between the last optimum and the
// new one (found by a cold lp.Solve): the solve must stop with
// ObjectiveLimit at a value past the limit and no better than the new
// optimum (a valid bound), or, when its dual simplex had to leave the
// true costs and bounds, solve to the optimum. With the limit past the new
// optimum, and with the limit turned off, it must reach that optimum.
func TestRelaxationObjectiveLimit(t *testing.T) {
	tests := []struct {
		name     string
		sense    lp.Sense
		objConst float64
	}{
		{"min", lp.Minimize, 0},
		{"max with a constant", lp.Maximize, 250},
		{"min with a constant", lp.Minimize, -40},
	}
	for k, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := randomLP(uint64(11+k), 50, 70)
			m.Sense, m.ObjConst = tc.sense, tc.objConst
			sign := 1.0
			if tc.sense == lp.Maximize {
				sign = -1
			}
			rel, err := lp.NewRelaxation(m, lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			last, err := rel.Solve(ctx)
			if err != nil || last.Status != lp.Optimal {
				t.Fatalf("root: %v %v", last, err)
			}
			lo, hi := make([]float64, len(m.Vars)), make([]float64, len(m.Vars))
			for j, v := range m.Vars {
				lo[j], hi[j] = v.Lo, v.Hi
			}
			rng := rand.New(rand.NewPCG(5, 8))
			stopped := 0
			for step := range 200 {
				j := rng.IntN(len(m.Vars))
				old := [2]float64{lo[j], hi[j]}
				if x := last.X[j]; rng.IntN(2) == 0 {
					hi[j] = max(lo[j], x-1-rng.Float64()*3)
				} else {
					lo[j] = min(hi[j], x+1+rng.Float64()*3)
				}
				cold, err := lp.Solve(ctx, withBounds(m, lo, hi), lp.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if cold.Status != lp.Optimal || sign*(cold.Objective-last.Objective) < 1e-3 {
					lo[j], hi[j] = old[0], old[1] // keep the walk feasible and moving
					continue
				}
				rel.SetBounds(j, lo[j], hi[j])
				limit := (last.Objective + cold.Objective) / 2
				saved := rel.Basis()
				rel.SetObjectiveLimit(limit)
				res, err := rel.Solve(ctx)
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-6 * (1 + math.Abs(cold.Objective))
				switch res.Status {
				case lp.ObjectiveLimit:
					stopped++
					if sign*(res.Objective-limit) <= 0 || sign*(res.Objective-cold.Objective) > tol {
						t.Fatalf("step %d: stopped at %v: not past the limit %v or past the optimum %v",
							step, res.Objective, limit, cold.Objective)
					}
				case lp.Optimal:
					if math.Abs(res.Objective-cold.Objective) > tol {
						t.Fatalf("step %d: optimal %v, cold solve %v", step, res.Objective, cold.Objective)
					}
				default:
					t.Fatalf("step %d: status %s", step, res.Status)
				}
				// From the same basis, a limit past the optimum, or none,
				// lets the solve finish.
				off := []float64{cold.Objective + sign*(1+math.Abs(cold.Objective)), sign * math.Inf(1), math.NaN()}
				rel.SetObjectiveLimit(off[step%len(off)])
				rel.SetBasis(saved)
				if last, err = rel.Solve(ctx); err != nil || last.Status != lp.Optimal ||
					math.Abs(last.Objective-cold.Objective) > tol {
					t.Fatalf("step %d: limit %v: %v %v, cold solve %v", step, off[step%len(off)], last, err, cold.Objective)
				}
			}
			if stopped < 10 {
				t.Fatalf("only %d solves stopped at the limit", stopped)
			}
			t.Logf("%d solves stopped at the limit", stopped)
		})
	}
}

// TestSolveIgnoresObjectiveLimits checks that the package-level Solve,
// whose simplex no Relaxation limits, solves with the dual simplex to the
// optimum the primal simplex finds, on models whose optimum is positive
// (an objective limit left at 0 would stop it).
func TestSolveIgnoresObjectiveLimits(t *testing.T) {
	for seed := range uint64(5) {
		m := randomLP(20+seed, 40, 60)
		for j := range m.Vars {
			m.Vars[j].Obj = math.Abs(m.Vars[j].Obj)
		}
		primal, err := lp.Solve(context.Background(), m, lp.Options{Method: lp.MethodPrimal})
		if err != nil || primal.Status != lp.Optimal || primal.Objective <= 0 {
			t.Fatalf("seed %d: primal %v %v", seed, primal, err)
		}
		dual, err := lp.Solve(context.Background(), m, lp.Options{Method: lp.MethodDual})
		if err != nil || dual.Status != lp.Optimal || math.Abs(dual.Objective-primal.Objective) > 1e-6*(1+primal.Objective) {
			t.Fatalf("seed %d: dual %v %v, primal %v", seed, dual, err, primal.Objective)
		}
	}
}
