package primes

import (
	"context"
	"fmt"
	"math/big"
	"math/bits"
)

// bpswTrialPrimes is how many entries of oddPrimes IsProbablePrime tries
// before the Baillie–PSW test proper.
const bpswTrialPrimes = 100

// IsProbablePrime reports whether n is prime. Below 2^64 the answer is exact
// (IsPrime64). Above, it is the Baillie–PSW test: trial division, a strong
// Fermat test to base 2 and a strong Lucas test with Selfridge's parameters
// (method A). No composite passing Baillie–PSW is known. Numbers below 2,
// including negative ones, are not prime. n is not modified.
//
// The cost grows with the cube of the length of n: microseconds at 128
// bits, about a second at 10,000 bits. IsProbablePrimeContext can be
// interrupted.
func IsProbablePrime(n *big.Int) bool {
	prime, _ := IsProbablePrimeContext(context.Background(), n)
	return prime
}

// IsProbablePrimeContext is IsProbablePrime, but gives up with an error
// wrapping ctx's when ctx is done before the answer is known.
func IsProbablePrimeContext(ctx context.Context, n *big.Int) (bool, error) {
	if n.Sign() <= 0 {
		return false, nil
	}
	if n.IsUint64() {
		return IsPrime64(n.Uint64()), nil
	}
	if n.Bit(0) == 0 {
		return false, nil
	}
	for _, d := range oddPrimes()[:bpswTrialPrimes] {
		if remWord(n, d.p) == 0 {
			return false, nil
		}
	}
	if prime, err := strongFermat2(ctx, n); !prime || err != nil {
		return false, err
	}
	return strongLucas(ctx, n)
}

// ctxCheckBits is how many exponent bits the big-number tests process
// between checks of their context.
const ctxCheckBits = 64

// interrupted wraps the error of the done ctx.
func interrupted(ctx context.Context) error {
	return fmt.Errorf("primes: interrupted: %w", ctx.Err())
}

// remWord returns n mod m for n ≥ 0 and m > 0 without allocating.
func remWord(n *big.Int, m uint64) uint64 {
	words := n.Bits()
	var r uint64
	for i := len(words) - 1; i >= 0; i-- {
		// (r·2^UintSize + word) mod m, with r < m.
		if bits.UintSize == 64 {
			r = bits.Rem64(r, uint64(words[i]), m)
		} else {
			r = bits.Rem64(r>>32, r<<32|uint64(words[i]), m)
		}
	}
	return r
}

// strongFermat2 reports whether the odd n > 2 is a strong probable prime to
// base 2. It computes 2^d mod n by left-to-right binary exponentiation, in
// which multiplying by the base is a shift, checking ctx as it goes.
func strongFermat2(ctx context.Context, n *big.Int) (bool, error) {
	nm1 := new(big.Int).Sub(n, bigOne)
	s := nm1.TrailingZeroBits()
	d := new(big.Int).Rsh(nm1, s)
	r := residues{n: n}
	x := big.NewInt(1)
	for i := d.BitLen() - 1; i >= 0; i-- {
		if i%ctxCheckBits == 0 && ctx.Err() != nil {
			return false, interrupted(ctx)
		}
		r.mul(x, x, x)
		if d.Bit(i) != 0 {
			r.add(x, x, x)
		}
	}
	if x.Cmp(bigOne) == 0 || x.Cmp(nm1) == 0 {
		return true, nil
	}
	for range s - 1 {
		r.mul(x, x, x)
		if x.Cmp(nm1) == 0 {
			return true, nil
		}
		if x.Cmp(bigOne) == 0 {
			return false, nil
		}
	}
	return false, nil
}

var bigOne = big.NewInt(1)
