package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/primality"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/cluster"
	"github.com/nsqfarm/nsqfarm/internal/exporter"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
)

// upAbout is the description of up in its --help.
const upAbout = `
Start nsqlookupd, nsqd and nsqadmin in this process, then every stage of the
topology (or those given with --stage) against that nsqd, and run until
SIGINT or SIGTERM: the stages drain, then the daemons stop.

A flag that configures one of the embedded daemons is that daemon's own
flag, with the same meaning, under the daemon's name: --nsqd.tcp-address is
the address nsqd --tcp-address listens on, --nsqlookupd.http-address the
one nsqlookupd --http-address listens on. (In NSQ's tools and in nsqfarm
consume and tail, --nsqd-tcp-address and --lookupd-http-address are
addresses to connect to; up has no such flags.) The daemons' addresses
default to the topology's: nsqd listens on the first of
nsqd_tcp_addresses and on nsqd_http_address, nsqlookupd serves HTTP on the
first of lookupd_http_addresses; the others on NSQ's standard ports. An
address with port 0 takes a free port.`

// cmdUp starts the embedded cluster and every stage, and runs until
// SIGINT/SIGTERM, then drains the stages and stops the cluster.
func cmdUp(ctx context.Context, args []string, e *env) error {
	fs := e.flags("up", "[flags]", upAbout)
	config := configFlag(fs)
	opts := cluster.DefaultOptions()
	fs.StringVar(&opts.DataDir, "data-dir", envOr("NSQFARM_DATA_DIR", opts.DataDir), "directory for nsqd's queues (in its nsqd/ subdirectory), kept across restarts (env NSQFARM_DATA_DIR)")
	nsqdTCP := fs.String("nsqd.tcp-address", "", "address nsqd listens on for TCP clients (nsqd's --tcp-address; default: the first of the topology's nsqd_tcp_addresses, else "+cluster.DefaultNSQDTCPAddress+")")
	nsqdHTTP := fs.String("nsqd.http-address", "", "address nsqd listens on for HTTP clients (nsqd's --http-address; default: the topology's nsqd_http_address, else "+cluster.DefaultNSQDHTTPAddress+")")
	fs.StringVar(&opts.BroadcastAddress, "nsqd.broadcast-address", "", "address nsqd registers with nsqlookupd, for consumers on other machines (nsqd's --broadcast-address; default: the host of --nsqd.tcp-address)")
	numberVar(fs, &opts.MemQueueSize, "nsqd.mem-queue-size", opts.MemQueueSize, 0, maxOf[int64](), "messages per topic and channel that nsqd keeps in memory before writing to disk (nsqd's --mem-queue-size; 0: all on disk)")
	numberVar(fs, &opts.SyncEvery, "nsqd.sync-every", opts.SyncEvery, 1, maxOf[int64](), "messages per disk queue between fsyncs of data and queue positions (nsqd's --sync-every)")
	numberVar(fs, &opts.NodeID, "nsqd.node-id", opts.NodeID, 0, 1023, "nsqd's --node-id, part of every message ID: when several nsqds form a cluster give each its own, or two of them hand out the same message IDs (nsqd's own default, a hash of the hostname, is the same for nsqds on one host); 0 is enough for one nsqd alone")
	numberVar(fs, &opts.MaxMsgSize, "nsqd.max-msg-size", 0, 0, maxOf[int64](), "largest message nsqd accepts, in bytes (nsqd's --max-msg-size; 0: the topology's max_msg_size); the stages dead-letter larger outputs")
	nsqdTLS := upTLSFlags(fs, &opts)
	lookupdTCP := fs.String("nsqlookupd.tcp-address", cluster.DefaultLookupdTCPAddress, "address nsqlookupd listens on for nsqds (nsqlookupd's --tcp-address)")
	lookupdHTTP := fs.String("nsqlookupd.http-address", "", "address nsqlookupd listens on for HTTP clients (nsqlookupd's --http-address; default: the first of the topology's lookupd_http_addresses, else "+cluster.DefaultLookupdHTTPAddress+")")
	fs.StringVar(&opts.AdminHTTPAddress, "nsqadmin.http-address", opts.AdminHTTPAddress, `address nsqadmin serves its web UI on (nsqadmin's --http-address; "off" disables nsqadmin)`)
	renamedUpFlags(fs)
	metricsAddr := fs.String("metrics-address", envOr("NSQFARM_METRICS_ADDRESS", ""), `serve /metrics and /healthz here (env NSQFARM_METRICS_ADDRESS; default: the topology's metrics_address; "off" disables)`)
	queueMetrics := fs.Bool("queue-metrics", true, "serve the queue stats of up's nsqd (depth, in flight, deferred, requeued, timed out, messages and clients per topic and channel, as nsqfarm exporter does) on the metrics address too")
	storeURL := storeFlag(fs, "default: store.db in --data-dir")
	var stages stringList
	fs.Var(&stages, "stage", "run only this stage (repeatable; default: every stage)")
	concurrency, maxInFlight := settingsFlags(fs, " per stage")
	var web webFlags
	web.register(fs, jobs.DefaultAddress)
	verbose := fs.Bool("verbose", false, "show NSQ's info logs")
	logLevel := logLevelFlag(fs, "info")
	secFlags := secureFlags(fs)
	if err := fs.noArgs(args); err != nil {
		return err
	}
	security, err := upSecurity(fs, secFlags, &opts, nsqdTLS)
	if err != nil {
		return err
	}
	if err := checkSettings(fs, *concurrency, *maxInFlight); err != nil {
		return err
	}
	log := newLogger(e.stderr, *logLevel)
	t, source, err := loadConfig(*config)
	if err != nil {
		return err
	}
	log.Info("topology", "source", source)
	listenAddresses(&opts, t, *nsqdTCP, *nsqdHTTP, *lookupdTCP, *lookupdHTTP)
	if opts.MaxMsgSize == 0 {
		opts.MaxMsgSize = int64(t.MaxMsgSize())
	}
	names := []string(stages)
	if len(names) == 0 {
		names = t.StageNames()
	}
	maddr := *metricsAddr
	switch maddr {
	case "":
		maddr = t.Defaults.MetricsAddress
	case "off":
		maddr = ""
	}
	// The process's one results store: the store stage records into it.
	if *storeURL == "" {
		if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		*storeURL = "sqlite:" + filepath.Join(opts.DataDir, "store.db")
	}
	st, err := store.Open(ctx, *storeURL)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close the results store", "err", err)
		}
	}()
	log.Info("results store", "store", store.Describe(*storeURL))
	farmOptions := func(nsqdTCP, metrics string) stage.FarmOptions {
		return stage.FarmOptions{
			Topology:  t,
			Catalogue: consumers.Catalogue,
			Stages:    names,
			Overrides: stage.Overrides{
				Concurrency:      *concurrency,
				MaxInFlight:      *maxInFlight,
				MaxMsgSize:       int(opts.MaxMsgSize),
				NSQDTCPAddresses: []string{nsqdTCP},
			},
			Security:       security,
			MetricsAddress: metrics,
			Logger:         log,
			Store:          st,
		}
	}
	// Check every stage (its options against nsqd's message size too)
	// before starting anything.
	if _, err := stage.NewFarm(farmOptions(opts.NSQDTCPAddress, "")); err != nil {
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
	for topic := range t.Topics {
		c.EnsureChannel(topic, "")
	}
	for _, name := range names {
		s, err := t.Stage(name)
		if err != nil {
			return err
		}
		for _, topic := range s.Inputs() {
			c.EnsureChannel(topic, s.Channel)
		}
	}

	f, err := stage.NewFarm(farmOptions(c.NSQDTCPAddress(), maddr))
	if err != nil {
		return err
	}
	if *queueMetrics && f.MetricsAddr() != "" {
		hc, err := secFlags.httpClient()
		if err != nil {
			return err
		}
		x, err := exporter.New(exporter.Options{NSQDHTTPAddresses: []string{c.NSQDHTTPAddress()}, HTTP: hc, Logger: log})
		if err != nil {
			return err
		}
		f.Registry().Register(x)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	webNSQ := nsq.NewConfig()
	if err := security.Apply(webNSQ); err != nil {
		return err
	}
	webAddr, webErr, err := startWeb(runCtx, &web, st, t, c.NSQDTCPAddress(), webNSQ, log)
	if err != nil {
		return err
	}
	printUp(e, t, c, f, opts.DataDir, store.Describe(*storeURL), webAddr)

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
	cancel()
	if werr := <-webErr; err == nil {
		err = werr
	}
	if err != nil || daemonErr != nil {
		return errors.Join(daemonErr, err)
	}
	log.Info("stages drained; stopping nsqadmin, nsqd and nsqlookupd")
	return nil
}

// renamedUpFlags registers up's former flag names, and the unprefixed
// names of nsqd's flags, as errors that say what to give instead.
func renamedUpFlags(fs *flagSet) {
	connect := map[string]string{
		"nsqd-tcp-address":     "nsqd.tcp-address",
		"lookupd-http-address": "nsqlookupd.http-address",
	}
	for old, now := range connect {
		renamed(fs, old, fmt.Sprintf("in NSQ's tools this is an address to connect to; the address up's %s listens on is --%s", daemonOf(now), now))
	}
	for old, now := range map[string]string{
		"nsqd-http-address":     "nsqd.http-address",
		"lookupd-tcp-address":   "nsqlookupd.tcp-address",
		"nsqadmin-http-address": "nsqadmin.http-address",
		"broadcast-address":     "nsqd.broadcast-address",
		"mem-queue-size":        "nsqd.mem-queue-size",
		"sync-every":            "nsqd.sync-every",
		"node-id":               "nsqd.node-id",
		"max-msg-size":          "nsqd.max-msg-size",
	} {
		renamed(fs, old, fmt.Sprintf("up takes the flags of its %s under the daemon's name: --%s", daemonOf(now), now))
	}
}

// daemonOf returns the daemon of a prefixed flag name ("nsqd.tcp-address").
func daemonOf(flag string) string {
	d, _, _ := strings.Cut(flag, ".")
	return d
}

// listenAddresses sets the daemons' addresses in opts: those given, else
// the topology's, else NSQ's standard ones (already in opts).
func listenAddresses(opts *cluster.Options, t *topology.Topology, nsqdTCP, nsqdHTTP, lookupdTCP, lookupdHTTP string) {
	pick := func(dst *string, given string, fromTopology []string) {
		switch {
		case given != "":
			*dst = given
		case len(fromTopology) > 0 && fromTopology[0] != "":
			*dst = fromTopology[0]
		}
	}
	d := t.Defaults
	pick(&opts.NSQDTCPAddress, nsqdTCP, d.NSQDTCPAddresses)
	pick(&opts.NSQDHTTPAddress, nsqdHTTP, []string{d.NSQDHTTPAddress})
	pick(&opts.LookupdTCPAddress, lookupdTCP, nil)
	pick(&opts.LookupdHTTPAddress, lookupdHTTP, d.LookupdHTTPAddresses)
	if opts.AdminHTTPAddress == "off" {
		opts.AdminHTTPAddress = ""
	}
}

// printUp prints what up started, and how to publish to its first stage
// and read its results.
func printUp(e *env, t *topology.Topology, c *cluster.Cluster, f *stage.Farm, dataDir, storeDesc, webAddr string) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	w := e.stdout
	fmt.Fprintf(w, "nsqfarm up: embedded NSQ cluster\n")
	fmt.Fprintf(w, "  nsqlookupd  tcp %s  http http://%s\n", c.LookupdTCPAddress(), c.LookupdHTTPAddress())
	fmt.Fprintf(w, "  nsqd        tcp %s  http http://%s  data %s\n", c.NSQDTCPAddress(), c.NSQDHTTPAddress(), filepath.Join(abs, "nsqd"))
	if a := c.NSQDHTTPSAddress(); a != "" {
		fmt.Fprintf(w, "  nsqd        https https://%s\n", a)
	}
	if a := c.AdminHTTPAddress(); a != "" {
		fmt.Fprintf(w, "  nsqadmin    http://%s\n", a)
	}
	if a := f.MetricsAddr(); a != "" {
		fmt.Fprintf(w, "  metrics     http://%s/metrics  http://%s/healthz\n", a, a)
	}
	fmt.Fprintf(w, "  store       %s\n", storeDesc)
	if webAddr != "" {
		fmt.Fprintf(w, "  web         http://%s/\n", webAddr)
	}
	for _, s := range f.Stages() {
		cfg := s.Config()
		fmt.Fprintf(w, "  stage %-10s %s/%s → %s, dead letters → %s (concurrency %d, max-in-flight %d)\n",
			cfg.Name, strings.Join(cfg.Inputs(), ","), cfg.Channel, formatOutputs(cfg.Outputs), cfg.DeadLetter,
			cfg.Settings.Concurrency, cfg.Settings.MaxInFlight)
	}
	if st, err := stageOf(t, primalityHandler, ""); err == nil {
		fmt.Fprintf(w, "Publish:  curl -sS --fail -o /dev/null -d '{\"number\": 97}' 'http://%s/pub?topic=%s'\n", c.NSQDHTTPAddress(), st.Topic)
		if out := st.Outputs[primality.PortPrime]; out != "" {
			// A stage of up that reads the output (the store) keeps it on
			// a durable channel, and tail reads beside it; else tail must
			// be told to take what the topic holds.
			hint := "nsqfarm tail --topic " + out + " --from-start"
			for _, s := range f.Stages() {
				if cfg := s.Config(); slices.Contains(cfg.Inputs(), out) {
					hint = "nsqfarm tail --topic " + out
				}
			}
			fmt.Fprintf(w, "Results:  %s\n", hint)
		}
	}
	if webAddr != "" {
		fmt.Fprintf(w, "Jobs:     curl -sS -d '{\"model\": \"wyndor\", \"params\": {\"profit_rate_windows\": 500}}' http://%s/api/jobs, then GET /api/jobs/ID; the page: http://%s/\n", webAddr, webAddr)
	}
	fmt.Fprintf(w, "Press Ctrl-C to drain the stages and stop.\n")
}
