package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// weightsModel is a random bounded program of m rows over n columns
// with a feasible point.
func weightsModel(seed uint64, m, n int) *Model {
	rng := rand.New(rand.NewPCG(seed, 11))
	mod := &Model{Name: "weights", Sense: Maximize}
	x0 := make([]float64, n)
	for j := range n {
		x0[j] = rng.Float64() * 5
		mod.Vars = append(mod.Vars, Var{Lo: 0, Hi: 10, Obj: rng.Float64()})
	}
	for i := range m {
		act := 0.0
		for range 6 {
			j := rng.IntN(n)
			v := rng.Float64() + 0.1
			act += v * x0[j]
			mod.Coefs = append(mod.Coefs, Coef{Row: i, Col: j, Val: v})
		}
		mod.Rows = append(mod.Rows, Row{Lo: math.Inf(-1), Hi: act + rng.Float64()})
	}
	return mod
}

// TestSavedBasisKeepsDualWeights checks that a basis saved after dual
// pivots carries their dual pricing weights into the solve that starts
// from it (SetBasis), and that the weights start over where they do not
// belong to the basis: after primal pivots and after a change of rows.
func TestSavedBasisKeepsDualWeights(t *testing.T) {
	ctx := context.Background()
	m := weightsModel(3, 80, 120)
	rel, err := NewRelaxation(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rel.Solve(ctx); err != nil {
		t.Fatal(err)
	}
	// Dual pivots: tighten the bounds of fractional basic columns.
	root := rel.Basis()
	for j := range m.Vars {
		if p := rel.s.pos[j]; p >= 0 && rel.s.x[j] > 1 {
			rel.SetBounds(j, 0, rel.s.x[j]/2)
		}
	}
	res, err := rel.Solve(ctx)
	if err != nil || res.Iterations == 0 {
		t.Fatalf("no dual pivots: %v iterations, %v", res.Iterations, err)
	}
	saved := rel.Basis()
	if saved.dweight == nil || slices.Equal(saved.dweight, root.dweight) {
		t.Fatal("the dual pivots left no weights of their own in the saved basis")
	}
	// Away from saved and back: saved is optimal for the current
	// bounds, so the solve from it makes no pivot, and its weights must
	// be the saved ones, not weights started over (all 1).
	rel.SetBasis(root)
	if _, err := rel.Solve(ctx); err != nil {
		t.Fatal(err)
	}
	rel.SetBasis(saved)
	again, err := rel.Solve(ctx)
	if err != nil || again.Status != Optimal || again.Iterations != 0 {
		t.Fatalf("solve from the saved optimal basis: %v after %d iterations (%v)", again.Status, again.Iterations, err)
	}
	if !slices.Equal(rel.s.dweight, saved.dweight) {
		t.Fatal("the solve from the saved basis priced with weights started over")
	}

	// A change of rows starts the weights over.
	if err := rel.AddRows([]Row{{Lo: math.Inf(-1), Hi: 1e6}}, []Coef{{Row: 0, Col: 0, Val: 1}}); err != nil {
		t.Fatal(err)
	}
	if rel.s.dweightsOK {
		t.Fatal("weights kept across AddRows")
	}
	if b := rel.Basis(); b.dweight != nil {
		t.Fatal("a basis saved without valid weights carries weights")
	}
}
