package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
	"github.com/nsqfarm/nsqfarm/producers/web"
)

// webFlags are the flags of the job API, shared by web and up.
type webFlags struct {
	address        *string
	token          *string
	lpDeadline     *time.Duration
	numberDeadline *time.Duration
	interval       *time.Duration
	retention      *time.Duration
}

// register adds the job API's flags to fs; def is --web-address's
// default.
func (w *webFlags) register(fs *flagSet, def string) {
	w.address = fs.String("web-address", envOr("NSQFARM_WEB_ADDRESS", def), `address the job API and the web page are served on (env NSQFARM_WEB_ADDRESS; "off" disables them)`)
	w.token = fs.String("web-token", envOr("NSQFARM_WEB_TOKEN", ""), "bearer token that POST and DELETE requests of the job API must carry (env NSQFARM_WEB_TOKEN; default: none)")
	w.lpDeadline = durationFlag(fs, "lp-deadline", jobs.DefaultLPDeadline, time.Second, 24*time.Hour, "the reconciler publishes again an lp job without a result this long after its last publish (keep it above the lpsolve stage's msg_timeout)")
	w.numberDeadline = durationFlag(fs, "number-deadline", jobs.DefaultNumberDeadline, time.Second, 24*time.Hour, "the same for number jobs")
	w.interval = durationFlag(fs, "reconcile-interval", jobs.DefaultReconcileInterval, 100*time.Millisecond, time.Hour, "time between two passes of the reconciler")
	w.retention = durationFlag(fs, "retention", jobs.DefaultRetention, 0, 100*365*24*time.Hour, "how long finished jobs and results stay in the store: pruned hourly once older (0 keeps everything)")
}

// enabled reports whether the job API is to be served.
func (w *webFlags) enabled() bool { return *w.address != "off" && *w.address != "" }

// server builds the job API on st, publishing to nsqds with the go-nsq
// configuration ncfg (TLS, auth).
func (w *webFlags) server(st store.Store, t *topology.Topology, nsqds []string, ncfg *nsq.Config, log *slog.Logger) (*jobs.Server, error) {
	opts := jobs.NewOptions(st, t, nsqds...)
	opts.NSQConfig = ncfg
	opts.Address = *w.address
	opts.Token = *w.token
	opts.LPDeadline = *w.lpDeadline
	opts.NumberDeadline = *w.numberDeadline
	opts.ReconcileInterval = *w.interval
	opts.Retention = *w.retention
	opts.Page = web.Handler()
	opts.Logger = log
	return jobs.New(opts)
}

// startWeb starts the job API of up on its store st, unless w disables
// it, publishing to the embedded nsqd. It returns the address served (""
// when disabled) and a channel that receives the server's end once ctx is
// done.
func startWeb(ctx context.Context, w *webFlags, st store.Store, t *topology.Topology, nsqd string, ncfg *nsq.Config, log *slog.Logger) (string, <-chan error, error) {
	done := make(chan error, 1)
	if !w.enabled() {
		done <- nil
		return "", done, nil
	}
	srv, err := w.server(st, t, []string{nsqd}, ncfg, log)
	if err != nil {
		return "", nil, err
	}
	addr, err := srv.Listen()
	if err != nil {
		return "", nil, err
	}
	go func() { done <- srv.Run(ctx) }()
	return addr.String(), done, nil
}

// cmdWeb serves the job API and the web page until SIGINT or SIGTERM.
func cmdWeb(ctx context.Context, args []string, e *env) error {
	fs := e.flags("web", "--store URL [flags]", `
Serve the job API (/api/...) and the web page (/) against an existing
cluster: jobs are recorded in the results store (--store), then published
to --nsqd-tcp-address (the first that takes them), and a reconciler
publishes again every job still without a result after its deadline. The
store stage (nsqfarm consume store --store URL) records the results in the
same store.`)
	config := configFlag(fs)
	storeURL := storeFlag(fs, "required")
	nsqds := nsqdTCPFlag(fs, "nsqd TCP address jobs are published to (default: the topology's nsqd_tcp_addresses)")
	var w webFlags
	w.register(fs, jobs.DefaultAddress)
	sec := secureFlags(fs)
	logLevel := logLevelFlag(fs, "info")
	if err := fs.noArgs(args); err != nil {
		return err
	}
	ncfg := nsq.NewConfig()
	if err := sec.nsqConfig(ncfg); err != nil {
		return err
	}
	if *storeURL == "" {
		return fs.usagef("--store is required")
	}
	if !w.enabled() {
		return fs.usagef(`--web-address "off": web has nothing else to serve`)
	}
	log := newLogger(e.stderr, *logLevel)
	t, source, err := loadConfig(*config)
	if err != nil {
		return err
	}
	log.Info("topology", "source", source)
	addrs := []string(*nsqds)
	if len(addrs) == 0 {
		if addrs = t.Defaults.NSQDTCPAddresses; len(addrs) == 0 {
			return fmt.Errorf("%s has no nsqd_tcp_addresses: give --nsqd-tcp-address", source)
		}
	}
	st, err := store.Open(ctx, *storeURL)
	if err != nil {
		return err
	}
	defer st.Close()
	log.Info("results store", "store", store.Describe(*storeURL))
	srv, err := w.server(st, t, addrs, ncfg, log)
	if err != nil {
		return err
	}
	addr, err := srv.Listen()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "nsqfarm web: http://%s/ (API at http://%s/api/, publishing to %v)\n", addr, addr, addrs)
	return srv.Run(ctx)
}
