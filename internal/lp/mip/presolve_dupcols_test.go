package mip

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestDuplicateColumns checks the merges and the fixing of duplicate
// columns on a hand-made model and the postsolved optimum. b merges into
// a (a + b in [1, +Inf)), c, dearer than a which has no upper bound, is
// fixed at 0, and e merges into d (d + e in [0, 10], integer). With
// s = a + b and t = d + e, minimising s + 3t subject to s + 2t >= 9.5 and
// s - t <= 2 gives t = 3, s = 3.5: 12.5, split as a = 2.5, b = 1, d = 3,
// e = 0.
func TestDuplicateColumns(t *testing.T) {
	m := build([]lp.Var{
		{Name: "a", Hi: inf, Obj: 1}, {Name: "b", Lo: 1, Hi: 3, Obj: 1}, {Name: "c", Hi: 4, Obj: 2},
		{Name: "d", Hi: 5, Obj: 3, Integer: true}, {Name: "e", Hi: 5, Obj: 3, Integer: true},
	},
		row{9.5, inf, map[int]float64{0: 1, 1: 1, 2: 1, 3: 2, 4: 2}},
		row{-inf, 2, map[int]float64{0: 1, 1: 1, 2: 1, 3: -1, 4: -1}})
	ps := presolve(m)
	if ps == nil || ps.red == nil {
		t.Fatalf("presolve = %+v, want a reduced model", ps)
	}
	want := []colSplit{{j: 0, k: 1, loJ: 0, hiJ: inf, refK: 1}, {j: 3, k: 4, loJ: 0, hiJ: 5, refK: 0}}
	if len(ps.splits) != len(want) || ps.splits[0] != want[0] || ps.splits[1] != want[1] {
		t.Fatalf("splits %+v, want %+v", ps.splits, want)
	}
	if lo, hi := bounds(ps, 2); lo != 0 || hi != 0 {
		t.Errorf("c in [%v, %v], want fixed at 0", lo, hi)
	}
	if lo, hi := bounds(ps, 3); lo != 0 || hi > 10 {
		t.Errorf("d + e in [%v, %v], want within [0, 10]", lo, hi)
	}
	res, err := Solve(context.Background(), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.Optimal || math.Abs(res.Objective-12.5) > 1e-9 {
		t.Fatalf("result %s %v, want optimal 12.5", res.Status, res.Objective)
	}
	wantX := []float64{2.5, 1, 0, 3, 0}
	for j, v := range wantX {
		if math.Abs(res.X[j]-v) > 1e-9 {
			t.Fatalf("point %v, want %v", res.X, wantX)
		}
	}
	if err := CheckSolution(m, res.X, 1e-9); err != nil {
		t.Error(err)
	}
}

// TestDuplicateColumnsKept checks the duplicates presolve must leave:
// integer columns whose bound sums would not be exact, columns of
// different types, and dearer and cheaper columns both bounded.
func TestDuplicateColumnsKept(t *testing.T) {
	tests := []struct {
		name string
		vars []lp.Var
	}{
		{"huge integer bounds", []lp.Var{integer("x", 0, 1e15), integer("y", 0, 1e15)}},
		{"different types", []lp.Var{integer("x", 0, 5), cont("y", 0, 5)}},
		{"both bounded", []lp.Var{{Name: "x", Hi: 5, Obj: 1}, {Name: "y", Hi: 5, Obj: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(tt.vars, row{3, inf, map[int]float64{0: 1, 1: 1}}, row{-inf, 7, map[int]float64{0: 2, 1: 2}})
			p := newPre(m)
			p.mergeDuplicateCols()
			if len(p.splits) != 0 || p.colGone[1] || p.lo[0] != p.m.Vars[0].Lo || p.hi[0] != p.m.Vars[0].Hi ||
				p.lo[1] != p.m.Vars[1].Lo || p.hi[1] != p.m.Vars[1].Hi {
				t.Errorf("columns changed: splits %v, bounds %v %v", p.splits, p.lo, p.hi)
			}
		})
	}
}

// TestDuplicateColumnsRandom solves random models with duplicated columns
// (some with the same objective, some dearer or cheaper, with various
// bounds) with and without presolve and compares the optima, and checks
// the postsolved points.
func TestDuplicateColumnsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 29))
	merged := 0
	for k := range 400 {
		m := randomModel(rng)
		n := len(m.Vars)
		for range 1 + rng.IntN(3) {
			j := rng.IntN(n)
			v := m.Vars[j]
			v.Name += "dup"
			switch rng.IntN(3) {
			case 0:
				v.Obj += float64(rng.IntN(3) - 1)
			case 1:
				v.Lo, v.Hi = v.Lo-float64(rng.IntN(2)), v.Hi+float64(rng.IntN(3))
			}
			if rng.IntN(4) == 0 {
				v.Hi = inf
			}
			col := len(m.Vars)
			m.Vars = append(m.Vars, v)
			for _, c := range m.Coefs {
				if c.Col == j {
					m.Coefs = append(m.Coefs, lp.Coef{Row: c.Row, Col: col, Val: c.Val})
				}
			}
		}
		if ps := presolve(m); ps != nil {
			merged += len(ps.splits)
		}
		checkPresolveAgrees(t, k, m, true)
	}
	if merged < 20 {
		t.Fatalf("only %d columns merged", merged)
	}
	t.Logf("%d columns merged", merged)
}
