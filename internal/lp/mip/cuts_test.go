package mip

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// randomBinary returns a random binary model of n variables; its row
// coefficients are multiples of 1/div (div 1: integral row activities,
// else continuous ones) and its row bounds integers.
func randomBinary(rng *rand.Rand, n, rows int, div float64) *lp.Model {
	m := &lp.Model{Name: "random", Sense: lp.Sense(rng.IntN(2))}
	for j := range n {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(rng.IntN(21) - 5), Integer: true})
		for i := range rows {
			if rng.IntN(3) > 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: float64(rng.IntN(150)-30) / div})
			}
		}
	}
	for range rows {
		lo, hi := math.Inf(-1), float64(3+rng.IntN(15))
		if rng.IntN(3) == 0 {
			lo = float64(rng.IntN(4))
		}
		m.Rows = append(m.Rows, lp.Row{Lo: lo, Hi: hi})
	}
	return m
}

// solvedRoot returns a search of m and its root relaxation, or a nil
// relaxation when that is not optimal.
func solvedRoot(t *testing.T, m *lp.Model) (*search, *lp.Result) {
	t.Helper()
	s, ok, err := newSearch(context.Background(), m, Options{}.withDefaults())
	if err != nil || !ok {
		t.Fatalf("newSearch: %v %v", ok, err)
	}
	root, err := s.rel.Solve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if root.Status != lp.Optimal {
		return s, nil
	}
	return s, root
}

// fractionalRoot returns a search of a random binary model (of up to
// 100 drawn from rng) whose root relaxation is optimal and fractional,
// the relaxation and its fractional columns.
func fractionalRoot(t *testing.T, rng *rand.Rand) (*search, *lp.Result, []int) {
	t.Helper()
	for range 100 {
		s, root := solvedRoot(t, randomBinary(rng, 10, 4, 7))
		if root == nil {
			continue
		}
		if frac := s.p.fractional(root.X, s.opts.IntTol); len(frac) > 0 {
			return s, root, frac
		}
	}
	t.Fatal("no model with a fractional root")
	return nil, nil, nil
}

// checkCutRowsHold fails the test when x, a feasible point of s's model,
// violates one of the rows s added to its relaxation by more than tol
// (relative to the row's bound).
func checkCutRowsHold(t *testing.T, s *search, x []float64, tol float64, where string) {
	t.Helper()
	for i := len(s.p.m.Rows); i < len(s.cuts.rows); i++ {
		act := 0.0
		for _, c := range s.cuts.coefs[i] {
			act += c.Val * x[c.Col]
		}
		if lo := s.cuts.rows[i].Lo; act < lo-tol*(1+math.Abs(lo)) {
			t.Fatalf("%s: cut %s: %v < %v at the feasible point %v", where, s.cuts.rows[i].Name, act, lo, x)
		}
	}
}

// TestGomoryCutsValid runs the root cut rounds on random binary models
// and checks that every cut kept holds at every integer point satisfying
// the model's rows (enumerated), and that the cuts do not lower the
// relaxation bound.
func TestGomoryCutsValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	withCuts := 0
	for k := range 60 {
		m := randomBinary(rng, 6+rng.IntN(7), 2+rng.IntN(4), []float64{1, 10}[k%2])
		s, root := solvedRoot(t, m)
		if root == nil {
			continue
		}
		res, err := s.rootCuts(root)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status == lp.Optimal && s.p.sign*res.Objective < s.p.sign*root.Objective-1e-9*(1+math.Abs(root.Objective)) {
			t.Errorf("model %d: bound %v with cuts, %v without", k, res.Objective, root.Objective)
		}
		first := len(m.Rows)
		if len(s.cuts.rows) > first {
			withCuts++
		}
		where := fmt.Sprintf("model %d", k)
		forEachPoint(s.p.lo, s.p.hi, func(x []float64) {
			if s.p.feasible(x, 1e-9) {
				checkCutRowsHold(t, s, x, 1e-7, where)
			}
		})
	}
	if withCuts < 5 {
		t.Fatalf("only %d of the models kept a cut", withCuts)
	}
	t.Logf("%d models kept cuts", withCuts)
}
