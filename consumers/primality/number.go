package primality

import (
	"bytes"
	"fmt"
	"math/big"
	"math/bits"
	"unicode/utf8"
)

// number is the non-negative integer a message asks about.
type number struct {
	small uint64   // the value, when big is nil
	big   *big.Int // the value, when it is 2^64 or more
}

// parseNumber validates the raw JSON value of "number" (or of a bare
// body; what names it in errors) and returns its value. It accepts a JSON
// integer without sign, fraction or exponent, or a string of decimal
// digits 0-9 without sign, spaces, escapes or leading zeros. Either form
// may have at most maxDigits digits.
func parseNumber(raw []byte, what string, maxDigits int) (number, error) {
	var digits []byte
	switch c := raw[0]; {
	case c == '"':
		s := raw[1 : len(raw)-1]
		switch {
		case len(s) == 0:
			return number{}, fmt.Errorf("%s is an empty string; want a non-negative integer", what)
		case s[0] == '-' && len(s) > 1 && isDigits(s[1:]):
			return number{}, fmt.Errorf("%s is negative: %s", what, excerpt(raw))
		case !isDigits(s):
			return number{}, fmt.Errorf("%s string %s is not a decimal integer: want only the digits 0-9", what, excerpt(raw))
		case len(s) > 1 && s[0] == '0':
			return number{}, fmt.Errorf("%s string %s has leading zeros", what, excerpt(raw))
		}
		digits = s
	case c == '-':
		return number{}, fmt.Errorf("%s is negative: %s", what, excerpt(raw))
	case c >= '0' && c <= '9':
		if bytes.ContainsRune(raw, '.') {
			return number{}, fmt.Errorf("%s is not an integer: %s", what, excerpt(raw))
		}
		if bytes.ContainsAny(raw, "eE") {
			return number{}, fmt.Errorf("%s is in exponent notation: %s; write the integer in full", what, excerpt(raw))
		}
		digits = raw
	default:
		return number{}, fmt.Errorf("%s is %s; want a non-negative integer", what, describe(c))
	}
	if len(digits) > maxDigits {
		return number{}, fmt.Errorf("%s has %d digits; the limit is %d", what, len(digits), maxDigits)
	}
	return parseDigits(digits), nil
}

// parseDigits returns the value of a non-empty string of decimal digits.
func parseDigits(digits []byte) number {
	var v uint64
	for _, c := range digits {
		hi, lo := bits.Mul64(v, 10)
		lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 {
			n, _ := new(big.Int).SetString(string(digits), 10)
			return number{big: n}
		}
		v = lo
	}
	return number{small: v}
}

// isDigits reports whether b consists of the ASCII digits 0-9 only.
func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// describe names the kind of the JSON value starting with c, which is not
// a number.
func describe(c byte) string {
	switch c {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "a string"
}

// excerptLen is the most bytes of an offending value quoted in an error.
const excerptLen = 40

// excerpt returns raw for an error message, shortened (at a UTF-8
// character boundary) when long.
func excerpt(raw []byte) string {
	if len(raw) <= excerptLen {
		return string(raw)
	}
	n := excerptLen
	for n > 0 && !utf8.RuneStart(raw[n]) {
		n--
	}
	return string(raw[:n]) + "..."
}
