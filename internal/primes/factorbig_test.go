package primes

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"testing"
)

func TestFactorBounded(t *testing.T) {
	m89, m61 := mersenne(89), mersenne(61)
	mul := func(xs ...*big.Int) *big.Int {
		p := big.NewInt(1)
		for _, x := range xs {
			p.Mul(p, x)
		}
		return p
	}
	p31, p32 := big.NewInt(2147483647), big.NewInt(4294967291) // 2^31-1, 2^32-5
	tests := []struct {
		name     string
		n        *big.Int
		want     []*big.Int // expected factors when complete
		complete bool
	}{
		{"zero", big.NewInt(0), nil, true},
		{"one", big.NewInt(1), nil, true},
		{"64-bit", big.NewInt(561), []*big.Int{big.NewInt(3), big.NewInt(11), big.NewInt(17)}, true},
		{"prime", m89, []*big.Int{m89}, true},
		{"small factors", mul(big.NewInt(4), big.NewInt(65521), m89), []*big.Int{big.NewInt(2), big.NewInt(2), big.NewInt(65521), m89}, true},
		{"rho factor", mul(p31, m89), []*big.Int{p31, m89}, true},
		{"rho factors", mul(p31, p32, m61), []*big.Int{p31, p32, m61}, true},
		{"square", mul(m61, m61), []*big.Int{m61, m61}, true},
		{"big primes", mul(m89, m89, mersenne(107)), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := checkFactorization(t, tt.n, DefaultBudget())
			if f.Complete() != tt.complete {
				t.Fatalf("Complete() = %v, want %v (factors %v, cofactor %v)", f.Complete(), tt.complete, f.Factors, f.Cofactor)
			}
			if tt.complete && !slices.EqualFunc(f.Factors, tt.want, func(a, b *big.Int) bool { return a.Cmp(b) == 0 }) {
				t.Errorf("factors = %v, want %v", f.Factors, tt.want)
			}
		})
	}
}

func TestFactorBoundedNoBudget(t *testing.T) {
	n := new(big.Int).Mul(big.NewInt(2147483647), mersenne(89))
	n.Mul(n, big.NewInt(6))
	f := checkFactorization(t, n, Budget{})
	if f.Complete() || len(f.Factors) != 1 || f.Factors[0].Int64() != 2 {
		t.Errorf("FactorBounded with no budget = %v · %v, want 2 and a cofactor", f.Factors, f.Cofactor)
	}
}

func TestFactorBoundedCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n := new(big.Int).Mul(big.NewInt(2147483647), mersenne(89))
	f, err := FactorBounded(ctx, n, DefaultBudget())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if f.Complete() || f.Cofactor.Cmp(n) != 0 {
		t.Errorf("result = %v · %v, want the whole number as cofactor", f.Factors, f.Cofactor)
	}
}

func TestFactorBoundedNegative(t *testing.T) {
	if _, err := FactorBounded(t.Context(), big.NewInt(-6), DefaultBudget()); err == nil {
		t.Error("FactorBounded(-6) succeeded")
	}
}

func TestFactorBoundedDoesNotModifyInput(t *testing.T) {
	n := new(big.Int).Mul(big.NewInt(2147483647), mersenne(89))
	want := new(big.Int).Set(n)
	checkFactorization(t, n, DefaultBudget())
	if n.Cmp(want) != 0 {
		t.Errorf("n changed to %v", n)
	}
}
