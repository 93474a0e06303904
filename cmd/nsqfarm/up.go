package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/cluster"
)

// cmdUp starts the embedded cluster and every stage, and runs until
// SIGINT/SIGTERM, then drains the stages and stops the cluster.
func cmdUp(ctx context.Context, args []string, e *env) error {
	fs := newFlags("up", e.stderr, "up [flags]")
	config := configFlag(fs)
	opts := cluster.DefaultOptions()
	fs.StringVar(&opts.DataDir, "data-dir", envOr("NSQFARM_DATA_DIR", opts.DataDir), "directory for nsqd's queues, kept across restarts (env NSQFARM_DATA_DIR)")
	fs.StringVar(&opts.NSQDTCPAddress, "nsqd-tcp-address", opts.NSQDTCPAddress, "nsqd TCP listen address")
	fs.StringVar(&opts.NSQDHTTPAddress, "nsqd-http-address", opts.NSQDHTTPAddress, "nsqd HTTP listen address")
	fs.StringVar(&opts.LookupdTCPAddress, "lookupd-tcp-address", opts.LookupdTCPAddress, "nsqlookupd TCP listen address")
	fs.StringVar(&opts.LookupdHTTPAddress, "lookupd-http-address", opts.LookupdHTTPAddress, "nsqlookupd HTTP listen address")
	fs.StringVar(&opts.AdminHTTPAddress, "nsqadmin-http-address", opts.AdminHTTPAddress, "nsqadmin HTTP listen address (empty disables nsqadmin)")
	fs.StringVar(&opts.BroadcastAddress, "broadcast-address", "", "address nsqd registers with nsqlookupd, for consumers on other machines (default: the host of --nsqd-tcp-address)")
	fs.Int64Var(&opts.MemQueueSize, "mem-queue-size", opts.MemQueueSize, "messages per topic and channel that nsqd keeps in memory before writing to disk (nsqd's --mem-queue-size; 0: all on disk)")
	fs.Int64Var(&opts.SyncEvery, "sync-every", opts.SyncEvery, "messages per disk queue between fsyncs of data and queue positions (nsqd's --sync-every)")
	metricsAddr := fs.String("metrics-address", envOr("NSQFARM_METRICS_ADDRESS", "127.0.0.1:9150"), "serve /metrics and /healthz here (empty disables)")
	var stages stringList
	fs.Var(&stages, "stage", "run only this stage (repeatable; default: every stage)")
	concurrency := fs.Int("concurrency", 0, "handler goroutines per stage (default: from topics.yaml)")
	maxInFlight := fs.Int("max-in-flight", 0, "max in-flight messages per stage (default: from topics.yaml)")
	verbose := fs.Bool("verbose", false, "show NSQ's info logs")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := e.logger(*logLevel)
	if err != nil {
		return err
	}
	t, err := loadTopology(*config)
	if err != nil {
		return err
	}
	opts.Verbose = *verbose
	opts.Logger = log
	c, err := cluster.Start(opts)
	if err != nil {
		return err
	}
	defer c.Exit()

	// Create every topic, and each stage's channel, before anyone
	// publishes: a topic with no channel would hand its backlog to
	// whichever channel appears first (say, a tail).
	names := []string(stages)
	if len(names) == 0 {
		names = t.StageNames()
	}
	for topic := range t.Topics {
		c.EnsureChannel(topic, "")
	}
	for _, name := range names {
		s, err := t.Stage(name)
		if err != nil {
			return err
		}
		c.EnsureChannel(s.Topic, s.Channel)
	}

	f, err := stage.NewFarm(stage.FarmOptions{
		Topology:  t,
		Catalogue: consumers.Catalogue,
		Stages:    names,
		Overrides: stage.Overrides{
			Concurrency:      *concurrency,
			MaxInFlight:      *maxInFlight,
			NSQDTCPAddresses: []string{c.NSQDTCPAddress()},
		},
		MetricsAddress: *metricsAddr,
		Logger:         log,
	})
	if err != nil {
		return err
	}
	printUp(e, c, f, opts.DataDir)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- f.Run(runCtx) }()
	var daemonErr error
	select {
	case err = <-runErr:
	case daemonErr = <-c.Errors():
		log.Error("an NSQ daemon stopped; draining the stages", "err", daemonErr)
		cancel()
		err = <-runErr
	}
	if err != nil || daemonErr != nil {
		return errors.Join(daemonErr, err)
	}
	log.Info("stages drained; stopping nsqadmin, nsqd and nsqlookupd")
	return nil
}

// printUp prints what up started.
func printUp(e *env, c *cluster.Cluster, f *stage.Farm, dataDir string) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	w := e.stdout
	fmt.Fprintf(w, "nsqfarm up: embedded NSQ cluster\n")
	fmt.Fprintf(w, "  nsqlookupd  tcp %s  http http://%s\n", c.LookupdTCPAddress(), c.LookupdHTTPAddress())
	fmt.Fprintf(w, "  nsqd        tcp %s  http http://%s  data %s\n", c.NSQDTCPAddress(), c.NSQDHTTPAddress(), filepath.Join(abs, "nsqd"))
	if a := c.AdminHTTPAddress(); a != "" {
		fmt.Fprintf(w, "  nsqadmin    http://%s\n", a)
	}
	if a := f.MetricsAddr(); a != "" {
		fmt.Fprintf(w, "  metrics     http://%s/metrics  http://%s/healthz\n", a, a)
	}
	for _, s := range f.Stages() {
		cfg := s.Config()
		fmt.Fprintf(w, "  stage %-10s %s/%s → %s, dead letters → %s (concurrency %d, max-in-flight %d)\n",
			cfg.Name, cfg.Topic, cfg.Channel, formatOutputs(cfg.Outputs), cfg.DeadLetter,
			cfg.Settings.Concurrency, cfg.Settings.MaxInFlight)
	}
	fmt.Fprintf(w, "Publish:  curl -d '{\"number\": 97}' 'http://%s/pub?topic=numbers'\n", c.NSQDHTTPAddress())
	fmt.Fprintf(w, "Results:  nsqfarm tail --topic primes\n")
	fmt.Fprintf(w, "Press Ctrl-C to drain the stages and stop.\n")
}
