// Package jsonpos places errors in JSON documents, the models of package
// jsonmodel and the jobs of the lpsolve stage: it rewrites the errors of
// the JSON decoder (github.com/goccy/go-json) with the line and column of
// the offending byte and what was expected there, and finds where a
// member of a document is, for the errors found after decoding.
//
// Lines and columns are 1-based; a column counts bytes, as Go's tools
// count them.
package jsonpos

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
)

// Error is an error at a place of a JSON document.
type Error struct {
	// Doc says what the document is ("model JSON"); it starts the message
	// when not empty.
	Doc string
	// Offset is the byte offset of the error in the document, -1 when
	// unknown; Line and Column are its position, 0 when unknown.
	Offset       int
	Line, Column int
	Msg          string
}

// Error formats the error as "DOC: line L, column C: MSG".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Doc != "" {
		b.WriteString(e.Doc + ": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// At returns an *Error at byte offset off of data (-1 for unknown).
func At(doc string, data []byte, off int, format string, args ...any) *Error {
	e := &Error{Doc: doc, Offset: -1, Msg: fmt.Sprintf(format, args...)}
	if off >= 0 && off <= len(data) {
		e.Offset = off
		e.Line, e.Column = Position(data, off)
	}
	return e
}

// Rebase places e, an error in a document embedded at byte offset base of
// outer, in outer.
func (e *Error) Rebase(outer []byte, base int) {
	if e.Offset < 0 || base < 0 || base+e.Offset > len(outer) {
		return
	}
	e.Offset += base
	e.Line, e.Column = Position(outer, e.Offset)
}

// Position returns the line and column of byte offset off of data.
func Position(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line, start := 1, 0
	for i, c := range data[:off] {
		if c == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, off - start + 1
}

// DecodeError rewrites err, an error of decoding data into a Go value
// with UseNumber and DisallowUnknownFields, as an *Error of the document
// doc: syntax errors at the offending byte, type errors at the value,
// unknown fields at their key, each saying what was expected. fields
// lists the fields allowed in the object at a path (for unknown fields);
// it may be nil. Other errors are returned in an *Error without a place.
func DecodeError(doc string, data []byte, err error, fields func(path []any) string) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		msg := se.Error()
		if exp := expectation(msg); exp != "" {
			msg += " (expected " + exp + ")"
		}
		return At(doc, data, int(se.Offset)-1, "%s", msg)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return At(doc, data, len(strings.TrimRight(string(data), " \t\r\n")), "unexpected end of input (expected the rest of the JSON value)")
	case errors.Is(err, io.EOF):
		return At(doc, data, len(data), "no JSON value (expected a JSON value)")
	case errors.As(err, &te):
		path := fieldPath(te.Field)
		off := int(te.Offset) - 1
		if _, v, ok := Locate(data, path); ok {
			off = v
		}
		return At(doc, data, off, "%sexpected %s, found %s", pathPrefix(path), expectedType(te.Type), foundValue(te.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		key, container, found := FindKey(data, name)
		if !found {
			key = -1
		}
		allowed := ""
		if fields != nil && found {
			allowed = " (expected " + fields(container) + ")"
		}
		return At(doc, data, key, "%sunknown field %q%s", pathPrefix(container), name, allowed)
	}
	return At(doc, data, -1, "%v", err)
}

// expectation says what was expected where the decoder found the error
// msg, or "" when msg says it already or nothing is known.
func expectation(msg string) string {
	switch {
	case strings.Contains(msg, "(expecting"):
		return ""
	case strings.Contains(msg, "looking for beginning of object key string"):
		return "a string key"
	case strings.Contains(msg, "looking for beginning of value"):
		return "a value"
	case strings.Contains(msg, "after object key:value pair"):
		return `',' or '}'`
	case strings.Contains(msg, "after object key"):
		return "':'"
	case strings.Contains(msg, "after array element"):
		return `',' or ']'`
	case strings.Contains(msg, "in string escape code"):
		return `one of " \ / b f n r t u after \`
	case strings.Contains(msg, "in string literal"):
		return `a printable character: control characters must be escaped`
	case strings.Contains(msg, "numeric literal"):
		return "a digit"
	}
	return ""
}

// fieldPath splits the decoder's dotted field path ("variables.0.lo")
// into keys and indices.
func fieldPath(field string) []any {
	if field == "" {
		return nil
	}
	var path []any
	for part := range strings.SplitSeq(field, ".") {
		if i, err := strconv.Atoi(part); err == nil {
			path = append(path, i)
		} else {
			path = append(path, part)
		}
	}
	return path
}

// PathString formats a path as in "variables[0].lo"; the document itself
// is "".
func PathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprintf(&b, "%v", p)
		}
	}
	return b.String()
}

// pathPrefix returns `"PATH": ` for a member, "" for the document.
func pathPrefix(path []any) string {
	if len(path) == 0 {
		return ""
	}
	return strconv.Quote(PathString(path)) + ": "
}

var numberType = reflect.TypeFor[json.Number]()

// expectedType describes the JSON values a Go type takes.
func expectedType(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	if t == numberType {
		return "a number"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

// foundValue describes the decoder's name of a JSON value ("number",
// "bool", `string "x"`, "object", "array").
func foundValue(v string) string {
	switch {
	case v == "bool":
		return "a boolean"
	case strings.HasPrefix(v, "string"):
		if s := strings.TrimSpace(strings.TrimPrefix(v, "string")); s != "" {
			return "the string " + s
		}
		return "a string"
	case strings.HasPrefix(v, "number"):
		if s := strings.TrimSpace(strings.TrimPrefix(v, "number")); s != "" {
			return "the number " + s
		}
		return "a number"
	case v == "object", v == "array":
		return "an " + v
	}
	return v
}
