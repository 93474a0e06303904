package template

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
)

// Value is the value a parameter takes in one instantiation.
type Value struct {
	Name string
	// Value is the exact number, as given or as written in the template.
	Value json.Number
	// Default reports that the value is the template's default.
	Default bool
}

// Resolve validates params against the template and returns the value of
// every parameter, in declaration order: the given value, or the default.
// It fails on unknown parameters, missing parameters without a default,
// malformed numbers and values outside [min, max].
func (t *Template) Resolve(params map[string]json.Number) ([]Value, error) {
	vals, _, err := t.resolve(params)
	return vals, err
}

// resolve is Resolve also returning the parsed numbers.
func (t *Template) resolve(params map[string]json.Number) ([]Value, []number, error) {
	if err := t.checkUnknown(params); err != nil {
		return nil, nil, err
	}
	vals := make([]Value, 0, len(t.Params))
	nums := make([]number, 0, len(t.Params))
	for _, p := range t.Params {
		v, given := params[p.Name]
		if !given {
			if p.Default == "" {
				return nil, nil, fmt.Errorf("model %q: missing parameter %q (it has no default)", t.Name, p.Name)
			}
			v = p.Default
		}
		num, err := parseNumber(v)
		if err != nil {
			return nil, nil, fmt.Errorf("model %q: parameter %q: %w", t.Name, p.Name, err)
		}
		if err := p.check(num); err != nil {
			return nil, nil, fmt.Errorf("model %q: %w", t.Name, err)
		}
		vals = append(vals, Value{Name: p.Name, Value: v, Default: !given})
		nums = append(nums, num)
	}
	return vals, nums, nil
}

// checkUnknown rejects parameters the template does not declare.
func (t *Template) checkUnknown(params map[string]json.Number) error {
	var unknown []string
	for name := range params {
		if !slices.ContainsFunc(t.Params, func(p Param) bool { return p.Name == name }) {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	known := "no parameters"
	if len(t.Params) > 0 {
		names := make([]string, len(t.Params))
		for i, p := range t.Params {
			names[i] = p.Name
		}
		known = "parameters " + strings.Join(names, ", ")
	}
	return fmt.Errorf("model %q: unknown parameter %s (it has %s)", t.Name, strings.Join(unknown, ", "), known)
}

// check verifies that a value lies within the parameter's limits, exactly.
func (p *Param) check(v number) error {
	if p.min != nil && less(v, *p.min) {
		return fmt.Errorf("parameter %q = %s is below its minimum %s", p.Name, v.text, p.Min)
	}
	if p.max != nil && less(*p.max, v) {
		return fmt.Errorf("parameter %q = %s is above its maximum %s", p.Name, v.text, p.Max)
	}
	return nil
}

// Instantiate builds the model for params (see Resolve). The model is
// named after the template. It is safe for concurrent use.
func (t *Template) Instantiate(params map[string]json.Number) (*lp.Model, error) {
	m, _, err := t.InstantiateValues(params)
	return m, err
}

// InstantiateValues is Instantiate also returning the parameter values
// used, as Resolve does.
func (t *Template) InstantiateValues(params map[string]json.Number) (*lp.Model, []Value, error) {
	vals, nums, err := t.resolve(params)
	if err != nil {
		return nil, nil, err
	}
	floats := make(map[string]float64, len(vals))
	for i, v := range vals {
		floats[v.Name] = nums[i].float
	}
	src := t.src
	if src == nil { // not made by Parse
		if src, err = lpformat.NewSource([]byte(t.Body), true); err != nil {
			return nil, nil, fmt.Errorf("model %q: %w", t.Name, t.bodyError(err))
		}
	}
	m, err := src.Read(lpformat.ReadOptions{Params: floats})
	if err != nil {
		return nil, nil, fmt.Errorf("model %q: %w", t.Name, t.bodyError(err))
	}
	m.Name = t.Name
	return m, vals, nil
}
