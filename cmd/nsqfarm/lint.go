package main

import (
	"context"
	"fmt"
)

// cmdLint validates a topology file and prints its stages.
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
	for _, name := range t.StageNames() {
		s := t.Stages[name]
		set := t.Settings(s)
		fmt.Fprintf(e.stdout, "stage %s: %s/%s -> %v, dead letters %s (concurrency %d, max_in_flight %d, max_attempts %d)\n",
			name, s.Topic, s.Channel, s.Outputs, s.DeadLetter, set.Concurrency, set.MaxInFlight, set.MaxAttempts)
	}
	fmt.Fprintf(e.stdout, "%s: ok (%d topics, %d stages)\n", *config, len(t.Topics), len(t.Stages))
	return nil
}
