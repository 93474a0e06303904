package primes

import "math/bits"

// montgomery holds the constants for arithmetic modulo an odd n in
// Montgomery form with R = 2^64: a value a is represented as a·R mod n.
// Every method expects and returns fully reduced values in [0, n).
type montgomery struct {
	n    uint64 // the odd modulus
	nInv uint64 // n^-1 mod 2^64
	one  uint64 // R mod n, the Montgomery form of 1
	r2   uint64 // R^2 mod n, used to convert into Montgomery form
}

// newMontgomery returns the Montgomery constants for the odd modulus n > 1.
func newMontgomery(n uint64) montgomery {
	one := -n % n // 2^64 mod n
	hi, lo := bits.Mul64(one, one)
	return montgomery{n: n, nInv: inverse64(n), one: one, r2: bits.Rem64(hi, lo, n)}
}

// inverse64 returns a^-1 mod 2^64 for odd a, by Newton's iteration: a is its
// own inverse mod 8 and each step doubles the number of correct low bits.
func inverse64(a uint64) uint64 {
	x := a
	for range 5 { // 3 → 6 → 12 → 24 → 48 → 96 bits
		x *= 2 - a*x
	}
	return x
}

// reduce returns (hi·2^64 + lo)·R^-1 mod n for hi < n.
func (m *montgomery) reduce(hi, lo uint64) uint64 {
	q := lo * m.nInv // q·n ≡ lo (mod 2^64), so the low words cancel
	mh, _ := bits.Mul64(q, m.n)
	r := hi - mh
	if hi < mh {
		r += m.n
	}
	return r
}

// mul returns a·b·R^-1 mod n: the Montgomery product.
func (m *montgomery) mul(a, b uint64) uint64 {
	return m.reduce(bits.Mul64(a, b))
}

// to converts a (any value) into Montgomery form.
func (m *montgomery) to(a uint64) uint64 {
	return m.mul(a%m.n, m.r2)
}

// add returns a + b mod n.
func (m *montgomery) add(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 || s >= m.n {
		s -= m.n
	}
	return s
}

// pow2 returns a^e and b^e in Montgomery form for a and b in Montgomery
// form. It works on two bases at once because each modular product waits
// on the previous one: interleaving two independent chains nearly halves
// the time per base. It reads e two bits at a time from a small table, so
// it has no data-dependent branches.
func (m *montgomery) pow2(a, b, e uint64) (uint64, uint64) {
	ta := [4]uint64{m.one, a, m.mul(a, a), 0}
	tb := [4]uint64{m.one, b, m.mul(b, b), 0}
	ta[3], tb[3] = m.mul(ta[2], a), m.mul(tb[2], b)
	x, y := m.one, m.one
	for i := (bits.Len64(e)+1)&^1 - 2; i >= 0; i -= 2 {
		x, y = m.mul(x, x), m.mul(y, y)
		x, y = m.mul(x, x), m.mul(y, y)
		digit := e >> uint(i) & 3
		x, y = m.mul(x, ta[digit]), m.mul(y, tb[digit])
	}
	return x, y
}
