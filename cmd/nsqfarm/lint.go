package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// cmdLint validates a topology file, and its stages' handler options, and
// prints its stages.
func cmdLint(_ context.Context, args []string, e *env) error {
	fs := newFlags("lint", e.stderr, "lint [--config topics.yaml]")
	config := configFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	t, err := loadTopology(*config)
	if err != nil {
		return err
	}
	// Building the farm without running it checks every handler's options.
	if _, err := stage.NewFarm(stage.FarmOptions{Topology: t, Catalogue: consumers.Catalogue}); err != nil {
		return err
	}
	for _, name := range t.StageNames() {
		s := t.Stages[name]
		set := t.Settings(s)
		fmt.Fprintf(e.stdout, "stage %s: %s/%s → %s, dead letters → %s (concurrency %d, max_in_flight %d, max_attempts %d, msg_timeout %v)\n",
			name, s.Topic, s.Channel, formatOutputs(s.Outputs), s.DeadLetter, set.Concurrency, set.MaxInFlight, set.MaxAttempts, set.MsgTimeout)
	}
	fmt.Fprintf(e.stdout, "%s: ok (%d topics, %d stages)\n", *config, len(t.Topics), len(t.Stages))
	return nil
}

// formatOutputs lists a stage's outputs as "port→topic" pairs, by port.
func formatOutputs(outputs map[string]string) string {
	pairs := make([]string, 0, len(outputs))
	for _, port := range slices.Sorted(maps.Keys(outputs)) {
		pairs = append(pairs, port+"→"+outputs[port])
	}
	return strings.Join(pairs, " ")
}
