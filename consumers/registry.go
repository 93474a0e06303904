// Package consumers holds the stage handlers (one package each) and the
// registry that maps a handler name in topics.yaml to its implementation.
package consumers

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/nsqfarm/nsqfarm/consumers/handler"
	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/consumers/primality"
)

// Factory builds a handler from its stage's options.
type Factory struct {
	// Ports lists the handler's output ports.
	Ports []string
	// New builds the handler. options is the stage's `options:` mapping.
	New func(options map[string]any) (handler.Handler, error)
}

// registry maps handler names to factories.
var registry = map[string]Factory{
	"primality": {
		Ports: []string{primality.PortPrime, primality.PortComposite},
		New: func(o map[string]any) (handler.Handler, error) {
			opts := primality.DefaultOptions()
			if err := decodeOptions(o, &opts); err != nil {
				return nil, err
			}
			return primality.New(opts)
		},
	},
	"lpsolve": {
		Ports: []string{lpsolve.PortSolution},
		New: func(o map[string]any) (handler.Handler, error) {
			opts := lpsolve.DefaultOptions()
			if err := decodeOptions(o, &opts); err != nil {
				return nil, err
			}
			return lpsolve.New(opts)
		},
	},
}

// Names returns the registered handler names, sorted.
func Names() []string { return slices.Sorted(maps.Keys(registry)) }

// Ports maps every handler name to its output ports, for topology
// validation.
func Ports() map[string][]string {
	out := make(map[string][]string, len(registry))
	for name, f := range registry {
		out[name] = f.Ports
	}
	return out
}

// NewHandler builds the named handler with the given options.
func NewHandler(name string, options map[string]any) (handler.Handler, error) {
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown handler %q (known: %v)", name, Names())
	}
	h, err := f.New(options)
	if err != nil {
		return nil, fmt.Errorf("handler %s: %w", name, err)
	}
	return h, nil
}

// decodeOptions decodes a stage's options mapping into dst (a struct with
// yaml tags holding the defaults), rejecting unknown fields.
func decodeOptions(o map[string]any, dst any) error {
	if len(o) == 0 {
		return nil
	}
	raw, err := yaml.Marshal(o)
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	return nil
}
