package lp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomBasis returns the columns of a random sparse nonsingular m×m
// basis with a few logical columns: a dominant diagonal and four other
// entries per column.
func randomBasis(rng *rand.Rand, m int) columnFunc {
	idx := make([][]int, m)
	val := make([][]float64, m)
	for p := range m {
		if rng.IntN(4) == 0 {
			idx[p], val[p] = []int{p}, []float64{-1}
			continue
		}
		rows := map[int]bool{p: true}
		for range 4 {
			rows[rng.IntN(m)] = true
		}
		for i := range m {
			if !rows[i] {
				continue
			}
			v := rng.Float64() - 0.5
			if i == p {
				v = 5 + rng.Float64()
			}
			idx[p], val[p] = append(idx[p], i), append(val[p], v)
		}
	}
	return func(j int) ([]int, []float64) { return idx[j], val[j] }
}

// TestLUReuse factorises bases of growing and shrinking sizes with one
// factor object handed on by reuse, as Relaxation.AddRows and RemoveRows
// do, and checks each factorisation: B⁻¹ times every basis column is
// the unit vector of its position.
func TestLUReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	f := newLUFactor(30)
	for _, m := range []int{30, 45, 12, 60, 60, 7, 33} {
		f = f.reuse(m)
		col := randomBasis(rng, m)
		head := make([]int, m)
		for p := range head {
			head[p] = p
		}
		if reps := f.factor(head, col); len(reps) != 0 {
			t.Fatalf("m=%d: %d dependent columns in a nonsingular basis", m, len(reps))
		}
		b := make([]float64, m)
		for p := range m {
			clear(b)
			idx, val := col(p)
			for k, i := range idx {
				b[i] = val[k]
			}
			f.ftran(b, false)
			for i, v := range b {
				want := 0.0
				if i == p {
					want = 1
				}
				if math.Abs(v-want) > 1e-10 {
					t.Fatalf("m=%d: B⁻¹ a_%d has entry %d = %g, want %g", m, p, i, v, want)
				}
			}
		}
	}
}
