package lp_test

import (
	"context"
	"math"
	"math/rand/v2"
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

// TestRelaxationRandomWarmCold runs sequences of warm solves on small
// random programs with integer data, fixed variables and rows of every
// kind (as the nodes and cut rounds of a branch and bound make them):
// bounds are tightened, variables fixed, bounds reset, rows with
// coefficients off by rounding errors added and removed, saved bases
// restored (also bases saved before rows were added). Every warm solve
// must agree with a cold lp.Solve of the same program in status and
// objective, satisfy the optimality conditions and stay within a few
// hundred iterations.
func TestRelaxationRandomWarmCold(t *testing.T) {
	models := 1500
	if testing.Short() {
		models = 100
	}
	rng := rand.New(rand.NewPCG(3, 5))
	ctx := context.Background()
	statuses := map[lp.Status]int{}
	extended := 0 // restorations of a basis saved before rows were added
	for k := range models {
		m := smallIntegerLP(rng)
		rel, err := lp.NewRelaxation(m, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cur := *m // the program rel holds
		cur.Vars = slices.Clone(m.Vars)
		var saved *lp.Basis
		var savedVars []lp.Var
		savedRows := 0
		var last *lp.Result
		for step := range 16 {
			if step > 0 {
				act := rng.IntN(9)
				switch {
				case act < 3: // branch on a variable
					j := rng.IntN(len(cur.Vars))
					v := &cur.Vars[j]
					mid := v.Lo + rng.Float64()*(v.Hi-v.Lo)
					if last != nil && last.Status == lp.Optimal {
						mid = last.X[j]
					}
					if rng.IntN(2) == 0 {
						v.Hi = max(v.Lo, math.Floor(mid))
					} else {
						v.Lo = min(v.Hi, math.Ceil(mid))
					}
				case act == 3: // fix a variable
					j := rng.IntN(len(cur.Vars))
					v := &cur.Vars[j]
					v.Lo = math.Round(v.Lo + rng.Float64()*(v.Hi-v.Lo))
					v.Hi = v.Lo
				case act == 4: // back to the root bounds
					copy(cur.Vars, m.Vars)
				case act == 5 && last != nil && last.Status == lp.Optimal:
					rows, coefs := cutLikeRows(rng, &cur, last.X)
					last = nil
					if err := rel.AddRows(rows, coefs); err != nil {
						t.Fatal(err)
					}
					for _, c := range coefs {
						cur.Coefs = append(slices.Clip(cur.Coefs), lp.Coef{Row: len(cur.Rows) + c.Row, Col: c.Col, Val: c.Val})
					}
					cur.Rows = append(slices.Clip(cur.Rows), rows...)
					// A basis saved before stays usable: SetBasis
					// completes it with the new rows' logicals.
				case act == 6 && last != nil && last.Status == lp.Optimal && len(cur.Rows) > len(m.Rows):
					removeSlackRows(t, rel, &cur, len(m.Rows), last)
					saved = nil
				case act == 7 && saved != nil:
					copy(cur.Vars, savedVars)
					rel.SetBasis(saved)
					if savedRows < len(cur.Rows) {
						extended++
					}
				default:
					saved, savedVars, savedRows = rel.Basis(), slices.Clone(cur.Vars), len(cur.Rows)
				}
				for j, v := range cur.Vars {
					rel.SetBounds(j, v.Lo, v.Hi)
				}
			}
			warm, err := rel.Solve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cold, err := lp.Solve(ctx, &cur, lp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			statuses[warm.Status]++
			if warm.Status != cold.Status {
				t.Fatalf("model %d step %d: warm %s after %d iterations, cold %s; program %+v", k, step, warm.Status, warm.Iterations, cold.Status, cur)
			}
			if warm.Iterations > 200 {
				t.Errorf("model %d step %d: %d iterations", k, step, warm.Iterations)
			}
			if warm.Status == lp.Optimal {
				if !near(warm.Objective, cold.Objective, 1e-6) {
					t.Fatalf("model %d step %d: warm objective %.10g, cold %.10g; program %+v", k, step, warm.Objective, cold.Objective, cur)
				}
				checkKKT(t, &cur, warm, 1e-6)
			}
			last = warm
		}
	}
	t.Logf("statuses %v, %d bases restored across added rows", statuses, extended)
	if statuses[lp.Optimal] == 0 || statuses[lp.Infeasible] == 0 || extended == 0 {
		t.Fatalf("statuses %v, %d bases restored across added rows: want optimal and infeasible solves and such restorations", statuses, extended)
	}
}

// smallIntegerLP returns a program of 3 to 8 variables (binary, integer
// ranges, continuous, some fixed) and 2 to 6 rows with small integer
// coefficients, of every kind, around a random integer point of the box
// (which may lie outside them by a little).
func smallIntegerLP(rng *rand.Rand) *lp.Model {
	m := &lp.Model{Name: "small"}
	if rng.IntN(2) == 0 {
		m.Sense = lp.Maximize
	}
	boxes := [][2]float64{{0, 1}, {-3, 4}, {-1, 2}, {0, 3.5}, {0, 2.5}, {2, 2}, {0, 0}}
	var point []float64
	for range 3 + rng.IntN(6) {
		b := boxes[rng.IntN(len(boxes))]
		m.Vars = append(m.Vars, lp.Var{Lo: b[0], Hi: b[1], Obj: float64(rng.IntN(11) - 5)})
		point = append(point, math.Floor(b[0]+rng.Float64()*(b[1]-b[0]+1)))
	}
	for i := range 2 + rng.IntN(5) {
		act := 0.0
		for j := range m.Vars {
			if a := float64(rng.IntN(13)/2 - 3); a != 0 && rng.IntN(4) > 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: a})
				act += a * min(point[j], m.Vars[j].Hi)
			}
		}
		act += float64(rng.IntN(3) - 1)
		kinds := []lp.Row{{Lo: math.Inf(-1), Hi: act}, {Lo: act, Hi: math.Inf(1)}, {Lo: act, Hi: act}, {Lo: act - 1, Hi: act + 2}}
		m.Rows = append(m.Rows, kinds[rng.IntN(len(kinds))])
	}
	return m
}

// cutLikeRows returns one to three rows Σ a·x >= rhs that x violates,
// whose coefficients and right-hand sides carry relative errors of 1e-9,
// as cuts computed from a tableau do; Row in coefs indexes the new rows.
func cutLikeRows(rng *rand.Rand, m *lp.Model, x []float64) ([]lp.Row, []lp.Coef) {
	noisy := func(v float64) float64 { return v * (1 + 1e-9*rng.NormFloat64()) }
	var rows []lp.Row
	var coefs []lp.Coef
	for i := range 1 + rng.IntN(3) {
		act := 0.0
		for j := range m.Vars {
			if rng.IntN(2) == 0 {
				continue
			}
			a := noisy(float64(rng.IntN(9)-4) / float64(1+rng.IntN(4)))
			coefs = append(coefs, lp.Coef{Row: i, Col: j, Val: a})
			act += a * x[j]
		}
		rows = append(rows, lp.Row{Lo: noisy(act + 0.01 + 0.5*rng.Float64()), Hi: math.Inf(1)})
	}
	return rows, coefs
}

// removeSlackRows removes from rel the added rows (those from first on)
// strictly between their limits at the solution res, whose logical
// variables are therefore basic, and from m likewise.
func removeSlackRows(t *testing.T, rel *lp.Relaxation, m *lp.Model, first int, res *lp.Result) {
	t.Helper()
	var slack []int
	newIndex := make([]int, len(m.Rows))
	var rows []lp.Row
	for i, r := range m.Rows {
		a := res.RowActivity[i]
		if i >= first && a > r.Lo+1e-6*(1+math.Abs(r.Lo)) && a < r.Hi-1e-6*(1+math.Abs(r.Hi)) {
			slack = append(slack, i)
			newIndex[i] = -1
			continue
		}
		newIndex[i] = len(rows)
		rows = append(rows, r)
	}
	if got := rel.RemoveRows(slack); got != len(slack) {
		t.Fatalf("RemoveRows(%v) removed %d rows", slack, got)
	}
	var coefs []lp.Coef
	for _, c := range m.Coefs {
		if k := newIndex[c.Row]; k >= 0 {
			coefs = append(coefs, lp.Coef{Row: k, Col: c.Col, Val: c.Val})
		}
	}
	m.Rows, m.Coefs = rows, coefs
}
