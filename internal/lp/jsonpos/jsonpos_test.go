package jsonpos

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/goccy/go-json"
)

const doc = "{\"a\": 1,\n \"b\": [true, {\"c\\u0064\": \"x\", \"e\": null}],\n \"b\": 2}"

func TestPosition(t *testing.T) {
	tests := []struct{ off, line, col int }{
		{0, 1, 1}, {5, 1, 6}, {9, 2, 1}, {10, 2, 2}, {len(doc), 3, 9}, {-3, 1, 1}, {len(doc) + 9, 3, 9},
	}
	for _, tt := range tests {
		if line, col := Position([]byte(doc), tt.off); line != tt.line || col != tt.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}

func TestLocate(t *testing.T) {
	tests := []struct {
		path       []any
		key, value int // -1: not found
	}{
		{nil, 0, 0},
		{[]any{"a"}, 1, 6},
		{[]any{"b"}, 10, 15},          // the first of two "b"
		{[]any{"b", 0}, 16, 16},       // array elements have no key
		{[]any{"b", 1, "cd"}, 23, 34}, // an escaped key
		{[]any{"b", 1, "e"}, 39, 44},
		{[]any{"z"}, -1, -1},
		{[]any{"b", 5}, -1, -1},
		{[]any{"a", "x"}, -1, -1}, // not an object
	}
	for _, tt := range tests {
		key, value, ok := Locate([]byte(doc), tt.path)
		if tt.key < 0 {
			if ok {
				t.Errorf("Locate(%v) = %d, %d, want not found", tt.path, key, value)
			}
			continue
		}
		if !ok || key != tt.key || value != tt.value {
			t.Errorf("Locate(%v) = %d, %d, %v; want %d, %d", tt.path, key, value, ok, tt.key, tt.value)
		}
	}
}

func TestFindKey(t *testing.T) {
	key, container, ok := FindKey([]byte(doc), "e")
	if !ok || key != 39 || !reflect.DeepEqual(container, []any{"b", 1}) {
		t.Errorf("FindKey(e) = %d, %v, %v; want 39 in b[1]", key, container, ok)
	}
	if _, _, ok := FindKey([]byte(doc), "x"); ok {
		t.Error("FindKey found a string value as a key")
	}
	if got := PathString(container); got != "b[1]" {
		t.Errorf("PathString = %q", got)
	}
	if got := AfterValue([]byte(" [1, 2]  x")); got != 9 {
		t.Errorf("AfterValue = %d, want 9", got)
	}
}

func TestDecodeError(t *testing.T) {
	type inner struct {
		N bool `json:"n"`
	}
	type target struct {
		A json.Number `json:"a"`
		L []inner     `json:"l"`
	}
	fields := func(path []any) string { return "a or l at " + PathString(path) }
	tests := []struct{ data, want string }{
		{`{"a": 1 "l": []}`, `job: line 1, column 9: invalid character '"' after object key:value pair (expected ',' or '}')`},
		{`{"a": -}`, `job: line 1, column 8: invalid character '}' in numeric literal (expected a digit)`},
		{"{\"l\": [\n {\"n\": 3}]}", `job: line 2, column 8: "l[0].n": expected true or false, found a number`},
		{`{"a": 1, "l": [{"m": 1}]}`, `job: line 1, column 17: "l[0]": unknown field "m" (expected a or l at l[0])`},
		{`{"a": 1, "l": [`, `job: line 1, column 16: unexpected end of input (expected the rest of the JSON value)`},
		{``, `job: line 1, column 1: no JSON value (expected a JSON value)`},
	}
	for _, tt := range tests {
		var v target
		dec := json.NewDecoder(bytes.NewReader([]byte(tt.data)))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		err := dec.Decode(&v)
		if err == nil {
			t.Errorf("%s decoded", tt.data)
			continue
		}
		if got := DecodeError("job", []byte(tt.data), err, fields).Error(); got != tt.want {
			t.Errorf("DecodeError(%q)\n got %s\nwant %s", tt.data, got, tt.want)
		}
	}
	other := DecodeError("", []byte("{}"), errors.New("boom"), nil)
	if other.Error() != "boom" || other.Offset != -1 {
		t.Errorf("an error without a place: %q at %d", other, other.Offset)
	}
}

func TestRebase(t *testing.T) {
	outer := []byte("{\"id\": 1,\n \"model\": {\"x\":\n nop}}")
	inner := outer[20 : len(outer)-1]
	e := At("model JSON", inner, 7, "bad")
	if e.Line != 2 || e.Column != 2 {
		t.Fatalf("in the inner document: %d:%d", e.Line, e.Column)
	}
	e.Rebase(outer, 20)
	if got := e.Error(); got != "model JSON: line 3, column 2: bad" {
		t.Errorf("rebased: %s", got)
	}
}
