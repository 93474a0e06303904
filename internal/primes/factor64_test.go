package primes

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestFactor64Known(t *testing.T) {
	tests := []struct {
		n    uint64
		want []uint64
	}{
		{0, nil},
		{1, nil},
		{2, []uint64{2}},
		{12, []uint64{2, 2, 3}},
		{1 << 63, slices.Repeat([]uint64{2}, 63)},
		{1021 * 1021, []uint64{1021, 1021}},
		{1031 * 1031, []uint64{1031, 1031}},
		{1031 * 1033 * 1039, []uint64{1031, 1033, 1039}},
		{561, []uint64{3, 11, 17}},
		{3825123056546413051, []uint64{149491, 747451, 34233211}},
		{math.MaxUint64, []uint64{3, 5, 17, 257, 641, 65537, 6700417}},
		{math.MaxUint64 - 58, []uint64{math.MaxUint64 - 58}},
		{4294967291 * 4294967291, []uint64{4294967291, 4294967291}},
		{4294967279 * 4294967291, []uint64{4294967279, 4294967291}},
		{65521 * 65521 * 65521 * 65519, []uint64{65519, 65521, 65521, 65521}},
		{3 * 3 * 4294967291 * 4294967279 / 9, []uint64{4294967279, 4294967291}},
		{2 * 9223372036854775783, []uint64{2, 9223372036854775783}}, // 2 · (largest prime below 2^63)
	}
	for _, tt := range tests {
		if got := Factor64(tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("Factor64(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestFactor64Random(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 500 {
		checkFactors(t, r.Uint64())
		checkFactors(t, randomPrime32(r)*randomPrime32(r))
		p := randomPrime32(r) >> r.IntN(20)
		checkFactors(t, p*p)
	}
}

func TestAppendFactors64KeepsPrefix(t *testing.T) {
	got := AppendFactors64([]uint64{7}, 4294967279*4294967291)
	if want := []uint64{7, 4294967279, 4294967291}; !slices.Equal(got, want) {
		t.Errorf("AppendFactors64([7], ...) = %v, want %v", got, want)
	}
}

func FuzzFactor64(f *testing.F) {
	for _, n := range []uint64{0, 1, 2, 561, math.MaxUint64, 4294967279 * 4294967291, 4294967291 * 4294967291} {
		f.Add(n)
	}
	f.Fuzz(checkFactors)
}

// checkFactors checks that Factor64(n) is ascending, made of primes and
// multiplies back to n.
func checkFactors(t *testing.T, n uint64) {
	t.Helper()
	factors := Factor64(n)
	if n < 2 {
		if len(factors) != 0 {
			t.Fatalf("Factor64(%d) = %v, want none", n, factors)
		}
		return
	}
	if !slices.IsSorted(factors) {
		t.Fatalf("Factor64(%d) = %v, not ascending", n, factors)
	}
	product := uint64(1)
	for _, p := range factors {
		if !IsPrime64(p) {
			t.Fatalf("Factor64(%d) = %v: %d is not prime", n, factors, p)
		}
		product *= p
	}
	if product != n {
		t.Fatalf("Factor64(%d) = %v, product %d", n, factors, product)
	}
}
