package primes

import (
	"math/big"
	"testing"
)

// Benchmark inputs.
const (
	prime64     = 18446744073709551557 // 2^64-59
	semiprime64 = 4294967279 * 4294967291
)

// sink keeps benchmark results alive.
var sink any

func BenchmarkIsPrime(b *testing.B) {
	cases := []struct {
		name string
		n    *big.Int
	}{
		{"64bit-prime", new(big.Int).SetUint64(prime64)},
		{"64bit-semiprime", new(big.Int).SetUint64(semiprime64)},
		{"128bit-prime", mersenne(127)},
	}
	for _, c := range cases {
		b.Run(c.name+"/ours", func(b *testing.B) {
			if c.n.IsUint64() {
				n := c.n.Uint64()
				for b.Loop() {
					sink = IsPrime64(n)
				}
				return
			}
			for b.Loop() {
				sink = IsProbablePrime(c.n)
			}
		})
		b.Run(c.name+"/bigProbablyPrime20", func(b *testing.B) {
			for b.Loop() {
				sink = c.n.ProbablyPrime(20)
			}
		})
	}
}

func BenchmarkFactor64(b *testing.B) {
	b.Run("semiprime", func(b *testing.B) {
		for b.Loop() {
			sink = Factor64(semiprime64)
		}
	})
	b.Run("2^64-1", func(b *testing.B) {
		for b.Loop() {
			sink = Factor64(1<<64 - 1)
		}
	})
}

func BenchmarkFactorBounded(b *testing.B) {
	// (2^31-1)·(2^89-1): trial division, one Pollard–Brent split and a
	// Baillie–PSW test on a 120-bit number.
	n := new(big.Int).Mul(big.NewInt(2147483647), mersenne(89))
	for b.Loop() {
		f, err := FactorBounded(b.Context(), n, DefaultBudget())
		if err != nil || !f.Complete() {
			b.Fatalf("FactorBounded(%v) = %v, %v", n, f, err)
		}
	}
}
