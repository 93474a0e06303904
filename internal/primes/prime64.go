package primes

import "math/bits"

// quickTrialPrimes is how many entries of oddPrimes (3 to 53) IsPrime64
// tries before running Miller–Rabin.
const quickTrialPrimes = 15

// Miller–Rabin bases that give a deterministic answer: {2, 7, 61} for
// n < 4,759,123,141 (Jaeschke) and Jim Sinclair's seven bases for every
// n < 2^64. A base that is a multiple of n is skipped.
var (
	bases32 = []uint64{2, 7, 61}
	bases64 = []uint64{2, 325, 9375, 28178, 450775, 9780504, 1795265022}
)

// IsPrime64 reports whether n is prime. The answer is exact for every
// uint64: trial division by the primes up to 53, then a deterministic
// Miller–Rabin test in Montgomery arithmetic.
func IsPrime64(n uint64) bool {
	if n < 2 {
		return false
	}
	if n&1 == 0 {
		return n == 2
	}
	small := oddPrimes()
	for _, d := range small[:quickTrialPrimes] {
		if d.divides(n) {
			return n == d.p
		}
	}
	if last := small[quickTrialPrimes].p; n < last*last {
		return true // no prime factor up to its square root
	}
	bases := bases64
	if n < 4_759_123_141 {
		bases = bases32
	}
	m := newMontgomery(n)
	s := bits.TrailingZeros64(n - 1)
	d := (n - 1) >> uint(s)
	for i := 0; i < len(bases); i += 2 {
		a, b := bases[i], bases[min(i+1, len(bases)-1)]
		x, y := m.pow2(m.to(a), m.to(b), d)
		if !m.strongProbablePrime(a, x, s) || !m.strongProbablePrime(b, y, s) {
			return false
		}
	}
	return true
}

// strongProbablePrime reports whether n = d·2^s + 1 (d odd) is a strong
// probable prime to the base a, given x = a^d in Montgomery form. Bases
// that are multiples of n pass.
func (m *montgomery) strongProbablePrime(a, x uint64, s int) bool {
	minusOne := m.n - m.one
	if a%m.n == 0 || x == m.one || x == minusOne {
		return true
	}
	for range s - 1 {
		x = m.mul(x, x)
		if x == minusOne {
			return true
		}
		if x == m.one {
			return false // a nontrivial square root of 1
		}
	}
	return false
}
