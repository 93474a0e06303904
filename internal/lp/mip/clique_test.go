package mip

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// modelOf returns a model of n binaries (maximising the sum of obj) and
// the rows given as coefficients by column with their bounds.
func modelOf(n int, obj []float64, rows []map[int]float64, lo, hi []float64) *lp.Model {
	m := &lp.Model{Name: "hand", Sense: lp.Maximize}
	for j := range n {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: obj[j], Integer: true})
	}
	for i, row := range rows {
		m.Rows = append(m.Rows, lp.Row{Lo: lo[i], Hi: hi[i]})
		cols := make([]int, 0, len(row))
		for j := range row {
			cols = append(cols, j)
		}
		slices.Sort(cols)
		for _, j := range cols {
			m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: row[j]})
		}
	}
	return m
}

// TestConflictGraph checks the conflicts read from hand-made rows.
func TestConflictGraph(t *testing.T) {
	inf := math.Inf(1)
	m := modelOf(11, make([]float64, 11), []map[int]float64{
		{0: 1, 1: 1, 2: 1},   // set packing: every pair of x0..x2
		{3: 3, 4: 3, 5: 2},   // knapsack <= 4: every pair of x3..x5
		{6: 1, 7: -1},        // x6 <= x7: x6 against 1 - x7
		{8: 5, 9: 1, 10: 1},  // knapsack <= 5: x8 against x9 and x10
		{0: 1, 3: 1, 9: 1.5}, // >= 2: at most one of them at 0
	}, []float64{-inf, -inf, -inf, -inf, 2}, []float64{1, 4, 0, 5, inf})
	s, _ := solvedRoot(t, m)
	s.cuts = s.p.newCutRows()
	g := s.newConflictGraph()
	lit := func(j int, complemented bool) int {
		if complemented {
			return 2*j + 1
		}
		return 2 * j
	}
	want := map[[2]int]bool{}
	add := func(a, b int) { want[[2]int{min(a, b), max(a, b)}] = true }
	for _, p := range [][2]int{{0, 1}, {0, 2}, {1, 2}, {3, 4}, {3, 5}, {4, 5}} {
		add(lit(p[0], false), lit(p[1], false))
	}
	add(lit(6, false), lit(7, true))
	add(lit(8, false), lit(9, false))
	add(lit(8, false), lit(10, false))
	// 1.5 x9 + x0 + x3 >= 2: x̄9 with x̄0 and with x̄3 (x0 and x3 alone
	// reach 2 only together).
	add(lit(9, true), lit(0, true))
	add(lit(9, true), lit(3, true))
	add(lit(0, true), lit(3, true))
	got := map[[2]int]bool{}
	for a, adj := range g.adj {
		for _, b := range adj {
			if !g.conflict(int(b), a) {
				t.Errorf("conflict %d-%d is not symmetric", a, b)
			}
			got[[2]int{min(a, int(b)), max(a, int(b))}] = true
		}
	}
	for e := range want {
		if !got[e] {
			t.Errorf("missing conflict %v", e)
		}
	}
	for e := range got {
		if !want[e] {
			t.Errorf("unexpected conflict %v", e)
		}
	}
	if g.edges != len(want) {
		t.Errorf("%d edges counted, want %d", g.edges, len(want))
	}
	for key, stated := range map[string]bool{
		cliqueKey([]int{0, 2, 4}):  true,  // x0 + x1 + x2 <= 1
		cliqueKey([]int{12, 15}):   true,  // x6 + (1 - x7) <= 1
		cliqueKey([]int{6, 8, 10}): false, // 3x3 + 3x4 + 2x5 <= 4
		cliqueKey([]int{1, 7, 19}): false, // (1-x0) + (1-x3) + 1.5(1-x9) <= 1.5
	} {
		if g.rows[key] != stated {
			t.Errorf("row clique %s recorded %v, want %v", key, g.rows[key], stated)
		}
	}
}

// TestCliqueCutTriangle cuts the odd cycle x0+x1, x1+x2, x0+x2 <= 1,
// whose relaxation maximum of x0+x1+x2 is 1.5, with the clique
// x0+x1+x2 <= 1, and likewise a clique of a knapsack row.
func TestCliqueCutTriangle(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		m    *lp.Model
		coef map[int]float64 // the wanted cut, in >= form
		rhs  float64
	}{
		{
			name: "triangle",
			m: modelOf(3, []float64{1, 1, 1}, []map[int]float64{{0: 1, 1: 1}, {1: 1, 2: 1}, {0: 1, 2: 1}},
				[]float64{-inf, -inf, -inf}, []float64{1, 1, 1}),
			coef: map[int]float64{0: -1, 1: -1, 2: -1}, rhs: -1,
		},
		{
			// The knapsack 2x0 + 2x2 + x3 <= 2 makes x0, x2, x3 a
			// clique its relaxation does not state (x0 = x2 = 1/3,
			// x3 = 2/3 satisfies it and the other rows).
			name: "knapsack",
			m: modelOf(4, []float64{1, 0, 1, 1}, []map[int]float64{{0: 2, 2: 2, 3: 1}, {0: 1, 3: 1}, {2: 1, 3: 1}},
				[]float64{-inf, -inf, -inf}, []float64{2, 1, 1}),
			coef: map[int]float64{0: -1, 2: -1, 3: -1}, rhs: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, root := solvedRoot(t, tt.m)
			if root == nil {
				t.Fatal("root relaxation not optimal")
			}
			s.cuts = s.p.newCutRows()
			cuts := s.newConflictGraph().cliqueCuts(s, root.X)
			if len(cuts) == 0 {
				t.Fatalf("no clique cut at %v", root.X)
			}
			found := false
			for _, c := range cuts {
				same := true
				for j, v := range c.dense(len(tt.m.Vars)) {
					same = same && v == tt.coef[j]
				}
				found = found || same && math.Abs(c.rhs-tt.rhs) < 1e-6
			}
			if !found {
				t.Errorf("cuts %v, want %v >= %v", cuts, tt.coef, tt.rhs)
			}
			res, err := s.rootCuts(root)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != lp.Optimal || math.Abs(res.Objective-1) > 1e-6 {
				t.Errorf("bound after the cut rounds %v %v, want 1", res.Status, res.Objective)
			}
		})
	}
}

// randomConflicts returns a random binary model with set packing,
// partitioning, implication and knapsack rows, and a continuous variable
// in some of them.
func randomConflicts(rng *rand.Rand, n int) *lp.Model {
	m := &lp.Model{Name: "conflicts", Sense: lp.Maximize}
	for range n {
		m.Vars = append(m.Vars, lp.Var{Hi: 1, Obj: float64(1 + rng.IntN(9)), Integer: true})
	}
	m.Vars = append(m.Vars, lp.Var{Hi: 2, Obj: 1})
	inf := math.Inf(1)
	for range 3 + rng.IntN(6) {
		row := len(m.Rows)
		cols := rng.Perm(n)[:2+rng.IntN(3)]
		slices.Sort(cols)
		lo, hi := -inf, 1.0
		switch rng.IntN(4) {
		case 0: // partitioning
			lo = 1
			for _, j := range cols {
				m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: j, Val: 1})
			}
		case 1: // packing with one complemented variable
			hi = 0
			for k, j := range cols {
				v := 1.0
				if k == 0 {
					v = -1
				}
				m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: j, Val: v})
			}
		default: // knapsack, sometimes with the continuous variable
			hi = float64(5 + rng.IntN(10))
			for _, j := range cols {
				m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: j, Val: float64(2 + rng.IntN(10))})
			}
			if rng.IntN(2) == 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: n, Val: float64(1 + rng.IntN(3))})
			}
		}
		m.Rows = append(m.Rows, lp.Row{Lo: lo, Hi: hi})
	}
	return m
}

// TestCliqueCutsValid checks every clique cut of random models at their
// root relaxation against every integer assignment that leaves a
// feasible continuous part.
func TestCliqueCutsValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	checkSeparatorValid(t, "clique", func(int) *lp.Model { return randomConflicts(rng, 5+rng.IntN(6)) },
		func(s *search, x []float64) []cut { return s.newConflictGraph().cliqueCuts(s, x) })
}
