package template

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/goccy/go-json"
	"go.yaml.in/yaml/v3"

	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
)

// Template is a named parametric model. See the package documentation for
// the file format.
type Template struct {
	Name        string
	Description string
	// Params lists the parameters in file order.
	Params []Param
	// Body is the model text: LP format with parameter expressions.
	Body string

	file     string           // source file, for error messages
	bodyLine int              // file line of the body's first line; 0 if unknown
	src      *lpformat.Source // Body, tokenised by Parse
}

// Param is one parameter of a template.
type Param struct {
	Name        string
	Description string
	// Default is the exact default value; empty when the parameter must be
	// given by every job.
	Default json.Number
	// Min and Max are the exact inclusive limits; empty when unlimited.
	Min, Max json.Number

	min, max *number
}

// The expressions of model and parameter names, compiled on first use
// rather than when any command starts.
var (
	modelName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })
	paramName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })
)

// Parse reads a template from the YAML text of file. The model name
// defaults to the file's base name without its extension. The model body is
// checked by instantiating it once (see the package documentation).
func Parse(file string, data []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty file", file)
	}
	base := path.Base(strings.ReplaceAll(file, `\`, "/"))
	t := &Template{Name: strings.TrimSuffix(base, path.Ext(base)), file: file}
	if err := t.decode(root.Content[0]); err != nil {
		return nil, err
	}
	src, err := lpformat.NewSource([]byte(t.Body), true)
	if err != nil {
		return nil, t.bodyError(err)
	}
	t.src = src
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// errorf formats an error located at a node of the file.
func (t *Template) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", t.file, n.Line, fmt.Sprintf(format, args...))
}

// decode fills t from the top-level mapping.
func (t *Template) decode(doc *yaml.Node) error {
	if doc.Kind != yaml.MappingNode {
		return t.errorf(doc, "expected a mapping with name, description, params and model")
	}
	var body *yaml.Node
	seen := make(map[string]bool)
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		if seen[key.Value] {
			return t.errorf(key, "key %q appears twice", key.Value)
		}
		seen[key.Value] = true
		var err error
		switch key.Value {
		case "name":
			if err = t.str(val, &t.Name); err == nil && !modelName().MatchString(t.Name) {
				err = t.errorf(val, "name %q may only contain letters, digits, '_', '-' and '.'", t.Name)
			}
		case "description":
			err = t.str(val, &t.Description)
		case "params":
			err = t.params(val)
		case "model":
			body = val
			err = t.str(val, &t.Body)
		default:
			err = t.errorf(key, "unknown key %q (want name, description, params or model)", key.Value)
		}
		if err != nil {
			return err
		}
	}
	if body == nil {
		return t.errorf(doc, "missing key \"model\"")
	}
	if body.Style == yaml.LiteralStyle {
		t.bodyLine = body.Line + 1
	} else if !strings.Contains(t.Body, "\n") {
		t.bodyLine = body.Line
	}
	return nil
}

// str decodes a scalar string.
func (t *Template) str(n *yaml.Node, dst *string) error {
	if n.Kind != yaml.ScalarNode {
		return t.errorf(n, "expected a string")
	}
	*dst = n.Value
	return nil
}

// params decodes the params mapping.
func (t *Template) params(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return t.errorf(n, "params must be a mapping of parameter names to specs")
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		name := key.Value
		switch {
		case !paramName().MatchString(name):
			return t.errorf(key, "parameter name %q must be a letter or '_' followed by letters, digits or '_'", name)
		case lpformat.Reserved(name):
			return t.errorf(key, "parameter name %q is reserved in LP format", name)
		case seen[name]:
			return t.errorf(key, "parameter %q is declared twice", name)
		}
		seen[name] = true
		p, err := t.param(name, val)
		if err != nil {
			return err
		}
		t.Params = append(t.Params, p)
	}
	return nil
}

// param decodes one parameter spec: a number (the default) or a mapping.
func (t *Template) param(name string, n *yaml.Node) (Param, error) {
	p := Param{Name: name}
	if n.Kind == yaml.ScalarNode {
		def, err := t.number(n)
		p.Default = def.text
		return p, err
	}
	if n.Kind != yaml.MappingNode {
		return p, t.errorf(n, "parameter %q: expected a number or a mapping with default, min, max and description", name)
	}
	var def *number
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		var err error
		var num number
		switch key.Value {
		case "default":
			num, err = t.number(val)
			def, p.Default = &num, num.text
		case "min":
			num, err = t.number(val)
			p.min, p.Min = &num, num.text
		case "max":
			num, err = t.number(val)
			p.max, p.Max = &num, num.text
		case "description":
			err = t.str(val, &p.Description)
		default:
			err = t.errorf(key, "parameter %q: unknown key %q (want default, min, max or description)", name, key.Value)
		}
		if err != nil {
			return p, err
		}
	}
	if p.min != nil && p.max != nil && less(*p.max, *p.min) {
		return p, t.errorf(n, "parameter %q: min %s exceeds max %s", name, p.Min, p.Max)
	}
	if def != nil {
		if err := p.check(*def); err != nil {
			return p, t.errorf(n, "default: %v", err)
		}
	}
	return p, nil
}

// number decodes a numeric scalar written as a JSON number.
func (t *Template) number(n *yaml.Node) (number, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return number{}, t.errorf(n, "expected a number, found %q", n.Value)
	}
	num, err := parseNumber(json.Number(n.Value))
	if err != nil {
		return number{}, t.errorf(n, "%v", err)
	}
	return num, nil
}

// check instantiates the body once with the defaults, or for parameters
// without a default with 1 moved into [min, max].
func (t *Template) check() error {
	vals := make(map[string]json.Number, len(t.Params))
	for _, p := range t.Params {
		if p.Default != "" {
			continue
		}
		v := number{text: "1", float: 1}
		if p.min != nil && less(v, *p.min) {
			v = *p.min
		}
		if p.max != nil && less(*p.max, v) {
			v = *p.max
		}
		vals[p.Name] = v.text
	}
	if _, err := t.Instantiate(vals); err != nil {
		return fmt.Errorf("checking the model with default parameters: %w", err)
	}
	return nil
}

// bodyError locates an error of the model body in the file.
func (t *Template) bodyError(err error) error {
	var se *lpformat.SyntaxError
	if errors.As(err, &se) && t.bodyLine > 0 {
		return fmt.Errorf("%s:%d: %s", t.file, t.bodyLine+se.Line-1, se.Msg)
	}
	return fmt.Errorf("%s: model: %w", t.file, err)
}
