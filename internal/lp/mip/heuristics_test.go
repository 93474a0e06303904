package mip

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
)

// rootSearch prepares the search of m and solves its root relaxation,
// with an unbounded heuristics budget. It returns nil when the root
// relaxation is not optimal or already integral.
func rootSearch(t *testing.T, m *lp.Model) (*search, *lp.Result) {
	t.Helper()
	s, ok, err := newSearch(context.Background(), m, Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil, nil
	}
	res, err := s.relax(&node{bound: math.Inf(-1), col: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.Optimal || len(s.p.fractional(res.X, s.opts.IntTol)) == 0 {
		return nil, nil
	}
	s.heur = newHeuristics(s.opts)
	s.heur.allowance = math.MaxInt32
	return s, res
}

// plantedEqualities returns a random binary model whose rows are
// equalities A·x = A·x0 at a random binary point x0, so that it is
// feasible while rounding its relaxation rarely is.
func plantedEqualities(rng *rand.Rand, n, rows int) *lp.Model {
	m := &lp.Model{Name: "planted", Sense: lp.Sense(rng.IntN(2))}
	x0 := make([]float64, n)
	for j := range n {
		x0[j] = float64(rng.IntN(2))
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(rng.IntN(21) - 10), Integer: true})
	}
	for i := range rows {
		rhs := 0.0
		for j := range n {
			if rng.IntN(2) == 0 {
				a := float64(1 + rng.IntN(9))
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: a})
				rhs += a * x0[j]
			}
		}
		m.Rows = append(m.Rows, lp.Row{Lo: rhs, Hi: rhs})
	}
	return m
}

// mixedModel returns the k-th random model of a sequence that cycles
// through small mixed models, binary inequality models and planted
// equality models.
func mixedModel(rng *rand.Rand, k int) *lp.Model {
	switch k % 3 {
	case 0:
		return randomModel(rng)
	case 1:
		return randomBinary(rng, 12, 4, 1)
	}
	return plantedEqualities(rng, 14, 3)
}

// heuristicRuns names each heuristic run from the root of a search.
var heuristicRuns = []struct {
	name string
	run  func(s *search, x []float64)
}{
	{"fractional dive", func(s *search, x []float64) { s.dive(x, false) }},
	{"guided dive", func(s *search, x []float64) { s.dive(x, s.incX != nil) }},
	{"pump", func(s *search, x []float64) { s.pump(x) }},
	{"rins", func(s *search, x []float64) {
		if s.incX != nil {
			s.rins(x)
		}
	}},
}

// TestHeuristicsFeasible runs every heuristic from the root of random
// models, after a rounding incumbent when there is one, and checks that
// every incumbent passes CheckSolution and that the relaxation gets its
// bounds and basis back (its next solve takes no pivot).
func TestHeuristicsFeasible(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	n := 400
	if testing.Short() || raceflag.Enabled {
		n = 60
	}
	for k := range n {
		m := mixedModel(rng, k)
		for _, h := range heuristicRuns {
			s, res := rootSearch(t, m)
			if s == nil {
				continue
			}
			s.offer(s.p.lockRounded(res.X), feasTol)
			s.offer(s.p.rounded(res.X), feasTol)
			h.run(s, res.X)
			if s.incX != nil {
				if err := CheckSolution(m, s.incX, 1e-6); err != nil {
					t.Fatalf("model %d, %s: %v", k, h.name, err)
				}
			}
			again, err := s.rel.Solve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if again.Iterations != 0 || math.Abs(again.Objective-res.Objective) > 1e-9*(1+math.Abs(res.Objective)) {
				t.Fatalf("model %d, %s: relaxation not restored: %d pivots, objective %v, was %v",
					k, h.name, again.Iterations, again.Objective, res.Objective)
			}
		}
	}
}

// TestHeuristicsFind checks that each heuristic finds integer points
// from the root of models where rounding rarely does (feasible equality
// models, for diving and the pump), and RINS improving a poor incumbent.
func TestHeuristicsFind(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	tried, found := map[string]int{}, map[string]int{}
	for range 40 {
		m := plantedEqualities(rng, 16, 2)
		for _, h := range heuristicRuns[:3] {
			s, res := rootSearch(t, m)
			if s == nil {
				continue
			}
			tried[h.name]++
			h.run(s, res.X)
			if s.incX != nil {
				found[h.name]++
			}
		}
	}
	// Diving backtracks once and may fail where the pump goes on: ask
	// the dives for a quarter of the roots, the pump for half.
	share := map[string]int{"fractional dive": 4, "guided dive": 4, "pump": 2}
	for _, h := range heuristicRuns[:3] {
		if tried[h.name] < 20 || found[h.name] < tried[h.name]/share[h.name] {
			t.Errorf("%s found a point from %d of %d roots", h.name, found[h.name], tried[h.name])
		}
	}

	// RINS from the empty knapsack: the relaxation agrees with it on the
	// items it leaves out and the sub-MIP fills the knapsack.
	values := []float64{12, 9, 14, 7, 11, 8, 15, 10, 6, 13, 5, 4}
	weights := []float64{10, 8, 13, 9, 12, 7, 16, 11, 6, 14, 9, 8}
	m := &lp.Model{Name: "knapsack", Sense: lp.Maximize, Rows: []lp.Row{{Lo: math.Inf(-1), Hi: 40}}}
	for j := range values {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: values[j], Integer: true})
		m.Coefs = append(m.Coefs, lp.Coef{Row: 0, Col: j, Val: weights[j]})
	}
	s, res := rootSearch(t, m)
	if s == nil {
		t.Fatal("knapsack: root relaxation integral")
	}
	s.offer(make([]float64, len(values)), feasTol)
	s.rins(res.X)
	if s.inc >= -40 {
		t.Errorf("rins: incumbent %v, want a value better than -40", -s.inc)
	}
	if err := CheckSolution(m, s.incX, 1e-6); err != nil {
		t.Error(err)
	}
}

// TestHeuristicsSameOptima solves random models with and without the
// heuristics: statuses and optima agree.
func TestHeuristicsSameOptima(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	n := 600
	if testing.Short() || raceflag.Enabled {
		n = 90
	}
	exact := Options{RelGap: 1e-9, AbsGap: 1e-9}
	for k := range n {
		m := mixedModel(rng, k)
		off := exact
		off.NoHeuristics = true
		want, err := Solve(context.Background(), m, off)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Solve(context.Background(), m, exact)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want.Status || math.Abs(got.Objective-want.Objective) > 1e-6*max(1, math.Abs(want.Objective)) {
			t.Fatalf("model %d %+v: with heuristics %s %v, without %s %v", k, m, got.Status, got.Objective, want.Status, want.Objective)
		}
		if got.HasSolution() {
			if err := CheckSolution(m, got.X, 1e-6); err != nil {
				t.Fatalf("model %d: %v", k, err)
			}
		}
	}
}
