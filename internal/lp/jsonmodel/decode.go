package jsonmodel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/jsonpos"
)

// Doc names the document in error messages: "model JSON: line L, column
// C: ...".
const Doc = "model JSON"

// Decode parses a model in the JSON format described in the package
// documentation. Its errors are *jsonpos.Error values: they give the line
// and column of the offending token in data (the key of an unknown or
// misused name, the value of a wrong number or bound), name it and say
// what was expected.
func Decode(data []byte) (*lp.Model, error) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonpos.DecodeError(Doc, data, err, fieldsAt)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, jsonpos.At(Doc, data, jsonpos.AfterValue(data), "unexpected data after the model (expected the end of the document)")
	}
	m, err := doc.model()
	if err != nil {
		var de *docError
		if !errors.As(err, &de) {
			return nil, jsonpos.At(Doc, data, -1, "%v", err)
		}
		return nil, de.place(data)
	}
	return m, nil
}

// fieldsAt lists the fields of the object at path, for unknown fields.
func fieldsAt(path []any) string {
	switch len(path) {
	case 0:
		return "name, sense, objective_name, objective, objective_constant, variables or constraints"
	case 2:
		switch path[0] {
		case "variables":
			return "name, lo, hi or integer"
		case "constraints":
			return `name, coefs, lo, hi, "<=", ">=" or "="`
		}
	}
	return "a field of the model format"
}

// docError is an error about the member at path of a decoded document:
// about its key (its name) or its value, at byte offset off within the
// value when off > 0.
type docError struct {
	path []any
	key  bool
	off  int
	msg  string
}

func (e *docError) Error() string { return e.msg }

// errAt returns a docError about the value at path.
func errAt(path []any, format string, args ...any) *docError {
	return &docError{path: path, msg: fmt.Sprintf(format, args...)}
}

// keyErrAt returns a docError about the key at path.
func keyErrAt(path []any, format string, args ...any) *docError {
	return &docError{path: path, key: true, msg: fmt.Sprintf(format, args...)}
}

// within returns e, a docError relative to the member at path, made
// relative to the document.
func (e *docError) within(path ...any) *docError {
	e.path = append(path, e.path...)
	return e
}

// place returns e as a *jsonpos.Error at its place in data.
func (e *docError) place(data []byte) *jsonpos.Error {
	key, value, ok := jsonpos.Locate(data, e.path)
	off := -1
	switch {
	case ok && e.key:
		off = key
	case ok:
		off = value + e.off
	}
	return jsonpos.At(Doc, data, off, "%s", e.msg)
}

// model converts a decoded document into an lp.Model.
func (d *document) model() (*lp.Model, error) {
	sense, err := parseSense(d.Sense)
	if err != nil {
		return nil, errAt([]any{"sense"}, "%v", err)
	}
	m := &lp.Model{Name: d.Name, Sense: sense, ObjName: d.ObjectiveName}
	if len(d.Variables) == 0 {
		var at []any
		if d.Variables != nil {
			at = []any{"variables"}
		}
		return nil, errAt(at, `"variables" is missing or empty (expected an array of at least one variable)`)
	}
	cols := make(map[string]int, len(d.Variables))
	for j, v := range d.Variables {
		at := []any{"variables", j}
		if v.Name == "" {
			return nil, errAt(at, `variable %d has no name (expected a non-empty "name")`, j+1)
		}
		if _, dup := cols[v.Name]; dup {
			return nil, errAt(append(at, "name"), "variable %q is declared twice (expected each name once)", v.Name)
		}
		cols[v.Name] = j
		lo, err := parseBound(v.Lo, 0, -lp.Inf)
		if err != nil {
			return nil, errAt(append(at, "lo"), "variable %q: lo: %v", v.Name, err)
		}
		hi, err := parseBound(v.Hi, lp.Inf, lp.Inf)
		if err != nil {
			return nil, errAt(append(at, "hi"), "variable %q: hi: %v", v.Name, err)
		}
		if err := checkInfinities(lo, hi); err != nil {
			return nil, errAt(at, "variable %q: %v", v.Name, err)
		}
		m.Vars = append(m.Vars, lp.Var{Name: v.Name, Lo: lo, Hi: hi, Integer: v.Integer})
	}
	if d.Objective.bad != nil {
		return nil, d.Objective.bad.within("objective")
	}
	for _, kv := range d.Objective.list {
		j, ok := cols[kv.Name]
		if !ok {
			return nil, keyErrAt([]any{"objective", kv.Name}, "objective: unknown variable %q (expected a variable of \"variables\")", kv.Name)
		}
		if m.Vars[j].Obj, err = parseCoef(kv.Value); err != nil {
			return nil, errAt([]any{"objective", kv.Name}, "objective: coefficient of %q: %v", kv.Name, err)
		}
	}
	if d.ObjectiveConstant != nil {
		if m.ObjConst, err = parseCoef(json.Number(d.ObjectiveConstant)); err != nil {
			return nil, errAt([]any{"objective_constant"}, "objective_constant: %v", err)
		}
	}
	rows := make(map[string]bool, len(d.Constraints))
	for i, c := range d.Constraints {
		at := []any{"constraints", i}
		name := c.Name
		if name == "" {
			name = "c" + strconv.Itoa(i+1)
		}
		if rows[name] {
			if c.Name != "" {
				at = append(at, "name")
			}
			return nil, errAt(at, "constraint %q is declared twice (expected each name once)", name)
		}
		rows[name] = true
		lo, hi, err := c.bounds()
		if err != nil {
			err.msg = fmt.Sprintf("constraint %q: %s", name, err.msg)
			return nil, err.within(at...)
		}
		m.Rows = append(m.Rows, lp.Row{Name: name, Lo: lo, Hi: hi})
		if c.Coefs.bad != nil {
			c.Coefs.bad.msg = fmt.Sprintf("constraint %q: %s", name, c.Coefs.bad.msg)
			return nil, c.Coefs.bad.within("constraints", i, "coefs")
		}
		for _, kv := range c.Coefs.list {
			j, ok := cols[kv.Name]
			if !ok {
				return nil, keyErrAt([]any{"constraints", i, "coefs", kv.Name},
					"constraint %q: unknown variable %q (expected a variable of \"variables\")", name, kv.Name)
			}
			v, err := parseCoef(kv.Value)
			if err != nil {
				return nil, errAt([]any{"constraints", i, "coefs", kv.Name}, "constraint %q: coefficient of %q: %v", name, kv.Name, err)
			}
			if v != 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: v})
			}
		}
	}
	return m, nil
}

// bounds resolves the lo/hi/<=/>=/= fields of a constraint. Its errors
// are relative to the constraint.
func (c *constraint) bounds() (lo, hi float64, err *docError) {
	if c.EQ != nil {
		if c.Lo != nil || c.Hi != nil || c.LE != nil || c.GE != nil {
			return 0, 0, keyErrAt([]any{"="}, `"=" cannot be combined with other bounds (expected "=" alone, or "lo", "hi", "<=" and ">=")`)
		}
		v, perr := parseBound(c.EQ, 0, math.NaN())
		if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, errAt([]any{"="}, `"=": must be a finite number, found %s`, strings.TrimSpace(string(c.EQ)))
		}
		return v, v, nil
	}
	if c.Lo == nil && c.Hi == nil && c.LE == nil && c.GE == nil {
		return 0, 0, errAt(nil, `no bound (expected "lo", "hi", "<=", ">=" or "=")`)
	}
	if lo, err = oneOf(c.Lo, c.GE, "lo", ">=", -lp.Inf); err != nil {
		return 0, 0, err
	}
	if hi, err = oneOf(c.Hi, c.LE, "hi", "<=", lp.Inf); err != nil {
		return 0, 0, err
	}
	if ierr := checkInfinities(lo, hi); ierr != nil {
		return 0, 0, errAt(nil, "%v", ierr)
	}
	return lo, hi, nil
}

// oneOf parses whichever of two synonymous bound fields is present.
func oneOf(a, b json.RawMessage, aName, bName string, infinite float64) (float64, *docError) {
	if a != nil && b != nil {
		return 0, keyErrAt([]any{bName}, "give either %q or %q, not both (expected one of them)", aName, bName)
	}
	raw, name := a, aName
	if raw == nil {
		raw, name = b, bName
	}
	v, err := parseBound(raw, infinite, infinite)
	if err != nil {
		return 0, errAt([]any{name}, "%q: %v", name, err)
	}
	return v, nil
}

// parseBound decodes a bound: absent gives absent, null gives null, and
// otherwise a number or an infinity string.
func parseBound(raw json.RawMessage, absent, null float64) (float64, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case raw == nil:
		return absent, nil
	case s == "null":
		return null, nil
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		switch strings.ToLower(str) {
		case "inf", "+inf", "infinity", "+infinity":
			return lp.Inf, nil
		case "-inf", "-infinity":
			return -lp.Inf, nil
		}
		return 0, fmt.Errorf(`%s is not a number or an infinity (expected a number, null, "inf" or "-inf")`, s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range (expected a finite number, at most about 1.8e308 in magnitude)", s)
		}
		return 0, fmt.Errorf(`%s is not a number, null or an infinity string (expected a number, null, "inf" or "-inf")`, s)
	}
	return v, nil
}

// parseCoef decodes a finite coefficient.
func parseCoef(n json.Number) (float64, error) {
	v, err := strconv.ParseFloat(string(n), 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%s is out of range (expected a finite number, at most about 1.8e308 in magnitude)", n)
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%s is not a finite number (expected a JSON number)", n)
	}
	return v, nil
}

// checkInfinities rejects a lower bound of +inf or an upper bound of -inf.
func checkInfinities(lo, hi float64) error {
	if math.IsInf(lo, 1) || math.IsInf(hi, -1) {
		return fmt.Errorf("bounds [%v, %v] are infinite on the wrong side (expected a lower bound below +inf and an upper bound above -inf)", lo, hi)
	}
	return nil
}

// parseSense accepts min/max and their long forms; empty means min.
func parseSense(s string) (lp.Sense, error) {
	switch strings.ToLower(s) {
	case "", "min", "minimize", "minimise":
		return lp.Minimize, nil
	case "max", "maximize", "maximise":
		return lp.Maximize, nil
	}
	return 0, fmt.Errorf("sense %q is neither \"min\" nor \"max\" (expected \"min\" or \"max\")", s)
}
