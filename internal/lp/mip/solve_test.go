package mip_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// exact asks for proven optima rather than the default gap.
var exact = mip.Options{RelGap: 1e-9, AbsGap: 1e-9}

// knapsack returns the binary knapsack max values.x s.t. weights.x <= capacity.
func knapsack(values, weights []float64, capacity float64) *lp.Model {
	m := &lp.Model{Name: "knapsack", Sense: lp.Maximize, Rows: []lp.Row{{Name: "cap", Lo: math.Inf(-1), Hi: capacity}}}
	for j := range values {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: values[j], Integer: true})
		m.Coefs = append(m.Coefs, lp.Coef{Row: 0, Col: j, Val: weights[j]})
	}
	return m
}

// bruteForce returns the best objective of the binary model m (every
// variable binary) by enumeration, and whether any point is feasible.
func bruteForce(m *lp.Model) (float64, bool) {
	n := len(m.Vars)
	best, found := 0.0, false
	for mask := 0; mask < 1<<n; mask++ {
		act := make([]float64, len(m.Rows))
		for _, c := range m.Coefs {
			if mask&(1<<c.Col) != 0 {
				act[c.Row] += c.Val
			}
		}
		ok := true
		for i, r := range m.Rows {
			if act[i] < r.Lo-1e-9 || act[i] > r.Hi+1e-9 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		obj := m.ObjConst
		for j, v := range m.Vars {
			if mask&(1<<j) != 0 {
				obj += v.Obj
			}
		}
		if !found || (m.Sense == lp.Maximize) == (obj > best) && obj != best {
			best, found = obj, true
		}
	}
	return best, found
}

// solve runs mip.Solve and fails the test on error.
func solve(t *testing.T, m *lp.Model, opts mip.Options) *mip.Result {
	t.Helper()
	res, err := mip.Solve(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkOptimal checks that res is an optimal integer solution of m with
// objective want.
func checkOptimal(t *testing.T, m *lp.Model, res *mip.Result, want float64) {
	t.Helper()
	if res.Status != lp.Optimal || math.Abs(res.Objective-want) > 1e-6*max(1, math.Abs(want)) {
		t.Fatalf("status %s objective %v, want optimal %v", res.Status, res.Objective, want)
	}
	if math.Abs(res.Bound-want) > 1e-6*max(1, math.Abs(want)) || res.Gap > 1e-6 {
		t.Errorf("bound %v gap %v, want %v and 0", res.Bound, res.Gap, want)
	}
	checkFeasible(t, m, res)
}

func TestKnapsack(t *testing.T) {
	// The relaxation is fractional; the optimum, items 1, 2 and 4, is
	// checked by enumeration too.
	m := knapsack([]float64{15, 10, 9, 5, 7}, []float64{6, 3, 4, 2, 3}, 10)
	want, _ := bruteForce(m)
	if want != 26 {
		t.Fatalf("enumeration gives %v, want 26", want)
	}
	checkOptimal(t, m, solve(t, m, exact), 26)
}

func TestRandomBinaryModels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 40 {
		n, rows := 6+rng.IntN(7), 1+rng.IntN(4)
		m := &lp.Model{Name: "random", Sense: lp.Sense(rng.IntN(2))}
		for j := range n {
			m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(rng.IntN(21) - 5), Integer: true})
			for i := range rows {
				if rng.IntN(3) > 0 {
					m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: float64(rng.IntN(15) - 3)})
				}
			}
		}
		for range rows {
			lo, hi := math.Inf(-1), float64(5+rng.IntN(20))
			if rng.IntN(3) == 0 {
				lo = float64(rng.IntN(6))
			}
			m.Rows = append(m.Rows, lp.Row{Lo: lo, Hi: hi})
		}
		want, feasible := bruteForce(m)
		res := solve(t, m, exact)
		if !feasible {
			if res.Status != lp.Infeasible || res.HasSolution() {
				t.Errorf("model %d: status %s, want infeasible", k, res.Status)
			}
			continue
		}
		checkOptimal(t, m, res, want)
	}
}

func TestAssignment(t *testing.T) {
	cost := [][]float64{{9, 2, 7, 8}, {6, 4, 3, 7}, {5, 8, 1, 8}, {7, 6, 9, 4}}
	n := len(cost)
	m := &lp.Model{Name: "assignment"}
	for range 2 * n { // worker i is row i, task j row n+j
		m.Rows = append(m.Rows, lp.Row{Lo: 1, Hi: 1})
	}
	for i := range n {
		for j := range n {
			col := len(m.Vars)
			m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: cost[i][j], Integer: true})
			m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: col, Val: 1}, lp.Coef{Row: n + j, Col: col, Val: 1})
		}
	}
	checkOptimal(t, m, solve(t, m, mip.Options{}), 13) // 2 + 6 + 1 + 4
}

func TestGeneralIntegers(t *testing.T) {
	// max 5x + 4y s.t. 6x + 4y <= 24, x + 2y <= 6, x, y integer >= 0:
	// the relaxation gives 21 at (3, 1.5), the integer optimum is 20 at
	// (4, 0).
	m := &lp.Model{
		Name: "general", Sense: lp.Maximize,
		Vars: []lp.Var{{Name: "x", Hi: math.Inf(1), Obj: 5, Integer: true}, {Name: "y", Hi: math.Inf(1), Obj: 4, Integer: true}},
		Rows: []lp.Row{{Lo: math.Inf(-1), Hi: 24}, {Lo: math.Inf(-1), Hi: 6}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 6}, {Row: 0, Col: 1, Val: 4},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 2}},
	}
	res := solve(t, m, exact)
	checkOptimal(t, m, res, 20)
	if res.X[0] != 4 || res.X[1] != 0 {
		t.Errorf("x = %v, want [4 0]", res.X)
	}
}

func TestMixedInteger(t *testing.T) {
	// min y - x s.t. x <= 2.5 y, x <= 3.7, y integer in [0, 10], x
	// continuous: y = 1 allows x = 2.5 (objective -1.5), y = 2 allows
	// x = 3.7 (objective -1.7, the optimum); the relaxation has y = 1.48.
	m := &lp.Model{
		Name:  "mixed",
		Vars:  []lp.Var{{Name: "x", Hi: 3.7, Obj: -1}, {Name: "y", Hi: 10, Obj: 1, Integer: true}},
		Rows:  []lp.Row{{Lo: math.Inf(-1), Hi: 0}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: -2.5}},
	}
	res := solve(t, m, exact)
	checkOptimal(t, m, res, -1.7)
	if math.Abs(res.X[0]-3.7) > 1e-9 || res.X[1] != 2 {
		t.Errorf("x = %v, want [3.7 2]", res.X)
	}
}

func TestInfeasible(t *testing.T) {
	// 2x = 1 has the relaxed solution x = 0.5 but no integer one.
	m := &lp.Model{
		Name:  "half",
		Vars:  []lp.Var{{Name: "x", Hi: 10, Obj: 1, Integer: true}},
		Rows:  []lp.Row{{Lo: 1, Hi: 1}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 2}},
	}
	res := solve(t, m, mip.Options{})
	if res.Status != lp.Infeasible || res.HasSolution() || !math.IsInf(res.Bound, 1) {
		t.Errorf("status %s, bound %v, solution %v: want infeasible", res.Status, res.Bound, res.X)
	}
	// Integer bounds with no integer between them.
	m = &lp.Model{Name: "gap", Vars: []lp.Var{{Lo: 0.2, Hi: 0.8, Integer: true}}}
	if res := solve(t, m, mip.Options{}); res.Status != lp.Infeasible {
		t.Errorf("bounds [0.2, 0.8]: status %s, want infeasible", res.Status)
	}
}

func TestUnbounded(t *testing.T) {
	m := &lp.Model{
		Name: "unbounded", Sense: lp.Maximize,
		Vars:  []lp.Var{{Name: "x", Hi: math.Inf(1), Obj: 1, Integer: true}, {Name: "y", Hi: math.Inf(1)}},
		Rows:  []lp.Row{{Lo: math.Inf(-1), Hi: 0.5}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: -1}},
	}
	if res := solve(t, m, mip.Options{}); res.Status != lp.Unbounded || res.HasSolution() {
		t.Errorf("status %s, want unbounded", res.Status)
	}
}

func TestInvalidModel(t *testing.T) {
	m := &lp.Model{Name: "bad", Vars: []lp.Var{{Lo: 2, Hi: 1, Integer: true}}}
	if _, err := mip.Solve(context.Background(), m, mip.Options{}); err == nil {
		t.Error("inverted bounds accepted")
	}
	if _, err := mip.Solve(context.Background(), nil, mip.Options{}); err == nil {
		t.Error("nil model accepted")
	}
}

// hardKnapsack is a knapsack whose proof takes many nodes, while rounding
// the root relaxation down already gives an incumbent.
func hardKnapsack() *lp.Model {
	rng := rand.New(rand.NewPCG(7, 7))
	var values, weights []float64
	for range 60 {
		w := float64(1000 + rng.IntN(1000))
		weights = append(weights, w)
		values = append(values, w+100) // strongly correlated: hard
	}
	return knapsack(values, weights, 30011)
}

func TestLimits(t *testing.T) {
	m := hardKnapsack()
	res := solve(t, m, mip.Options{MaxNodes: 1})
	if res.Status != mip.NodeLimit || !res.HasSolution() || res.Nodes != 1 {
		t.Fatalf("node limit: status %s, %d nodes, solution %v", res.Status, res.Nodes, res.HasSolution())
	}
	if res.Bound < res.Objective || res.Gap <= 0 {
		t.Errorf("node limit: bound %v, objective %v, gap %v", res.Bound, res.Objective, res.Gap)
	}

	// The deadline must come before the search ends: without cuts,
	// presolve and heuristics, which prove this knapsack in a few
	// milliseconds, it takes thousands of nodes.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	slow := exact
	slow.NoCuts, slow.NoPresolve, slow.NoHeuristics = true, true, true
	res, err := mip.Solve(ctx, m, slow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.TimeLimit || !res.HasSolution() {
		t.Fatalf("deadline: status %s, solution %v after %d nodes; want time_limit with an incumbent", res.Status, res.HasSolution(), res.Nodes)
	}
	if res.Bound < res.Objective-1e-9 {
		t.Errorf("deadline: bound %v below the incumbent %v of a maximisation", res.Bound, res.Objective)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := mip.Solve(ctx, m, mip.Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestModelUnchanged(t *testing.T) {
	m := hardKnapsack()
	m.Vars[0].Lo, m.Vars[0].Hi = 0.3, 1.7 // rounded inwards internally
	orig := *m
	orig.Vars = append([]lp.Var(nil), m.Vars...)
	orig.Rows = append([]lp.Row(nil), m.Rows...)
	orig.Coefs = append([]lp.Coef(nil), m.Coefs...)
	solve(t, m, mip.Options{MaxNodes: 200})
	if !reflect.DeepEqual(&orig, m) {
		t.Error("Solve modified the model")
	}
}
