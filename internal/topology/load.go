package topology

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadOptions tell Load what the running binary supports.
type LoadOptions struct {
	// Handlers is the catalogue of known handlers: every stage's handler
	// name, output ports and options are checked against it. When nil,
	// they are not checked.
	Handlers Handlers
}

// Load reads and validates the topology file at path.
func Load(path string, opts LoadOptions) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	return Parse(path, data, opts)
}

// yamlLine matches the "line N: message" form of yaml.v3's errors. It is
// compiled on first use: only a broken file needs it.
var yamlLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(?:yaml: )?line (\d+): (.*)$`)
})

// Parse decodes and validates a topology held in data; file names it in
// error messages.
func Parse(file string, data []byte, opts LoadOptions) (*Topology, error) {
	t := &Topology{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(t); err != nil {
		return nil, t.decodeError(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, t.decodeError(err)
	}
	t.loc = locator{root: &root}
	for _, name := range t.loc.keys("stages") {
		if s := t.Stages[name]; s != nil {
			s.Name = name
			s.line = t.loc.line("stages", name)
			t.stageOrder = append(t.stageOrder, name)
		}
	}
	if err := t.validate(opts); err != nil {
		return nil, err
	}
	return t, nil
}

// decodeError rewrites yaml.v3 errors to the file:line: form.
func (t *Topology) decodeError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var errs []error
		for _, msg := range te.Errors {
			errs = append(errs, t.rewriteYAML(msg))
		}
		return errors.Join(errs...)
	}
	if err.Error() == "EOF" {
		return fmt.Errorf("%s: empty topology", t.fileName())
	}
	return t.rewriteYAML(strings.TrimPrefix(err.Error(), "yaml: "))
}

func (t *Topology) rewriteYAML(msg string) error {
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", t.fileName(), m[1], m[2])
	}
	return fmt.Errorf("%s: %s", t.fileName(), msg)
}

// FieldError is one validation problem, located in the file.
type FieldError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error formats the problem as "file:line: field: message".
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// UnmarshalYAML decodes a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML encodes d as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func parseDuration(s string) (Duration, error) {
	if s == "0" {
		return 0, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (want e.g. 60s, 5ms)", s)
	}
	return Duration(v), nil
}

// locator finds the line of a key path in a YAML document.
type locator struct{ root *yaml.Node }

func (l locator) mapping(path ...string) *yaml.Node {
	n := l.root
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				next = n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// line returns the line of the deepest key of path present in the file.
func (l locator) line(path ...string) int {
	for len(path) > 0 {
		parent := l.mapping(path[:len(path)-1]...)
		if parent != nil && parent.Kind == yaml.MappingNode {
			last := path[len(path)-1]
			for i := 0; i+1 < len(parent.Content); i += 2 {
				if parent.Content[i].Value == last {
					return parent.Content[i].Line
				}
			}
			return parent.Line
		}
		path = path[:len(path)-1]
	}
	return 1
}

// keys returns the keys of the mapping at path in file order.
func (l locator) keys(path ...string) []string {
	n := l.mapping(path...)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var ks []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		ks = append(ks, n.Content[i].Value)
	}
	return ks
}
