package primality

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"slices"
	"testing"
)

// vectorsPath is the shared reference data, relative to this package.
const vectorsPath = "../../../shared/data/primes/vectors.jsonl"

// TestVectors runs every reference vector through Handle, as sent (the
// number as a string, with the expected answers as extra fields, which the
// handler replaces) and as a bare JSON integer.
func TestVectors(t *testing.T) {
	f, err := os.Open(vectorsPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("reference data not found: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := newTestHandler(t)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var want struct {
			Number  string   `json:"number"`
			Prime   bool     `json:"prime"`
			Factors []string `json:"factors"`
		}
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatalf("%s:%d: %v", vectorsPath, line, err)
		}
		for _, body := range []string{sc.Text(), want.Number} {
			port, out, err := handle(t, h, body)
			if err != nil {
				t.Fatalf("%s:%d: %v", vectorsPath, line, err)
			}
			var got struct {
				Number          json.RawMessage `json:"number"`
				Prime           bool            `json:"prime"`
				Factors         []string        `json:"factors"`
				FactorsComplete *bool           `json:"factors_complete"`
				InputID         string          `json:"input_id"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%s:%d: output %s: %v", vectorsPath, line, out, err)
			}
			wantPort := PortComposite
			if want.Prime {
				wantPort = PortPrime
			}
			if got.Prime != want.Prime || port != wantPort || got.InputID != "id-1" {
				t.Errorf("%s:%d: Handle(%s) = %s: %s", vectorsPath, line, body, port, out)
			}
			if want.Factors != nil && !slices.Equal(got.Factors, want.Factors) {
				t.Errorf("%s:%d: Handle(%s) factors = %v, want %v", vectorsPath, line, body, got.Factors, want.Factors)
			}
			if got.FactorsComplete != nil && *got.FactorsComplete && !slices.Equal(got.Factors, want.Factors) {
				t.Errorf("%s:%d: Handle(%s) factors = %v, want %v", vectorsPath, line, body, got.Factors, want.Factors)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}
