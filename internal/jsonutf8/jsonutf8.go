// Package jsonutf8 checks that JSON text is what strict parsers accept as
// it is, so that it can be passed on byte for byte.
//
// encoding/json and github.com/goccy/go-json accept, in Valid and in
// Unmarshal, strings that hold invalid UTF-8 or a \u escape of a lone
// surrogate (both decode them to U+FFFD), and arrays and objects nested up
// to 10000 deep. Strict parsers reject such strings, and parsers with a
// recursion limit (Python's json module stops near 1000) reject deep
// nesting. Check rejects all three.
package jsonutf8

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/goccy/go-json"
)

// ErrSyntax is the error of Check for text that is not one JSON value.
var ErrSyntax = errors.New("not valid JSON")

// errUTF8 is the error for text that is not valid UTF-8.
var errUTF8 = errors.New("invalid UTF-8")

// Check returns nil when text is one JSON value, with or without
// whitespace around it, that strict parsers accept as it is: valid UTF-8,
// with no \u escape of a surrogate that is not part of a high-low pair,
// and with arrays and objects nested at most maxDepth deep (no limit when
// maxDepth is zero or less; 10000 deep is not valid JSON anyway).
// Otherwise it returns an error saying what is wrong, ErrSyntax when the
// text is not JSON at all.
func Check(text []byte, maxDepth int) error {
	if !json.Valid(text) {
		return ErrSyntax
	}
	return CheckStrict(text, maxDepth)
}

// CheckStrict makes the checks of Check that json.Valid does not make, on
// text that json.Valid accepts or on a value taken from such text (a
// json.RawMessage): it returns an error for invalid UTF-8, for the first
// \u escape of an unpaired surrogate, such as `escape \ud800 is an
// unpaired surrogate`, or for nesting deeper than maxDepth (no limit when
// maxDepth is zero or less). Given text that is not valid JSON it returns
// without panicking, but its result means nothing.
func CheckStrict(text []byte, maxDepth int) error {
	if !utf8.Valid(text) {
		return errUTF8
	}
	depth := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '{', '[':
			if depth++; maxDepth > 0 && depth > maxDepth {
				return fmt.Errorf("nested more than %d deep", maxDepth)
			}
		case '}', ']':
			depth--
		case '"':
			end, err := checkString(text, i)
			if err != nil {
				return err
			}
			i = end
		}
	}
	return nil
}

// checkString returns the offset of the closing quote of the string that
// opens at text[i], or an error for its first \u escape of an unpaired
// surrogate.
func checkString(text []byte, i int) (int, error) {
	for i++; i < len(text) && text[i] != '"'; i++ {
		if text[i] != '\\' {
			continue
		}
		if i++; i >= len(text) || text[i] != 'u' {
			continue
		}
		r, ok := hexRune(text, i+1) // i is at the 'u'
		if !ok || !utf16.IsSurrogate(r) {
			i += 4
			continue
		}
		if next := i + 5; r < 0xdc00 && next+1 < len(text) && text[next] == '\\' && text[next+1] == 'u' {
			if low, ok := hexRune(text, next+2); ok && utf16.DecodeRune(r, low) != utf8.RuneError {
				i = next + 5 // the low surrogate's last digit
				continue
			}
		}
		return i, fmt.Errorf("escape \\u%s is an unpaired surrogate", text[i+1:i+5])
	}
	return i, nil
}

// hexRune decodes the four hex digits at text[i:i+4].
func hexRune(text []byte, i int) (rune, bool) {
	if i+4 > len(text) {
		return 0, false
	}
	var r rune
	for _, c := range text[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
