package mip_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// Random models of the classic integer families, beside the MIPLIB and
// GLPK sets: covering, packing, assignment, fixed-charge and lot-sizing
// structure, with general integers, binaries and continuous variables.
// Each generator is deterministic in its seed.

// builder assembles an lp.Model row by row.
type builder struct{ m *lp.Model }

func newBuilder(name string, sense lp.Sense) *builder {
	return &builder{m: &lp.Model{Name: name, Sense: sense}}
}

// col adds a variable and returns its index.
func (b *builder) col(name string, lo, hi, obj float64, integer bool) int {
	b.m.Vars = append(b.m.Vars, lp.Var{Name: name, Lo: lo, Hi: hi, Obj: obj, Integer: integer})
	return len(b.m.Vars) - 1
}

// row adds lo <= Σ vals[k]·x_cols[k] <= hi.
func (b *builder) row(lo, hi float64, cols []int, vals []float64) {
	i := len(b.m.Rows)
	b.m.Rows = append(b.m.Rows, lp.Row{Name: fmt.Sprintf("r%d", i), Lo: lo, Hi: hi})
	for k, j := range cols {
		b.m.Coefs = append(b.m.Coefs, lp.Coef{Row: i, Col: j, Val: vals[k]})
	}
}

// column adds lo <= Σ_r x_vars[r][k] <= hi: the sum of column k of a
// table of variables.
func (b *builder) column(lo, hi float64, vars [][]int, k int) {
	cols, vals := make([]int, len(vars)), make([]float64, len(vars))
	for r := range vars {
		cols[r], vals[r] = vars[r][k], 1
	}
	b.row(lo, hi, cols, vals)
}

var inf = math.Inf(1)

// setCover: cover each of m elements by one of n sets of random cost,
// each element lying in about dens·n sets.
func setCover(rng *rand.Rand, m, n int, dens float64) *lp.Model {
	b := newBuilder("setcover", lp.Minimize)
	for j := range n {
		b.col(fmt.Sprintf("x%d", j), 0, 1, float64(1+rng.IntN(100)), true)
	}
	for range m {
		var cols []int
		var vals []float64
		for _, j := range rng.Perm(n)[:max(2, int(dens*float64(n)))] {
			cols, vals = append(cols, j), append(vals, 1)
		}
		b.row(1, inf, cols, vals)
	}
	return b.m
}

// multiKnapsack: pick items of random value under m capacity rows, each
// a quarter of the row's total weight.
func multiKnapsack(rng *rand.Rand, m, n int) *lp.Model {
	b := newBuilder("mknap", lp.Maximize)
	cols := make([]int, n)
	for j := range n {
		cols[j] = b.col(fmt.Sprintf("x%d", j), 0, 1, float64(1+rng.IntN(1000)), true)
	}
	for range m {
		vals := make([]float64, n)
		total := 0.0
		for j := range vals {
			vals[j] = float64(1 + rng.IntN(1000))
			total += vals[j]
		}
		b.row(-inf, math.Floor(total/4), cols, vals)
	}
	return b.m
}

// facilityLocation: open facilities (binary, fixed cost) of limited
// capacity in the unit square and serve every customer's demand from
// them, at a cost per unit of distance (continuous shares).
func facilityLocation(rng *rand.Rand, nf, nc int) *lp.Model {
	b := newBuilder("cfl", lp.Minimize)
	type pt struct{ x, y float64 }
	fac, cus := make([]pt, nf), make([]pt, nc)
	demand := make([]float64, nc)
	totalDemand := 0.0
	for i := range fac {
		fac[i] = pt{rng.Float64(), rng.Float64()}
	}
	for k := range cus {
		cus[k] = pt{rng.Float64(), rng.Float64()}
		demand[k] = float64(5 + rng.IntN(30))
		totalDemand += demand[k]
	}
	open := make([]int, nf)
	for i := range open {
		open[i] = b.col(fmt.Sprintf("y%d", i), 0, 1, float64(500+rng.IntN(1000)), true)
	}
	share := make([][]int, nf)
	for i := range share {
		share[i] = make([]int, nc)
		for k := range share[i] {
			d := math.Hypot(fac[i].x-cus[k].x, fac[i].y-cus[k].y)
			share[i][k] = b.col(fmt.Sprintf("x%d_%d", i, k), 0, 1, math.Round(1000*d*demand[k])/100, false)
		}
	}
	for k := range nc {
		b.column(1, 1, share, k)
	}
	for i := range nf {
		capacity := math.Round(totalDemand * (0.5 + rng.Float64()) * 3 / float64(nf))
		cols, vals := []int{open[i]}, []float64{-capacity}
		for k := range nc {
			cols, vals = append(cols, share[i][k]), append(vals, demand[k])
		}
		b.row(-inf, 0, cols, vals)
	}
	return b.m
}

// generalizedAssignment: assign each job to one agent, within the
// agents' capacities, at least cost.
func generalizedAssignment(rng *rand.Rand, na, nj int) *lp.Model {
	b := newBuilder("gap", lp.Minimize)
	x := make([][]int, na)
	w := make([][]float64, na)
	for a := range x {
		x[a], w[a] = make([]int, nj), make([]float64, nj)
		for j := range nj {
			x[a][j] = b.col(fmt.Sprintf("x%d_%d", a, j), 0, 1, float64(10+rng.IntN(41)), true)
			w[a][j] = float64(5 + rng.IntN(21))
		}
	}
	for j := range nj {
		b.column(1, 1, x, j)
	}
	for a := range na {
		total := 0.0
		for _, v := range w[a] {
			total += v
		}
		b.row(-inf, math.Floor(0.8*total/float64(na)), x[a], w[a])
	}
	return b.m
}

// lotSizing: produce p items over t periods on one machine of limited
// capacity, with a setup (binary, fixed cost) in each period an item is
// made, production and stock costs, and general integer batches of 10.
func lotSizing(rng *rand.Rand, p, t int) *lp.Model {
	b := newBuilder("lotsize", lp.Minimize)
	demand := make([][]float64, p)
	for i := range demand {
		demand[i] = make([]float64, t)
		for k := range demand[i] {
			demand[i][k] = float64(10 * rng.IntN(11))
		}
	}
	// The machine can meet the demand of every first k periods (no
	// stock to start from), with 30 % to spare at the tightest k.
	perPeriod, cum := 0.0, 0.0
	for k := range t {
		for i := range p {
			cum += demand[i][k]
		}
		perPeriod = max(perPeriod, cum/float64(k+1))
	}
	made := make([][]int, p)
	for i := range p {
		made[i] = make([]int, t)
		stock := -1
		for k := range t {
			remaining := 0.0
			for _, d := range demand[i][k:] {
				remaining += d
			}
			batches := b.col(fmt.Sprintf("n%d_%d", i, k), 0, math.Ceil(remaining/10), float64(1+rng.IntN(5)), true)
			setup := b.col(fmt.Sprintf("y%d_%d", i, k), 0, 1, float64(50+rng.IntN(250)), true)
			next := b.col(fmt.Sprintf("s%d_%d", i, k), 0, inf, 1, false)
			made[i][k] = batches
			// stock(k-1) + 10·batches - stock(k) = demand
			cols, vals := []int{batches, next}, []float64{10, -1}
			if stock >= 0 {
				cols, vals = append(cols, stock), append(vals, 1)
			}
			b.row(demand[i][k], demand[i][k], cols, vals)
			b.row(-inf, 0, []int{batches, setup}, []float64{1, -math.Ceil(remaining / 10)})
			stock = next
		}
	}
	capacity := math.Ceil(1.3 * perPeriod / 10)
	for k := range t {
		b.column(-inf, capacity, made, k)
	}
	return b.m
}

// modelFamilies are the generated models TestModelFamilies solves, each
// with a seed, sized to take Solve well under a second.
var modelFamilies = []struct {
	name string
	gen  func(rng *rand.Rand) *lp.Model
}{
	{"setcover", func(rng *rand.Rand) *lp.Model { return setCover(rng, 80, 400, 0.03) }},
	{"mknap", func(rng *rand.Rand) *lp.Model { return multiKnapsack(rng, 5, 40) }},
	{"cfl", func(rng *rand.Rand) *lp.Model { return facilityLocation(rng, 8, 30) }},
	{"gap", func(rng *rand.Rand) *lp.Model { return generalizedAssignment(rng, 5, 25) }},
	{"lotsize", func(rng *rand.Rand) *lp.Model { return lotSizing(rng, 4, 10) }},
}

// TestModelFamilies solves generated models of five families, three
// seeds each, and checks that Solve proves glpsol's optimum (glpsol
// reading the model as written by lpformat.Write) with a point that
// meets every row, bound and integrality. Without glpsol (Debian's
// glpk-utils) the test is skipped.
func TestModelFamilies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs glpsol on generated models")
	}
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (apt-get install glpk-utils):", err)
	}
	for _, f := range modelFamilies {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s-%d", f.name, seed), func(t *testing.T) {
				t.Parallel()
				m := f.gen(rand.New(rand.NewPCG(seed, 0x6d6970)))
				lpFile := filepath.Join(t.TempDir(), f.name+".lp")
				out, err := os.Create(lpFile)
				if err != nil {
					t.Fatal(err)
				}
				if err := lpformat.Write(out, m); err != nil {
					t.Fatal(err)
				}
				if err := out.Close(); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				start := time.Now()
				res, err := mip.Solve(ctx, m, mip.Options{RelGap: 1e-9})
				if err != nil {
					t.Fatal(err)
				}
				took := time.Since(start)
				t.Logf("%d rows, %d columns: %s %v in %v, %d nodes", len(m.Rows), len(m.Vars), res.Status, res.Objective,
					took.Round(time.Millisecond), res.Nodes)
				if !res.HasSolution() {
					t.Fatalf("status %s without a solution", res.Status)
				}
				checkFeasible(t, m, res)
				want := glpsolOptimum(t, lpFile)
				if res.Status != lp.Optimal || math.Abs(res.Objective-want) > 1e-6*max(1, math.Abs(want)) {
					t.Fatalf("status %s objective %.10g, want optimal %.10g (glpsol)", res.Status, res.Objective, want)
				}
			})
		}
	}
}
