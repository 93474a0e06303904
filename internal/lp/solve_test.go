package lp

import (
	"context"
	"math"
	"testing"
)

// wyndor is the Wyndor Glass example of Hillier and Lieberman.
func wyndor(wObj float64) *Model {
	inf := math.Inf(1)
	return &Model{
		Name:  "wyndor",
		Sense: Maximize,
		Vars: []Var{
			{Name: "D", Hi: inf, Obj: 300},
			{Name: "W", Hi: inf, Obj: wObj},
		},
		Rows: []Row{
			{Name: "plant1", Lo: -inf, Hi: 4},
			{Name: "plant2", Lo: -inf, Hi: 12},
			{Name: "plant3", Lo: -inf, Hi: 18},
		},
		Coefs: []Coef{
			{Row: 0, Col: 0, Val: 1},
			{Row: 1, Col: 1, Val: 2},
			{Row: 2, Col: 0, Val: 3},
			{Row: 2, Col: 1, Val: 2},
		},
	}
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func solveOK(t *testing.T, m *Model) *Result {
	t.Helper()
	res, err := Solve(context.Background(), m, Options{})
	if err != nil {
		t.Fatalf("Solve(%s): %v", m.Name, err)
	}
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
	res := solveOK(t, wyndor(500))
	if res.Status != Optimal || !near(res.Objective, 3600, 1e-9) {
		t.Fatalf("status %s objective %v, want optimal 3600", res.Status, res.Objective)
	}
	checkVec(t, "X", res.X, []float64{2, 6})
	checkVec(t, "RowDual", res.RowDual, []float64{0, 150, 100})
	checkVec(t, "RowActivity", res.RowActivity, []float64{2, 12, 18})
	checkVec(t, "ReducedCost", res.ReducedCost, []float64{0, 0})

	res = solveOK(t, wyndor(100))
	if res.Status != Optimal || !near(res.Objective, 1500, 1e-9) {
		t.Fatalf("status %s objective %v, want optimal 1500", res.Status, res.Objective)
	}
	checkVec(t, "X", res.X, []float64{4, 3})
}
