package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestWriteToPrometheusText(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("jobs_total", "Jobs done.", "stage", "a")
	r.Counter("jobs_total", "Jobs done.", "stage", `b"q`).Add(2)
	g := r.Gauge("in_flight", "Jobs in flight.")
	h := r.Histogram("latency_seconds", "Latency.", []float64{0.1, 1}, "stage", "a")
	c.Inc()
	g.Add(3)
	g.Add(-1)
	h.Observe(0.05)
	h.Observe(0.5)
	h.Observe(5)
	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP in_flight Jobs in flight.
# TYPE in_flight gauge
in_flight 2
# HELP jobs_total Jobs done.
# TYPE jobs_total counter
jobs_total{stage="a"} 1
jobs_total{stage="b\"q"} 2
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{stage="a",le="0.1"} 1
latency_seconds_bucket{stage="a",le="1"} 2
latency_seconds_bucket{stage="a",le="+Inf"} 3
latency_seconds_sum{stage="a"} 5.55
latency_seconds_count{stage="a"} 3
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestServer(t *testing.T) {
	r := NewRegistry()
	r.Counter("x_total", "X.").Inc()
	var healthy atomic.Bool
	healthy.Store(true)
	s, err := Listen("127.0.0.1:0", r, func() (string, error) {
		if healthy.Load() {
			return "destination b:4150 down", nil
		}
		return "destination b:4150 down", errors.New("not connected")
	})
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	defer s.Shutdown(t.Context())
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + s.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "x_total 1") {
		t.Errorf("/metrics: %d %q", code, body)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\ndestination b:4150 down\n" {
		t.Errorf("/healthz healthy: %d %q", code, body)
	}
	healthy.Store(false)
	if code, body := get("/healthz"); code != 503 || body != "not connected\ndestination b:4150 down\n" {
		t.Errorf("/healthz unhealthy: %d %q", code, body)
	}
}

// collectFunc is a Collector made of a function.
type collectFunc func(e *Emitter)

func (f collectFunc) Collect(_ context.Context, e *Emitter) { f(e) }

func TestCollector(t *testing.T) {
	r := NewRegistry()
	r.Gauge("b_depth", "Depth.", "topic", "static").Set(4)
	calls := 0
	r.Register(collectFunc(func(e *Emitter) {
		calls++
		// Out of order on purpose: families are grouped when written.
		e.Counter("a_total", "A.", 1.5, "x", "1")
		e.Gauge("b_depth", "Depth.", float64(calls), "topic", "numbers")
		e.Counter("a_total", "A.", 2, "x", "2")
	}))
	for scrape := 1; scrape <= 2; scrape++ {
		var b strings.Builder
		if _, err := r.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`# HELP a_total A.
# TYPE a_total counter
a_total{x="1"} 1.5
a_total{x="2"} 2
# HELP b_depth Depth.
# TYPE b_depth gauge
b_depth{topic="static"} 4
b_depth{topic="numbers"} %d
`, scrape)
		if b.String() != want {
			t.Fatalf("scrape %d: got:\n%s\nwant:\n%s", scrape, b.String(), want)
		}
	}
}

func TestCollectorKindConflict(t *testing.T) {
	r := NewRegistry()
	r.Gauge("x", "X.")
	r.Register(collectFunc(func(e *Emitter) { e.Counter("x", "X.", 1) }))
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a counter emitted under a gauge's name")
		}
	}()
	_, _ = r.WriteTo(io.Discard)
}
