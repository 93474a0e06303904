package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
)

// cmdConsume runs one stage against an existing cluster until
// SIGINT/SIGTERM, then drains it.
func cmdConsume(ctx context.Context, args []string, e *env) error {
	fs := newFlags("consume", e.stderr, "consume STAGE [flags]")
	config := configFlag(fs)
	var addrs addressFlags
	addrs.register(fs, true)
	metricsAddr := fs.String("metrics-address", envOr("NSQFARM_METRICS_ADDRESS", ""), "serve /metrics and /healthz here (default: from topics.yaml; \"off\" disables)")
	concurrency := fs.Int("concurrency", 0, "handler goroutines (default: from topics.yaml)")
	maxInFlight := fs.Int("max-in-flight", 0, "max in-flight messages (default: from topics.yaml)")
	maxMsgSize := fs.Int("max-msg-size", 0, "largest message the destination nsqds accept, their --max-msg-size (default: max_msg_size from topics.yaml)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	// Accept the stage name before or after the flags.
	var name string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if name == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: want exactly one STAGE", errUsage)
	}
	log, err := e.logger(*logLevel)
	if err != nil {
		return err
	}
	t, err := loadTopology(*config)
	if err != nil {
		return err
	}
	st, err := t.Stage(name)
	if err != nil {
		return err
	}
	for _, addr := range addrs.nsqdHTTP {
		if err := nsqhttp.CreateChannel(ctx, addr, st.Topic, st.Channel); err != nil {
			return fmt.Errorf("create %s/%s: %w", st.Topic, st.Channel, err)
		}
	}
	maddr, fromTopology := *metricsAddr, false
	switch maddr {
	case "":
		maddr, fromTopology = t.Defaults.MetricsAddress, true
	case "off":
		maddr = ""
	}
	opts := stage.FarmOptions{
		Topology:  t,
		Catalogue: consumers.Catalogue,
		Stages:    []string{name},
		Overrides: stage.Overrides{
			Concurrency:                 *concurrency,
			MaxInFlight:                 *maxInFlight,
			MaxMsgSize:                  *maxMsgSize,
			LookupdHTTPAddresses:        addrs.lookupd,
			NSQDTCPAddresses:            addrs.nsqdTCP,
			DestinationNSQDTCPAddresses: addrs.destination,
		},
		MetricsAddress: maddr,
		Logger:         log,
	}
	f, err := stage.NewFarm(opts)
	if err != nil && fromTopology && errors.Is(err, syscall.EADDRINUSE) {
		// Several consumers on one machine: the first takes the
		// topology's metrics port, the others a free one.
		host, _, _ := net.SplitHostPort(maddr)
		opts.MetricsAddress = net.JoinHostPort(host, "0")
		log.Info("metrics address in use; using a free port", "address", maddr)
		f, err = stage.NewFarm(opts)
	}
	if err != nil {
		return err
	}
	if a := f.MetricsAddr(); a != "" {
		log.Info("serving metrics", "url", "http://"+a+"/metrics")
	}
	return f.Run(ctx)
}
