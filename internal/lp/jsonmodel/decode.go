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
)

// Decode parses a model in the JSON format described in the package
// documentation.
func Decode(data []byte) (*lp.Model, error) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("jsonmodel: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("jsonmodel: unexpected data after the model")
	}
	m, err := doc.model()
	if err != nil {
		return nil, fmt.Errorf("jsonmodel: %w", err)
	}
	return m, nil
}

// model converts a decoded document into an lp.Model.
func (d *document) model() (*lp.Model, error) {
	sense, err := parseSense(d.Sense)
	if err != nil {
		return nil, err
	}
	m := &lp.Model{Name: d.Name, Sense: sense, ObjName: d.ObjectiveName}
	if len(d.Variables) == 0 {
		return nil, errors.New(`"variables" is missing or empty`)
	}
	cols := make(map[string]int, len(d.Variables))
	for j, v := range d.Variables {
		if v.Name == "" {
			return nil, fmt.Errorf("variable %d has no name", j+1)
		}
		if _, dup := cols[v.Name]; dup {
			return nil, fmt.Errorf("variable %q is declared twice", v.Name)
		}
		cols[v.Name] = j
		lo, err := parseBound(v.Lo, 0, -lp.Inf)
		if err != nil {
			return nil, fmt.Errorf("variable %q: lo: %w", v.Name, err)
		}
		hi, err := parseBound(v.Hi, lp.Inf, lp.Inf)
		if err != nil {
			return nil, fmt.Errorf("variable %q: hi: %w", v.Name, err)
		}
		if err := checkInfinities(lo, hi); err != nil {
			return nil, fmt.Errorf("variable %q: %w", v.Name, err)
		}
		m.Vars = append(m.Vars, lp.Var{Name: v.Name, Lo: lo, Hi: hi, Integer: v.Integer})
	}
	for _, kv := range d.Objective {
		j, ok := cols[kv.Name]
		if !ok {
			return nil, fmt.Errorf("objective: unknown variable %q", kv.Name)
		}
		if m.Vars[j].Obj, err = parseCoef(kv.Value); err != nil {
			return nil, fmt.Errorf("objective: coefficient of %q: %w", kv.Name, err)
		}
	}
	if d.ObjectiveConstant != nil {
		if m.ObjConst, err = parseCoef(json.Number(d.ObjectiveConstant)); err != nil {
			return nil, fmt.Errorf("objective_constant: %w", err)
		}
	}
	rows := make(map[string]bool, len(d.Constraints))
	for i, c := range d.Constraints {
		name := c.Name
		if name == "" {
			name = "c" + strconv.Itoa(i+1)
		}
		if rows[name] {
			return nil, fmt.Errorf("constraint %q is declared twice", name)
		}
		rows[name] = true
		lo, hi, err := c.bounds()
		if err != nil {
			return nil, fmt.Errorf("constraint %q: %w", name, err)
		}
		m.Rows = append(m.Rows, lp.Row{Name: name, Lo: lo, Hi: hi})
		for _, kv := range c.Coefs {
			j, ok := cols[kv.Name]
			if !ok {
				return nil, fmt.Errorf("constraint %q: unknown variable %q", name, kv.Name)
			}
			v, err := parseCoef(kv.Value)
			if err != nil {
				return nil, fmt.Errorf("constraint %q: coefficient of %q: %w", name, kv.Name, err)
			}
			if v != 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: v})
			}
		}
	}
	return m, nil
}

// bounds resolves the lo/hi/<=/>=/= fields of a constraint.
func (c *constraint) bounds() (lo, hi float64, err error) {
	if c.EQ != nil {
		if c.Lo != nil || c.Hi != nil || c.LE != nil || c.GE != nil {
			return 0, 0, errors.New(`"=" cannot be combined with other bounds`)
		}
		v, err := parseBound(c.EQ, 0, math.NaN())
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf(`"=": must be a finite number`)
		}
		return v, v, nil
	}
	if c.Lo == nil && c.Hi == nil && c.LE == nil && c.GE == nil {
		return 0, 0, errors.New(`no bound: give "lo", "hi", "<=", ">=" or "="`)
	}
	if lo, err = oneOf(c.Lo, c.GE, "lo", ">=", -lp.Inf); err != nil {
		return 0, 0, err
	}
	if hi, err = oneOf(c.Hi, c.LE, "hi", "<=", lp.Inf); err != nil {
		return 0, 0, err
	}
	return lo, hi, checkInfinities(lo, hi)
}

// oneOf parses whichever of two synonymous bound fields is present.
func oneOf(a, b json.RawMessage, aName, bName string, infinite float64) (float64, error) {
	if a != nil && b != nil {
		return 0, fmt.Errorf("give either %q or %q, not both", aName, bName)
	}
	raw, name := a, aName
	if raw == nil {
		raw, name = b, bName
	}
	v, err := parseBound(raw, infinite, infinite)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", name, err)
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
		return 0, fmt.Errorf("%s is not a number or an infinity", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range", s)
		}
		return 0, fmt.Errorf("%s is not a number, null or an infinity string", s)
	}
	return v, nil
}

// parseCoef decodes a finite coefficient.
func parseCoef(n json.Number) (float64, error) {
	v, err := strconv.ParseFloat(string(n), 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%s is out of range", n)
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%s is not a finite number", n)
	}
	return v, nil
}

// checkInfinities rejects a lower bound of +inf or an upper bound of -inf.
func checkInfinities(lo, hi float64) error {
	if math.IsInf(lo, 1) || math.IsInf(hi, -1) {
		return fmt.Errorf("bounds [%v, %v] are infinite on the wrong side", lo, hi)
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
	return 0, fmt.Errorf("sense %q is neither \"min\" nor \"max\"", s)
}
