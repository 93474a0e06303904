package jsonpos

import (
	"slices"

	"github.com/goccy/go-json"
)

// Locate returns the byte offsets in data of the member at path (object
// keys as strings, array indices as ints) and of its value: the key of an
// object member, the value itself for an array element or the document
// (an empty path). With duplicate keys, the first one counts. ok is false
// when there is no such member or data is not valid JSON up to it.
func Locate(data []byte, path []any) (key, value int, ok bool) {
	s := &scanner{data: data, locate: true, target: path, found: -1}
	s.ws()
	s.value(nil, s.i)
	if s.found < 0 {
		return 0, 0, false
	}
	return s.found, s.foundValue, true
}

// FindKey returns the offset of the first object key called name in data,
// in document order at any depth, and the path of the object holding it.
func FindKey(data []byte, name string) (key int, container []any, ok bool) {
	s := &scanner{data: data, find: name, found: -1}
	s.value(nil, 0)
	if s.found < 0 {
		return 0, nil, false
	}
	return s.found, s.container, true
}

// scanner walks a JSON document, for Locate (target), FindKey (find) or
// AfterValue (neither).
type scanner struct {
	data []byte
	i    int
	stop bool // the walk is over: found, or data is not valid JSON

	locate     bool   // the walk is Locate's
	target     []any  // Locate's path
	find       string // FindKey's name
	found      int    // offset of the key found, or -1
	foundValue int    // offset of the value found (Locate)
	container  []any  // path of the object holding the key found (FindKey)
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after blanks, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.data) {
		return 0
	}
	return s.data[s.i]
}

// expect consumes c after blanks.
func (s *scanner) expect(c byte) bool {
	if s.peek() != c {
		s.stop = true
		return false
	}
	s.i++
	return true
}

// str consumes a string and returns its value.
func (s *scanner) str() string {
	start := s.i
	if !s.expect('"') {
		return ""
	}
	escaped := false
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case '\\':
			escaped = true
			s.i += 2
			continue
		case '"':
			s.i++
			raw := s.data[start:s.i]
			if !escaped {
				return string(raw[1 : len(raw)-1])
			}
			var v string
			if json.Unmarshal(raw, &v) != nil {
				s.stop = true
			}
			return v
		}
		s.i++
	}
	s.stop = true
	return ""
}

// value consumes the value at path, whose member starts at keyAt (its
// key, or the value itself).
func (s *scanner) value(path []any, keyAt int) {
	s.ws()
	if s.locate && slices.Equal(path, s.target) {
		s.found, s.foundValue, s.stop = keyAt, s.i, true
		return
	}
	switch s.peek() {
	case '{':
		s.i++
		for first := true; !s.stop && s.peek() != '}'; first = false {
			if !first && !s.expect(',') {
				return
			}
			s.ws()
			at := s.i
			k := s.str()
			if s.find != "" && k == s.find && !s.stop {
				s.found, s.container, s.stop = at, slices.Clone(path), true
				return
			}
			if !s.expect(':') {
				return
			}
			s.value(append(path, k), at)
		}
		s.expect('}')
	case '[':
		s.i++
		for n := 0; !s.stop && s.peek() != ']'; n++ {
			if n > 0 && !s.expect(',') {
				return
			}
			s.ws()
			s.value(append(path, n), s.i)
		}
		s.expect(']')
	case '"':
		s.str()
	case 0:
		s.stop = true
	default:
		for s.i < len(s.data) {
			switch s.data[s.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return
			}
			s.i++
		}
	}
}

// AfterValue returns the offset of the first byte after the first JSON
// value of data and the blanks that follow it.
func AfterValue(data []byte) int {
	s := &scanner{data: data}
	s.value(nil, 0)
	s.ws()
	return s.i
}
