package mip

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

var inf = math.Inf(1)

// bin, integer and cont are variables of the hand-made models.
func bin(name string) lp.Var { return lp.Var{Name: name, Hi: 1, Integer: true} }
func integer(name string, lo, hi float64) lp.Var {
	return lp.Var{Name: name, Lo: lo, Hi: hi, Integer: true}
}
func cont(name string, lo, hi float64) lp.Var { return lp.Var{Name: name, Lo: lo, Hi: hi} }

// row is lo <= sum coefs[j]*x_j <= hi.
type row struct {
	lo, hi float64
	coefs  map[int]float64
}

// build returns the minimisation model of vars and rows.
func build(vars []lp.Var, rows ...row) *lp.Model {
	m := &lp.Model{Name: "hand", Vars: vars}
	for i, r := range rows {
		m.Rows = append(m.Rows, lp.Row{Lo: r.lo, Hi: r.hi})
		for j := range len(vars) {
			if v, ok := r.coefs[j]; ok {
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: v})
			}
		}
	}
	return m
}

// bounds returns the bounds of the caller's column j after presolve:
// those of the reduced model, or the fixed value.
func bounds(ps *presolved, j int) (lo, hi float64) {
	for k, c := range ps.colOf {
		if c == j {
			v := ps.red.Vars[k]
			return v.Lo, v.Hi
		}
	}
	return ps.x[j], ps.x[j]
}

func TestPresolveReductions(t *testing.T) {
	type colBounds struct {
		col    int
		lo, hi float64
	}
	rounding := func(p *pre) {
		for j := range p.lo {
			p.roundInt(j)
		}
	}
	tests := []struct {
		name       string
		m          *lp.Model
		step       func(*pre) // the reduction under test
		infeasible bool
		rows       int // live rows after the step
		cols       []colBounds
	}{
		{
			name: "integer bounds rounded inwards",
			m:    build([]lp.Var{integer("x", 0.5, 3.7), integer("y", -2.2, 2.2), cont("z", 0.5, 3.7)}),
			step: rounding,
			cols: []colBounds{{0, 1, 3}, {1, -2, 2}, {2, 0.5, 3.7}},
		},
		{
			name:       "integer bounds without an integer between",
			m:          build([]lp.Var{integer("x", 0.2, 0.8)}),
			step:       rounding,
			infeasible: true,
		},
		{
			name: "integer bounds tightened by rows",
			m: build([]lp.Var{integer("x", 0, 10), integer("y", 0, 10), cont("z", 0, 10)},
				row{-inf, 3.5, map[int]float64{0: 1, 1: 1, 2: 1}}, row{1, inf, map[int]float64{0: 1, 1: -1, 2: 1}}),
			step: (*pre).propagateAll,
			rows: 2,
			cols: []colBounds{{0, 0, 3}, {1, 0, 3}, {2, 0, 10}},
		},
		{
			name: "bounds propagated from row to row",
			m: build([]lp.Var{integer("x", 0, 10), integer("y", 0, 10), integer("w", -10, 10)},
				row{-inf, 2, map[int]float64{0: 1}}, row{0, 0, map[int]float64{0: 1, 1: -1}}, row{-inf, 0, map[int]float64{1: 1, 2: 2}}),
			step: (*pre).propagateAll,
			rows: 3,
			cols: []colBounds{{0, 0, 2}, {1, 0, 2}, {2, -10, 0}},
		},
		{
			name:       "rows that cannot hold",
			m:          build([]lp.Var{bin("x"), bin("y")}, row{2.5, inf, map[int]float64{0: 1, 1: 1}}),
			step:       (*pre).propagateAll,
			infeasible: true,
		},
		{
			name: "a redundant row is removed",
			m:    build([]lp.Var{bin("x"), bin("y"), cont("z", 0, 1)}, row{-inf, 3, map[int]float64{0: 1, 1: 1, 2: 1}}, row{1, inf, map[int]float64{0: 1, 1: 1, 2: 1}}),
			step: (*pre).removeRows,
			rows: 1,
		},
		{
			name: "empty row satisfied",
			m:    build([]lp.Var{cont("x", 0, 5), cont("y", 0, 5)}, row{-1, 1, nil}, row{1, 2, map[int]float64{0: 1, 1: 1}}),
			step: (*pre).removeRows,
			rows: 1,
		},
		{
			name:       "empty row violated",
			m:          build([]lp.Var{cont("x", 0, 5)}, row{1, 2, nil}),
			step:       (*pre).removeRows,
			infeasible: true,
		},
		{
			name: "singleton rows to bounds",
			m:    build([]lp.Var{integer("x", 0, 10), cont("y", 0, 5)}, row{-inf, 5, map[int]float64{0: 2}}, row{-5, inf, map[int]float64{1: -2}}, row{1, 4, map[int]float64{0: 1, 1: 1}}),
			step: (*pre).removeRows,
			rows: 1,
			cols: []colBounds{{0, 0, 2}, {1, 0, 2.5}},
		},
		{
			name:       "singleton rows in conflict",
			m:          build([]lp.Var{cont("x", 0, 10)}, row{-inf, 2, map[int]float64{0: 1}}, row{3, inf, map[int]float64{0: 1}}),
			step:       (*pre).removeRows,
			infeasible: true,
		},
		{
			name: "a fixed column leaves the rows",
			m: build([]lp.Var{{Name: "f", Lo: 2, Hi: 2, Obj: 3}, cont("y", 0, 10), cont("z", 0, 10)},
				row{1, 5, map[int]float64{0: 1, 1: 1, 2: 1}}, row{1, 9, map[int]float64{0: 2, 1: 1, 2: 1}}),
			step: (*pre).removeRows,
			rows: 2,
			cols: []colBounds{{0, 2, 2}},
		},
		{
			name: "dual fixing at the bound the objective prefers",
			m: build([]lp.Var{{Name: "x", Hi: 4, Obj: 1, Integer: true}, {Name: "y", Hi: 4, Obj: -1, Integer: true}, {Name: "z", Hi: 4, Obj: 1, Integer: true}},
				row{-inf, 6, map[int]float64{0: 1, 1: 1, 2: -1}}, row{2, inf, map[int]float64{1: 1, 2: 1}}),
			step: (*pre).dualFix,
			rows: 2,
			cols: []colBounds{{0, 0, 0}, {1, 0, 4}, {2, 0, 4}},
		},
		{
			name: "duplicate rows merged",
			m: build([]lp.Var{cont("x", 0, 10), cont("y", 0, 10)},
				row{-inf, 4, map[int]float64{0: 1, 1: 2}}, row{-6, inf, map[int]float64{0: -2, 1: -4}}, row{1, inf, map[int]float64{0: 0.5, 1: 1}}),
			step: (*pre).mergeDuplicateRows,
			rows: 1,
		},
		{
			name: "duplicate rows in conflict",
			m: build([]lp.Var{cont("x", 0, 10), cont("y", 0, 10)},
				row{-inf, 4, map[int]float64{0: 1, 1: 2}}, row{10, inf, map[int]float64{0: 2, 1: 4}}),
			step:       (*pre).mergeDuplicateRows,
			infeasible: true,
		},
		{
			name: "probing fixes a binary whose value 1 is infeasible",
			m: build([]lp.Var{bin("x"), bin("y"), cont("z", 0, 3)},
				row{-inf, 0, map[int]float64{0: 1, 1: -1}}, row{-inf, 1, map[int]float64{0: 1, 1: 1}}, row{1, inf, map[int]float64{1: 1, 2: 1}}),
			step: (*pre).probe,
			rows: 3,
			cols: []colBounds{{0, 0, 0}, {1, 0, 1}},
		},
		{
			name: "probing finds a bound that holds both ways",
			m: build([]lp.Var{bin("x"), integer("y", 0, 10), integer("w", 0, 10)},
				row{-inf, 4, map[int]float64{0: -6, 1: 1}}, row{-inf, 10, map[int]float64{0: 6, 1: 1}}, row{-inf, 0, map[int]float64{1: -1, 2: 1}}),
			step: (*pre).probe,
			rows: 3,
			cols: []colBounds{{0, 0, 1}, {1, 0, 4}, {2, 0, 4}},
		},
		{
			name: "probing proves infeasibility",
			m: build([]lp.Var{bin("x"), bin("y")},
				row{-inf, 0, map[int]float64{0: 1, 1: -1}}, row{-inf, 1, map[int]float64{0: 1, 1: 1}}, row{-inf, 0, map[int]float64{0: -1, 1: 1}}, row{1, inf, map[int]float64{0: 2, 1: 1}}),
			step:       (*pre).probe,
			infeasible: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPre(tc.m)
			tc.step(p)
			if p.infeas != tc.infeasible {
				t.Fatalf("infeasible %v, want %v", p.infeas, tc.infeasible)
			}
			if tc.infeasible {
				return
			}
			live := 0
			for _, gone := range p.rowGone {
				if !gone {
					live++
				}
			}
			if live != tc.rows {
				t.Errorf("%d rows left, want %d", live, tc.rows)
			}
			for _, c := range tc.cols {
				if p.lo[c.col] != c.lo || p.hi[c.col] != c.hi {
					t.Errorf("column %d in [%v, %v], want [%v, %v]", c.col, p.lo[c.col], p.hi[c.col], c.lo, c.hi)
				}
			}
		})
	}
}

// TestPresolveModel checks the reduced model and postsolve as a whole.
func TestPresolveModel(t *testing.T) {
	// f is fixed at 2; x is left by dual fixing at 0; y and z stay.
	m := build([]lp.Var{{Name: "f", Lo: 2, Hi: 2, Obj: 3}, {Name: "x", Hi: 4, Obj: 1, Integer: true},
		{Name: "y", Hi: 10, Obj: -1, Integer: true}, {Name: "z", Hi: 10, Obj: -2}},
		row{-inf, 7, map[int]float64{0: 1, 1: 1, 2: 1, 3: 1}}, row{2, inf, map[int]float64{0: 1, 2: 1, 3: 1}}, row{-inf, 11, map[int]float64{2: 1, 3: 1}})
	ps := presolve(m)
	if ps == nil || ps.red == nil {
		t.Fatalf("presolve = %+v, want a reduced model", ps)
	}
	if len(ps.red.Vars) != 2 || ps.colOf[0] != 2 || ps.colOf[1] != 3 || ps.red.ObjConst != 6 {
		t.Fatalf("reduced columns %v (of %v), objective constant %v; want y, z and 6", ps.red.Vars, ps.colOf, ps.red.ObjConst)
	}
	// y <= 5 from the first row once f and x are gone.
	if v := ps.red.Vars[0]; v.Lo != 0 || v.Hi != 5 {
		t.Errorf("y in [%v, %v], want [0, 5]", v.Lo, v.Hi)
	}
	res := ps.postsolve(&Result{Status: lp.Optimal, X: []float64{5, 0}, Objective: 1, Bound: 0.5, Nodes: 3})
	want := []float64{2, 0, 5, 0}
	for j := range want {
		if res.X[j] != want[j] {
			t.Fatalf("postsolved point %v, want %v", res.X, want)
		}
	}
	if res.Objective != 1 || res.Bound != 0.5 || res.Gap != 0.5 || res.Nodes != 3 || res.Status != lp.Optimal {
		t.Errorf("postsolved result %+v, want objective 1, bound 0.5, gap 0.5, 3 nodes", res)
	}
	if act := res.RowActivity; act[0] != 7 || act[1] != 7 || act[2] != 5 {
		t.Errorf("row activities %v, want [7 7 5]", act)
	}
	if err := CheckSolution(m, res.X, 1e-9); err != nil {
		t.Error(err)
	}
}

func TestPostsolveWithoutSearch(t *testing.T) {
	t.Run("every column fixed", func(t *testing.T) {
		m := build([]lp.Var{{Name: "x", Hi: 4, Obj: 1, Integer: true}, {Name: "y", Lo: -1, Hi: 3, Obj: -1}},
			row{-inf, 6, map[int]float64{0: 1, 1: 1}})
		m.Sense, m.ObjConst = lp.Maximize, 10
		ps := presolve(m)
		if ps == nil || ps.red != nil || ps.infeasible {
			t.Fatalf("presolve = %+v, want every column fixed", ps)
		}
		res := ps.postsolve(nil)
		if res.Status != lp.Optimal || res.X[0] != 4 || res.X[1] != -1 || res.Objective != 15 || res.Bound != 15 || res.Gap != 0 {
			t.Fatalf("result %+v, want optimal x = (4, -1), objective and bound 15", res)
		}
	})
	t.Run("infeasible", func(t *testing.T) {
		ps := presolve(build([]lp.Var{bin("x"), bin("y")}, row{3, inf, map[int]float64{0: 1, 1: 1}}))
		res := ps.postsolve(nil)
		if res.Status != lp.Infeasible || res.HasSolution() || !math.IsInf(res.Bound, 1) || !math.IsInf(res.Gap, 1) {
			t.Fatalf("result %+v, want infeasible, bound and gap +Inf", res)
		}
	})
}

func TestCoefficientTightening(t *testing.T) {
	// 3x + y + z <= 4 on binaries: x = 0 makes the row redundant, so it
	// becomes x + y + z <= 2, which has the same integer points; the
	// >= form is handled the same way. -2x + y + z <= 1: x = 1 makes it
	// redundant, the coefficient of x becomes -1.
	tests := []struct {
		name   string
		r      row
		coefs  []float64
		lo, hi float64
	}{
		{"<= row", row{-inf, 4, map[int]float64{0: 3, 1: 1, 2: 1}}, []float64{1, 1, 1}, -inf, 2},
		{">= row", row{-4, inf, map[int]float64{0: -3, 1: -1, 2: -1}}, []float64{-1, -1, -1}, -2, inf},
		{"negative coefficient", row{-inf, 1, map[int]float64{0: -2, 1: 1, 2: 1}}, []float64{-1, 1, 1}, -inf, 1},
		{"nothing to tighten", row{-inf, 1, map[int]float64{0: 1, 1: 1, 2: 1}}, []float64{1, 1, 1}, -inf, 1},
		{"ranged row left alone", row{0, 4, map[int]float64{0: 3, 1: 1, 2: 1}}, []float64{3, 1, 1}, 0, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPre(build([]lp.Var{bin("x"), bin("y"), bin("z")}, tc.r))
			p.tightenCoefs()
			for k, e := range p.rows[0] {
				if e.val != tc.coefs[k] || p.cols[e.idx][0].val != tc.coefs[k] {
					t.Errorf("coefficient of column %d: %v (column copy %v), want %v", e.idx, e.val, p.cols[e.idx][0].val, tc.coefs[k])
				}
			}
			if p.rowLo[0] != tc.lo || p.rowHi[0] != tc.hi {
				t.Errorf("row bounds [%v, %v], want [%v, %v]", p.rowLo[0], p.rowHi[0], tc.lo, tc.hi)
			}
		})
	}
}

func TestPresolveSkipsInvalidModels(t *testing.T) {
	tests := []struct {
		name string
		m    *lp.Model
	}{
		{"NaN coefficient", build([]lp.Var{bin("x")}, row{0, 1, map[int]float64{0: math.NaN()}})},
		{"inverted bounds", build([]lp.Var{integer("x", 2, 1)})},
		{"inverted row", build([]lp.Var{bin("x")}, row{1, 0, map[int]float64{0: 1}})},
		{"column out of range", &lp.Model{Vars: []lp.Var{bin("x")}, Rows: []lp.Row{{Hi: 1}}, Coefs: []lp.Coef{{Row: 0, Col: 3, Val: 1}}}},
		{"infinite objective", &lp.Model{Vars: []lp.Var{{Hi: 1, Obj: inf}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ps := presolve(tc.m); ps != nil {
				t.Fatalf("presolve = %+v, want nil for an invalid model", ps)
			}
		})
	}
}

// TestPresolveRandom solves random small models with and without
// presolve: the statuses and optima must agree and the presolved point
// must satisfy the caller's model.
func TestPresolveRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	n := 30000
	if testing.Short() {
		n = 60
	}
	for k := range n {
		checkPresolveAgrees(t, k, randomModel(rng), false)
	}
}

// checkPresolveAgrees solves model k, m, with and without presolve and
// checks that status, objective and bound agree and that the point found
// with presolve satisfies m. With skipUnbounded, models either solve
// reports unbounded are not compared: an unbounded relaxation of an
// infeasible model may be reported either way.
func checkPresolveAgrees(t *testing.T, k int, m *lp.Model, skipUnbounded bool) {
	t.Helper()
	exact := Options{RelGap: 1e-9, AbsGap: 1e-9}
	off, err := Solve(context.Background(), m, Options{RelGap: exact.RelGap, AbsGap: exact.AbsGap, NoPresolve: true})
	if err != nil {
		t.Fatal(err)
	}
	on, err := Solve(context.Background(), m, exact)
	if err != nil {
		t.Fatal(err)
	}
	if skipUnbounded && (on.Status == lp.Unbounded || off.Status == lp.Unbounded) {
		return
	}
	if on.Status != off.Status || math.Abs(on.Objective-off.Objective) > 1e-6*max(1, math.Abs(off.Objective)) {
		t.Fatalf("model %d %+v: with presolve %s %v, without %s %v", k, m, on.Status, on.Objective, off.Status, off.Objective)
	}
	if on.Status == lp.Optimal && math.Abs(on.Bound-off.Bound) > 1e-6*max(1, math.Abs(off.Bound)) {
		t.Errorf("model %d: bound %v with presolve, %v without", k, on.Bound, off.Bound)
	}
	if on.HasSolution() {
		if err := CheckSolution(m, on.X, 1e-6); err != nil {
			t.Fatalf("model %d %+v: %v", k, m, err)
		}
	}
}

// randomModel returns a small random model with binary, general integer
// and continuous columns and rows of every kind.
func randomModel(rng *rand.Rand) *lp.Model {
	m := &lp.Model{Name: "random"}
	if rng.IntN(2) == 0 {
		m.Sense = lp.Maximize
	}
	for j := range 3 + rng.IntN(5) {
		v := lp.Var{Obj: float64(rng.IntN(11) - 5)}
		switch rng.IntN(3) {
		case 0:
			v = lp.Var{Hi: 1, Integer: true, Obj: v.Obj}
		case 1:
			v.Lo, v.Hi, v.Integer = float64(-rng.IntN(4)), float64(rng.IntN(6)), true
		default:
			v.Lo, v.Hi = 0, float64(1+rng.IntN(4))+0.5
		}
		if rng.IntN(8) == 0 {
			v.Hi = v.Lo
		}
		v.Name = "x" + string(rune('a'+j))
		m.Vars = append(m.Vars, v)
	}
	for i := range 2 + rng.IntN(5) {
		var sum float64
		for j := range m.Vars {
			if rng.IntN(3) == 0 {
				continue
			}
			a := float64(rng.IntN(9) - 4)
			m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: a})
			sum += a * (m.Vars[j].Lo + m.Vars[j].Hi) / 2
		}
		r := lp.Row{Lo: math.Inf(-1), Hi: math.Inf(1)}
		rhs := math.Round(sum) + float64(rng.IntN(5)-2)
		switch rng.IntN(4) {
		case 0:
			r.Hi = rhs
		case 1:
			r.Lo = rhs
		case 2:
			r.Lo, r.Hi = rhs, rhs
		default:
			r.Lo, r.Hi = rhs-2, rhs+1
		}
		m.Rows = append(m.Rows, r)
	}
	return m
}

// TestPropagationBounded checks that a chain of implied bounds that
// shrinks a wide domain by one at a time stops within the work budget.
func TestPropagationBounded(t *testing.T) {
	// x <= y - 1 and y <= x: infeasible, but propagation alone would take
	// a billion rounds to notice.
	m := build([]lp.Var{integer("x", -1e9, 1e9), integer("y", -1e9, 1e9)},
		row{-inf, -1, map[int]float64{0: 1, 1: -1}}, row{-inf, 0, map[int]float64{0: -1, 1: 1}})
	p := newPre(m)
	p.propagateAll()
	if p.infeas || p.work > propagateWork*5+2 {
		t.Fatalf("infeasible %v after %d entry visits, want a stop within %d", p.infeas, p.work, propagateWork*5)
	}
	if p.hi[0] >= 1e9 || p.lo[1] <= -1e9 {
		t.Errorf("x <= %v, y >= %v: want the bounds tightened before the stop", p.hi[0], p.lo[1])
	}
	start := time.Now()
	if ps := presolve(m); ps == nil {
		t.Fatal("presolve returned nil")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("presolve took %v", d)
	}
}
