package primes

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"slices"
	"strconv"
	"testing"
)

// vectorsPath is the shared reference data, relative to this package.
const vectorsPath = "../../../shared/data/primes/vectors.jsonl"

// vector is one line of the shared prime vectors.
type vector struct {
	Number  string   `json:"number"`
	Prime   bool     `json:"prime"`
	Factors []string `json:"factors"`
}

// loadVectors reads the shared prime vectors, skipping the test when the
// data is absent.
func loadVectors(t *testing.T) []vector {
	t.Helper()
	f, err := os.Open(vectorsPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("reference data not found: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s line %d: %v", vectorsPath, len(vs)+1, err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		n := mustInt(t, v.Number)
		if got := IsProbablePrime(n); got != v.Prime {
			t.Errorf("IsProbablePrime(%s) = %v, want %v", v.Number, got, v.Prime)
		}
		if !n.IsUint64() {
			continue
		}
		if got := IsPrime64(n.Uint64()); got != v.Prime {
			t.Errorf("IsPrime64(%s) = %v, want %v", v.Number, got, v.Prime)
		}
		want := v.Factors
		if v.Prime {
			want = []string{v.Number}
		}
		var got []string
		for _, p := range Factor64(n.Uint64()) {
			got = append(got, strconv.FormatUint(p, 10))
		}
		if !slices.Equal(got, want) {
			t.Errorf("Factor64(%s) = %v, want %v", v.Number, got, want)
		}
	}
}

func TestVectorsFactorBounded(t *testing.T) {
	for _, v := range loadVectors(t) {
		checkFactorization(t, mustInt(t, v.Number), DefaultBudget())
	}
}

// checkFactorization checks the invariants of FactorBounded's result and
// returns it: prime factors in ascending order whose product with the
// cofactor is n.
func checkFactorization(t *testing.T, n *big.Int, budget Budget) Factorization {
	t.Helper()
	f, err := FactorBounded(t.Context(), n, budget)
	if err != nil {
		t.Fatalf("FactorBounded(%v): %v", n, err)
	}
	product := big.NewInt(1)
	for i, p := range f.Factors {
		if !IsProbablePrime(p) {
			t.Fatalf("FactorBounded(%v): factor %v is not prime", n, p)
		}
		if i > 0 && f.Factors[i-1].Cmp(p) > 0 {
			t.Fatalf("FactorBounded(%v): factors %v not ascending", n, f.Factors)
		}
		product.Mul(product, p)
	}
	if !f.Complete() {
		if IsProbablePrime(f.Cofactor) || f.Cofactor.Cmp(bigOne) <= 0 {
			t.Fatalf("FactorBounded(%v): cofactor %v is not composite", n, f.Cofactor)
		}
		product.Mul(product, f.Cofactor)
	}
	if n.Sign() > 0 && product.Cmp(n) != 0 {
		t.Fatalf("FactorBounded(%v) = %v · %v, product %v", n, f.Factors, f.Cofactor, product)
	}
	return f
}
