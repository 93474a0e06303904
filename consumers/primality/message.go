package primality

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/jsonutf8"
)

// MaxDepth is the deepest nesting of arrays and objects accepted in an
// input object (the object itself is level 1). The output has the same
// depth, which strict parsers with recursion limits (Python's json stops
// near 1000) still read.
const MaxDepth = 512

// errNotUTF8JSON marks valid JSON that strict parsers would reject, or
// that is nested deeper than MaxDepth: its output would be unreadable
// to them, so it is refused.
var errNotUTF8JSON = errors.New("input is not valid UTF-8 JSON")

// message is a parsed, validated input body.
type message struct {
	// obj is the input object without surrounding whitespace, or nil for
	// a bare integer body.
	obj []byte
	// raw is the JSON text of the number: the value of "number" or the
	// whole trimmed bare body.
	raw []byte
	// n is the value of the number.
	n number
	// hasReserved is set when obj has members named like an output field;
	// they are dropped from the output.
	hasReserved bool
}

// parseMessage validates body and extracts its number. The body must be a
// JSON object with a "number" member or a bare JSON integer; see
// parseNumber for the forms of the number.
func parseMessage(body []byte, maxDigits int) (message, error) {
	if !json.Valid(body) {
		return message{}, errors.New("body is not valid JSON")
	}
	if !utf8.Valid(body) {
		return message{}, fmt.Errorf("%w: invalid UTF-8", errNotUTF8JSON)
	}
	body = trimSpace(body)
	switch c := body[0]; {
	case c == '{':
		return parseObject(body, maxDigits)
	case c == '-' || c >= '0' && c <= '9':
		n, err := parseNumber(body, "body", maxDigits)
		if err != nil {
			return message{}, err
		}
		return message{raw: body, n: n}, nil
	default:
		return message{}, fmt.Errorf("body is %s; want an object with a \"number\" field or an integer", describe(c))
	}
}

// parseObject parses a message body that is a JSON object.
func parseObject(obj []byte, maxDigits int) (message, error) {
	if err := jsonutf8.CheckStrict(obj, MaxDepth); err != nil {
		return message{}, fmt.Errorf("%w: %w", errNotUTF8JSON, err)
	}
	m := message{obj: obj}
	s := newMemberScanner(obj)
	for mem, ok := s.next(); ok; mem, ok = s.next() {
		switch classifyKey(mem.key) {
		case keyNumber:
			if m.raw != nil {
				return message{}, errors.New(`object has more than one "number" field`)
			}
			m.raw = mem.value
		case keyReserved:
			m.hasReserved = true
		}
	}
	if m.raw == nil {
		return message{}, errors.New(`object has no "number" field`)
	}
	var err error
	m.n, err = parseNumber(m.raw, `"number"`, maxDigits)
	return m, err
}

// keyKind classifies the member names of an input object.
type keyKind int

const (
	keyOther    keyKind = iota
	keyNumber           // "number", the input
	keyReserved         // a name the handler writes: the old value is dropped
)

// classifyKey returns the kind of the raw member name key (quotes
// excluded, escapes not decoded).
func classifyKey(key []byte) keyKind {
	name := key
	if bytes.ContainsRune(key, '\\') {
		// Rare: decode the escapes ("\u006eumber" is "number").
		var s string
		quoted := append(append([]byte{'"'}, key...), '"')
		if json.Unmarshal(quoted, &s) == nil {
			name = []byte(s)
		}
	}
	switch string(name) {
	case "number":
		return keyNumber
	case "prime", "factors", "factors_complete", "cofactor", "input_id":
		return keyReserved
	}
	return keyOther
}
