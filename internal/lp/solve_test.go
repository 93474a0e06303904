package lp_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

var inf = math.Inf(1)

// wyndor is the Wyndor Glass example of Hillier and Lieberman:
// maximise 300 D + wObj W s.t. D <= 4, 2W <= 12, 3D + 2W <= 18.
func wyndor(wObj float64) *lp.Model {
	return &lp.Model{
		Name:  "wyndor",
		Sense: lp.Maximize,
		Vars: []lp.Var{
			{Name: "D", Hi: inf, Obj: 300},
			{Name: "W", Hi: inf, Obj: wObj},
		},
		Rows: []lp.Row{
			{Name: "plant1", Lo: -inf, Hi: 4},
			{Name: "plant2", Lo: -inf, Hi: 12},
			{Name: "plant3", Lo: -inf, Hi: 18},
		},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1},
			{Row: 1, Col: 1, Val: 2},
			{Row: 2, Col: 0, Val: 3},
			{Row: 2, Col: 1, Val: 2},
		},
	}
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, max(math.Abs(a), math.Abs(b)))
}

// solve solves m with the primal and the dual simplex, checks that they
// agree on the status and objective, and returns the primal result.
func solve(t *testing.T, m *lp.Model) *lp.Result {
	t.Helper()
	res, err := lp.Solve(context.Background(), m, lp.Options{Method: lp.MethodPrimal})
	if err != nil {
		t.Fatalf("Solve(%s): %v", m.Name, err)
	}
	dres, err := lp.Solve(context.Background(), m, lp.Options{Method: lp.MethodDual})
	if err != nil {
		t.Fatalf("Solve(%s, dual): %v", m.Name, err)
	}
	if dres.Status != res.Status || (res.Status == lp.Optimal && !near(dres.Objective, res.Objective, 1e-9)) {
		t.Fatalf("%s: primal %s %.12g, dual %s %.12g", m.Name, res.Status, res.Objective, dres.Status, dres.Objective)
	}
	if dres.Status == lp.Optimal {
		checkKKT(t, m, dres, 1e-7)
	}
	return res
}

// solveOptimal solves m, expecting an optimal objective want and a
// KKT-consistent solution.
func solveOptimal(t *testing.T, m *lp.Model, want float64) *lp.Result {
	t.Helper()
	res := solve(t, m)
	if res.Status != lp.Optimal || !near(res.Objective, want, 1e-9) {
		t.Fatalf("%s: status %s objective %.12g, want optimal %.12g", m.Name, res.Status, res.Objective, want)
	}
	checkKKT(t, m, res, 1e-9)
	return res
}

func checkVec(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if !near(got[i], want[i], 1e-9) {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
	}
}

func TestWyndor(t *testing.T) {
	res := solveOptimal(t, wyndor(500), 3600)
	checkVec(t, "X", res.X, []float64{2, 6})
	checkVec(t, "RowDual", res.RowDual, []float64{0, 150, 100})
	checkVec(t, "RowActivity", res.RowActivity, []float64{2, 12, 18})
	checkVec(t, "ReducedCost", res.ReducedCost, []float64{0, 0})

	res = solveOptimal(t, wyndor(100), 1500)
	checkVec(t, "X", res.X, []float64{4, 3})
}

// TestWyndorMinimize checks the dual signs of the same model written as a
// minimisation: shadow prices become negative.
func TestWyndorMinimize(t *testing.T) {
	m := wyndor(500)
	m.Sense = lp.Minimize
	for j := range m.Vars {
		m.Vars[j].Obj = -m.Vars[j].Obj
	}
	m.ObjConst = 10
	res := solveOptimal(t, m, -3590)
	checkVec(t, "RowDual", res.RowDual, []float64{0, -150, -100})
}

func TestInfeasible(t *testing.T) {
	m := &lp.Model{
		Name: "infeasible",
		Vars: []lp.Var{{Name: "x", Hi: inf, Obj: 1}, {Name: "y", Hi: inf, Obj: 1}},
		Rows: []lp.Row{{Name: "le1", Lo: -inf, Hi: 1}, {Name: "ge2", Lo: 2, Hi: inf}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 1},
		},
	}
	if res := solve(t, m); res.Status != lp.Infeasible {
		t.Fatalf("status %s, want infeasible", res.Status)
	}
	// An empty row whose bounds exclude zero is infeasible too.
	m = &lp.Model{
		Name: "emptyrow",
		Vars: []lp.Var{{Name: "x", Hi: 1, Obj: 1}},
		Rows: []lp.Row{{Name: "r", Lo: 1, Hi: 2}},
	}
	if res := solve(t, m); res.Status != lp.Infeasible {
		t.Fatalf("empty row: status %s, want infeasible", res.Status)
	}
	// Variable bounds contradicting a row.
	m = &lp.Model{
		Name:  "bounds",
		Vars:  []lp.Var{{Name: "x", Lo: -1, Hi: 1, Obj: 1}},
		Rows:  []lp.Row{{Name: "r", Lo: 3, Hi: inf}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 2}},
	}
	if res := solve(t, m); res.Status != lp.Infeasible {
		t.Fatalf("bounds: status %s, want infeasible", res.Status)
	}
}

func TestUnbounded(t *testing.T) {
	m := &lp.Model{
		Name:  "unbounded",
		Sense: lp.Maximize,
		Vars:  []lp.Var{{Name: "x", Hi: inf, Obj: 1}, {Name: "y", Hi: inf, Obj: 1}},
		Rows:  []lp.Row{{Name: "r", Lo: -inf, Hi: 1}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: -1}},
	}
	if res := solve(t, m); res.Status != lp.Unbounded {
		t.Fatalf("status %s, want unbounded", res.Status)
	}
	// A free column with a cost and no constraints.
	m = &lp.Model{Name: "freecol", Vars: []lp.Var{{Name: "x", Lo: -inf, Hi: inf, Obj: 1}}}
	if res := solve(t, m); res.Status != lp.Unbounded {
		t.Fatalf("free column: status %s, want unbounded", res.Status)
	}
}

// TestBeale solves Beale's example, on which the textbook simplex with
// Dantzig pricing and smallest-index ties cycles.
func TestBeale(t *testing.T) {
	m := &lp.Model{
		Name: "beale",
		Vars: []lp.Var{
			{Name: "x4", Hi: inf, Obj: -0.75},
			{Name: "x5", Hi: inf, Obj: 20},
			{Name: "x6", Hi: inf, Obj: -0.5},
			{Name: "x7", Hi: inf, Obj: 6},
		},
		Rows: []lp.Row{
			{Name: "r1", Lo: -inf, Hi: 0},
			{Name: "r2", Lo: -inf, Hi: 0},
			{Name: "r3", Lo: -inf, Hi: 1},
		},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 0.25}, {Row: 0, Col: 1, Val: -8}, {Row: 0, Col: 2, Val: -1}, {Row: 0, Col: 3, Val: 9},
			{Row: 1, Col: 0, Val: 0.5}, {Row: 1, Col: 1, Val: -12}, {Row: 1, Col: 2, Val: -0.5}, {Row: 1, Col: 3, Val: 3},
			{Row: 2, Col: 2, Val: 1},
		},
	}
	res := solveOptimal(t, m, -1.25)
	checkVec(t, "X", res.X, []float64{1, 0, 1, 0})
}

// TestDegenerate solves a highly degenerate assignment-like problem: many
// vertices share the optimum and most pivots are degenerate.
func TestDegenerate(t *testing.T) {
	const k = 12
	m := &lp.Model{Name: "assignment"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			m.Vars = append(m.Vars, lp.Var{Hi: inf, Obj: float64(rng.IntN(3))})
			c := len(m.Vars) - 1
			m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: c, Val: 1}, lp.Coef{Row: k + j, Col: c, Val: 1})
		}
	}
	for i := 0; i < 2*k; i++ {
		m.Rows = append(m.Rows, lp.Row{Lo: 1, Hi: 1})
	}
	res := solve(t, m)
	if res.Status != lp.Optimal {
		t.Fatalf("status %s", res.Status)
	}
	checkKKT(t, m, res, 1e-9)
}

func TestFreeVariables(t *testing.T) {
	// min x + 2y with x, y free: x - y = 3, x + y >= 1, y in [-2, 5] via a row.
	m := &lp.Model{
		Name: "free",
		Vars: []lp.Var{{Name: "x", Lo: -inf, Hi: inf, Obj: 1}, {Name: "y", Lo: -inf, Hi: inf, Obj: 2}},
		Rows: []lp.Row{
			{Name: "diff", Lo: 3, Hi: 3},
			{Name: "sum", Lo: 1, Hi: inf},
			{Name: "ybox", Lo: -2, Hi: 5},
			{Name: "objrow", Lo: -inf, Hi: inf}, // free row: ignored
		},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: -1},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 1},
			{Row: 2, Col: 1, Val: 1},
			{Row: 3, Col: 0, Val: 7},
		},
	}
	// x = y + 3, x + y >= 1 -> y >= -1; objective 3y + 3 -> y = -1, x = 2.
	res := solveOptimal(t, m, 0)
	checkVec(t, "X", res.X, []float64{2, -1})
	checkVec(t, "RowActivity", res.RowActivity, []float64{3, 1, -1, 14})
}

func TestEqualities(t *testing.T) {
	m := &lp.Model{
		Name: "eq",
		Vars: []lp.Var{{Name: "x", Hi: inf, Obj: 1}, {Name: "y", Hi: inf, Obj: 1}, {Name: "z", Lo: 1, Hi: 1, Obj: 5}},
		Rows: []lp.Row{{Name: "a", Lo: 4, Hi: 4}, {Name: "b", Lo: 1, Hi: 1}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 2},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: -0.5}, {Row: 1, Col: 1, Val: -0.5}, // duplicates are summed
		},
	}
	res := solveOptimal(t, m, 8)
	checkVec(t, "X", res.X, []float64{2, 1, 1})
}

func TestRangedRows(t *testing.T) {
	// max x + y with 1 <= x + y <= 3 (ranged), -2 <= x - y <= 2, x <= 2.2.
	m := &lp.Model{
		Name:  "ranged",
		Sense: lp.Maximize,
		Vars:  []lp.Var{{Name: "x", Lo: -inf, Hi: 2.2, Obj: 1}, {Name: "y", Lo: -inf, Hi: inf, Obj: 1}},
		Rows:  []lp.Row{{Name: "sum", Lo: 1, Hi: 3}, {Name: "diff", Lo: -2, Hi: 2}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: -1},
		},
	}
	res := solveOptimal(t, m, 3)
	if res.RowDual[0] <= 0 {
		t.Errorf("dual of the active upper range = %g, want > 0", res.RowDual[0])
	}
	m.Sense = lp.Minimize
	res = solveOptimal(t, m, 1)
	if res.RowDual[0] <= 0 {
		t.Errorf("dual of the active lower range = %g, want > 0", res.RowDual[0])
	}
}

func TestBoundKinds(t *testing.T) {
	// Upper-only, negative lower, fixed and boxed variables.
	m := &lp.Model{
		Name: "bounds",
		Vars: []lp.Var{
			{Name: "up", Lo: -inf, Hi: -1, Obj: -1},
			{Name: "neg", Lo: -3, Hi: inf, Obj: 1},
			{Name: "fix", Lo: 2, Hi: 2, Obj: 3},
			{Name: "box", Lo: -1, Hi: 1, Obj: -2},
		},
		Rows: []lp.Row{{Name: "r", Lo: -10, Hi: inf}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1}, {Row: 0, Col: 3, Val: 1},
		},
	}
	// up = -1 (obj +1), neg = -3 (obj -3), fix 6, box 1 (-2): total 2.
	res := solveOptimal(t, m, 2)
	checkVec(t, "X", res.X, []float64{-1, -3, 2, 1})
}

func TestEmptyModel(t *testing.T) {
	res := solveOptimal(t, &lp.Model{Name: "empty", ObjConst: 4}, 4)
	if len(res.X) != 0 {
		t.Fatalf("X = %v", res.X)
	}
	// No rows: every column goes to its best bound.
	m := &lp.Model{Name: "cols", Sense: lp.Maximize, Vars: []lp.Var{{Lo: 1, Hi: 2, Obj: 3}, {Lo: -inf, Hi: 5, Obj: 1}}}
	solveOptimal(t, m, 11)
	m.Vars[1].Obj = -1
	if res := solve(t, m); res.Status != lp.Unbounded {
		t.Fatalf("status %s, want unbounded", res.Status)
	}
}

func TestInvalidModels(t *testing.T) {
	base := func() *lp.Model { return wyndor(500) }
	cases := map[string]func(*lp.Model){
		"NaN coefficient":   func(m *lp.Model) { m.Coefs[0].Val = math.NaN() },
		"Inf coefficient":   func(m *lp.Model) { m.Coefs[1].Val = inf },
		"NaN objective":     func(m *lp.Model) { m.Vars[0].Obj = math.NaN() },
		"lower bound":       func(m *lp.Model) { m.Vars[1].Lo, m.Vars[1].Hi = 3, 2 },
		"row bounds":        func(m *lp.Model) { m.Rows[0].Lo = 5 },
		"row out of range":  func(m *lp.Model) { m.Coefs[2].Row = 3 },
		"col out of range":  func(m *lp.Model) { m.Coefs[2].Col = -1 },
		"infinite constant": func(m *lp.Model) { m.ObjConst = inf },
		"wrong-side bound":  func(m *lp.Model) { m.Vars[0].Lo = inf },
	}
	for name, breakIt := range cases {
		m := base()
		breakIt(m)
		if res, err := lp.Solve(context.Background(), m, lp.Options{}); err == nil {
			t.Errorf("%s: no error, status %s", name, res.Status)
		} else if !strings.HasPrefix(err.Error(), "lp: ") {
			t.Errorf("%s: error %q lacks context", name, err)
		}
	}
	if _, err := lp.Solve(context.Background(), nil, lp.Options{}); err == nil {
		t.Error("nil model: no error")
	}
}

// randomLP returns a feasible, bounded random LP with n columns and m
// rows: rows are built around a known feasible point.
func randomLP(seed uint64, m, n int) *lp.Model {
	rng := rand.New(rand.NewPCG(seed, 7))
	mod := &lp.Model{Name: "random"}
	x0 := make([]float64, n)
	for j := range n {
		x0[j] = rng.Float64() * 10
		mod.Vars = append(mod.Vars, lp.Var{Lo: 0, Hi: 20, Obj: rng.NormFloat64()})
	}
	for i := range m {
		act := 0.0
		for range 5 {
			j := rng.IntN(n)
			v := rng.NormFloat64()
			act += v * x0[j]
			mod.Coefs = append(mod.Coefs, lp.Coef{Row: i, Col: j, Val: v})
		}
		switch i % 3 {
		case 0:
			mod.Rows = append(mod.Rows, lp.Row{Lo: -inf, Hi: act + rng.Float64()})
		case 1:
			mod.Rows = append(mod.Rows, lp.Row{Lo: act - rng.Float64(), Hi: inf})
		default:
			mod.Rows = append(mod.Rows, lp.Row{Lo: act, Hi: act})
		}
	}
	return mod
}

func TestRandomLPs(t *testing.T) {
	for seed := range uint64(20) {
		m := randomLP(seed, 40+int(seed)*5, 60)
		res := solve(t, m)
		if res.Status != lp.Optimal {
			t.Fatalf("seed %d: status %s", seed, res.Status)
		}
		checkKKT(t, m, res, 1e-7)
	}
}

func TestDeadline(t *testing.T) {
	m := randomLP(99, 1500, 2000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := lp.Solve(ctx, m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.TimeLimit {
		t.Fatalf("status %s after %v, want time_limit", res.Status, time.Since(start))
	}
	// The full solve takes far longer; the bound is loose so that a loaded
	// machine or the race detector does not make the test flaky.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("deadline noticed after %v", d)
	}

	// An already expired deadline.
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if res, err := lp.Solve(ctx, wyndor(500), lp.Options{}); err != nil || res.Status != lp.TimeLimit {
		t.Fatalf("expired deadline: %v, %v", res, err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := lp.Solve(ctx, wyndor(500), lp.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestIterationLimit(t *testing.T) {
	m := randomLP(3, 60, 60)
	res, err := lp.Solve(context.Background(), m, lp.Options{MaxIterations: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.IterationLimit || res.Iterations != 2 {
		t.Fatalf("status %s after %d iterations, want iteration_limit after 2", res.Status, res.Iterations)
	}
}

// TestPresolveSingletons solves a model that presolve reduces completely:
// singleton rows become bounds, and their duals come back in postsolve.
func TestPresolveSingletons(t *testing.T) {
	m := &lp.Model{
		Name: "singletons",
		Vars: []lp.Var{{Name: "x", Hi: inf, Obj: 1}, {Name: "y", Lo: -inf, Hi: inf, Obj: -1}, {Name: "z", Lo: 2, Hi: 2, Obj: 3}},
		Rows: []lp.Row{
			{Name: "xlo", Lo: 2, Hi: inf},  // 2x >= 2
			{Name: "yhi", Lo: -inf, Hi: 3}, // -y <= 3 (y >= -3)
			{Name: "ybox", Lo: -6, Hi: 10}, // 2y in [-6, 10]
			{Name: "zrow", Lo: 1, Hi: 5},   // z + x, x and z fixed by then
		},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 2},
			{Row: 1, Col: 1, Val: -1},
			{Row: 2, Col: 1, Val: 2},
			{Row: 3, Col: 2, Val: 1}, {Row: 3, Col: 0, Val: 1},
		},
	}
	// x = 1, y = 5 (from 2y <= 10), z = 2: 1 - 5 + 6 = 2.
	res := solveOptimal(t, m, 2)
	checkVec(t, "X", res.X, []float64{1, 5, 2})
	checkVec(t, "RowDual", res.RowDual, []float64{0.5, 0, -0.5, 0})
	checkVec(t, "ReducedCost", res.ReducedCost, []float64{0, 0, 3})
}
