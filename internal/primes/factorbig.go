package primes

import (
	"context"
	"fmt"
	"math/big"
	"slices"
)

// Budget bounds the work FactorBounded spends on one number.
type Budget struct {
	// TrialLimit: odd primes below it are removed by trial division (the
	// factor 2 always is). Values above 65536 act as 65536.
	TrialLimit uint64 `yaml:"trial_limit"`
	// RhoSteps is the most Pollard–Brent iterations spent over all
	// composite parts and polynomials (rounded up to a batch of 64).
	// Finding a prime factor p takes on the order of √p iterations: the
	// default of 2^18 reliably finds prime factors below 2^32 and often
	// up to 2^36.
	RhoSteps int `yaml:"rho_steps"`
}

// DefaultBudget returns a budget suited to a message handler: trial
// division up to 65536 and 2^18 Pollard–Brent iterations, which take tens
// of milliseconds for numbers of about 100 bits.
func DefaultBudget() Budget {
	return Budget{TrialLimit: smallPrimeLimit, RhoSteps: 1 << 18}
}

// Factorization is the result of FactorBounded:
//
//	n = Factors[0] · Factors[1] · … · Cofactor
//
// Factors are primes (Baillie–PSW probable primes above 2^64) in ascending
// order with multiplicity. Cofactor is nil when the factorisation is
// complete; otherwise it is the product of the parts that could not be
// split within the budget: composite, with no prime factor below the trial
// division limit.
type Factorization struct {
	Factors  []*big.Int
	Cofactor *big.Int
}

// Complete reports whether every prime factor was found.
func (f Factorization) Complete() bool { return f.Cofactor == nil }

// FactorBounded factors n ≥ 0 as far as budget allows. Numbers below 2^64
// are always factored completely (as by Factor64), as are 0 and 1, which
// have no factors. The error is non-nil only when ctx is done before the
// work is; the Factorization then holds what was found so far and is
// incomplete. n is not modified.
func FactorBounded(ctx context.Context, n *big.Int, budget Budget) (Factorization, error) {
	if n.Sign() < 0 {
		return Factorization{}, fmt.Errorf("primes: cannot factor negative number %v", n)
	}
	s := factorState{steps: budget.RhoSteps}
	pending := []*big.Int{trialDivide(&s.Factorization, n, budget.TrialLimit)}
	var err error
	for len(pending) > 0 {
		m := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if err != nil {
			s.unsplit = append(s.unsplit, m)
			continue
		}
		var a, b *big.Int
		if a, b, err = s.split(ctx, m); a != nil {
			pending = append(pending, a, b)
		}
	}
	return s.result(), err
}

// factorState is the work in progress of FactorBounded.
type factorState struct {
	Factorization
	steps   int        // Pollard–Brent iterations left
	unsplit []*big.Int // composite parts given up on
}

// split takes one step on the part m: it records m's prime factors when m
// is prime or below 2^64, records m as unsplit when the budget runs out or
// ctx is done, and otherwise returns two factors whose product is m.
func (s *factorState) split(ctx context.Context, m *big.Int) (a, b *big.Int, err error) {
	if m.IsUint64() {
		for _, p := range Factor64(m.Uint64()) {
			s.Factors = append(s.Factors, new(big.Int).SetUint64(p))
		}
		return nil, nil, nil
	}
	if isSquare(m) {
		r := new(big.Int).Sqrt(m)
		return r, r, nil
	}
	prime, err := IsProbablePrimeContext(ctx, m)
	if prime {
		s.Factors = append(s.Factors, m)
		return nil, nil, nil
	}
	var d *big.Int
	if err == nil {
		d, err = findFactorBig(ctx, m, &s.steps)
	}
	if d == nil {
		s.unsplit = append(s.unsplit, m)
		return nil, nil, err
	}
	return d, new(big.Int).Quo(m, d), nil
}

// result returns the factorisation found: the factors sorted, and the
// product of the unsplit parts as the cofactor.
func (s *factorState) result() Factorization {
	f := s.Factorization
	slices.SortFunc(f.Factors, (*big.Int).Cmp)
	for _, m := range s.unsplit {
		if f.Cofactor == nil {
			f.Cofactor = new(big.Int).Set(m)
		} else {
			f.Cofactor.Mul(f.Cofactor, m)
		}
	}
	return f
}

// trialDivide appends to f the factors 2 and the odd prime factors of n
// below limit, and returns the remaining cofactor as a new value. It stops
// early once the cofactor fits in 64 bits.
func trialDivide(f *Factorization, n *big.Int, limit uint64) *big.Int {
	rest := new(big.Int).Set(n)
	tz := rest.TrailingZeroBits()
	for range tz {
		f.Factors = append(f.Factors, big.NewInt(2))
	}
	rest.Rsh(rest, tz)
	var p big.Int
	for _, d := range oddPrimes() {
		if d.p >= limit || rest.IsUint64() {
			break // a word-sized rest is finished by Factor64
		}
		for remWord(rest, d.p) == 0 {
			p.SetUint64(d.p)
			rest.Quo(rest, &p)
			f.Factors = append(f.Factors, new(big.Int).Set(&p))
		}
	}
	return rest
}

// rhoBatchBig is how many differences the big-number Pollard–Brent
// multiplies together before taking one gcd with n, and how often it
// checks its context.
const rhoBatchBig = 64

// findFactorBig returns a nontrivial factor of the odd composite n by
// Pollard–Brent rho with x → x^2 + c for c = 1, 2, ..., spending at most
// *steps iterations (plus one batch) in total and deducting what it spends.
// It returns nil when the budget runs out, and nil with ctx's error when
// ctx is done.
func findFactorBig(ctx context.Context, n *big.Int, steps *int) (*big.Int, error) {
	b := brentBig{steps: *steps}
	defer func() { *steps = b.steps }()
	for c := int64(1); b.steps > 0; c++ {
		d, err := b.run(ctx, n, c)
		if err != nil || d != nil {
			return d, err
		}
	}
	return nil, nil
}

// brentBig is Pollard–Brent rho on big integers, with its temporaries and
// its remaining budget of iterations.
type brentBig struct {
	steps             int
	mod               residues
	c, x, y, ys, q, g big.Int
	diff              big.Int
}

// setDiff sets b.diff to |u - v|.
func (b *brentBig) setDiff(u, v *big.Int) *big.Int {
	return b.diff.Sub(u, v).Abs(&b.diff)
}

// spend deducts k iterations from the budget. It reports false when the
// budget is spent or ctx is done, returning ctx's error in the latter case.
func (b *brentBig) spend(ctx context.Context, k int) (bool, error) {
	if ctx.Err() != nil {
		return false, interrupted(ctx)
	}
	if b.steps <= 0 {
		return false, nil
	}
	b.steps -= k
	return true, nil
}

// run tries the polynomial x^2 + c on n within the remaining budget. It
// returns a nontrivial factor, or nil when this c failed or the budget ran
// out.
func (b *brentBig) run(ctx context.Context, n *big.Int, c int64) (*big.Int, error) {
	b.mod.n = n
	b.c.SetInt64(c)
	b.y.SetInt64(2)
	b.q.SetInt64(1)
	b.g.SetInt64(1)
	for r := 1; b.g.Cmp(bigOne) == 0; r *= 2 {
		b.x.Set(&b.y)
		for i := 0; i < r; i += rhoBatchBig {
			batch := min(rhoBatchBig, r-i)
			if ok, err := b.spend(ctx, batch); !ok {
				return nil, err
			}
			for range batch {
				b.mod.sqrAdd(&b.y, &b.y, &b.c)
			}
		}
		for k := 0; k < r && b.g.Cmp(bigOne) == 0; k += rhoBatchBig {
			batch := min(rhoBatchBig, r-k)
			if ok, err := b.spend(ctx, batch); !ok {
				return nil, err
			}
			b.ys.Set(&b.y)
			for range batch {
				b.mod.sqrAdd(&b.y, &b.y, &b.c)
				b.mod.mul(&b.q, &b.q, b.setDiff(&b.x, &b.y))
			}
			b.g.GCD(nil, nil, &b.q, n)
		}
	}
	if b.g.Cmp(n) == 0 {
		// The batch overshot: redo it one step at a time.
		for b.g.SetInt64(1); b.g.Cmp(bigOne) == 0; {
			b.mod.sqrAdd(&b.ys, &b.ys, &b.c)
			b.g.GCD(nil, nil, b.setDiff(&b.x, &b.ys), n)
		}
	}
	if b.g.Cmp(n) == 0 {
		return nil, nil
	}
	return new(big.Int).Set(&b.g), nil
}
