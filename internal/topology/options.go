package topology

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// HandlerSpec is what validation needs to know of a handler: its output
// ports and how to check a stage's options.
type HandlerSpec interface {
	// PortNames lists every port the handler may emit on.
	PortNames() []string
	// CheckOptions decodes and validates a stage's options (the options
	// node of the stage, of Kind 0 when absent) as the handler's
	// constructor would, for destination nsqds that accept messages of up
	// to maxMsgSize bytes. Every problem is an *OptionError.
	CheckOptions(options *yaml.Node, maxMsgSize int) error
}

// ControlSpec is implemented by a HandlerSpec that says whether its
// handler takes control messages. A stage with a control topic is
// rejected when its handler's spec implements ControlSpec and
// TakesControl is false.
type ControlSpec interface {
	// TakesControl reports whether the handler takes control messages.
	TakesControl() bool
}

// Handlers is the catalogue of the handlers a binary runs.
type Handlers interface {
	// HandlerNames lists the handler names, sorted.
	HandlerNames() []string
	// HandlerSpec returns the named handler's spec; ok is false when there
	// is none.
	HandlerSpec(name string) (spec HandlerSpec, ok bool)
}

// OptionError is a problem with one option of a stage's handler.
type OptionError struct {
	// Path is the option's key path under options, such as
	// "factor_budget.rho_steps"; "" for the options as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
	// Line is the problem's line in the file, when the error comes from
	// decoding; 0 means the line of the key at Path.
	Line int
}

// Error formats the problem as "path: message".
func (e *OptionError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// OptionsError returns err, an error of stage's options (a join of
// *OptionError, as DecodeOptions and HandlerSpec.CheckOptions return),
// with every problem located in t's file: a *FieldError at the line of
// the option, or of the nearest key above it that the file holds, named
// stages.STAGE.options.PATH. Other errors are located at the options key.
func (t *Topology) OptionsError(stage string, err error) error {
	return joinFieldErrors(t.optionErrors(stage, err))
}

func (t *Topology) optionErrors(stage string, err error) []*FieldError {
	if err == nil {
		return nil
	}
	var errs []*FieldError
	for _, e := range leafErrors(err) {
		path := []string{"stages", stage, "options"}
		msg := e.Error()
		var oe *OptionError
		if errors.As(e, &oe) {
			if oe.Path != "" {
				path = append(path, strings.Split(oe.Path, ".")...)
			}
			msg = oe.Msg
		}
		fe := t.fieldError(msg, path...)
		if oe != nil && oe.Line > 0 {
			fe.Line = oe.Line
		}
		errs = append(errs, fe)
	}
	return errs
}

// leafErrors flattens the tree of errors.Join.
func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// DecodeOptions decodes a stage's options node into dst, a pointer to a
// struct that holds the defaults, and returns every problem as an
// *OptionError (joined). It is strict: a key that dst does not declare in
// its yaml tags is an error, as are a key given twice and a value of the
// wrong type. A node of Kind 0 (no options) or null leaves dst as it is.
// Nested structs are decoded key by key too, so that a nested key is
// checked as well.
func DecodeOptions(node *yaml.Node, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("topology: DecodeOptions needs a pointer to a struct, got %T", dst)
	}
	var errs []error
	decodeStruct(node, v.Elem(), "", &errs)
	return errors.Join(errs...)
}

// yamlLinePrefix is the "line N: " that yaml.v3 puts before its messages:
// the error's location is given by its path instead.
var yamlLinePrefix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:yaml: )?(?:unmarshal errors:\s*)?line \d+: `)
})

func decodeStruct(n *yaml.Node, v reflect.Value, path string, errs *[]error) {
	if n == nil || n.Kind == 0 {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	fields := yamlFields(v.Type())
	if n.Kind != yaml.MappingNode {
		*errs = append(*errs, &OptionError{Path: path, Msg: fmt.Sprintf("must be a mapping of %s", strings.Join(fieldNames(fields), ", ")), Line: n.Line})
		return
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		p := joinPath(path, key.Value)
		if seen[key.Value] {
			*errs = append(*errs, &OptionError{Path: p, Msg: "is given twice", Line: key.Line})
			continue
		}
		seen[key.Value] = true
		j := slices.IndexFunc(fields, func(f yamlField) bool { return f.name == key.Value })
		if j < 0 {
			*errs = append(*errs, &OptionError{Path: p, Msg: fmt.Sprintf("unknown option (options here: %s)", strings.Join(fieldNames(fields), ", ")), Line: key.Line})
			continue
		}
		fv := v.FieldByIndex(fields[j].index)
		if nested(fv) {
			decodeStruct(val, fv, p, errs)
			continue
		}
		if err := val.Decode(fv.Addr().Interface()); err != nil {
			msg := err.Error()
			var te *yaml.TypeError
			if errors.As(err, &te) && len(te.Errors) > 0 {
				msg = te.Errors[0]
			}
			*errs = append(*errs, &OptionError{Path: p, Msg: yamlLinePrefix().ReplaceAllString(msg, ""), Line: val.Line})
		}
	}
}

// nested reports whether v is a struct decoded key by key: one that does
// not decode itself.
func nested(v reflect.Value) bool {
	if v.Kind() != reflect.Struct {
		return false
	}
	_, custom := v.Addr().Interface().(yaml.Unmarshaler)
	return !custom
}

// OptionDoc documents one option of a handler.
type OptionDoc struct {
	// Path is the option's key path under options.
	Path string
	// Default is the option's default value, as YAML writes it.
	Default string
	// Doc says what the option does (its doc tag).
	Doc string
}

// OptionDocs lists the options of defaults, a struct with yaml and doc
// tags holding the default values, in declaration order; nested structs
// are listed field by field after their own entry.
func OptionDocs(defaults any) []OptionDoc {
	var docs []OptionDoc
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		for _, f := range yamlFields(v.Type()) {
			fv := v.FieldByIndex(f.index)
			p := joinPath(prefix, f.name)
			if fv.Kind() == reflect.Struct {
				docs = append(docs, OptionDoc{Path: p, Doc: f.doc})
				walk(fv, p)
				continue
			}
			out, err := yaml.Marshal(fv.Interface())
			def := strings.TrimSpace(string(out))
			if err != nil {
				def = fmt.Sprint(fv.Interface())
			}
			docs = append(docs, OptionDoc{Path: p, Default: def, Doc: f.doc})
		}
	}
	v := reflect.ValueOf(defaults)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		walk(v, "")
	}
	return docs
}

// yamlField is one key of a struct as yaml.v3 decodes it.
type yamlField struct {
	name  string
	doc   string
	index []int
}

// yamlFields lists the keys of struct type t, with the fields of inline
// structs in place, as yaml.v3 names them.
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, flags, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(flags, "inline") && f.Type.Kind() == reflect.Struct {
			for _, in := range yamlFields(f.Type) {
				in.index = append([]int{i}, in.index...)
				out = append(out, in)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, yamlField{name: name, doc: f.Tag.Get("doc"), index: []int{i}})
	}
	return out
}

func fieldNames(fields []yamlField) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
