package jsonmodel

import (
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Encode returns m in the JSON format described in the package
// documentation; Decode gives back the same model. Default variable bounds
// are omitted, infinite bounds are null, equality constraints use "=", the
// objective lists only nonzero coefficients, and repeated coefficients of a
// constraint are summed.
func Encode(m *lp.Model) ([]byte, error) {
	doc, err := newDocument(m)
	if err != nil {
		return nil, fmt.Errorf("jsonmodel: %w", err)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("jsonmodel: %w", err)
	}
	return out, nil
}

// newDocument converts m into its JSON shape.
func newDocument(m *lp.Model) (*document, error) {
	if !isFinite(m.ObjConst) {
		return nil, fmt.Errorf("objective constant is %v", m.ObjConst)
	}
	doc := &document{
		Name:          m.Name,
		Sense:         m.Sense.String(),
		ObjectiveName: m.ObjName,
		Objective:     coefs{},
		Variables:     make([]variable, 0, len(m.Vars)),
		Constraints:   make([]constraint, 0, len(m.Rows)),
	}
	if m.ObjConst != 0 {
		doc.ObjectiveConstant = json.RawMessage(number(m.ObjConst))
	}
	names := make(map[string]bool, len(m.Vars))
	for _, v := range m.Vars {
		if v.Name == "" || names[v.Name] {
			return nil, fmt.Errorf("variable name %q is empty or repeated", v.Name)
		}
		names[v.Name] = true
		if !isFinite(v.Obj) {
			return nil, fmt.Errorf("variable %q: objective coefficient is %v", v.Name, v.Obj)
		}
		if math.IsNaN(v.Lo) || math.IsNaN(v.Hi) || checkInfinities(v.Lo, v.Hi) != nil {
			return nil, fmt.Errorf("variable %q: invalid bounds [%v, %v]", v.Name, v.Lo, v.Hi)
		}
		if v.Obj != 0 {
			doc.Objective.list = append(doc.Objective.list, coef{Name: v.Name, Value: number(v.Obj)})
		}
		jv := variable{Name: v.Name, Integer: v.Integer}
		if v.Lo != 0 {
			jv.Lo = bound(v.Lo)
		}
		if !math.IsInf(v.Hi, 1) {
			jv.Hi = bound(v.Hi)
		}
		doc.Variables = append(doc.Variables, jv)
	}
	rows, err := rowCoefs(m)
	if err != nil {
		return nil, err
	}
	for i, r := range m.Rows {
		if math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || checkInfinities(r.Lo, r.Hi) != nil {
			return nil, fmt.Errorf("constraint %q: invalid bounds [%v, %v]", r.Name, r.Lo, r.Hi)
		}
		c := constraint{Name: r.Name, Coefs: rows[i]}
		switch {
		case r.Lo == r.Hi:
			c.EQ = bound(r.Lo)
		case math.IsInf(r.Lo, -1) && !math.IsInf(r.Hi, 1):
			c.Hi = bound(r.Hi)
		case math.IsInf(r.Hi, 1) && !math.IsInf(r.Lo, -1):
			c.Lo = bound(r.Lo)
		default:
			c.Lo, c.Hi = bound(r.Lo), bound(r.Hi)
		}
		doc.Constraints = append(doc.Constraints, c)
	}
	return doc, nil
}

// rowCoefs returns each row's coefficients in column order, with
// duplicates summed and zeros dropped.
func rowCoefs(m *lp.Model) ([]coefs, error) {
	for _, c := range m.Coefs {
		if c.Row < 0 || c.Row >= len(m.Rows) || c.Col < 0 || c.Col >= len(m.Vars) {
			return nil, fmt.Errorf("coefficient (%d, %d) out of range", c.Row, c.Col)
		}
	}
	rows := make([]coefs, len(m.Rows))
	for i, row := range m.RowCoefs() {
		rows[i] = coefs{list: make([]coef, 0, len(row))}
		for _, c := range row {
			if !isFinite(c.Val) {
				return nil, fmt.Errorf("constraint %q: coefficient of %q is %v", m.Rows[i].Name, m.Vars[c.Col].Name, c.Val)
			}
			rows[i].list = append(rows[i].list, coef{Name: m.Vars[c.Col].Name, Value: number(c.Val)})
		}
	}
	return rows, nil
}

// bound encodes a bound, infinities as null.
func bound(v float64) json.RawMessage {
	if math.IsInf(v, 0) {
		return json.RawMessage("null")
	}
	return json.RawMessage(number(v))
}

// number formats a finite float as the shortest JSON number that parses
// back to it.
func number(v float64) json.Number {
	return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
