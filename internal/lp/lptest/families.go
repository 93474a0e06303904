package lptest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
)

// Random models of the classic integer families, beside the MIPLIB and
// GLPK sets: covering, packing, assignment, fixed-charge and lot-sizing
// structure, with general integers, binaries and continuous variables.
// Each generator is deterministic in its random source.

// A Family names a generator of random models of one structure at one
// size.
type Family struct {
	Name     string
	Generate func(rng *rand.Rand) *lp.Model
}

// Model returns the family's model for seed: its generator run on a PCG
// source of that seed, so that the tests and the benchmark make the same
// model from the same seed.
func (f Family) Model(seed uint64) *lp.Model {
	return f.Generate(rand.New(rand.NewPCG(seed, 0x6d6970)))
}

// Families are the generated models the MIP tests solve, sized to take
// a branch and bound well under a second.
var Families = []Family{
	{"setcover", func(rng *rand.Rand) *lp.Model { return SetCover(rng, 80, 400, 0.03) }},
	{"mknap", func(rng *rand.Rand) *lp.Model { return MultiKnapsack(rng, 5, 40) }},
	{"cfl", func(rng *rand.Rand) *lp.Model { return FacilityLocation(rng, 8, 30) }},
	{"gap", func(rng *rand.Rand) *lp.Model { return GeneralizedAssignment(rng, 5, 25) }},
	{"lotsize", func(rng *rand.Rand) *lp.Model { return LotSizing(rng, 4, 10) }},
}

// BenchFamilies are larger models of the same families, for timing
// (scripts/bench-mip.sh SET=families): from a few hundredths of a second
// for every solver to past a minute for some (lot sizing for nsqfarm and
// glpsol, the larger assignment model for glpsol and cbc).
var BenchFamilies = []Family{
	{"sc200x1000", func(rng *rand.Rand) *lp.Model { return SetCover(rng, 200, 1000, 0.02) }},
	{"sc400x3000", func(rng *rand.Rand) *lp.Model { return SetCover(rng, 400, 3000, 0.01) }},
	{"mk5x100", func(rng *rand.Rand) *lp.Model { return MultiKnapsack(rng, 5, 100) }},
	{"mk10x60", func(rng *rand.Rand) *lp.Model { return MultiKnapsack(rng, 10, 60) }},
	{"cfl20x80", func(rng *rand.Rand) *lp.Model { return FacilityLocation(rng, 20, 80) }},
	{"cfl30x150", func(rng *rand.Rand) *lp.Model { return FacilityLocation(rng, 30, 150) }},
	{"gap8x60", func(rng *rand.Rand) *lp.Model { return GeneralizedAssignment(rng, 8, 60) }},
	{"gap10x100", func(rng *rand.Rand) *lp.Model { return GeneralizedAssignment(rng, 10, 100) }},
	{"ls8x20", func(rng *rand.Rand) *lp.Model { return LotSizing(rng, 8, 20) }},
	{"ls10x30", func(rng *rand.Rand) *lp.Model { return LotSizing(rng, 10, 30) }},
}

// WriteLP writes m to the file path in LP format (lpformat.Write), for
// glpsol and cbc to read.
func WriteLP(path string, m *lp.Model) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := lpformat.Write(out, m); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

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

// SetCover returns a set covering model: cover each of m elements by one of n sets of random cost,
// each element lying in about dens·n sets.
func SetCover(rng *rand.Rand, m, n int, dens float64) *lp.Model {
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

// MultiKnapsack returns a multi-dimensional knapsack: pick items of random value under m capacity rows, each
// a quarter of the row's total weight.
func MultiKnapsack(rng *rand.Rand, m, n int) *lp.Model {
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

// FacilityLocation returns a capacitated facility location model: open facilities (binary, fixed cost) of limited
// capacity in the unit square and serve every customer's demand from
// them, at a cost per unit of distance (continuous shares).
func FacilityLocation(rng *rand.Rand, nf, nc int) *lp.Model {
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

// GeneralizedAssignment returns a generalised assignment model: assign each job to one agent, within the
// agents' capacities, at least cost.
func GeneralizedAssignment(rng *rand.Rand, na, nj int) *lp.Model {
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

// LotSizing returns a capacitated lot-sizing model: produce p items over t periods on one machine of limited
// capacity, with a setup (binary, fixed cost) in each period an item is
// made, production and stock costs, and general integer batches of 10.
func LotSizing(rng *rand.Rand, p, t int) *lp.Model {
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
