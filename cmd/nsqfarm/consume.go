package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// cmdConsume runs one stage against an existing cluster until
// SIGINT/SIGTERM, then drains it.
func cmdConsume(ctx context.Context, args []string, e *env) error {
	fs := e.flags("consume", "STAGE [flags]", `
Run one stage of the topology against an existing cluster, until SIGINT or
SIGTERM, then drain it. The stage reads its channel from the nsqds that
nsqlookupd knows (--lookupd-http-address) or from the nsqds given
(--nsqd-tcp-address), and publishes its outputs to
--destination-nsqd-tcp-address, else to the nsqds it reads from. Start
more consumers of a stage, on any machine, to scale it.`)
	config := configFlag(fs)
	lookupd := lookupdFlag(fs)
	nsqdTCP := nsqdTCPFlag(fs, "nsqd TCP address to read from directly, instead of through nsqlookupd")
	destination := listFlag(fs, "destination-nsqd-tcp-address", "NSQFARM_DESTINATION_NSQD_TCP_ADDRESS",
		"nsqd TCP address outputs are published to (default: the nsqds the stage reads from)")
	nsqdHTTP := nsqdHTTPFlag(fs, "nsqd HTTP address on which to create the stage's topic and channel before consuming, so nothing published earlier goes to another channel")
	metricsAddr := fs.String("metrics-address", envOr("NSQFARM_METRICS_ADDRESS", ""), `serve /metrics and /healthz here (env NSQFARM_METRICS_ADDRESS; default: the topology's metrics_address, or a free port when another process has it; "off" disables)`)
	concurrency, maxInFlight := settingsFlags(fs, "")
	maxMsgSize := numberFlag(fs, "max-msg-size", 0, 0, maxOf[int](), "largest message the destination nsqds accept, their --max-msg-size (0: the topology's max_msg_size)")
	storeURL := storeFlag(fs, "needed by a stage that records into one, like store")
	logLevel := logLevelFlag(fs, "info")
	name, err := fs.parseArg(args, "STAGE")
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
	st, err := t.Stage(name)
	if err != nil {
		return err
	}
	spec, err := consumers.Catalogue.Spec(st.Handler)
	if err != nil {
		return err
	}
	var results store.Store
	if spec.NeedsStore() {
		if *storeURL == "" {
			return fs.usagef("stage %s records into a results store: give --store URL (or NSQFARM_STORE)", name)
		}
		if results, err = store.Open(ctx, *storeURL); err != nil {
			return err
		}
		defer func() {
			if err := results.Close(); err != nil {
				log.Error("close the results store", "err", err)
			}
		}()
		log.Info("results store", "store", store.Describe(*storeURL))
	}
	for _, addr := range *nsqdHTTP {
		for _, topic := range st.Inputs() {
			if err := nsqhttp.CreateChannel(ctx, addr, topic, st.Channel); err != nil {
				return fmt.Errorf("create %s/%s: %w", topic, st.Channel, err)
			}
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
			LookupdHTTPAddresses:        *lookupd,
			NSQDTCPAddresses:            *nsqdTCP,
			DestinationNSQDTCPAddresses: *destination,
		},
		MetricsAddress: maddr,
		Logger:         log,
		Store:          results,
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

// settingsFlags registers --concurrency and --max-in-flight, which
// override the topology's settings of each stage run; perStage is added
// to their descriptions.
func settingsFlags(fs *flagSet, perStage string) (concurrency, maxInFlight *int) {
	concurrency = fs.Int("concurrency", 0, "handler goroutines"+perStage+", 0 or more (0: the topology's concurrency)")
	maxInFlight = fs.Int("max-in-flight", 0, "messages in flight"+perStage+" (sent by nsqd, not yet finished), from 0 to nsqd's --max-rdy-count (0: the topology's max_in_flight)")
	return concurrency, maxInFlight
}

// checkSettings checks --concurrency and --max-in-flight against the
// ranges of the topology's stage settings.
func checkSettings(fs *flagSet, concurrency, maxInFlight int) error {
	var err error
	s := topology.StageSettings{Concurrency: concurrency, MaxInFlight: maxInFlight}
	s.Check(func(field, msg string) {
		if err == nil {
			err = fs.usagef("%s: %s", flagName(strings.ReplaceAll(field, "_", "-")), msg)
		}
	})
	return err
}
