package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
	"github.com/nsqfarm/nsqfarm/producers/web"
)

// farm is what `nsqfarm up` runs, in this process on free ports: an nsqd,
// every stage of the built-in topology, a SQLite results store that
// records their results and the job API serving the page.
type farm struct {
	url      string
	nsqdHTTP string
	store    store.Store
	topo     *topology.Topology
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
		DrainTimeout: 5 * time.Second,
		Logger:       log,
	})
	if err != nil {
		t.Fatalf("stages: %v", err)
	}
	if !hasSink(topo) {
		record(t, nsqdTCP, topo, st)
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
	return &farm{url: "http://" + addr.String(), nsqdHTTP: n.RealHTTPAddr().String(), store: st, topo: topo}
}

// sinkHandler is the handler of the stage that records results in the
// store.
const sinkHandler = "store"

// hasSink reports whether a stage of t records results in the store.
func hasSink(t *topology.Topology) bool {
	for _, name := range t.StageNames() {
		if s, err := t.Stage(name); err == nil && s.Handler == sinkHandler {
			return true
		}
	}
	return false
}

// record records in st what the stages of t publish, as a sink stage
// does, for a topology that has none: every output topic's messages as
// Done (a solution whose status is "cancelled" as Cancelled), every
// dead-letter topic's records as Dead, each under its job id. Messages
// are committed in batches, one transaction for up to 256 of them, and
// finished once committed.
func record(t *testing.T, nsqdTCP string, topo *topology.Topology, st store.Store) {
	t.Helper()
	topics := map[string]store.Status{}
	for _, name := range topo.StageNames() {
		s, err := topo.Stage(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range s.Outputs {
			topics[out] = store.Done
		}
		topics[s.DeadLetter] = store.Dead
	}
	type pending struct {
		r    store.Result
		done chan error
	}
	queue := make(chan pending)
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		for p := range queue {
			batch := []pending{p}
			deadline := time.After(5 * time.Millisecond)
		gather:
			for len(batch) < 256 {
				select {
				case q, ok := <-queue:
					if !ok {
						break gather
					}
					batch = append(batch, q)
				case <-deadline:
					break gather
				}
			}
			results := make([]store.Result, len(batch))
			for i, q := range batch {
				results[i] = q.r
			}
			_, err := st.Record(context.Background(), results)
			for _, q := range batch {
				q.done <- err
			}
		}
	}()
	// Registered first, so it runs after every consumer has stopped.
	t.Cleanup(func() {
		close(queue)
		<-committed
	})
	for topic, status := range topics {
		cfg := nsq.NewConfig()
		cfg.MaxInFlight = 256
		c, err := nsq.NewConsumer(topic, "page_test_recorder", cfg)
		if err != nil {
			t.Fatalf("recorder on %s: %v", topic, err)
		}
		c.SetLoggerLevel(nsq.LogLevelError)
		c.AddConcurrentHandlers(nsq.HandlerFunc(func(m *nsq.Message) error {
			r, err := result(topic, status, m.Body)
			if err != nil {
				t.Errorf("recorder: %s: %v", topic, err)
				return nil
			}
			done := make(chan error, 1)
			queue <- pending{r, done}
			return <-done
		}), 64)
		if err := c.ConnectToNSQD(nsqdTCP); err != nil {
			t.Fatalf("recorder on %s: %v", topic, err)
		}
		t.Cleanup(func() {
			c.Stop()
			<-c.StopChan
		})
	}
}

// result is the store.Result of a message read from topic.
func result(topic string, status store.Status, body []byte) (store.Result, error) {
	r := store.Result{Topic: topic, Status: status, Body: body, Time: time.Now()}
	var msg struct {
		ID      json.RawMessage `json:"id"`
		InputID string          `json:"input_id"`
		Status  string          `json:"status"`
		Error   string          `json:"error"`
	}
	if status == store.Dead {
		var d stage.DeadLetter
		if err := json.Unmarshal(body, &d); err != nil {
			return r, fmt.Errorf("dead letter: %w", err)
		}
		r.InputID, r.Error = d.InputID, d.Error
		if original, err := d.Original(); err == nil {
			// The job id is the original message's, when it is an
			// object with one.
			_ = json.Unmarshal(original, &msg)
		}
	} else {
		if err := json.Unmarshal(body, &msg); err != nil {
			return r, fmt.Errorf("output: %w", err)
		}
		r.InputID = msg.InputID
		if msg.Status == string(store.Cancelled) {
			r.Status, r.Error = store.Cancelled, msg.Error
		}
	}
	var id string
	if json.Unmarshal(msg.ID, &id) != nil {
		id = string(msg.ID) // a number's digits
	}
	r.JobID = id
	return r, nil
}

// testWriter sends logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
