package jsonmodel

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/goccy/go-json"
)

// document is the JSON shape of a model, shared by Decode and Encode.
// Bounds are kept raw so that absent, null and string infinities can be
// told apart.
type document struct {
	Name              string          `json:"name,omitempty"`
	Sense             string          `json:"sense,omitempty"`
	ObjectiveName     string          `json:"objective_name,omitempty"`
	Objective         coefs           `json:"objective"`
	ObjectiveConstant json.RawMessage `json:"objective_constant,omitempty"`
	Variables         []variable      `json:"variables"`
	Constraints       []constraint    `json:"constraints"`
}

type variable struct {
	Name    string          `json:"name"`
	Lo      json.RawMessage `json:"lo,omitempty"`
	Hi      json.RawMessage `json:"hi,omitempty"`
	Integer bool            `json:"integer,omitempty"`
}

type constraint struct {
	Name  string          `json:"name,omitempty"`
	Coefs coefs           `json:"coefs"`
	Lo    json.RawMessage `json:"lo,omitempty"`
	Hi    json.RawMessage `json:"hi,omitempty"`
	LE    json.RawMessage `json:"<=,omitempty"`
	GE    json.RawMessage `json:">=,omitempty"`
	EQ    json.RawMessage `json:"=,omitempty"`
}

// coef is one "variable": coefficient pair.
type coef struct {
	Name  string
	Value json.Number
}

// coefs is a JSON object of coefficients that keeps its key order and
// rejects duplicate keys.
type coefs []coef

// MarshalJSON writes the pairs as an object, in order.
func (c coefs) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range c {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, err := json.Marshal(kv.Name)
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		buf.WriteString(string(kv.Value))
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an object whose values are numbers.
func (c *coefs) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("coefficients must be an object of variable names to numbers")
	}
	seen := make(map[string]bool)
	*c = (*c)[:0]
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("variable %q appears twice", name)
		}
		seen[name] = true
		tok, err = dec.Token()
		if err != nil {
			return err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return fmt.Errorf("coefficient of %q is %v, not a number", name, tok)
		}
		*c = append(*c, coef{Name: name, Value: num})
	}
	return nil
}
