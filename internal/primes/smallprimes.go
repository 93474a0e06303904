package primes

import (
	"math"
	"sync"
)

// smallPrimeLimit bounds the table of odd primes used for trial division.
const smallPrimeLimit = 1 << 16

// divisor is an odd prime with the constants for a division-free
// divisibility test: n is a multiple of p exactly when n·inv mod 2^64 ≤ max
// (Granlund and Montgomery, "Division by invariant integers").
type divisor struct {
	p   uint64
	inv uint64 // p^-1 mod 2^64
	max uint64 // ⌊(2^64-1)/p⌋
}

// divides reports whether d.p divides n.
func (d divisor) divides(n uint64) bool { return n*d.inv <= d.max }

// oddPrimes returns the odd primes below smallPrimeLimit in ascending
// order. The table is built on first use, not at program start, so that
// binaries which never test a number do not pay for it.
var oddPrimes = sync.OnceValue(func() []divisor { return sieveOddPrimes(smallPrimeLimit) })

// sieveOddPrimes returns the odd primes below limit by the sieve of
// Eratosthenes.
func sieveOddPrimes(limit int) []divisor {
	composite := make([]bool, limit)
	var ds []divisor
	for i := 3; i < limit; i += 2 {
		if composite[i] {
			continue
		}
		p := uint64(i)
		ds = append(ds, divisor{p: p, inv: inverse64(p), max: math.MaxUint64 / p})
		for j := i * i; j < limit; j += 2 * i {
			composite[j] = true
		}
	}
	return ds
}
