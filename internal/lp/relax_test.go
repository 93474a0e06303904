package lp_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// withBounds returns a copy of m whose variables have bounds lo and hi.
func withBounds(m *lp.Model, lo, hi []float64) *lp.Model {
	c := *m
	c.Vars = slices.Clone(m.Vars)
	for j := range c.Vars {
		c.Vars[j].Lo, c.Vars[j].Hi = lo[j], hi[j]
	}
	return &c
}

// TestRelaxationWarmSolves changes bounds between warm solves of a
// Relaxation, sometimes going back to a saved basis, and compares every
// result with a cold lp.Solve of the same program: status, objective and
// the optimality conditions.
func TestRelaxationWarmSolves(t *testing.T) {
	tests := []struct {
		name  string
		model *lp.Model
		sense lp.Sense
	}{
		{"random min", randomLP(3, 60, 80), lp.Minimize},
		{"random max", randomLP(4, 50, 70), lp.Maximize},
		{"wyndor", wyndor(500), lp.Maximize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model
			m.Sense = tc.sense
			rel, err := lp.NewRelaxation(m, lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(1, 2))
			lo, hi := make([]float64, len(m.Vars)), make([]float64, len(m.Vars))
			for j, v := range m.Vars {
				lo[j], hi[j] = v.Lo, v.Hi
			}
			var saved *lp.Basis
			var savedLo, savedHi []float64
			statuses := map[lp.Status]int{}
			for step := range 60 {
				if step > 0 {
					switch {
					case step%10 == 0 && saved != nil:
						// Back to an earlier node: its basis and bounds.
						copy(lo, savedLo)
						copy(hi, savedHi)
						rel.SetBasis(saved)
					case step%7 == 0:
						saved, savedLo, savedHi = rel.Basis(), slices.Clone(lo), slices.Clone(hi)
					}
					j := rng.IntN(len(m.Vars))
					mid := lo[j] + rng.Float64()*(min(hi[j], 20)-lo[j])
					if rng.IntN(2) == 0 {
						hi[j] = math.Floor(mid)
					} else {
						lo[j] = math.Ceil(mid)
					}
					if step%4 == 0 {
						// Back near the root: one bound change only.
						for k, v := range m.Vars {
							if k != j {
								lo[k], hi[k] = v.Lo, v.Hi
							}
						}
					}
					for k := range m.Vars {
						rel.SetBounds(k, lo[k], hi[k])
					}
				}
				for k := range m.Vars {
					if l, h := rel.Bounds(k); l != lo[k] || h != hi[k] {
						t.Fatalf("step %d: Bounds(%d) = %v, %v, want %v, %v", step, k, l, h, lo[k], hi[k])
					}
				}
				warm, err := rel.Solve(ctx)
				if err != nil {
					t.Fatal(err)
				}
				cm := withBounds(m, lo, hi)
				cold, err := lp.Solve(ctx, cm, lp.Options{})
				if err != nil {
					t.Fatal(err)
				}
				statuses[warm.Status]++
				if warm.Status != cold.Status {
					t.Fatalf("step %d: warm status %s, cold %s", step, warm.Status, cold.Status)
				}
				if warm.Status != lp.Optimal {
					continue
				}
				if !near(warm.Objective, cold.Objective, 1e-7) {
					t.Fatalf("step %d: warm objective %.10g, cold %.10g", step, warm.Objective, cold.Objective)
				}
				checkKKT(t, cm, warm, 1e-7)
			}
			t.Logf("statuses %v", statuses)
			if statuses[lp.Optimal] == 0 {
				t.Fatal("no optimal solve in the sequence")
			}
		})
	}
}

// TestRelaxationInfeasibleBounds checks that crossing a row's limits by
// bounds is reported as infeasible and that relaxing them again recovers
// the optimum.
func TestRelaxationInfeasibleBounds(t *testing.T) {
	m := wyndor(500) // rows: x <= 4, 2y <= 12, 3x + 2y <= 18
	rel, err := lp.NewRelaxation(m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := rel.Solve(ctx)
	if err != nil || first.Status != lp.Optimal {
		t.Fatalf("first solve: %v %v", first, err)
	}
	rel.SetBounds(0, 5, lp.Inf)
	res, err := rel.Solve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.Infeasible {
		t.Fatalf("x >= 5: status %s, want infeasible", res.Status)
	}
	rel.SetBounds(0, m.Vars[0].Lo, m.Vars[0].Hi)
	res, err = rel.Solve(ctx)
	if err != nil || res.Status != lp.Optimal || !near(res.Objective, first.Objective, 1e-9) {
		t.Fatalf("bounds restored: %v %v, want optimal %v", res, err, first.Objective)
	}
}

// TestRelaxationErrors checks the failures: an invalid model and a
// cancelled context.
func TestRelaxationErrors(t *testing.T) {
	bad := wyndor(500)
	bad.Vars[0].Lo, bad.Vars[0].Hi = 2, 1
	if _, err := lp.NewRelaxation(bad, lp.Options{}); err == nil {
		t.Error("inverted bounds: no error")
	}
	rel, err := lp.NewRelaxation(wyndor(500), lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rel.Solve(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
}

// TestRelaxationRows adds rows to a solved Relaxation, compares the warm
// solve with a cold solve of the model with those rows, checks the
// tableau rows against the solution, and removes the rows again.
func TestRelaxationRows(t *testing.T) {
	tests := []struct {
		name  string
		model *lp.Model
		rows  []lp.Row
		coefs []lp.Coef
		// removable is how many of the added rows RemoveRows takes out
		// (those slack at the new optimum).
		removable int
	}{
		{
			name:  "wyndor binding and slack rows",
			model: wyndor(500),
			rows:  []lp.Row{{Name: "cut", Lo: math.Inf(-1), Hi: 5}, {Name: "slack", Lo: math.Inf(-1), Hi: 100}},
			coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1}, {Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 1}},
			// Only the slack row goes: "cut" is binding.
			removable: 1,
		},
		{
			name:      "random with a ranged row",
			model:     randomLP(5, 40, 60),
			rows:      []lp.Row{{Lo: -3, Hi: 3}},
			coefs:     []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: -2}, {Row: 0, Col: 7, Val: 0.5}},
			removable: -1, // depends on the optimum; checked below
		},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model
			rel, err := lp.NewRelaxation(m, lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res, err := rel.Solve(ctx); err != nil || res.Status != lp.Optimal {
				t.Fatalf("first solve: %v %v", res, err)
			}
			if err := rel.AddRows(tc.rows, tc.coefs); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := rel.TableauRow(0); ok {
				t.Error("TableauRow after AddRows without a solve: ok")
			}
			warm, err := rel.Solve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			big := *m
			big.Rows = append(slices.Clip(m.Rows), tc.rows...)
			big.Coefs = slices.Clip(m.Coefs)
			for _, c := range tc.coefs {
				big.Coefs = append(big.Coefs, lp.Coef{Row: len(m.Rows) + c.Row, Col: c.Col, Val: c.Val})
			}
			cold, err := lp.Solve(ctx, &big, lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if warm.Status != lp.Optimal || cold.Status != lp.Optimal || !near(warm.Objective, cold.Objective, 1e-7) {
				t.Fatalf("with rows: warm %s %.10g, cold %s %.10g", warm.Status, warm.Objective, cold.Status, cold.Objective)
			}
			checkKKT(t, &big, warm, 1e-7)
			checkTableauRows(t, rel, warm)

			added := []int{len(m.Rows), len(m.Rows) + len(tc.rows) - 1, 0}
			want := tc.removable
			if want < 0 {
				want = 0
				for i := len(m.Rows); i < len(big.Rows); i++ {
					if a, r := warm.RowActivity[i], big.Rows[i]; a > r.Lo+1e-6 && a < r.Hi-1e-6 {
						want++
					}
				}
			}
			if got := rel.RemoveRows(added); got != want {
				t.Fatalf("RemoveRows removed %d rows, want %d", got, want)
			}
			if got := rel.NumRows(); got != len(big.Rows)-want {
				t.Fatalf("NumRows %d after removal, want %d", got, len(big.Rows)-want)
			}
			again, err := rel.Solve(ctx)
			if err != nil || again.Status != lp.Optimal || !near(again.Objective, cold.Objective, 1e-7) {
				t.Fatalf("after removal: %v %v, want optimal %.10g", again, err, cold.Objective)
			}
		})
	}
	rel, err := lp.NewRelaxation(wyndor(500), lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rel.AddRows([]lp.Row{{Lo: 1, Hi: 0}}, nil); err == nil {
		t.Error("AddRows with an inverted row: no error")
	}
	if err := rel.AddRows([]lp.Row{{Lo: 0, Hi: 1}}, []lp.Coef{{Row: 0, Col: 9, Val: 1}}); err == nil {
		t.Error("AddRows with a column out of range: no error")
	}
}

// checkTableauRows checks x_j + Σ vals·v = 0 at the solution res for
// every basic variable that TableauRow describes.
func checkTableauRows(t *testing.T, rel *lp.Relaxation, res *lp.Result) {
	t.Helper()
	n, rows := len(res.X), 0
	for j := range res.X {
		cols, vals, ok := rel.TableauRow(j)
		if !ok {
			continue
		}
		rows++
		sum, scale := res.X[j], math.Abs(res.X[j])
		for k, c := range cols {
			v := 0.0
			if c < n {
				v = res.X[c]
			} else {
				v = res.RowActivity[c-n]
			}
			sum += vals[k] * v
			scale = max(scale, math.Abs(vals[k]*v))
		}
		if math.Abs(sum) > 1e-7*(1+scale) {
			t.Errorf("tableau row of x%d: residual %g", j, sum)
		}
	}
	if rows == 0 {
		t.Error("no basic structural variable has a tableau row")
	}
}

// TestRelaxationSolveWithin changes one bound of an optimal relaxation
// at a time and reoptimises under small iteration limits: a stop that
// SolveWithin reports as bounded has a value no better than the optimum
// of a cold lp.Solve, and a solve within the limit is that optimum.
func TestRelaxationSolveWithin(t *testing.T) {
	ctx := context.Background()
	for _, sense := range []lp.Sense{lp.Minimize, lp.Maximize} {
		m := randomLP(9, 60, 80)
		m.Sense = sense
		rel, err := lp.NewRelaxation(m, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		root, err := rel.Solve(ctx)
		if err != nil || root.Status != lp.Optimal {
			t.Fatalf("root: %v %v", root, err)
		}
		base := rel.Basis()
		rng := rand.New(rand.NewPCG(4, 4))
		bounded := 0
		for trial := range 80 {
			j := rng.IntN(len(m.Vars))
			lo, hi := make([]float64, len(m.Vars)), make([]float64, len(m.Vars))
			for k, v := range m.Vars {
				lo[k], hi[k] = v.Lo, v.Hi
			}
			if v := root.X[j]; rng.IntN(2) == 0 {
				hi[j] = v / 2
			} else {
				lo[j] = (v + hi[j]) / 2
			}
			rel.SetBounds(j, lo[j], hi[j])
			rel.SetBasis(base)
			limit := 1 + rng.IntN(6)
			res, ok, err := rel.SolveWithin(ctx, limit)
			rel.SetBounds(j, m.Vars[j].Lo, m.Vars[j].Hi)
			if err != nil {
				t.Fatal(err)
			}
			cold, err := lp.Solve(ctx, withBounds(m, lo, hi), lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case res.Status == lp.Optimal:
				if ok || cold.Status != lp.Optimal || !near(res.Objective, cold.Objective, 1e-7) {
					t.Fatalf("trial %d: optimal %.10g (bounded %v), cold %s %.10g", trial, res.Objective, ok, cold.Status, cold.Objective)
				}
			case res.Status == lp.IterationLimit:
				if res.Iterations != limit {
					t.Errorf("trial %d: %d iterations at a limit of %d", trial, res.Iterations, limit)
				}
				if !ok {
					continue
				}
				bounded++
				if cold.Status != lp.Optimal {
					continue // an infeasible child has no optimum to bound
				}
				better := res.Objective > cold.Objective+1e-7*(1+math.Abs(cold.Objective))
				if sense == lp.Maximize {
					better = res.Objective < cold.Objective-1e-7*(1+math.Abs(cold.Objective))
				}
				if better {
					t.Fatalf("trial %d (%v): bound %.10g passes the optimum %.10g", trial, sense, res.Objective, cold.Objective)
				}
			case ok:
				t.Fatalf("trial %d: status %s reported bounded", trial, res.Status)
			}
		}
		t.Logf("%v: %d of 80 solves stopped at a bound", sense, bounded)
		if bounded == 0 {
			t.Fatalf("%v: no solve stopped at a bound", sense)
		}
	}
}

// TestRelaxationRowsLeaveTheModel adds and removes rows of a Relaxation
// whose model's slices have spare capacity, then lets the caller append
// to them: neither side may see the other's rows. Wyndor's optimum is
// 3600 at (2, 6); the added row D + W <= 7 moves it to 3300 at (1, 6).
func TestRelaxationRowsLeaveTheModel(t *testing.T) {
	ctx := context.Background()
	m := wyndor(500)
	m.Rows = append(make([]lp.Row, 0, 10), m.Rows...)
	m.Coefs = append(make([]lp.Coef, 0, 20), m.Coefs...)
	rows, coefs := slices.Clone(m.Rows), slices.Clone(m.Coefs)
	rel, err := lp.NewRelaxation(m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	add := func() {
		t.Helper()
		err := rel.AddRows([]lp.Row{{Name: "cut", Lo: -inf, Hi: 7}},
			[]lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1}})
		if err != nil {
			t.Fatal(err)
		}
	}
	solve := func(want float64) {
		t.Helper()
		res, err := rel.Solve(ctx)
		if err != nil || res.Status != lp.Optimal || !near(res.Objective, want, 1e-9) {
			t.Fatalf("solve: %v %v %v, want objective %v", res.Status, res.Objective, err, want)
		}
	}
	solve(3600)
	add()
	solve(3300)
	if !slices.Equal(m.Rows, rows) || !slices.Equal(m.Coefs, coefs) {
		t.Fatal("AddRows changed the model's rows")
	}
	// The caller appends to its slices: the Relaxation keeps its row.
	m.Rows = append(m.Rows, lp.Row{Name: "other", Lo: -inf, Hi: 1e9})
	m.Coefs = append(m.Coefs, lp.Coef{Row: 3, Col: 0, Val: 5}, lp.Coef{Row: 3, Col: 1, Val: 5})
	m.Rows, m.Coefs = m.Rows[:3], m.Coefs[:4]
	// A rebuild (another row, D <= 100) reads the Relaxation's rows.
	if err := rel.AddRows([]lp.Row{{Name: "loose", Lo: -inf, Hi: 100}}, []lp.Coef{{Row: 0, Col: 0, Val: 1}}); err != nil {
		t.Fatal(err)
	}
	solve(3300)
	// W <= 2 makes the row slack (optimum 2200 at (4, 2)), and it can
	// be removed.
	rel.SetBounds(1, 0, 2)
	solve(2200)
	if n := rel.RemoveRows([]int{3, 4}); n != 2 {
		t.Fatalf("RemoveRows removed %d rows, want 2", n)
	}
	solve(2200)
	add()
	add()
	rel.SetBounds(1, 0, inf)
	solve(3300)
	if !slices.Equal(m.Rows, rows) || !slices.Equal(m.Coefs, coefs) {
		t.Fatal("RemoveRows or AddRows changed the model's rows")
	}
}

// TestRelaxationSolveInto checks that SolveInto gives the results of
// Solve through a sequence of bound changes and added rows while it
// reuses one Result, whatever that Result held before.
func TestRelaxationSolveInto(t *testing.T) {
	m := randomLP(7, 40, 60)
	ctx := context.Background()
	plain, err := lp.NewRelaxation(m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reused, err := lp.NewRelaxation(m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A Result left over from a larger program, full of garbage.
	garbage := func(n int) []float64 { return slices.Repeat([]float64{math.NaN()}, n) }
	into := &lp.Result{Status: lp.Unbounded, Objective: -1, Iterations: 99,
		X: garbage(100), ReducedCost: garbage(100), RowActivity: garbage(100), RowDual: garbage(100)}
	rng := rand.New(rand.NewPCG(7, 1))
	statuses := map[lp.Status]int{}
	for step := range 40 {
		switch {
		case step == 20:
			rows := []lp.Row{{Lo: math.Inf(-1), Hi: 2}}
			coefs := []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 3, Val: 1}}
			for _, rel := range []*lp.Relaxation{plain, reused} {
				if err := rel.AddRows(rows, coefs); err != nil {
					t.Fatal(err)
				}
			}
		case step > 0:
			j := rng.IntN(len(m.Vars))
			lo := float64(rng.IntN(3))
			hi := lo + float64(rng.IntN(4))
			for _, rel := range []*lp.Relaxation{plain, reused} {
				rel.SetBounds(j, lo, hi)
			}
		}
		want, err := plain.Solve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := reused.SolveInto(ctx, into)
		if err != nil {
			t.Fatal(err)
		}
		if got != into {
			t.Fatalf("step %d: SolveInto returned a new Result", step)
		}
		statuses[got.Status]++
		same := func(a, b []float64) bool {
			return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
		}
		if got.Status != want.Status || got.Objective != want.Objective || got.Iterations != want.Iterations ||
			!same(got.X, want.X) || !same(got.ReducedCost, want.ReducedCost) ||
			!same(got.RowActivity, want.RowActivity) || !same(got.RowDual, want.RowDual) {
			t.Fatalf("step %d: SolveInto gives %+v, Solve %+v", step, *got, *want)
		}
	}
	if statuses[lp.Optimal] == 0 || statuses[lp.Infeasible] == 0 {
		t.Errorf("statuses %v: want both optimal and infeasible relaxations", statuses)
	}
}
