package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSetBasisSwitch solves a boxed program under random bound changes
// from saved bases, as a branch-and-bound search does, and checks each
// solve against one that factorises the saved basis afresh: SetBasis
// that switches the factors by updates (switch.go) must give the same
// basic variables, dual weights (by variable), status and objective. It
// also checks that both ways were taken.
func TestSetBasisSwitch(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 21))
	m := randomBoxed(rng, 40, 16)
	ctx := context.Background()
	rel, err := NewRelaxation(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := NewRelaxation(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Relaxation{rel, ref} {
		if _, err := r.Solve(ctx); err != nil {
			t.Fatal(err)
		}
	}
	saved := []*Basis{rel.Basis()}
	switched, afresh := 0, 0
	for step := range 300 {
		b := saved[rng.IntN(len(saved))]
		j := rng.IntN(len(m.Vars))
		lo, hi := 0.0, float64(rng.IntN(2+j%4))
		rel.SetBounds(j, lo, hi)
		ref.SetBounds(j, lo, hi)

		rel.SetBasis(b)
		if rel.s.factored {
			switched++
		} else {
			afresh++
		}
		for p, v := range b.head {
			q := rel.s.pos[v]
			if q < 0 {
				t.Fatalf("step %d: variable %d of the saved basis is not basic", step, v)
			}
			if len(b.dweight) > 0 && rel.s.dweight[q] != b.dweight[p] {
				t.Fatalf("step %d: variable %d has dual weight %g, the saved basis %g", step, v, rel.s.dweight[q], b.dweight[p])
			}
		}
		ref.s.factored = false // ref factorises b afresh
		ref.SetBasis(b)
		if ref.s.factored {
			t.Fatalf("step %d: the reference kept its factors", step)
		}
		got, err := rel.Solve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Solve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want.Status || (want.Status == Optimal && math.Abs(got.Objective-want.Objective) > 1e-9*(1+math.Abs(want.Objective))) {
			t.Fatalf("step %d: switched %v %.12g, afresh %v %.12g", step, got.Status, got.Objective, want.Status, want.Objective)
		}
		if got.Status == Optimal && rng.IntN(3) == 0 {
			saved = append(saved, rel.Basis())
		}
		if rng.IntN(10) == 0 { // back to the full box
			for k := range m.Vars {
				rel.SetBounds(k, 0, m.Vars[k].Hi)
				ref.SetBounds(k, 0, m.Vars[k].Hi)
			}
		}
	}
	if switched == 0 || afresh == 0 {
		t.Errorf("SetBasis switched the factors %d times and factorised afresh %d times: want both", switched, afresh)
	}
	t.Logf("switched %d, afresh %d", switched, afresh)
}
