package mip

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

func TestPropagateIntRow(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name     string
		row      []entry
		rlo, rhi float64
		integer  []bool
		lo, hi   []float64
		wantLo   []float64
		wantHi   []float64
		wantOK   bool
	}{
		{
			name: "knapsack fixes the heavy item",
			row:  []entry{{0, 5}, {1, 3}, {2, 3}}, rlo: -inf, rhi: 7,
			integer: []bool{true, true, true},
			lo:      []float64{0, 1, 0}, hi: []float64{1, 1, 1},
			wantLo: []float64{0, 1, 0}, wantHi: []float64{0, 1, 1}, wantOK: true,
		},
		{
			name: "equality forces the last binary up",
			row:  []entry{{0, 1}, {1, 1}, {2, 1}}, rlo: 1, rhi: 1,
			integer: []bool{true, true, true},
			lo:      []float64{0, 0, 0}, hi: []float64{0, 0, 1},
			wantLo: []float64{0, 0, 1}, wantHi: []float64{0, 0, 1}, wantOK: true,
		},
		{
			name: "general integer rounded down",
			row:  []entry{{0, 2}, {1, -1}}, rlo: -inf, rhi: 7,
			integer: []bool{true, false},
			lo:      []float64{0, 0}, hi: []float64{10, 2},
			wantLo: []float64{0, 0}, wantHi: []float64{4, 2}, wantOK: true,
		},
		{
			name: "continuous columns keep their bounds",
			row:  []entry{{0, 1}, {1, 1}}, rlo: -inf, rhi: 3,
			integer: []bool{true, false},
			lo:      []float64{0, 0}, hi: []float64{10, 10},
			wantLo: []float64{0, 0}, wantHi: []float64{3, 10}, wantOK: true,
		},
		{
			name: "an unbounded column implies nothing for the others",
			row:  []entry{{0, 1}, {1, -1}}, rlo: -inf, rhi: 3,
			integer: []bool{true, true},
			lo:      []float64{0, 0}, hi: []float64{10, inf},
			wantLo: []float64{0, 0}, wantHi: []float64{10, inf}, wantOK: true,
		},
		{
			name: "cover of a row proves infeasibility",
			row:  []entry{{0, 4}, {1, 4}}, rlo: 9, rhi: inf,
			integer: []bool{true, true},
			lo:      []float64{0, 0}, hi: []float64{1, 1},
			wantOK: false,
		},
		{
			name: "a rounding gap proves infeasibility",
			row:  []entry{{0, 2}}, rlo: 1, rhi: 1,
			integer: []bool{true},
			lo:      []float64{0}, hi: []float64{3},
			wantOK: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := slices.Clone(tt.lo), slices.Clone(tt.hi)
			_, ok := propagateIntRow(tt.row, tt.rlo, tt.rhi, tt.integer, lo, hi, nil)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v (bounds %v %v)", ok, tt.wantOK, lo, hi)
			}
			if ok && (!slices.Equal(lo, tt.wantLo) || !slices.Equal(hi, tt.wantHi)) {
				t.Errorf("bounds %v %v, want %v %v", lo, hi, tt.wantLo, tt.wantHi)
			}
		})
	}
}

// TestNodePropagationValid checks node propagation on random models of
// small general integers against enumeration: for random branching
// bounds, every integer point of the node that satisfies the rows lies
// within the propagated bounds, and a node propagation declares
// infeasible has no such point.
func TestNodePropagationValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	pruned, tightened := 0, 0
	for trial := range 300 {
		n, rows := 4+rng.IntN(3), 1+rng.IntN(3)
		m := &lp.Model{Name: "random"}
		for j := range n {
			m.Vars = append(m.Vars, lp.Var{Hi: float64(1 + rng.IntN(3)), Integer: true})
			for i := range rows {
				if rng.IntN(4) > 0 {
					m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: float64(rng.IntN(13) - 4)})
				}
			}
		}
		for range rows {
			lo, hi := math.Inf(-1), float64(rng.IntN(12))
			switch rng.IntN(3) {
			case 0:
				lo = hi - float64(rng.IntN(3))
			case 1:
				lo, hi = float64(rng.IntN(8)), math.Inf(1)
			}
			m.Rows = append(m.Rows, lp.Row{Lo: lo, Hi: hi})
		}
		p, _ := newProblem(m, DefaultIntTol)
		pr := newPropagator(p, nil)
		if pr == nil {
			continue
		}
		// A node: one or two columns branched.
		lo, hi := slices.Clone(p.lo), slices.Clone(p.hi)
		var changes []boundChange
		for range 1 + rng.IntN(2) {
			j := rng.IntN(n)
			v := lo[j] + float64(rng.IntN(int(hi[j]-lo[j])+1))
			c := boundChange{col: j, lo: math.Inf(-1), hi: v}
			if rng.IntN(2) == 0 {
				c = boundChange{col: j, lo: v, hi: math.Inf(1)}
			}
			lo[j], hi[j] = max(lo[j], c.lo), min(hi[j], c.hi)
			changes = append(changes, c)
		}
		nodeLo, nodeHi := slices.Clone(lo), slices.Clone(hi)
		implied, ok := pr.propagate(pr.newScratch(), changes, lo, hi)
		feasible := false
		forEachPoint(nodeLo, nodeHi, func(x []float64) {
			if !p.feasible(x, 1e-9) {
				return
			}
			feasible = true
			for j := range x {
				if x[j] < lo[j] || x[j] > hi[j] {
					t.Fatalf("trial %d: point %v of the node is outside the propagated bounds %v %v", trial, x, lo, hi)
				}
			}
		})
		if !ok {
			pruned++
			if feasible {
				t.Fatalf("trial %d: propagation declares a node with feasible points infeasible", trial)
			}
			continue
		}
		for _, c := range implied {
			if lo[c.col] != c.lo || hi[c.col] != c.hi {
				t.Fatalf("trial %d: implied change %+v, bounds are [%g, %g]", trial, c, lo[c.col], hi[c.col])
			}
		}
		if len(implied) > 0 {
			tightened++
		}
	}
	if pruned == 0 || tightened == 0 {
		t.Fatalf("propagation pruned %d nodes and tightened %d: the test exercises too little", pruned, tightened)
	}
}

// forEachPoint calls f with every integer point of the box [lo, hi].
func forEachPoint(lo, hi []float64, f func(x []float64)) {
	x := slices.Clone(lo)
	for {
		f(x)
		j := 0
		for ; j < len(x); j++ {
			if x[j] < hi[j] {
				x[j]++
				break
			}
			x[j] = lo[j]
		}
		if j == len(x) {
			return
		}
	}
}

// TestQuietRowsImplyNothing checks the filter of propagateIntRow on
// random rows of small integers: whenever it finds both sides of a row
// quiet, the full pass (tightenIntRow) leaves every bound as it is, and
// the rows it lets through include some that it tightens.
func TestQuietRowsImplyNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	inf := math.Inf(1)
	quiet, tightened := 0, 0
	for trial := range 20000 {
		n := 1 + rng.IntN(5)
		row := make([]entry, n)
		integer := make([]bool, n)
		lo, hi := make([]float64, n), make([]float64, n)
		for j := range n {
			row[j] = entry{idx: j, val: float64(rng.IntN(11) - 5)}
			if row[j].val == 0 {
				row[j].val = 0.5
			}
			integer[j] = rng.IntN(5) > 0
			lo[j] = float64(rng.IntN(4) - 1)
			hi[j] = lo[j] + float64(rng.IntN(4))
			switch rng.IntN(12) {
			case 0:
				hi[j] = inf
			case 1:
				lo[j] = -inf
			case 2:
				hi[j] += 0.5
			}
		}
		minAct, maxAct, minInf, maxInf := activity(row, lo, hi)
		rlo, rhi := -inf, inf
		if rng.IntN(3) > 0 {
			rhi = math.Round(minAct) + float64(rng.IntN(12))
		}
		if rng.IntN(3) > 0 {
			rlo = math.Round(maxAct) - float64(rng.IntN(12))
		}
		if math.IsNaN(rhi) || math.IsInf(rhi, -1) {
			rhi = float64(rng.IntN(10))
		}
		if math.IsNaN(rlo) || math.IsInf(rlo, 1) {
			rlo = -float64(rng.IntN(10))
		}
		r := intRange(row, integer, lo, hi)
		if !quietSide(rhi-minAct, minInf, r) || !quietSide(maxAct-rlo, maxInf, r) {
			l, h := slices.Clone(lo), slices.Clone(hi)
			if changed, _ := tightenIntRow(row, rlo, rhi, integer, l, h, nil, minAct, maxAct, minInf, maxInf); len(changed) > 0 {
				tightened++
			}
			continue
		}
		quiet++
		l, h := slices.Clone(lo), slices.Clone(hi)
		changed, ok := tightenIntRow(row, rlo, rhi, integer, l, h, nil, minAct, maxAct, minInf, maxInf)
		if !ok || len(changed) > 0 {
			t.Fatalf("trial %d: row %v in [%v, %v], bounds %v %v: found quiet, but the full pass gives ok=%v, bounds %v %v",
				trial, row, rlo, rhi, lo, hi, ok, l, h)
		}
	}
	t.Logf("%d quiet rows, %d rows tightened", quiet, tightened)
	if quiet < 1000 || tightened < 1000 {
		t.Fatalf("%d quiet rows and %d tightened: the random rows miss a case", quiet, tightened)
	}
}
