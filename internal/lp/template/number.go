package template

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"

	"github.com/goccy/go-json"
)

// jsonNumber matches the JSON number syntax; group 1 is the exponent.
var jsonNumber = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE]([+-]?[0-9]+))?$`)

// Limits that keep exact arithmetic cheap on untrusted input. Anything
// beyond them would not fit a float64 anyway.
const (
	maxNumberLen = 100
	maxExponent  = 400
)

// number is a validated parameter value: its exact text, its exact value
// and the nearest float64.
type number struct {
	text  json.Number
	exact *big.Rat
	float float64
}

// parseNumber validates a JSON number and converts it exactly.
func parseNumber(text json.Number) (number, error) {
	s := string(text)
	if len(s) > maxNumberLen {
		return number{}, fmt.Errorf("number %.20s... is longer than %d characters", s, maxNumberLen)
	}
	m := jsonNumber.FindStringSubmatch(s)
	if m == nil {
		return number{}, fmt.Errorf("%q is not a JSON number", s)
	}
	if m[1] != "" {
		if e, err := strconv.Atoi(m[1]); err != nil || e > maxExponent || e < -maxExponent {
			return number{}, fmt.Errorf("number %s is out of range", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return number{}, fmt.Errorf("%q is not a number", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
		return number{}, fmt.Errorf("number %s is out of range", s)
	}
	return number{text: text, exact: r, float: f}, nil
}
