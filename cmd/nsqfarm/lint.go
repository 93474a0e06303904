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
	fs := e.flags("lint", "[FILE] [--config FILE]", `
Validate a topology: its topics, stages and addresses, and each stage's
handler options, reporting every problem with its file, line and field.
FILE (or --config) defaults to ./topics.yaml, else the built-in topology.`)
	config := configFlag(fs)
	file, err := fs.parseOptionalArg(args, "FILE")
	if err != nil {
		return err
	}
	path := *config
	if file != "" {
		if fs.isSet("config") && file != *config {
			return fs.usagef("give the file as FILE or with --config, not both")
		}
		path = file
	}
	t, name, err := loadConfig(path)
	if err != nil {
		return err
	}
	// Building the farm without running it checks every handler's options.
	if _, err := stage.NewFarm(stage.FarmOptions{Topology: t, Catalogue: consumers.Catalogue, CheckOnly: true}); err != nil {
		return err
	}
	for _, stageName := range t.StageNames() {
		s := t.Stages[stageName]
		set := t.Settings(s)
		fmt.Fprintf(e.stdout, "stage %s: %s/%s → %s, dead letters → %s (concurrency %d, max_in_flight %d, max_attempts %d, msg_timeout %v)\n",
			stageName, strings.Join(s.Inputs(), ","), s.Channel, formatOutputs(s.Outputs), s.DeadLetter, set.Concurrency, set.MaxInFlight, set.MaxAttempts, set.MsgTimeout)
	}
	fmt.Fprintf(e.stdout, "%s: ok (%d topics, %d stages)\n", name, len(t.Topics), len(t.Stages))
	return nil
}

// formatOutputs lists a stage's outputs as "port→topic" pairs, by port,
// or says there are none.
func formatOutputs(outputs map[string]string) string {
	if len(outputs) == 0 {
		return "no outputs"
	}
	pairs := make([]string, 0, len(outputs))
	for _, port := range slices.Sorted(maps.Keys(outputs)) {
		pairs = append(pairs, port+"→"+outputs[port])
	}
	return strings.Join(pairs, " ")
}
