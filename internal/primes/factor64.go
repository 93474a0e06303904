package primes

import (
	"math"
	"math/bits"
	"slices"
)

// factorTrialLimit bounds the primes Factor64 removes by trial division
// before switching to Pollard–Brent rho.
const factorTrialLimit = 1 << 10

// Factor64 returns the prime factorisation of n in ascending order with
// multiplicity. 0 and 1 have no prime factors: Factor64 returns an empty
// (nil) slice for them.
func Factor64(n uint64) []uint64 {
	return AppendFactors64(nil, n)
}

// AppendFactors64 appends the prime factors of n to dst, in ascending order
// with multiplicity, and returns the extended slice. Passing a slice with
// spare capacity (a factorisation has at most 64 factors) avoids allocation.
func AppendFactors64(dst []uint64, n uint64) []uint64 {
	if n < 2 {
		return dst
	}
	start := len(dst)
	tz := bits.TrailingZeros64(n)
	for range tz {
		dst = append(dst, 2)
	}
	n >>= uint(tz)
	for _, d := range oddPrimes() {
		if d.p >= factorTrialLimit || d.p*d.p > n {
			break
		}
		for d.divides(n) {
			dst = append(dst, d.p)
			n *= d.inv // exact division
		}
	}
	if n == 1 {
		return dst
	}
	if n < factorTrialLimit*factorTrialLimit {
		return append(dst, n) // no factor up to its square root
	}
	dst = appendLargeFactors(dst, n)
	slices.Sort(dst[start:])
	return dst
}

// appendLargeFactors appends the prime factors of the odd n > 1, which has
// no prime factor below factorTrialLimit, in no particular order.
func appendLargeFactors(dst []uint64, n uint64) []uint64 {
	if IsPrime64(n) {
		return append(dst, n)
	}
	if r := isqrt64(n); r*r == n {
		dst = appendLargeFactors(dst, r)
		return appendLargeFactors(dst, r)
	}
	d := findFactor64(n)
	dst = appendLargeFactors(dst, d)
	return appendLargeFactors(dst, n/d)
}

// isqrt64 returns ⌊√n⌋.
func isqrt64(n uint64) uint64 {
	r := uint64(math.Sqrt(float64(n)))
	// The float estimate is off by at most one either way.
	for r > 0 && (r > math.MaxUint32 || r*r > n) {
		r--
	}
	for r < math.MaxUint32 && (r+1)*(r+1) <= n {
		r++
	}
	return r
}

// findFactor64 returns a nontrivial factor of the odd composite n, running
// Pollard–Brent rho with the polynomials x^2 + c for c = 1, 2, ... until one
// splits n.
func findFactor64(n uint64) uint64 {
	m := newMontgomery(n)
	for c := uint64(1); ; c++ {
		if d := m.brent(m.to(c)); d != n {
			return d
		}
	}
}

// rhoBatch is how many differences Pollard–Brent multiplies together
// before taking one gcd with n.
const rhoBatch = 128

// brent runs Pollard–Brent rho on the iteration x → x^2 + c (c and x in
// Montgomery form) and returns a factor of n greater than 1: n itself when
// this c fails.
func (m *montgomery) brent(c uint64) uint64 {
	f := func(x uint64) uint64 { return m.add(m.mul(x, x), c) }
	var x, ys uint64
	y, q, g := m.one, m.one, uint64(1)
	for r := 1; g == 1; r *= 2 {
		x = y
		for range r {
			y = f(y)
		}
		for k := 0; k < r && g == 1; k += rhoBatch {
			ys = y
			for range min(rhoBatch, r-k) {
				y = f(y)
				q = m.mul(q, absDiff(x, y))
			}
			g = gcd64(q, m.n)
		}
	}
	if g == m.n {
		// The batch overshot: the product became 0 mod n. Redo it one
		// step at a time from its start.
		for g = 1; g == 1; {
			ys = f(ys)
			g = gcd64(absDiff(x, ys), m.n)
		}
	}
	return g
}

// absDiff returns |a - b|.
func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// gcd64 returns the greatest common divisor of a and b by the binary
// algorithm; gcd64(0, b) = b.
func gcd64(a, b uint64) uint64 {
	if a == 0 {
		return b
	}
	if b == 0 {
		return a
	}
	shift := bits.TrailingZeros64(a | b)
	a >>= uint(bits.TrailingZeros64(a))
	for b != 0 {
		b >>= uint(bits.TrailingZeros64(b))
		if a > b {
			a, b = b, a
		}
		b -= a
	}
	return a << uint(shift)
}
