package mip

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestFlowCoverCut checks a hand-derived cut. The node x1 + x2 <= 4 with
// x1 <= 3·y1 and x2 <= 3·y2 has the cover C+ = {1, 2}, excess λ = 2, and
// the inequality x1 + x2 + (1 - y1) + (1 - y2) <= 4. Maximising
// 5x1 + 4x2 - 3y1 - 3y2, the relaxation (15 at x1 = 3, y1 = 1, x2 = 1,
// y2 = 1/3) violates it, and with it the bound is the integer optimum 13.
func TestFlowCoverCut(t *testing.T) {
	inf := math.Inf(1)
	// Variables x1, y1, x2, y2.
	m := &lp.Model{
		Name:  "flow-node",
		Sense: lp.Maximize,
		Vars: []lp.Var{
			{Hi: inf, Obj: 5}, {Hi: 1, Obj: -3, Integer: true},
			{Hi: inf, Obj: 4}, {Hi: 1, Obj: -3, Integer: true},
		},
		Rows: []lp.Row{{Lo: -inf, Hi: 4}, {Lo: -inf, Hi: 0}, {Lo: -inf, Hi: 0}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 2, Val: 1},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: -3},
			{Row: 2, Col: 2, Val: 1}, {Row: 2, Col: 3, Val: -3},
		},
	}
	s, root := solvedRoot(t, m)
	if root == nil || math.Abs(root.Objective-15) > 1e-6 {
		t.Fatalf("root relaxation %v, want 15", root)
	}
	s.cuts = s.p.newCutRows()
	cuts := s.flowCoverCuts(root.X)
	want := []float64{-1, 1, -1, 1} // -x1 + y1 - x2 + y2 >= -2
	found := false
	for _, c := range cuts {
		same := math.Abs(c.rhs+2) < 1e-6
		for j, v := range c.dense(len(m.Vars)) {
			same = same && math.Abs(v-want[j]) < 1e-9
		}
		found = found || same
	}
	if !found {
		t.Fatalf("cuts %v, want %v >= -2", cuts, want)
	}
	res, err := s.rootCuts(root)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != lp.Optimal || math.Abs(res.Objective-13) > 1e-6 {
		t.Errorf("bound after the cut rounds %v %v, want 13", res.Status, res.Objective)
	}
}

// TestFlowArcs checks the single-node flow set of a row mixing a flow
// with a variable upper bound, a binary, a bounded continuous and an
// integer bounded above only.
func TestFlowArcs(t *testing.T) {
	inf := math.Inf(1)
	// Variables: x0 <= 4·y1, y1, x2 in [1, 3], z3 <= 5 integer free below.
	m := &lp.Model{
		Name: "arcs",
		Vars: []lp.Var{
			{Hi: inf}, {Hi: 1, Integer: true}, {Lo: 1, Hi: 3}, {Lo: -inf, Hi: 5, Integer: true},
		},
		Rows: []lp.Row{{Lo: -inf, Hi: 10}, {Lo: -inf, Hi: 0}},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 2}, {Row: 0, Col: 1, Val: -3}, {Row: 0, Col: 2, Val: -1}, {Row: 0, Col: 3, Val: 2},
			{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: -4},
		},
	}
	s, _ := solvedRoot(t, m)
	s.cuts = s.p.newCutRows()
	s.vubs = s.findVUBs()
	x := []float64{2, 0.5, 2, 4}
	arcs, b, ok := s.flowArcs(s.cuts.coefs[0], 1, 10, x)
	if !ok {
		t.Fatal("no flow set")
	}
	// 2x0 - 3y1 - (x2 - 1) - 2(5 - z3) <= 10 + 1 - 10.
	if b != 1 {
		t.Errorf("b' = %v, want 1", b)
	}
	want := []flowArc{
		{j: 0, scale: 2, u: 8, bin: 1, fx: 4, yx: 0.5},
		{j: 1, scale: 3, out: true, u: 3, bin: 1, fx: 1.5, yx: 0.5},
		{j: 2, scale: 1, ref: 1, out: true, u: 2, bin: -1, fx: 1, yx: 1},
		{j: 3, scale: 2, ref: 5, upper: true, out: true, u: inf, bin: -1, fx: 2, yx: 1},
	}
	if len(arcs) != len(want) {
		t.Fatalf("arcs %+v, want %+v", arcs, want)
	}
	for k := range want {
		if arcs[k] != want[k] {
			t.Errorf("arc %d: %+v, want %+v", k, arcs[k], want[k])
		}
	}
	if _, _, ok := s.flowArcs([]lp.Coef{{Col: 1, Val: 1}, {Col: 3, Val: 1}}, 1, 1, x); ok {
		t.Error("a row without a continuous variable gave a flow set")
	}
}

// randomFlowNodes returns a random model of flow nodes: arcs x_j <= u_j·y_j
// into and out of rows with a demand or a capacity, some binaries and a
// bounded continuous supply in the rows too.
func randomFlowNodes(rng *rand.Rand, arcs int) *lp.Model {
	m := &lp.Model{Name: "flow-nodes", Sense: lp.Maximize}
	inf := math.Inf(1)
	for j := range arcs {
		m.Vars = append(m.Vars,
			lp.Var{Hi: inf, Obj: float64(rng.IntN(6))},
			lp.Var{Hi: 1, Obj: -float64(1 + rng.IntN(8)), Integer: true})
		m.Rows = append(m.Rows, lp.Row{Lo: -inf, Hi: 0})
		m.Coefs = append(m.Coefs,
			lp.Coef{Row: j, Col: 2 * j, Val: 1},
			lp.Coef{Row: j, Col: 2*j + 1, Val: -float64(2 + rng.IntN(6))})
	}
	supply := len(m.Vars)
	m.Vars = append(m.Vars, lp.Var{Lo: 1, Hi: float64(2 + rng.IntN(3)), Obj: -1})
	for range 2 {
		row := len(m.Rows)
		lo, hi := -inf, float64(3+rng.IntN(8))
		if rng.IntN(2) == 0 {
			lo, hi = float64(1+rng.IntN(5)), inf
		}
		m.Rows = append(m.Rows, lp.Row{Lo: lo, Hi: hi})
		for j := range arcs {
			if rng.IntN(3) > 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: 2 * j, Val: float64(rng.IntN(2)*2 - 1)})
			}
		}
		if rng.IntN(2) == 0 {
			m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: 2*rng.IntN(arcs) + 1, Val: float64(rng.IntN(5) - 2)})
		}
		m.Coefs = append(m.Coefs, lp.Coef{Row: row, Col: supply, Val: float64(rng.IntN(3) - 1)})
	}
	return m
}

// TestFlowCoverCutsValid checks every flow cover cut of random flow and
// fixed-charge models at their root relaxation against every integer
// assignment that leaves a feasible continuous part.
func TestFlowCoverCutsValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	checkSeparatorValid(t, "flow cover", func(k int) *lp.Model {
		if k%3 == 0 {
			return randomFixedCharge(rng, 3+rng.IntN(3))
		}
		return randomFlowNodes(rng, 3+rng.IntN(4))
	}, func(s *search, x []float64) []cut { return s.flowCoverCuts(x) })
}

// checkSeparatorValid runs sep at the root relaxation of 60 models of
// model and checks each cut it makes with checkCutValid, and that at
// least 10 cuts were made.
func checkSeparatorValid(t *testing.T, name string, model func(k int) *lp.Model, sep func(s *search, x []float64) []cut) {
	t.Helper()
	total := 0
	for k := range 60 {
		m := model(k)
		s, root := solvedRoot(t, m)
		if root == nil {
			continue
		}
		s.cuts = s.p.newCutRows()
		cuts := sep(s, root.X)
		total += len(cuts)
		for _, c := range cuts {
			checkCutValid(t, m, s.p.ints, c)
		}
	}
	if total < 10 {
		t.Fatalf("only %d %s cuts made", total, name)
	}
	t.Logf("%d %s cuts checked", total, name)
}
