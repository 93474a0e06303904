package web_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
	"github.com/nsqfarm/nsqfarm/producers/web"
)

// farm is what `nsqfarm up` runs, in this process on free ports: an nsqd,
// every stage of the built-in topology (its store stage recording the
// results in a SQLite results store) and the job API serving the page.
type farm struct {
	// url is the page's; nsqdHTTP is nsqd's HTTP address, to publish
	// beside the API.
	url      string
	nsqdHTTP string
}

// startFarm starts a farm that stops when the test ends; tweak may change
// the job API's options.
func startFarm(t *testing.T, tweak ...func(*jobs.Options)) *farm {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n := nsqtest.NSQD(t)
	nsqdTCP := n.RealTCPAddr().String()
	topo, err := topology.Default(topology.LoadOptions{Handlers: consumers.Catalogue})
	if err != nil {
		t.Fatalf("topology: %v", err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatalf("results store: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f, err := stage.NewFarm(stage.FarmOptions{
		Topology:     topo,
		Catalogue:    consumers.Catalogue,
		Overrides:    stage.Overrides{NSQDTCPAddresses: []string{nsqdTCP}},
		Store:        st,
		DrainTimeout: 5 * time.Second,
		Logger:       log,
	})
	if err != nil {
		t.Fatalf("stages: %v", err)
	}
	farmDone := make(chan error, 1)
	go func() { farmDone <- f.Run(ctx) }()

	opts := jobs.NewOptions(st, topo, nsqdTCP)
	opts.Address = "127.0.0.1:0"
	opts.EventsInterval = 50 * time.Millisecond
	opts.Page = web.Handler()
	opts.Logger = log
	for _, f := range tweak {
		f(&opts)
	}
	srv, err := jobs.New(opts)
	if err != nil {
		t.Fatalf("job API: %v", err)
	}
	addr, err := srv.Listen()
	if err != nil {
		t.Fatalf("job API: %v", err)
	}
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for _, done := range []chan error{srvDone, farmDone} {
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("farm stopped with: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("the farm did not stop within 30 s")
			}
		}
		st.Close()
	})
	return &farm{url: "http://" + addr.String(), nsqdHTTP: n.RealHTTPAddr().String()}
}

// testWriter sends logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
