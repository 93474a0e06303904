package lp_test

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpdata"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
)

const dataDir = "../../../shared/data/lp"

// netlibAnswers reads the LP rows of answers.csv, skipping the test when
// the shared data is not available.
func netlibAnswers(tb testing.TB) []lpdata.Answer { return readAnswers(tb, "LP") }

// readAnswers reads the rows of answers.csv of the given kind.
func readAnswers(tb testing.TB, kind string) []lpdata.Answer {
	tb.Helper()
	all, err := lpdata.Read(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("test data not available: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var out []lpdata.Answer
	for _, a := range all {
		if a.Kind != kind {
			continue
		}
		out = append(out, a)
	}
	return out
}

func relErr(got, want float64) float64 {
	return math.Abs(got-want) / max(1, math.Abs(want))
}

func TestNetlib(t *testing.T) {
	for _, opts := range []lp.Options{
		{Method: lp.MethodPrimal, Pricing: lp.PricingSteepestEdge},
		{Method: lp.MethodPrimal, Pricing: lp.PricingDevex},
		{Method: lp.MethodDual},
	} {
		name := opts.Method.String()
		if opts.Method == lp.MethodPrimal {
			name += "-" + opts.Pricing.String()
		}
		t.Run(name, func(t *testing.T) { testNetlib(t, opts) })
	}
}

func testNetlib(t *testing.T, opts lp.Options) {
	for _, a := range netlibAnswers(t) {
		name := a.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := modelfile.Read(filepath.Join(dataDir, a.File))
			if err != nil {
				t.Fatal(err)
			}
			res, err := lp.Solve(context.Background(), m, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != lp.Optimal {
				t.Fatalf("status %s after %d iterations, want optimal", res.Status, res.Iterations)
			}
			if e := relErr(res.Objective, a.Optimum); e > 1e-6 {
				t.Fatalf("objective %.10g, want %.10g (relative error %.2g)", res.Objective, a.Optimum, e)
			}
			checkKKT(t, m, res, 1e-6)
			t.Logf("%d iterations", res.Iterations)
		})
	}
}

// TestMiplibRelaxations solves the LP relaxations of the MIPLIB models
// (integrality ignored): they must be optimal, satisfy the optimality
// conditions and bound the integer optimum from below.
func TestMiplibRelaxations(t *testing.T) {
	for _, a := range readAnswers(t, "MIP") {
		name := a.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := modelfile.Read(filepath.Join(dataDir, a.File))
			if err != nil {
				t.Fatal(err)
			}
			for _, method := range []lp.Method{lp.MethodPrimal, lp.MethodDual} {
				res, err := lp.Solve(context.Background(), m, lp.Options{Method: method})
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != lp.Optimal {
					t.Fatalf("%s: status %s", method, res.Status)
				}
				if res.Objective > a.Optimum+1e-6*max(1, math.Abs(a.Optimum)) {
					t.Errorf("%s: relaxation %.10g above the integer optimum %.10g", method, res.Objective, a.Optimum)
				}
				checkKKT(t, m, res, 1e-6)
			}
		})
	}
}

// checkKKT verifies primal feasibility, dual sign conditions and
// complementary slackness of an optimal result.
func checkKKT(t *testing.T, m *lp.Model, res *lp.Result, tol float64) {
	t.Helper()
	sign := 1.0 // reduced costs/duals of a minimisation
	if m.Sense == lp.Maximize {
		sign = -1
	}
	scale := func(v float64) float64 { return tol * max(1, math.Abs(v)) }
	for j, v := range m.Vars {
		x := res.X[j]
		if x < v.Lo-scale(v.Lo) || x > v.Hi+scale(v.Hi) {
			t.Errorf("var %s = %g outside [%g, %g]", v.Name, x, v.Lo, v.Hi)
		}
	}
	for i, r := range m.Rows {
		ax := res.RowActivity[i]
		if ax < r.Lo-scale(r.Lo) || ax > r.Hi+scale(r.Hi) {
			t.Errorf("row %s = %g outside [%g, %g]", r.Name, ax, r.Lo, r.Hi)
		}
	}
	// Reduced costs c - Aᵀy must match the duals.
	d := make([]float64, len(m.Vars))
	for j, v := range m.Vars {
		d[j] = v.Obj
	}
	for _, c := range m.Coefs {
		d[c.Col] -= c.Val * res.RowDual[c.Row]
	}
	dtol := 1e-5
	for j, v := range m.Vars {
		if math.Abs(d[j]-res.ReducedCost[j]) > dtol*max(1, math.Abs(v.Obj)) {
			t.Errorf("var %s: reduced cost %g, c - Aᵀy = %g", v.Name, res.ReducedCost[j], d[j])
			break
		}
	}
	// Dual feasibility / complementary slackness (minimisation signs).
	for j, v := range m.Vars {
		dj := sign * res.ReducedCost[j]
		x := res.X[j]
		atLo := x <= v.Lo+scale(v.Lo)
		atHi := x >= v.Hi-scale(v.Hi)
		if (dj > dtol && !atLo) || (dj < -dtol && !atHi) {
			t.Errorf("var %s = %g in [%g, %g] has reduced cost %g", v.Name, x, v.Lo, v.Hi, res.ReducedCost[j])
			break
		}
	}
	for i, r := range m.Rows {
		yi := sign * res.RowDual[i]
		ax := res.RowActivity[i]
		atLo := ax <= r.Lo+scale(r.Lo)
		atHi := ax >= r.Hi-scale(r.Hi)
		if (yi > dtol && !atLo) || (yi < -dtol && !atHi) {
			t.Errorf("row %s = %g in [%g, %g] has dual %g", r.Name, ax, r.Lo, r.Hi, res.RowDual[i])
			break
		}
	}
}
