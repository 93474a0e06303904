package lp_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// cutRound is a set of rows added to a Relaxation between two solves,
// with the status the solve after it must report.
type cutRound struct {
	rows  []lp.Row
	coefs []lp.Coef // Row indexes rows
	want  lp.Status
}

// TestRelaxationCutRoundsInfeasible replays two rounds of cutting planes
// derived from the optimal tableaux of a 7-variable integer model with a
// fixed variable (xc) and an equality row. The cuts' coefficients carry
// rounding errors of order 1e-9, so after the second round the pivot row
// of the dual simplex proving infeasibility holds one entry of 3e-9 that
// is an error around a zero. Pivoting on it made the basis numerically
// singular; the factorisation then repaired it back to an earlier basis and
// the dual simplex went round the same cycle until its iteration limit.
// The warm solves must agree with cold solves of the same programs, in
// few iterations.
func TestRelaxationCutRoundsInfeasible(t *testing.T) {
	inf := math.Inf(1)
	m := &lp.Model{
		Name:  "cut rounds",
		Sense: lp.Maximize,
		Vars: []lp.Var{
			{Name: "xa", Lo: -3, Hi: 1, Obj: 2}, {Name: "xb", Lo: 0, Hi: 1, Obj: 3},
			{Name: "xc", Lo: 0, Hi: 0, Obj: 5}, {Name: "xd", Lo: 0, Hi: 1, Obj: 1},
			{Name: "xe", Lo: 0, Hi: 1, Obj: 1}, {Name: "xf", Lo: 0, Hi: 1, Obj: -5},
			{Name: "xg", Lo: 0, Hi: 1, Obj: -3},
		},
		Rows: []lp.Row{{Lo: 4, Hi: 4}, {Lo: -1, Hi: inf}, {Lo: 5, Hi: 8}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 2}, {Row: 0, Col: 4, Val: 4},
			{Row: 1, Col: 0, Val: 3}, {Row: 1, Col: 1, Val: -2}, {Row: 1, Col: 2, Val: -3},
			{Row: 1, Col: 3, Val: 1}, {Row: 1, Col: 6, Val: 3},
			{Row: 2, Col: 0, Val: -2}, {Row: 2, Col: 1, Val: 4}, {Row: 2, Col: 4, Val: -3},
			{Row: 2, Col: 6, Val: 4},
		},
	}
	rounds := []cutRound{
		{
			rows: []lp.Row{{Lo: -9.999998889776976e-10, Hi: inf}, {Lo: 3.999999996, Hi: inf}},
			coefs: []lp.Coef{
				{Row: 0, Col: 0, Val: -0.3333333333333333}, {Row: 0, Col: 1, Val: -0.6666666666666666},
				{Row: 1, Col: 0, Val: -1.9333333333333333}, {Row: 1, Col: 1, Val: 2.5333333333333337},
				{Row: 1, Col: 4, Val: -2.4000000000000004}, {Row: 1, Col: 6, Val: 3.2},
			},
			want: lp.Optimal,
		},
		{
			rows: []lp.Row{{Lo: 1.3749999987480475, Hi: inf}, {Lo: -0.3750000004257813, Hi: inf}, {Lo: 3.9999999749999975, Hi: inf}},
			coefs: []lp.Coef{
				{Row: 0, Col: 0, Val: -0.36718750031915304}, {Row: 0, Col: 1, Val: -0.7343749971929932},
				{Row: 0, Col: 2, Val: -0.3749999994462891}, {Row: 0, Col: 4, Val: -0.37500000073828144},
				{Row: 0, Col: 6, Val: 0.8750000004306644},
				{Row: 1, Col: 0, Val: 2.2395833299039714}, {Row: 1, Col: 1, Val: -2.520833329473308},
				{Row: 1, Col: 2, Val: -2.99999999540625}, {Row: 1, Col: 4, Val: -0.3749999994257812},
				{Row: 1, Col: 6, Val: 3.4999999946406253},
				{Row: 2, Col: 0, Val: -0.7499999960624997}, {Row: 2, Col: 1, Val: -1.4999999921249996},
				{Row: 2, Col: 2, Val: -2.9999999842499965}, {Row: 2, Col: 4, Val: -2.9999999842499965},
				{Row: 2, Col: 6, Val: 6.999999963249992},
			},
			want: lp.Infeasible,
		},
	}
	ctx := context.Background()
	rel, err := lp.NewRelaxation(m, lp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := rel.Solve(ctx); err != nil || res.Status != lp.Optimal {
		t.Fatalf("first solve: %v %v", res, err)
	}
	big := *m
	for k, round := range rounds {
		if err := rel.AddRows(round.rows, round.coefs); err != nil {
			t.Fatal(err)
		}
		big.Coefs = slices.Clip(big.Coefs)
		for _, c := range round.coefs {
			big.Coefs = append(big.Coefs, lp.Coef{Row: len(big.Rows) + c.Row, Col: c.Col, Val: c.Val})
		}
		big.Rows = append(slices.Clip(big.Rows), round.rows...)
		warm, err := rel.Solve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cold, err := lp.Solve(ctx, &big, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if warm.Status != round.want || cold.Status != round.want {
			t.Fatalf("round %d: warm %s, cold %s, want %s", k, warm.Status, cold.Status, round.want)
		}
		if warm.Iterations > 20 {
			t.Errorf("round %d: %d iterations of the warm solve, want a few", k, warm.Iterations)
		}
		if round.want == lp.Optimal {
			if !near(warm.Objective, cold.Objective, 1e-7) {
				t.Fatalf("round %d: warm objective %.10g, cold %.10g", k, warm.Objective, cold.Objective)
			}
			checkKKT(t, &big, warm, 1e-7)
		}
	}
}
