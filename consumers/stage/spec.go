package stage

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// Port is one output port of a handler: a stage maps it to a topic under
// outputs in topics.yaml.
type Port struct {
	// Name is the port's key under the stage's outputs.
	Name string
	// Doc says what the handler emits on the port.
	Doc string
}

// Spec declares one handler, once, next to it: its name, its output
// ports, its typed options with their defaults and documentation, and its
// constructor. Topology validation (and so `nsqfarm lint`) decodes and
// checks a stage's options through it, and the farm builds the handler
// with it. Declare one with NewSpec.
type Spec struct {
	// Name is the handler's name: a stage's handler in topics.yaml.
	Name string
	// Doc says in one line what the handler does.
	Doc string
	// Ports are the handler's output ports.
	Ports []Port

	options func() []topology.OptionDoc // computed on first use
	control bool
	check   func(options *yaml.Node, maxMsgSize int) error
	build   func(options *yaml.Node, maxMsgSize int, st store.Store) (Handler, error)
	// needsStore: the handler writes to the process's results store.
	needsStore bool
}

// OptionsValidator is implemented by handler options that check their own
// values. Validate reports each invalid option with OptionErrorf, so that
// the error names the option and its line in topics.yaml.
type OptionsValidator interface {
	Validate() error
}

// MessageSizeLimited is implemented by handler options that must agree
// with the largest message nsqd accepts (the topology's max_msg_size): an
// input can be no larger, and an output larger than it is dead-lettered.
// Topology validation (`nsqfarm lint`) and the farm call CheckMaxMsgSize;
// its errors name their option with OptionErrorf.
type MessageSizeLimited interface {
	CheckMaxMsgSize(maxMsgSize int) error
}

// OptionErrorf reports an invalid value of the option at path, its key
// path under the stage's options ("factor_budget.rho_steps"). Validation
// errors built with it are shown at the option's line in topics.yaml.
func OptionErrorf(path, format string, args ...any) error {
	return &topology.OptionError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// NewSpec declares the handler name, whose options are an O with yaml and
// doc tags: defaults returns them with their default values, and
// construct builds the handler from them. Options may implement
// OptionsValidator and MessageSizeLimited, which are called on the decoded
// options before construct.
func NewSpec[O any, H Handler](name, doc string, ports []Port, defaults func() O, construct func(O) (H, error)) *Spec {
	return newSpec(name, doc, ports, defaults, func(o O, _ store.Store) (H, error) { return construct(o) })
}

// NewStoreSpec declares, as NewSpec does, a handler that writes to the
// results store of its process: construct gets the store that the farm
// was given (FarmOptions.Store), which the process shares with whatever
// else uses it, never nil.
func NewStoreSpec[O any, H Handler](name, doc string, ports []Port, defaults func() O, construct func(O, store.Store) (H, error)) *Spec {
	s := newSpec(name, doc, ports, defaults, construct)
	s.needsStore = true
	return s
}

func newSpec[O any, H Handler](name, doc string, ports []Port, defaults func() O, construct func(O, store.Store) (H, error)) *Spec {
	decode := func(node *yaml.Node, maxMsgSize int) (O, error) {
		opts := defaults()
		if err := topology.DecodeOptions(node, &opts); err != nil {
			return opts, err
		}
		var errs []error
		if v, ok := any(opts).(OptionsValidator); ok {
			errs = append(errs, v.Validate())
		}
		if l, ok := any(opts).(MessageSizeLimited); ok {
			errs = append(errs, l.CheckMaxMsgSize(maxMsgSize))
		}
		return opts, errors.Join(errs...)
	}
	return &Spec{
		Name:    name,
		Doc:     doc,
		Ports:   ports,
		options: sync.OnceValue(func() []topology.OptionDoc { return topology.OptionDocs(defaults()) }),
		control: reflect.TypeFor[H]().Implements(reflect.TypeFor[Controller]()),
		check: func(node *yaml.Node, maxMsgSize int) error {
			_, err := decode(node, maxMsgSize)
			return err
		},
		build: func(node *yaml.Node, maxMsgSize int, st store.Store) (Handler, error) {
			opts, err := decode(node, maxMsgSize)
			if err != nil {
				return nil, err
			}
			return construct(opts, st)
		},
	}
}

// PortNames lists the names of the handler's ports.
func (s *Spec) PortNames() []string {
	names := make([]string, len(s.Ports))
	for i, p := range s.Ports {
		names[i] = p.Name
	}
	return names
}

// TakesControl reports whether the handler implements Controller, so
// that a stage running it may have a control topic. It implements
// topology.ControlSpec.
func (s *Spec) TakesControl() bool { return s.control }

// Options documents the handler's options, with their defaults.
func (s *Spec) Options() []topology.OptionDoc { return slices.Clone(s.options()) }

// CheckOptions decodes a stage's options node (of Kind 0 when the stage
// has none) strictly and validates the values, for nsqds that accept
// messages of up to maxMsgSize bytes. Every problem is a
// *topology.OptionError naming its option, or an error of the handler.
func (s *Spec) CheckOptions(options *yaml.Node, maxMsgSize int) error {
	return s.check(options, maxMsgSize)
}

// NeedsStore reports whether the handler writes to a results store
// (it was declared with NewStoreSpec).
func (s *Spec) NeedsStore() bool { return s.needsStore }

// New decodes and checks a stage's options as CheckOptions does, then
// builds the handler; st is the process's results store, required by a
// handler that NeedsStore and ignored by the others.
func (s *Spec) New(options *yaml.Node, maxMsgSize int, st store.Store) (Handler, error) {
	if s.needsStore && st == nil {
		return nil, fmt.Errorf("handler %q writes to a results store, and the process has none (nsqfarm: --store URL or NSQFARM_STORE)", s.Name)
	}
	return s.build(options, maxMsgSize, st)
}

// Catalogue is the list of the handlers a binary runs, by name.
type Catalogue struct {
	specs []*Spec
}

// NewCatalogue lists specs. Two specs of one name are a programming
// error: NewCatalogue panics.
func NewCatalogue(specs ...*Spec) *Catalogue {
	for i, s := range specs {
		for _, t := range specs[:i] {
			if t.Name == s.Name {
				panic(fmt.Sprintf("stage: two specs named %q in a catalogue", s.Name))
			}
		}
	}
	return &Catalogue{specs: specs}
}

// Specs returns the specs in the catalogue's order.
func (c *Catalogue) Specs() []*Spec { return slices.Clone(c.specs) }

// Spec returns the spec of the named handler, or an error listing the
// known ones.
func (c *Catalogue) Spec(name string) (*Spec, error) {
	for _, s := range c.specs {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown handler %q (known: %v)", name, c.HandlerNames())
}

// HandlerNames lists the handler names, sorted.
func (c *Catalogue) HandlerNames() []string {
	names := make([]string, len(c.specs))
	for i, s := range c.specs {
		names[i] = s.Name
	}
	slices.Sort(names)
	return names
}

// HandlerSpec implements topology.Handlers.
func (c *Catalogue) HandlerSpec(name string) (topology.HandlerSpec, bool) {
	s, err := c.Spec(name)
	if err != nil {
		return nil, false
	}
	return s, true
}
