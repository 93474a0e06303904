package template

import (
	"testing"

	"github.com/goccy/go-json"
)

func TestParseNumber(t *testing.T) {
	for _, ok := range []string{"0", "-0", "500", "-2.5", "1e6", "1E+6", "0.000001e-3", "123456789012345678901234567890", "1e-400"} {
		if _, err := parseNumber(json.Number(ok)); err != nil {
			t.Errorf("parseNumber(%s): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1_000", "NaN", "Infinity", " 1", "1 ", "1e400", "1e401", "1e-401", "1e309"} {
		if _, err := parseNumber(json.Number(bad)); err == nil {
			t.Errorf("parseNumber(%q) succeeded", bad)
		}
	}
}

func TestLessIsExact(t *testing.T) {
	num := func(s string) number {
		n, err := parseNumber(json.Number(s))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		a, b string
		want bool
	}{
		{"1", "2", true},
		{"2", "1", false},
		{"1", "1.0", false},
		{"0.1", "0.10000000000000000001", true}, // equal as float64
		{"0.10000000000000000001", "0.1", false},
		{"-0", "0", false},
		{"100.00000000000000000001", "100", false},
	}
	for _, tt := range tests {
		if got := less(num(tt.a), num(tt.b)); got != tt.want {
			t.Errorf("less(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
