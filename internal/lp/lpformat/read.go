package lpformat

import (
	"errors"
	"fmt"
	"io"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// ReadOptions configures ReadWith.
type ReadOptions struct {
	// Params, when non-nil (even if empty), enables parameter expressions:
	// each key is a parameter name that stands for its value wherever a
	// number may appear. See the package documentation.
	Params map[string]float64
}

// Read parses a model in CPLEX LP format. Syntax errors are returned as
// *SyntaxError values carrying the line number.
func Read(r io.Reader) (*lp.Model, error) {
	return ReadWith(r, ReadOptions{})
}

// ReadWith is Read with options.
func ReadWith(r io.Reader, opts ReadOptions) (*lp.Model, error) {
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("lpformat: read: %w", err)
	}
	src, err := NewSource(text, opts.Params != nil)
	if err != nil {
		return nil, err
	}
	return src.Read(opts)
}

// Source is LP text split into tokens once, to be read many times: a
// template instantiated with different parameter values. It is safe for
// concurrent use.
type Source struct {
	toks   []token
	name   string
	params bool
}

// NewSource tokenises text. withParams selects the parameter-expression
// syntax, in which parentheses and / are operators.
func NewSource(text []byte, withParams bool) (*Source, error) {
	toks, name, err := lex(text, withParams)
	if err != nil {
		return nil, err
	}
	return &Source{toks: toks, name: name, params: withParams}, nil
}

// Read parses the model. opts.Params must be non-nil exactly when the
// source was made with parameter expressions.
func (s *Source) Read(opts ReadOptions) (*lp.Model, error) {
	if (opts.Params != nil) != s.params {
		return nil, errors.New("lpformat: ReadOptions.Params does not match the syntax of the source")
	}
	p := &parser{
		toks:   s.toks,
		params: opts.Params,
		expr:   s.params,
		m:      &lp.Model{Name: s.name},
		cols:   make(map[string]int),
		rows:   make(map[string]int),
	}
	if err := p.file(); err != nil {
		return nil, err
	}
	p.nameRows()
	return p.m, nil
}
