package template

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/goccy/go-json"
)

// Limits that keep exact arithmetic cheap on untrusted input. Anything
// beyond them would not fit a float64 anyway.
const (
	maxNumberLen = 100
	maxExponent  = 400
)

// number is a validated parameter value: its exact text and the nearest
// float64.
type number struct {
	text  json.Number
	float float64
}

// parseNumber validates a JSON number and converts it to the nearest
// float64, rejecting values beyond the float64 range.
func parseNumber(text json.Number) (number, error) {
	s := string(text)
	if len(s) > maxNumberLen {
		return number{}, fmt.Errorf("number %.20s... is longer than %d characters", s, maxNumberLen)
	}
	exp, ok := scanJSONNumber(s)
	if !ok {
		return number{}, fmt.Errorf("%q is not a JSON number", s)
	}
	if exp > maxExponent || exp < -maxExponent {
		return number{}, fmt.Errorf("number %s is out of range", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
		return number{}, fmt.Errorf("number %s is out of range", s)
	}
	return number{text: text, float: f}, nil
}

// scanJSONNumber reports whether s has the JSON number syntax
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and returns its exponent
// (saturated, 0 when absent).
func scanJSONNumber(s string) (exp int, ok bool) {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if n := digits(); n == 0 || n > 1 && s[i-n] == '0' {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		sign := 1
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			if s[i] == '-' {
				sign = -1
			}
			i++
		}
		start := i
		if digits() == 0 {
			return 0, false
		}
		for _, c := range s[start:i] {
			if exp = exp*10 + int(c-'0'); exp > maxExponent {
				exp = maxExponent + 1
			}
		}
		exp *= sign
	}
	return exp, i == len(s)
}

// less reports whether a < b exactly. The floats decide unless they are
// equal, since rounding to float64 never reverses an order; ties are
// settled with exact rationals.
func less(a, b number) bool {
	if a.float != b.float {
		return a.float < b.float
	}
	ra, _ := new(big.Rat).SetString(string(a.text))
	rb, _ := new(big.Rat).SetString(string(b.text))
	return ra.Cmp(rb) < 0
}
