package jsonmodel

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

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
// rejects duplicate keys. Decoding does not fail on a bad member: it keeps
// the first problem in bad, for Decode to report with its place.
type coefs struct {
	list []coef
	bad  *docError // path relative to the object, offset within it
}

// MarshalJSON writes the pairs as an object, in order.
func (c coefs) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range c.list {
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
	*c = coefs{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// tokenAt returns the offset in data where the last token read starts,
	// given the offset before reading it.
	tokenAt := func(before int64) int {
		i := int(before)
		for i < len(data) && strings.IndexByte(" \t\r\n,:", data[i]) >= 0 {
			i++
		}
		return i
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		c.bad = &docError{off: tokenAt(0), msg: fmt.Sprintf("expected an object of variable names to numbers, found %s", describe(tok))}
		return nil
	}
	seen := make(map[string]bool)
	for dec.More() {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if seen[name] {
			c.bad = &docError{off: tokenAt(before), msg: fmt.Sprintf("variable %q appears twice (expected each variable once)", name)}
			return nil
		}
		seen[name] = true
		before = dec.InputOffset()
		tok, err = dec.Token()
		if err != nil {
			return err
		}
		num, ok := tok.(json.Number)
		if !ok {
			if d, isDelim := tok.(json.Delim); isDelim && (d == '{' || d == '[') {
				tok = d
			}
			c.bad = &docError{off: tokenAt(before), msg: fmt.Sprintf("coefficient of %q is %s, not a number (expected a JSON number)", name, describe(tok))}
			return nil
		}
		c.list = append(c.list, coef{Name: name, Value: num})
	}
	return nil
}

// describe names a JSON token for messages.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "the string " + strconv.Quote(v)
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case nil:
		return "null"
	case json.Number:
		return "the number " + string(v)
	}
	return fmt.Sprint(tok)
}
