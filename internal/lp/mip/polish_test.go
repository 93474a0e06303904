package mip

import (
	"context"
	"math"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestPolish offers points whose continuous part is slightly off and
// checks what polish makes of them: the optimal continuous part for the
// rounded integers when that program is feasible, the point unchanged
// otherwise.
func TestPolish(t *testing.T) {
	// minimise i + y subject to y - i >= 0.3, y <= 2.5, i integer in [0, 3].
	m := &lp.Model{
		Name: "polish",
		Vars: []lp.Var{
			{Name: "i", Hi: 3, Obj: 1, Integer: true},
			{Name: "y", Hi: 10, Obj: 1},
		},
		Rows: []lp.Row{{Name: "r", Lo: 0.3, Hi: math.Inf(1)}, {Name: "cap", Lo: math.Inf(-1), Hi: 2.5}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: -1}, {Row: 0, Col: 1, Val: 1},
			{Row: 1, Col: 1, Val: 1},
		},
	}
	tests := []struct {
		name string
		x    []float64
		want []float64
	}{
		{"row passed by the simplex tolerance", []float64{1, 1.2999985}, []float64{1, 1.3}},
		{"continuous part not optimal", []float64{0, 2}, []float64{0, 0.3}},
		{"integer value off by the integrality tolerance", []float64{1 + 4e-7, 1.5}, []float64{1, 1.3}},
		{"no continuous part fits the integers", []float64{3, 3.3}, []float64{3, 3.3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok, err := newSearch(context.Background(), m, Options{}.withDefaults())
			if err != nil || !ok {
				t.Fatalf("newSearch: %v %v", ok, err)
			}
			got := s.polish(append([]float64(nil), tt.x...))
			for j := range got {
				if math.Abs(got[j]-tt.want[j]) > 1e-12 {
					t.Fatalf("polish(%v) = %v, want %v", tt.x, got, tt.want)
				}
			}
		})
	}
}

// TestPolishKeepsIncumbentsExact offers a point through the search and
// checks that the incumbent is the polished one.
func TestPolishKeepsIncumbentsExact(t *testing.T) {
	m := &lp.Model{
		Vars: []lp.Var{{Hi: 3, Obj: 1, Integer: true}, {Hi: 10, Obj: 1}},
		Rows: []lp.Row{{Lo: 0.3, Hi: math.Inf(1)}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: -1}, {Row: 0, Col: 1, Val: 1},
		},
	}
	s, ok, err := newSearch(context.Background(), m, Options{}.withDefaults())
	if err != nil || !ok {
		t.Fatalf("newSearch: %v %v", ok, err)
	}
	s.offer([]float64{1, 1.2999985}, 0)
	if s.incX == nil || s.incX[1] != 1.3 || s.inc != 2.3 {
		t.Fatalf("incumbent %v of value %v, want [1 1.3] of value 2.3", s.incX, s.inc)
	}
	if err := CheckSolution(m, s.incX, 1e-12); err != nil {
		t.Fatal(err)
	}
}
