package jobs

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// env is a running job API with its nsqd and store.
type env struct {
	url   string
	srv   *Server
	nsqd  *nsqd.NSQD
	store store.Store
	topo  *topology.Topology
}

// builtin returns the built-in topology.
func builtin(t testing.TB) *topology.Topology {
	t.Helper()
	topo, err := topology.Default(topology.LoadOptions{Handlers: consumers.Catalogue})
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// openStore opens a SQLite store in a temporary directory, closed when
// the test ends.
func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// start runs a job API on a free port against a new nsqd and a new
// SQLite store; tweak may change the options. The server stops when the
// test ends.
func start(t testing.TB, tweak ...func(*Options)) *env {
	t.Helper()
	n := nsqtest.NSQD(t)
	e := &env{nsqd: n, store: openStore(t), topo: builtin(t)}
	opts := NewOptions(e.store, e.topo, n.RealTCPAddr().String())
	opts.Address = "127.0.0.1:0"
	opts.EventsInterval = 20 * time.Millisecond
	opts.Logger = testLogger(t)
	for _, f := range tweak {
		f(&opts)
	}
	e.serve(t, opts)
	return e
}

// serve starts a Server with opts and stops it when the test ends.
func (e *env) serve(t testing.TB, opts Options) {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	e.srv, e.url = srv, "http://"+addr.String()
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// decode decodes the answer's JSON body into v.
func (a answer) decode(t testing.TB, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

// apiErr decodes an error answer.
func (a answer) apiErr(t testing.TB) (msg, field string) {
	t.Helper()
	var e struct{ Error, Field string }
	a.decode(t, &e)
	return e.Error, e.Field
}

// do sends one request; header holds key, value pairs.
func (e *env) do(t testing.TB, method, path string, body []byte, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: out}
}

// submit posts a job and returns its id, failing unless it is accepted.
func (e *env) submit(t testing.TB, body string) string {
	t.Helper()
	a := e.do(t, "POST", "/api/jobs", []byte(body))
	if a.status != http.StatusAccepted {
		t.Fatalf("POST /api/jobs %s: %d %s", body, a.status, a.body)
	}
	var ans submitAnswer
	a.decode(t, &ans)
	return ans.ID
}

// job reads one job from the store.
func (e *env) job(t testing.TB, id string) store.Job {
	t.Helper()
	j, err := e.store.Job(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// testLogger logs warnings and errors to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// contains fails the test unless s contains want.
func contains(t testing.TB, what, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Fatalf("%s = %q, want it to contain %q", what, s, want)
	}
}

// runFarm runs stages of the built-in topology against the env's nsqd
// until the test ends.
func (e *env) runFarm(t testing.TB, stages ...string) {
	t.Helper()
	e.runFarmAt(t, e.nsqd.RealTCPAddr().String(), stages...)
}

// runFarmAt runs stages of the built-in topology, and its store stage
// recording into the env's store, against the nsqd at tcpAddr until the
// test ends.
func (e *env) runFarmAt(t testing.TB, tcpAddr string, stages ...string) {
	t.Helper()
	f, err := stage.NewFarm(stage.FarmOptions{
		Topology:  e.topo,
		Catalogue: consumers.Catalogue,
		Stages:    append(stages, "store"),
		Overrides: stage.Overrides{NSQDTCPAddresses: []string{tcpAddr}},
		Logger:    testLogger(t),
		Store:     e.store,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("farm: %v", err)
		}
	})
}
