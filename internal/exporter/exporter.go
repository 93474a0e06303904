// Package exporter reads the queue stats of nsqds (depth, in flight,
// deferred, requeued, timed out, message counts and clients per topic and
// channel) from their HTTP /stats and emits them as Prometheus metrics,
// for every nsqd given and every nsqd registered with the nsqlookupds
// given. NSQ has no Prometheus exporter of its own.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
)

// DefaultTimeout bounds one scrape of every nsqd and nsqlookupd.
const DefaultTimeout = 4 * time.Second

// Options configure an Exporter.
type Options struct {
	// NSQDHTTPAddresses are nsqds read directly (host:port of their HTTP API).
	NSQDHTTPAddresses []string
	// LookupdHTTPAddresses are nsqlookupds whose registered nsqds
	// (/nodes) are read at every scrape, at their broadcast address and
	// HTTP port.
	LookupdHTTPAddresses []string
	// Timeout bounds one scrape (0: DefaultTimeout).
	Timeout time.Duration
	// HTTP calls the daemons' HTTP APIs (HTTPS where nsqd requires TLS);
	// nil means nsqhttp.Default.
	HTTP *nsqhttp.Client
	// Logger receives the failures of a scrape at debug level; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Exporter is a metrics.Collector of nsqd queue stats.
type Exporter struct {
	opts Options

	mu   sync.Mutex
	last []string // what failed at the last scrape, one line each
	seen bool     // a scrape has run
	good bool     // the last scrape read at least one nsqd
}

// New returns an exporter of the nsqds given and found through the
// nsqlookupds given; it needs at least one address.
func New(opts Options) (*Exporter, error) {
	if len(opts.NSQDHTTPAddresses) == 0 && len(opts.LookupdHTTPAddresses) == 0 {
		return nil, errors.New("exporter: no nsqd or nsqlookupd address to read")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTP == nil {
		opts.HTTP = nsqhttp.Default
	}
	return &Exporter{opts: opts}, nil
}

// nsqdStats is what one nsqd answered.
type nsqdStats struct {
	addr   string
	topics []nsqhttp.Topic
	err    error
}

// Collect reads every nsqd's /stats, concurrently, and emits its topics
// and channels. An nsqd or nsqlookupd that does not answer is reported by
// nsqfarm_nsqd_up or nsqfarm_lookupd_up 0, and the others are still read.
func (x *Exporter) Collect(ctx context.Context, e *metrics.Emitter) {
	ctx, cancel := context.WithTimeout(ctx, x.opts.Timeout)
	defer cancel()
	addrs, lookupErrs := x.nsqds(ctx)
	var failures []string
	for _, l := range x.opts.LookupdHTTPAddresses {
		up := 1.0
		if err := lookupErrs[l]; err != nil {
			up = 0
			failures = append(failures, err.Error())
		}
		e.Gauge("nsqfarm_lookupd_up", "1 when the exporter's last read of this nsqlookupd's /nodes succeeded, else 0.", up, "lookupd", l)
	}
	results := make([]nsqdStats, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() {
			topics, err := x.opts.HTTP.Stats(ctx, a)
			results[i] = nsqdStats{addr: a, topics: topics, err: err}
		})
	}
	wg.Wait()
	good := false
	for _, r := range results {
		up := 1.0
		if r.err != nil {
			up = 0
			failures = append(failures, r.err.Error())
		} else {
			good = true
		}
		e.Gauge("nsqfarm_nsqd_up", "1 when the exporter's last read of this nsqd's /stats succeeded, else 0.", up, "nsqd", r.addr)
		for i := range r.topics {
			emitTopic(e, r.addr, &r.topics[i])
		}
	}
	for _, f := range failures {
		x.opts.Logger.Debug("queue metrics", "err", f)
	}
	x.mu.Lock()
	x.seen, x.good, x.last = true, good, failures
	x.mu.Unlock()
}

// nsqds returns the nsqds to read, sorted and without repeats: those
// given and those the nsqlookupds know. The error of each nsqlookupd that
// did not answer is in errs.
func (x *Exporter) nsqds(ctx context.Context) (addrs []string, errs map[string]error) {
	addrs = slices.Clone(x.opts.NSQDHTTPAddresses)
	errs = map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, l := range x.opts.LookupdHTTPAddresses {
		wg.Go(func() {
			nodes, err := x.opts.HTTP.Nodes(ctx, l)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[l] = err
				return
			}
			for _, n := range nodes {
				addrs = append(addrs, n.HTTPAddress())
			}
		})
	}
	wg.Wait()
	slices.Sort(addrs)
	return slices.Compact(addrs), errs
}

// emitTopic emits the metrics of one topic of the nsqd at addr and of its
// channels.
func emitTopic(e *metrics.Emitter, addr string, t *nsqhttp.Topic) {
	tl := []string{"nsqd", addr, "topic", t.Name}
	e.Gauge("nsqfarm_nsq_topic_depth", "Messages the topic holds (memory and disk) that no channel has taken yet.", float64(t.Depth), tl...)
	e.Counter("nsqfarm_nsq_topic_messages_total", "Messages published to the topic since nsqd created it.", float64(t.MessageCount), tl...)
	e.Gauge("nsqfarm_nsq_topic_paused", "1 while the topic is paused.", boolValue(t.Paused), tl...)
	for i := range t.Channels {
		c := &t.Channels[i]
		cl := append(slices.Clone(tl), "channel", c.Name)
		e.Gauge("nsqfarm_nsq_channel_depth", "Messages queued in the channel (memory and disk), waiting for a consumer.", float64(c.Depth), cl...)
		e.Gauge("nsqfarm_nsq_channel_in_flight", "Messages sent to the channel's consumers and not yet finished or requeued.", float64(c.InFlightCount), cl...)
		e.Gauge("nsqfarm_nsq_channel_deferred", "Messages requeued with a delay that has not yet passed.", float64(c.DeferredCount), cl...)
		e.Counter("nsqfarm_nsq_channel_messages_total", "Messages the channel has received since nsqd created it.", float64(c.MessageCount), cl...)
		e.Counter("nsqfarm_nsq_channel_requeued_total", "Messages the channel's consumers requeued.", float64(c.RequeueCount), cl...)
		e.Counter("nsqfarm_nsq_channel_timed_out_total", "Messages whose consumer did not answer within the message timeout, redelivered.", float64(c.TimeoutCount), cl...)
		e.Gauge("nsqfarm_nsq_channel_clients", "Consumers connected to the channel.", float64(len(c.Clients)), cl...)
		e.Gauge("nsqfarm_nsq_channel_paused", "1 while the channel is paused.", boolValue(c.Paused), cl...)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Health reports an error when the last scrape read no nsqd, with a line
// for each nsqd or nsqlookupd that failed. Before the first scrape it
// reports nil.
func (x *Exporter) Health() (detail string, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	detail = strings.Join(x.last, "\n")
	if x.seen && !x.good {
		return detail, fmt.Errorf("queue metrics: no nsqd answered at the last scrape (%s)", x.sources())
	}
	return detail, nil
}

// sources names the addresses the exporter reads, for messages.
func (x *Exporter) sources() string {
	var parts []string
	if a := x.opts.NSQDHTTPAddresses; len(a) > 0 {
		parts = append(parts, "nsqd "+strings.Join(a, ", "))
	}
	if a := x.opts.LookupdHTTPAddresses; len(a) > 0 {
		parts = append(parts, "nsqlookupd "+strings.Join(a, ", "))
	}
	return strings.Join(parts, "; ")
}
