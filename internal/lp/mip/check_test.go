package mip_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// checkModel is 0 <= x0 <= 4 integer, y >= -1 continuous, free z with
// rows 1 <= x0 + y <= 3 (r0) and x0 - z = 0 (r1).
func checkModel() *lp.Model {
	return &lp.Model{
		Vars: []lp.Var{
			{Name: "x0", Lo: 0, Hi: 4, Integer: true},
			{Name: "y", Lo: -1, Hi: math.Inf(1)},
			{Name: "z", Lo: math.Inf(-1), Hi: math.Inf(1)},
		},
		Rows: []lp.Row{{Name: "r0", Lo: 1, Hi: 3}, {Name: "r1", Lo: 0, Hi: 0}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 2, Val: -1},
		},
	}
}

func TestCheckSolution(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		x    []float64
		want string // "" for a feasible point, else a part of the error
	}{
		{"feasible", []float64{2, 0.5, 2}, ""},
		{"within tolerance", []float64{2 + 5e-7, -1 - 1e-6, 2}, ""},
		{"integer within tolerance", []float64{1 - 1e-7, 0, 1}, ""},
		{"at the row bounds", []float64{4, -1, 4}, ""},
		{"fractional integer", []float64{1.5, 0, 1.5}, "integer variable x0 = 1.5 is fractional"},
		{"below a lower bound", []float64{1, -1.5, 1}, "variable y = -1.5 below its lower bound -1"},
		{"above an upper bound", []float64{5, -3, 5}, "variable x0 = 5 above its upper bound 4"},
		{"row below", []float64{0, 0.5, 0}, "row r0 activity 0.5 below its lower bound 1"},
		{"row above", []float64{3, 1, 3}, "row r0 activity 4 above its upper bound 3"},
		{"equality row", []float64{2, 0, 2.01}, "row r1 activity -0.01 below its lower bound 0"},
		{"not finite", []float64{2, nan, 2}, "variable y = NaN is not finite"},
		{"too short", []float64{2, 0}, "2 values for 3 variables"},
		{"counts every violation", []float64{7.5, -9, 0}, "4 violations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mip.CheckSolution(checkModel(), tc.x, 1e-6)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckSolution(%v) = %v, want nil", tc.x, err)
				}
				return
			}
			if !errors.Is(err, mip.ErrInfeasiblePoint) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckSolution(%v) = %v, want an ErrInfeasiblePoint naming %q", tc.x, err, tc.want)
			}
		})
	}
}

func TestCheckSolutionListsFewViolations(t *testing.T) {
	m := &lp.Model{}
	x := make([]float64, 20)
	for j := range x {
		m.Vars = append(m.Vars, lp.Var{Name: "v", Hi: 1, Integer: true})
		x[j] = 0.5
	}
	err := mip.CheckSolution(m, x, 1e-6)
	if err == nil || !strings.Contains(err.Error(), "20 violations") || !strings.HasSuffix(err.Error(), "and 15 more") {
		t.Fatalf("CheckSolution = %v, want 20 violations, 5 named", err)
	}
}

func TestCheckSolutionNilModel(t *testing.T) {
	if err := mip.CheckSolution(nil, nil, 1e-6); err == nil {
		t.Fatal("CheckSolution(nil) = nil, want an error")
	}
}
