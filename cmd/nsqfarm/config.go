package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// Handler names the commands look stages up by.
const (
	primalityHandler = "primality"
	lpsolveHandler   = "lpsolve"
)

// builtinName names the built-in topology in messages.
const builtinName = "built-in topology"

// builtinTopology returns the topology compiled into the binary, which
// commands use when no topology file is given and ./topics.yaml does not
// exist.
func builtinTopology() (*topology.Topology, error) {
	return topology.Default(topology.LoadOptions{Handlers: consumers.Catalogue})
}

// loadConfig returns the validated topology of path (from --config,
// NSQFARM_CONFIG or lint's argument) and the name it was read under. With
// no path it reads ./topics.yaml, or, when there is none, the built-in
// topology.
func loadConfig(path string) (*topology.Topology, string, error) {
	if path == "" {
		_, err := os.Stat(topology.DefaultFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			t, err := builtinTopology()
			if err != nil {
				return nil, "", fmt.Errorf("no %s in this directory, and the %s: %w", topology.DefaultFile, builtinName, err)
			}
			return t, builtinName, nil
		case err != nil:
			return nil, "", fmt.Errorf("read topology: %w", err)
		}
		path = topology.DefaultFile
	}
	t, err := topology.Load(path, topology.LoadOptions{Handlers: consumers.Catalogue})
	if err != nil {
		return nil, "", err
	}
	return t, path, nil
}

// stageOf returns the first stage of t, in file order, run by handler and
// reading topic (any topic when topic is "").
func stageOf(t *topology.Topology, handler, topic string) (*topology.Stage, error) {
	for _, name := range t.StageNames() {
		s := t.Stages[name]
		if s.Handler == handler && (topic == "" || slices.Contains(s.Inputs(), topic)) {
			return s, nil
		}
	}
	if topic != "" {
		return nil, fmt.Errorf("the topology has no %s stage reading topic %s", handler, topic)
	}
	return nil, fmt.Errorf("the topology has no %s stage", handler)
}
