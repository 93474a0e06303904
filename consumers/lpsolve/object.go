package lpsolve

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-json"
)

// Entry is one member of an Object.
type Entry[T any] struct {
	Name  string
	Value T
}

// Object is a JSON object that keeps the order of its members: variables
// and constraints appear in model order, parameters in declaration order.
type Object[T any] []Entry[T]

// MarshalJSON writes the members in order.
func (o Object[T]) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, 16+24*len(o))
	buf = append(buf, '{')
	for i, e := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, e.Name)
		buf = append(buf, ':')
		switch v := any(e.Value).(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("member %q: %v is not a JSON number", e.Name, v)
			}
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		case json.Number:
			buf = append(buf, v...)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", e.Name, err)
			}
			buf = append(buf, b...)
		}
	}
	return append(buf, '}'), nil
}

// appendString appends s as a JSON string.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// UnmarshalJSON reads an object, keeping the member order.
func (o *Object[T]) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("expected a JSON object")
	}
	*o = (*o)[:0]
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
		*o = append(*o, Entry[T]{Name: name, Value: v})
	}
	return nil
}

// Get returns the value of the member called name.
func (o Object[T]) Get(name string) (T, bool) {
	for _, e := range o {
		if e.Name == name {
			return e.Value, true
		}
	}
	var zero T
	return zero, false
}
