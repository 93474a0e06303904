package primes

import "math/big"

// residues does arithmetic modulo n on big.Int values in [0, n). Its
// scratch space makes the operations allocation-free once the buffers
// have grown, unlike chained big.Int calls that alias their receiver.
type residues struct {
	n         *big.Int
	prod, quo big.Int
}

// mul sets z to x·y mod n and returns z. z may alias x or y.
func (r *residues) mul(z, x, y *big.Int) *big.Int {
	r.prod.Mul(x, y)
	r.quo.QuoRem(&r.prod, r.n, z)
	return z
}

// sqrAdd sets z to x^2 + c mod n for c ≥ 0 and returns z. z may alias x
// but not c.
func (r *residues) sqrAdd(z, x, c *big.Int) *big.Int {
	r.prod.Mul(x, x)
	r.prod.Add(&r.prod, c)
	r.quo.QuoRem(&r.prod, r.n, z)
	return z
}

// add sets z to x + y mod n and returns z. z may alias x or y.
func (r *residues) add(z, x, y *big.Int) *big.Int {
	z.Add(x, y)
	if z.Cmp(r.n) >= 0 {
		z.Sub(z, r.n)
	}
	return z
}

// halve sets z to x/2 mod n (n odd) and returns z. z may alias x.
func (r *residues) halve(z, x *big.Int) *big.Int {
	if x.Bit(0) != 0 {
		return z.Add(x, r.n).Rsh(z, 1)
	}
	return z.Rsh(x, 1)
}
