package main

import (
	"context"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/exporter"
	"github.com/nsqfarm/nsqfarm/internal/metrics"
)

// defaultExporterAddress is where the exporter serves when no flag,
// environment variable or topology says otherwise: beside the stages'
// 9150.
const defaultExporterAddress = "127.0.0.1:9152"

// cmdExporter serves the queue stats of the nsqds as Prometheus metrics
// until SIGINT/SIGTERM.
func cmdExporter(ctx context.Context, args []string, e *env) error {
	fs := e.flags("exporter", "[flags]", `
Serve the queue stats of nsqds as Prometheus metrics: per topic its depth
and message count, per channel its depth, messages in flight, deferred,
requeued, timed out, received and its connected consumers, with
nsqfarm_nsqd_up and nsqfarm_lookupd_up for each daemon read. Every scrape
of /metrics reads the /stats of every nsqd given with --nsqd-http-address
and of every nsqd registered with the nsqlookupds (--lookupd-http-address,
default: the topology's lookupd_http_addresses unless --nsqd-http-address
is given). /healthz answers 503 when no nsqd answered the last scrape.
Run one exporter per cluster: two would double every sum.`)
	config := configFlag(fs)
	lookupd := listFlag(fs, "lookupd-http-address", "NSQFARM_LOOKUPD_HTTP_ADDRESS",
		"nsqlookupd HTTP address whose registered nsqds are read (default: the topology's lookupd_http_addresses, unless --nsqd-http-address is given)")
	nsqdHTTP := nsqdHTTPFlag(fs, "nsqd HTTP address to read /stats from")
	addr := fs.String("metrics-address", envOr("NSQFARM_EXPORTER_ADDRESS", defaultExporterAddress), "serve /metrics and /healthz here (env NSQFARM_EXPORTER_ADDRESS)")
	timeout := durationFlag(fs, "timeout", exporter.DefaultTimeout, 100*time.Millisecond, time.Minute, "longest a scrape waits for the nsqds and nsqlookupds")
	sec := secureFlags(fs)
	logLevel := logLevelFlag(fs, "info")
	if err := fs.noArgs(args); err != nil {
		return err
	}
	hc, err := sec.httpClient()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, *logLevel)
	lookupds := []string(*lookupd)
	if len(lookupds) == 0 && len(*nsqdHTTP) == 0 {
		t, source, err := loadConfig(*config)
		if err != nil {
			return err
		}
		log.Info("topology", "source", source)
		lookupds = t.Defaults.LookupdHTTPAddresses
	}
	x, err := exporter.New(exporter.Options{
		NSQDHTTPAddresses:    *nsqdHTTP,
		LookupdHTTPAddresses: lookupds,
		Timeout:              *timeout,
		HTTP:                 hc,
		Logger:               log,
	})
	if err != nil {
		return err
	}
	reg := metrics.NewRegistry()
	reg.Register(x)
	srv, err := metrics.Listen(*addr, reg, x.Health)
	if err != nil {
		return err
	}
	log.Info("serving queue metrics", "url", "http://"+srv.Addr().String()+"/metrics",
		"nsqd", []string(*nsqdHTTP), "lookupd", lookupds)
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
