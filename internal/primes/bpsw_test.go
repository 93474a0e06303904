package primes

import (
	"context"
	crand "crypto/rand"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
)

// mustInt parses a decimal integer for tests.
func mustInt(t testing.TB, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad test integer %q", s)
	}
	return n
}

// mersenne returns 2^k - 1.
func mersenne(k uint) *big.Int {
	n := new(big.Int).Lsh(bigOne, k)
	return n.Sub(n, bigOne)
}

func TestIsProbablePrimeKnown(t *testing.T) {
	fermat7 := new(big.Int).Lsh(bigOne, 128)
	fermat7.Add(fermat7, bigOne)
	tests := []struct {
		name string
		n    *big.Int
		want bool
	}{
		{"negative", big.NewInt(-7), false},
		{"zero", big.NewInt(0), false},
		{"one", big.NewInt(1), false},
		{"two", big.NewInt(2), true},
		{"2^64-59", mustInt(t, "18446744073709551557"), true},
		{"2^64", new(big.Int).Lsh(bigOne, 64), false},
		{"2^64+13", mustInt(t, "18446744073709551629"), true},
		{"M89", mersenne(89), true},
		{"M107", mersenne(107), true},
		{"M127", mersenne(127), true},
		{"M521", mersenne(521), true},
		{"M607", mersenne(607), true},
		{"2^128-1", mersenne(128), false},
		{"2^101-1", mersenne(101), false},
		{"F7 = 2^128+1", fermat7, false},
		// Strong pseudoprimes to the first 12 and 13 prime bases.
		{"psp12", mustInt(t, "318665857834031151167461"), false},
		{"psp13", mustInt(t, "3317044064679887385961981"), false},
		{"M89^2", new(big.Int).Mul(mersenne(89), mersenne(89)), false},
		{"M89·M107", new(big.Int).Mul(mersenne(89), mersenne(107)), false},
	}
	for _, tt := range tests {
		if got := IsProbablePrime(tt.n); got != tt.want {
			t.Errorf("IsProbablePrime(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Strong Lucas pseudoprimes with Selfridge's parameters (OEIS A217255):
// composites that the Lucas half of Baillie–PSW alone lets through.
func TestStrongLucasPseudoprimes(t *testing.T) {
	for _, n := range []int64{5459, 5777, 10877, 16109, 18971, 22499, 24569, 25199, 40309, 58519} {
		if prime, _ := strongLucas(t.Context(), big.NewInt(n)); !prime {
			t.Errorf("strongLucas(%d) = false, want true (a strong Lucas pseudoprime)", n)
		}
		if IsPrime64(uint64(n)) {
			t.Errorf("IsPrime64(%d) = true", n)
		}
	}
}

func TestStrongLucasMatchesPrimality(t *testing.T) {
	pseudo := map[int64]bool{5459: true, 5777: true, 10877: true, 16109: true, 18971: true, 22499: true, 24569: true, 25199: true, 40309: true, 58519: true}
	for n := int64(601); n < 60000; n += 2 {
		if remWord(big.NewInt(n), 3*5*7*11*13) == 0 {
			continue
		}
		got, _ := strongLucas(t.Context(), big.NewInt(n))
		if want := IsPrime64(uint64(n)) || pseudo[n]; got != want {
			t.Fatalf("strongLucas(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestIsProbablePrimeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		n := randomBits(r, 100+i%101)
		if got, want := IsProbablePrime(n), n.ProbablyPrime(20); got != want {
			t.Fatalf("IsProbablePrime(%v) = %v, big.ProbablyPrime(20) = %v", n, got, want)
		}
	}
}

func TestIsProbablePrimeRandomPrimes(t *testing.T) {
	for i := range 300 {
		bits := 100 + i%101
		p, err := crand.Prime(crand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		if !IsProbablePrime(p) {
			t.Fatalf("IsProbablePrime(%v) = false for a %d-bit prime", p, bits)
		}
		q, err := crand.Prime(crand.Reader, 64)
		if err != nil {
			t.Fatal(err)
		}
		if pq := new(big.Int).Mul(p, q); IsProbablePrime(pq) {
			t.Fatalf("IsProbablePrime(%v · %v) = true", p, q)
		}
	}
}

// randomBits returns a random odd number with exactly bits bits.
func randomBits(r *rand.Rand, bits int) *big.Int {
	n := new(big.Int)
	for n.BitLen() < bits {
		n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(r.Uint64()))
	}
	n.Rsh(n, uint(n.BitLen()-bits))
	return n.SetBit(n, 0, 1)
}

func TestIsProbablePrimeContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, n := range []*big.Int{mersenne(521), new(big.Int).Mul(mersenne(89), mersenne(107))} {
		if _, err := IsProbablePrimeContext(ctx, n); !errors.Is(err, context.Canceled) {
			t.Errorf("IsProbablePrimeContext(canceled, %v) error = %v, want context.Canceled", n, err)
		}
	}
	// Below 2^64 the answer is immediate and ctx is not consulted.
	if prime, err := IsProbablePrimeContext(ctx, big.NewInt(97)); !prime || err != nil {
		t.Errorf("IsProbablePrimeContext(canceled, 97) = %v, %v", prime, err)
	}
}
