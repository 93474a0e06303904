package mip

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestTreeCutsValid searches random binary models to the end and checks
// every row the search added, at the root and in the tree, against every
// binary point that satisfies the model's rows (enumerated): cuts made at
// a node hold in the whole tree. The search's optimum must match the
// enumeration's.
func TestTreeCutsValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	treeCuts := 0
	for trial := range 60 {
		m := randomKnapsacks(rng, 14+rng.IntN(3), 2+rng.IntN(3))
		s, ok, err := newSearch(context.Background(), m, Options{RelGap: 1e-9, AbsGap: 1e-9, NoHeuristics: true}.withDefaults())
		if err != nil || !ok {
			t.Fatalf("trial %d: newSearch: %v %v", trial, ok, err)
		}
		status, err := s.run()
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		res := s.result(status)
		treeCuts += s.treeCuts
		// One enumeration of the binary points: the rows the search added
		// hold at every feasible one, and the best is the search's optimum.
		best, feasible := 0.0, false
		where := fmt.Sprintf("trial %d", trial)
		forEachPoint(s.p.lo, s.p.hi, func(x []float64) {
			if !s.p.feasible(x, 1e-9) {
				return
			}
			if s.cuts != nil {
				checkCutRowsHold(t, s, x, 1e-6, where)
			}
			if obj := s.p.sign * s.p.objective(x); !feasible || obj < best {
				best, feasible = obj, true
			}
		})
		want := s.p.sign * best
		switch {
		case !feasible && status != lp.Infeasible:
			t.Fatalf("trial %d: status %s, the model has no integer point", trial, status)
		case feasible && (status != lp.Optimal || math.Abs(res.Objective-want) > 1e-6*max(1, math.Abs(want))):
			t.Fatalf("trial %d: %s %v, enumeration gives %v", trial, status, res.Objective, want)
		}
	}
	if treeCuts == 0 {
		t.Fatal("no search added cuts in the tree: the test checks nothing of them")
	}
	t.Logf("%d cuts made in the trees", treeCuts)
}

// randomKnapsacks returns a binary model maximising a random objective
// over rows knapsack rows of positive weights, and one row covering a
// few of the variables, whose relaxations branching leaves fractional.
func randomKnapsacks(rng *rand.Rand, n, rows int) *lp.Model {
	m := &lp.Model{Name: "knapsacks", Sense: lp.Maximize}
	for range n {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(5 + rng.IntN(30)), Integer: true})
	}
	for i := range rows {
		total := 0.0
		for j := range n {
			w := float64(3 + rng.IntN(25))
			total += w
			m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: w})
		}
		m.Rows = append(m.Rows, lp.Row{Lo: math.Inf(-1), Hi: math.Floor(total * (0.3 + 0.2*rng.Float64()))})
	}
	cover := len(m.Rows)
	m.Rows = append(m.Rows, lp.Row{Lo: 1, Hi: math.Inf(1)})
	for j := range n {
		if rng.IntN(3) == 0 {
			m.Coefs = append(m.Coefs, lp.Coef{Row: cover, Col: j, Val: 1})
		}
	}
	return m
}
