package mip

import (
	"math"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestPruneLimit checks that pruneLimit is the boundary of roundBound's
// pruning: relaxation values just above it round to the cutoff or past
// it, values at it or below stay under the cutoff.
func TestPruneLimit(t *testing.T) {
	integral := &lp.Model{Vars: []lp.Var{{Hi: 9, Obj: 3, Integer: true}, {Lo: 1, Hi: 5, Obj: -2, Integer: true}}, ObjConst: 0.5}
	continuous := &lp.Model{Vars: []lp.Var{{Hi: 9, Obj: 3, Integer: true}, {Hi: 5, Obj: 1}}}
	tests := []struct {
		name   string
		m      *lp.Model
		cutoff float64
		want   float64
	}{
		{"grid, cutoff between grid values", integral, 7.2, 6.5 + 1e-6},
		{"grid, cutoff on a grid value", integral, 7.5, 6.5 + 1e-6},
		{"grid, cutoff just below a grid value", integral, 7.5 - 1e-6, 6.5 + 1e-6},
		{"grid, negative", integral, -3.9, -4.5 + 1e-6},
		{"no grid", continuous, 7.2, 7.2},
		{"no incumbent", integral, math.Inf(1), math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := newProblem(tt.m, DefaultIntTol)
			if !ok {
				t.Fatal("newProblem: inconsistent bounds")
			}
			got := p.pruneLimit(tt.cutoff)
			if math.Abs(got-tt.want) > 1e-9 && got != tt.want {
				t.Fatalf("pruneLimit(%v) = %v, want %v", tt.cutoff, got, tt.want)
			}
			if math.IsInf(got, 0) {
				return
			}
			// The boundary: just above it prunes, at it does not.
			if z := p.roundBound(got + 1e-7); z < tt.cutoff {
				t.Errorf("value %v above the limit rounds to %v, below the cutoff %v", got+1e-7, z, tt.cutoff)
			}
			if z := p.roundBound(got - 1e-7); z >= tt.cutoff {
				t.Errorf("value %v below the limit rounds to %v, not below the cutoff %v", got-1e-7, z, tt.cutoff)
			}
		})
	}
}
