package primes

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestIsPrime64Known(t *testing.T) {
	tests := []struct {
		n    uint64
		want bool
	}{
		{0, false},
		{1, false},
		{2, true},
		{3, true},
		{4, false},
		{53, true},
		{59, true},
		{3481, false}, // 59^2, the first number the quick trial division misses
		{3491, true},
		{2047, false},                // strong pseudoprime to base 2
		{1373653, false},             // strong pseudoprime to bases 2, 3
		{25326001, false},            // strong pseudoprime to bases 2, 3, 5
		{3215031751, false},          // strong pseudoprime to bases 2, 3, 5, 7
		{4759123141, false},          // strong pseudoprime to bases 2, 7, 61
		{2152302898747, false},       // strong pseudoprime to bases 2 to 11
		{3474749660383, false},       // strong pseudoprime to bases 2 to 13
		{341550071728321, false},     // strong pseudoprime to bases 2 to 17
		{3825123056546413051, false}, // strong pseudoprime to bases 2 to 23
		{4294967291, true},           // largest prime below 2^32
		{4294967297, false},          // 2^32+1 = 641 · 6700417
		{1<<31 - 1, true},
		{1<<61 - 1, true},
		{math.MaxUint64 - 58, true}, // 2^64-59, the largest 64-bit prime
		{math.MaxUint64, false},
		{4294967291 * 4294967291, false},
		{4294967279 * 4294967291, false},
	}
	for _, tt := range tests {
		if got := IsPrime64(tt.n); got != tt.want {
			t.Errorf("IsPrime64(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

// carmichaelNumbers are composites n with (p-1) | (n-1) for every prime
// p | n: Fermat pseudoprimes to every coprime base.
var carmichaelNumbers = []uint64{
	561, 1105, 1729, 2465, 2821, 6601, 8911, 10585, 15841, 29341, 41041,
	825265, 321197185, 5394826801, 232250619601, 9746347772161,
	1436697831295441, 60977817398996785,
}

func TestIsPrime64Carmichael(t *testing.T) {
	for _, n := range carmichaelNumbers {
		factors := Factor64(n)
		for i, p := range factors {
			if (n-1)%(p-1) != 0 || i > 0 && factors[i-1] == p {
				t.Fatalf("test data: %d (factors %v) is not a Carmichael number", n, factors)
			}
		}
		if IsPrime64(n) {
			t.Errorf("IsPrime64(%d) = true for a Carmichael number", n)
		}
	}
}

func TestIsPrime64Sieve(t *testing.T) {
	const limit = 1 << 20
	composite := make([]bool, limit)
	for i := 2; i < limit; i++ {
		if !composite[i] {
			for j := i * i; j < limit; j += i {
				composite[j] = true
			}
		}
		if got := IsPrime64(uint64(i)); got == composite[i] {
			t.Fatalf("IsPrime64(%d) = %v", i, got)
		}
	}
}

func TestIsPrime64Random(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var b big.Int
	check := func(n uint64) {
		t.Helper()
		want := b.SetUint64(n).ProbablyPrime(20)
		if got := IsPrime64(n); got != want {
			t.Fatalf("IsPrime64(%d) = %v, big.ProbablyPrime(20) = %v", n, got, want)
		}
	}
	for range 3000 {
		check(r.Uint64())
		check(r.Uint64() | 1)
		check(r.Uint64() >> r.IntN(64))
		check(math.MaxUint64 - r.Uint64N(1<<16))
	}
}

func TestIsPrime64Semiprimes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		p, q := randomPrime32(r), randomPrime32(r)
		if IsPrime64(p * q) {
			t.Fatalf("IsPrime64(%d · %d) = true", p, q)
		}
	}
}

// randomPrime32 returns a random prime in [2^31, 2^32).
func randomPrime32(r *rand.Rand) uint64 {
	for {
		if n := uint64(r.Uint32()) | 1<<31 | 1; IsPrime64(n) {
			return n
		}
	}
}
