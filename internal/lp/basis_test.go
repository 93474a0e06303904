package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBasisInto checks that a basis saved over an older one (BasisInto)
// holds what a fresh copy (Basis) holds, through solves of a boxed
// program whose nonbasic variables sit at either bound.
func TestBasisInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	m := randomBoxed(rng, 30, 12)
	ctx := context.Background()
	rel, err := NewRelaxation(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var old *Basis
	atUpper := 0
	for step := range 20 {
		if step > 0 {
			j := rng.IntN(len(m.Vars))
			rel.SetBounds(j, 0, float64(rng.IntN(3)))
		}
		if _, err := rel.Solve(ctx); err != nil {
			t.Fatal(err)
		}
		fresh := rel.Basis()
		into := rel.BasisInto(old)
		if !slices.Equal(fresh.head, into.head) || !slices.Equal(fresh.atUpper, into.atUpper) || !slices.Equal(fresh.dweight, into.dweight) {
			t.Fatalf("step %d: BasisInto %+v, Basis %+v", step, *into, *fresh)
		}
		for _, u := range fresh.atUpper {
			if u {
				atUpper++
			}
		}
		old = fresh
	}
	if atUpper == 0 {
		t.Error("no nonbasic variable at its upper bound: the program misses the case")
	}
}

// randomBoxed returns a maximisation over nVars variables with bounds
// [0, 1..4] and random positive costs (some negative), subject to nRows
// random ≤ rows with small integer coefficients: a program whose optimal
// bases have nonbasic variables at both bounds.
func randomBoxed(rng *rand.Rand, nVars, nRows int) *Model {
	m := &Model{Name: "boxed", Sense: Maximize}
	for j := range nVars {
		m.Vars = append(m.Vars, Var{Lo: 0, Hi: float64(1 + j%4), Obj: rng.Float64() - 0.25})
	}
	for i := range nRows {
		m.Rows = append(m.Rows, Row{Lo: math.Inf(-1), Hi: 5 + float64(rng.IntN(12))})
		for j := range m.Vars {
			if rng.IntN(3) == 0 {
				m.Coefs = append(m.Coefs, Coef{Row: i, Col: j, Val: float64(1 + rng.IntN(5))})
			}
		}
	}
	return m
}
