package primes

import (
	"context"
	"math/big"
)

// strongLucas reports whether the odd n > 2, which has no small prime
// factor, is a strong Lucas probable prime with Selfridge's parameters
// (method A): D is the first of 5, -7, 9, -11, ... with Jacobi symbol
// (D/n) = -1, P = 1 and Q = (1-D)/4.
//
// Writing n+1 = k·2^s with k odd, n passes when U_k ≡ 0 or
// V_(k·2^r) ≡ 0 (mod n) for some 0 ≤ r < s. It checks ctx as it goes.
func strongLucas(ctx context.Context, n *big.Int) (bool, error) {
	d, ok := selfridgeD(n)
	if !ok {
		return false, nil
	}
	bigD := reduceSigned(d, n)
	bigQ := reduceSigned((1-d)/4, n)

	k := new(big.Int).Add(n, bigOne)
	s := k.TrailingZeroBits()
	k.Rsh(k, s)

	// Walk the bits of k from the top, keeping U_j, V_j and Q^j (mod n)
	// for the prefix j of k, starting at j = 1: U_1 = 1, V_1 = P = 1.
	r := residues{n: n}
	u, v := big.NewInt(1), big.NewInt(1)
	qk := new(big.Int).Set(bigQ)
	t := new(big.Int)
	// double sets V_2j = V_j^2 - 2Q^j and Q^2j = (Q^j)^2.
	double := func() {
		t.Sub(n, qk).Lsh(t, 1) // -2Q^j, shifted to be non-negative
		r.sqrAdd(v, v, t)
		r.mul(qk, qk, qk)
	}
	for i := k.BitLen() - 2; i >= 0; i-- {
		if i%ctxCheckBits == 0 && ctx.Err() != nil {
			return false, interrupted(ctx)
		}
		r.mul(u, u, v) // U_2j = U_j·V_j
		double()
		if k.Bit(i) != 0 {
			// U_j+1 = (P·U_j + V_j)/2, V_j+1 = (D·U_j + P·V_j)/2.
			r.add(t, u, v)
			r.add(v, v, r.mul(u, u, bigD))
			r.halve(u, t)
			r.halve(v, v)
			r.mul(qk, qk, bigQ)
		}
	}
	if u.Sign() == 0 || v.Sign() == 0 {
		return true, nil
	}
	for range s - 1 {
		double()
		if v.Sign() == 0 {
			return true, nil
		}
	}
	return false, nil
}

// selfridgeD returns the first D in 5, -7, 9, -11, ... with Jacobi symbol
// (D/n) = -1. It returns false when n is certainly composite: a D shares a
// factor with n, or n is a perfect square (for which no such D exists).
func selfridgeD(n *big.Int) (int64, bool) {
	bigD := new(big.Int)
	for d := int64(5); ; {
		switch big.Jacobi(bigD.SetInt64(d), n) {
		case -1:
			return d, true
		case 0:
			// gcd(D, n) > 1 and |D| < n, because n has no small factors.
			return 0, false
		}
		if d == 17 && isSquare(n) {
			return 0, false
		}
		if d > 0 {
			d = -(d + 2)
		} else {
			d = -d + 2
		}
	}
}

// isSquare reports whether n ≥ 0 is a perfect square.
func isSquare(n *big.Int) bool {
	r := new(big.Int).Sqrt(n)
	return r.Mul(r, r).Cmp(n) == 0
}

// reduceSigned returns x mod n as a value in [0, n).
func reduceSigned(x int64, n *big.Int) *big.Int {
	r := big.NewInt(x)
	return r.Mod(r, n)
}
