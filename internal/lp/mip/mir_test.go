package mip

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// randomFixedCharge returns a random fixed-charge model: continuous flows
// f_j <= u_j·y_j on binaries y_j, rows mixing the flows, the binaries and
// a general integer and a continuous supply, as in network design models.
func randomFixedCharge(rng *rand.Rand, n int) *lp.Model {
	m := &lp.Model{Name: "fixed-charge"}
	for j := range n {
		m.Vars = append(m.Vars, lp.Var{Hi: 10, Obj: float64(1 + rng.IntN(5))})
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(5 + rng.IntN(20)), Integer: true})
		row := len(m.Rows)
		m.Rows = append(m.Rows, lp.Row{Lo: math.Inf(-1), Hi: 0})
		m.Coefs = append(m.Coefs,
			lp.Coef{Row: row, Col: 2 * j, Val: 1},
			lp.Coef{Row: row, Col: 2*j + 1, Val: -float64(3 + rng.IntN(8))})
	}
	g := len(m.Vars)
	m.Vars = append(m.Vars, lp.Var{Hi: 3, Obj: 4, Integer: true})
	// A bought supply without a fixed charge, on the first row.
	m.Vars = append(m.Vars, lp.Var{Hi: 4, Obj: float64(2 + rng.IntN(8))})
	m.Coefs = append(m.Coefs, lp.Coef{Row: len(m.Rows) + 1, Col: g + 1, Val: 1})
	// The supply shares a capacity with the first flow, which lets
	// aggregation eliminate it.
	m.Rows = append(m.Rows, lp.Row{Lo: 1, Hi: float64(4 + rng.IntN(4))})
	m.Coefs = append(m.Coefs, lp.Coef{Row: len(m.Rows) - 1, Col: g + 1, Val: 1}, lp.Coef{Row: len(m.Rows) - 1, Col: 0, Val: 1})
	for range 2 {
		row := len(m.Rows)
		m.Rows = append(m.Rows, lp.Row{Lo: float64(5 + rng.IntN(10)), Hi: math.Inf(1)})
		for j := range n {
			if rng.IntN(3) > 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: 2 * j, Val: float64(1 + rng.IntN(3))})
			}
		}
		m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: g, Val: float64(1 + rng.IntN(4))})
	}
	return m
}

// TestMIRAndCoverCutsValid checks every rounding and cover cut of random
// fixed-charge and binary models at their root relaxation: for each
// assignment of the integer variables that leaves a feasible continuous
// part, the least activity of the cut over that part (a linear program)
// must reach the cut's right-hand side.
func TestMIRAndCoverCutsValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	total := 0
	for k := range 40 {
		var m *lp.Model
		if k%2 == 0 {
			m = randomFixedCharge(rng, 3+rng.IntN(3))
		} else {
			m = randomBinary(rng, 6+rng.IntN(5), 2+rng.IntN(3), 10)
		}
		s, root := solvedRoot(t, m)
		if root == nil {
			continue
		}
		s.cuts = s.p.newCutRows()
		cuts := append(s.mirCuts(root.X), s.coverCuts(root.X)...)
		total += len(cuts)
		for _, c := range cuts {
			checkCutValid(t, m, s.p.ints, c)
		}
	}
	if total < 10 {
		t.Fatalf("only %d cuts made", total)
	}
	t.Logf("%d cuts checked", total)
}

// checkCutValid checks c against every assignment of the integer
// variables ints of m (their ranges must be small).
func checkCutValid(t *testing.T, m *lp.Model, ints []int, c cut) {
	t.Helper()
	coef := c.dense(len(m.Vars))
	vals := make([]float64, len(ints))
	for j, col := range ints {
		vals[j] = m.Vars[col].Lo
	}
	for {
		fixed := *m
		fixed.Vars = append([]lp.Var(nil), m.Vars...)
		for j, col := range ints {
			fixed.Vars[col].Lo, fixed.Vars[col].Hi = vals[j], vals[j]
		}
		fixed.Sense = lp.Minimize
		for j := range fixed.Vars {
			fixed.Vars[j].Obj = coef[j]
		}
		res, err := lp.Solve(context.Background(), &fixed, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status == lp.Optimal && res.Objective < c.rhs-1e-7*(1+math.Abs(c.rhs)) {
			t.Fatalf("cut %v >= %v: %v at the feasible point %v", coef, c.rhs, res.Objective, res.X)
		}
		// Next assignment.
		j := 0
		for ; j < len(ints); j++ {
			if vals[j] < m.Vars[ints[j]].Hi {
				vals[j]++
				break
			}
			vals[j] = m.Vars[ints[j]].Lo
		}
		if j == len(ints) {
			return
		}
	}
}
