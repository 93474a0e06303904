package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/nsqfarm/nsqfarm/internal/hopbench"
)

// cmdBench dispatches to the benchmarks; `bench hop` is the only one.
func cmdBench(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: bench what? hop", errUsage)
	}
	switch args[0] {
	case "hop":
		return benchHop(ctx, args[1:], e)
	default:
		return fmt.Errorf("%w: unknown benchmark %q (want hop)", errUsage, args[0])
	}
}

// benchHop measures one pipeline hop (the primality stage) against NSQ's
// nsq_to_nsq relay on a fresh nsqd and prints the table to stdout. This
// executable is the nsqfarm that is measured. Unless --max-in-flight is
// given, the stage's max_in_flight is read from topics.yaml and nsq_to_nsq
// runs twice: with its defaults, then with the same max in flight.
func benchHop(ctx context.Context, args []string, e *env) error {
	fs := newFlags("bench hop", e.stderr, "bench hop [--messages N] [--nsqd-bin P] [--nsq-to-nsq-bin P] [flags]")
	messages := fs.Int("messages", hopbench.DefaultMessages, "messages each consumer drains")
	nsqdBin := fs.String("nsqd-bin", "", "nsqd executable (default: nsqd on $PATH)")
	relayBin := fs.String("nsq-to-nsq-bin", "", "nsq_to_nsq executable (default: nsq_to_nsq on $PATH)")
	config := configFlag(fs)
	maxInFlight := fs.Int("max-in-flight", 0, "the stage's max in flight, also given to the matched nsq_to_nsq run (default: the stage's, from topics.yaml)")
	timeout := fs.Duration("timeout", hopbench.DefaultTimeout, "give up after this long")
	dir := fs.String("dir", "", "keep nsqd's data and the logs of every process here (default: a temporary directory, removed)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	if *messages <= 0 {
		return fmt.Errorf("%w: --messages must be positive, got %d", errUsage, *messages)
	}
	if *maxInFlight < 0 {
		return fmt.Errorf("%w: --max-in-flight must be positive, got %d", errUsage, *maxInFlight)
	}
	log, err := e.logger(*logLevel)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate the nsqfarm executable: %w", err)
	}
	nsqd, err := lookBin(*nsqdBin, "nsqd", "--nsqd-bin")
	if err != nil {
		return err
	}
	relay, err := lookBin(*relayBin, "nsq_to_nsq", "--nsq-to-nsq-bin")
	if err != nil {
		return err
	}
	mif := *maxInFlight
	if mif == 0 {
		t, err := loadTopology(*config)
		if err != nil {
			return err
		}
		st, err := t.Stage(hopbench.Stage)
		if err != nil {
			return err
		}
		mif = t.Settings(st).MaxInFlight
	}
	_, err = hopbench.Run(ctx, hopbench.Options{
		NSQDBin:     nsqd,
		NSQToNSQBin: relay,
		NSQFarmBin:  self,
		Config:      *config,
		Messages:    *messages,
		MaxInFlight: mif,
		Timeout:     *timeout,
		Dir:         *dir,
		Logger:      log,
	}, e.stdout)
	return err
}

// lookBin returns path, or name's location on $PATH when path is empty.
func lookBin(path, name, flag string) (string, error) {
	if path != "" {
		return path, nil
	}
	p, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%w: %s not found on $PATH: give %s, or run scripts/bench-hop.sh, which builds it", errUsage, name, flag)
	}
	return p, err
}
