// Package metrics is a small, allocation-free metrics registry that writes
// the Prometheus text exposition format, and the HTTP server that exposes
// it with a health check.
package metrics

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metric families and writes them in the Prometheus text
// format. It is safe for concurrent use.
type Registry struct {
	mu         sync.Mutex
	families   map[string]*family
	collectors []Collector
}

type family struct {
	name, help, kind string
	series           []series
}

type series struct {
	labels string // rendered {k="v",...} or ""
	metric writer
}

type writer interface {
	write(w io.Writer, name, labels string)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]*family{}} }

func (r *Registry) add(name, help, kind string, labels []string, m writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	addSeries(r.families, name, help, kind, labels, m)
}

// addSeries adds one series to the family name in families, creating the
// family; a family of another kind, or labels that are not pairs, are a
// programming error.
func addSeries(families map[string]*family, name, help, kind string, labels []string, m writer) {
	if len(labels)%2 != 0 {
		panic("metrics: labels must be key, value pairs")
	}
	f, ok := families[name]
	if !ok {
		f = &family{name: name, help: help, kind: kind}
		families[name] = f
	} else if f.kind != kind {
		panic(fmt.Sprintf("metrics: %s registered as %s and %s", name, f.kind, kind))
	}
	f.series = append(f.series, series{labels: renderLabels(labels), metric: m})
}

func renderLabels(kv []string) string {
	if len(kv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(kv[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// Counter is a monotonically increasing count.
type Counter struct{ v atomic.Uint64 }

// Add adds n to the counter.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Inc adds one to the counter.
func (c *Counter) Inc() { c.v.Add(1) }

// Value returns the current count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) write(w io.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %d\n", name, labels, c.v.Load())
}

// Counter registers and returns a counter; labels are key, value pairs.
func (r *Registry) Counter(name, help string, labels ...string) *Counter {
	c := &Counter{}
	r.add(name, help, "counter", labels, c)
	return c
}

// Gauge is a value that goes up and down.
type Gauge struct{ v atomic.Int64 }

// Add adds n (possibly negative) to the gauge.
func (g *Gauge) Add(n int64) { g.v.Add(n) }

// Set sets the gauge to n.
func (g *Gauge) Set(n int64) { g.v.Store(n) }

// Value returns the current value.
func (g *Gauge) Value() int64 { return g.v.Load() }

func (g *Gauge) write(w io.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %d\n", name, labels, g.v.Load())
}

// Gauge registers and returns a gauge; labels are key, value pairs.
func (r *Registry) Gauge(name, help string, labels ...string) *Gauge {
	g := &Gauge{}
	r.add(name, help, "gauge", labels, g)
	return g
}

// Histogram counts observations in cumulative buckets.
type Histogram struct {
	bounds  []float64
	buckets []atomic.Uint64 // one per bound, plus +Inf
	count   atomic.Uint64
	sumBits atomic.Uint64
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v)
	h.buckets[i].Add(1)
	h.count.Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

func (h *Histogram) write(w io.Writer, name, labels string) {
	inner := strings.TrimSuffix(strings.TrimPrefix(labels, "{"), "}")
	if inner != "" {
		inner += ","
	}
	var cum uint64
	for i, b := range h.bounds {
		cum += h.buckets[i].Load()
		fmt.Fprintf(w, "%s_bucket{%sle=\"%s\"} %d\n", name, inner, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += h.buckets[len(h.bounds)].Load()
	fmt.Fprintf(w, "%s_bucket{%sle=\"+Inf\"} %d\n", name, inner, cum)
	fmt.Fprintf(w, "%s_sum%s %s\n", name, labels, strconv.FormatFloat(math.Float64frombits(h.sumBits.Load()), 'g', -1, 64))
	fmt.Fprintf(w, "%s_count%s %d\n", name, labels, h.count.Load())
}

// LatencyBuckets are histogram bounds in seconds from 10µs to 60s.
var LatencyBuckets = []float64{1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60}

// Histogram registers and returns a histogram with the given ascending
// bucket bounds; labels are key, value pairs.
func (r *Registry) Histogram(name, help string, bounds []float64, labels ...string) *Histogram {
	h := &Histogram{bounds: bounds, buckets: make([]atomic.Uint64, len(bounds)+1)}
	r.add(name, help, "histogram", labels, h)
	return h
}

// WriteTo writes every metric in the Prometheus text format, families
// sorted by name.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	return r.Write(context.Background(), w)
}

// Write is WriteTo with a context, which bounds the collectors.
func (r *Registry) Write(ctx context.Context, w io.Writer) (int64, error) {
	r.mu.Lock()
	byName := make(map[string]*family, len(r.families))
	for _, f := range r.families {
		byName[f.name] = &family{name: f.name, help: f.help, kind: f.kind, series: append([]series(nil), f.series...)}
	}
	collectors := append([]Collector(nil), r.collectors...)
	r.mu.Unlock()
	e := &Emitter{families: byName}
	for _, c := range collectors {
		c.Collect(ctx, e)
	}
	fams := make([]*family, 0, len(byName))
	for _, f := range byName {
		fams = append(fams, f)
	}
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	cw := &countingWriter{w: w}
	for _, f := range fams {
		fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
		for _, s := range f.series {
			s.metric.write(cw, f.name, s.labels)
		}
	}
	return cw.n, cw.err
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// Collector adds metrics whose series are known only when they are read,
// such as the queues of an nsqd: it is called at every scrape.
type Collector interface {
	// Collect emits the collector's current samples; ctx bounds the work.
	Collect(ctx context.Context, e *Emitter)
}

// Register adds a collector, called at every scrape after the registered
// metrics are read.
func (r *Registry) Register(c Collector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.collectors = append(r.collectors, c)
}

// Emitter receives a collector's samples. Samples of one family may come
// in any order and are written together under one HELP and TYPE.
type Emitter struct {
	families map[string]*family
}

// value is one collected sample.
type value float64

func (v value) write(w io.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %s\n", name, labels, strconv.FormatFloat(float64(v), 'g', -1, 64))
}

// Gauge emits one gauge sample; labels are key, value pairs.
func (e *Emitter) Gauge(name, help string, v float64, labels ...string) {
	addSeries(e.families, name, help, "gauge", labels, value(v))
}

// Counter emits one counter sample; labels are key, value pairs.
func (e *Emitter) Counter(name, help string, v float64, labels ...string) {
	addSeries(e.families, name, help, "counter", labels, value(v))
}
