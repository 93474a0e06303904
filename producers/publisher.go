package producers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nsqio/go-nsq"
	"golang.org/x/time/rate"

	"github.com/nsqfarm/nsqfarm/internal/backoff"
	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
)

// Source yields message bodies. A yielded body is only valid until the next
// iteration step: the consumer copies it (Publisher does), so a source may
// reuse one buffer for every body. A non-nil error ends the source: it is
// yielded once, with a nil body, and nothing follows it.
type Source = iter.Seq2[[]byte, error]

// Stats counts what one Publish call did. After Publish returns, Acked is
// exact: those messages were acknowledged (OK) by nsqd, and no other
// message of this call is in an unknown state except, after a failed MPUB,
// the messages of that batch (which may or may not have reached nsqd; they
// are not counted).
type Stats struct {
	// Read is the number of bodies taken from the source.
	Read int64
	// Acked is the number of messages acknowledged by nsqd.
	Acked int64
	// Batches is the number of acknowledged MPUB commands.
	Batches int64
	// Retries is the number of failed MPUB attempts that were retried.
	Retries int64
	// Elapsed is the wall time of the call.
	Elapsed time.Duration
}

// PublishError is returned by Publish when it stops before the source is
// exhausted: a batch failed more than MaxRetries times, the source failed,
// or the context was cancelled. It says how many messages were confirmed.
// errors.Is(err, context.Canceled) and errors.As on the source's error
// work through Unwrap.
type PublishError struct {
	// Topic is the topic being published to.
	Topic string
	// Stats is the state when Publish stopped; Stats.Acked is exact.
	Stats Stats
	// Err is the cause.
	Err error
}

// Error returns e.g. "publish to \"numbers\": 512 messages confirmed
// (700 read): context canceled".
func (e *PublishError) Error() string {
	return fmt.Sprintf("publish to %q: %d messages confirmed (%d read): %v",
		e.Topic, e.Stats.Acked, e.Stats.Read, e.Err)
}

// Unwrap returns the cause.
func (e *PublishError) Unwrap() error { return e.Err }

// Publisher publishes message bodies to nsqd in MPUB batches. It holds one
// go-nsq Producer per address (connected lazily on first use). Publish
// calls on one Publisher are serialised; use several Publishers for
// parallel streams. Call Stop when done.
type Publisher struct {
	opts      Options
	log       *slog.Logger
	cfg       *nsq.Config
	nsqLevel  nsq.LogLevel
	producers []*nsq.Producer
	limiter   *rate.Limiter // nil when unlimited

	mu  sync.Mutex // serialises Publish; guards cur
	cur int        // index of the address for the next batch
}

// NewPublisher validates opts and creates a Publisher. It does not connect:
// go-nsq connects on the first publish (use Ping to check addresses early).
func NewPublisher(opts Options) (*Publisher, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.Addrs = append([]string(nil), opts.Addrs...)
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg := opts.NSQConfig
	if cfg == nil {
		cfg = nsq.NewConfig()
	}
	p := &Publisher{opts: opts, log: log, cfg: cfg}
	// go-nsq's info lines (connecting, closing) are routine: they are
	// produced only when debug logging is on, so a normal run stays quiet.
	p.nsqLevel = nsq.LogLevelWarning
	if log.Enabled(context.Background(), slog.LevelDebug) {
		p.nsqLevel = nsq.LogLevelInfo
	}
	for _, addr := range opts.Addrs {
		prod, err := p.newProducer(addr)
		if err != nil {
			p.Stop()
			return nil, err
		}
		p.producers = append(p.producers, prod)
	}
	if opts.Rate > 0 {
		p.limiter = newLimiter(opts.Rate, opts.batchLimit())
	}
	return p, nil
}

// newProducer returns an unconnected go-nsq Producer for addr.
func (p *Publisher) newProducer(addr string) (*nsq.Producer, error) {
	prod, err := nsq.NewProducer(addr, p.cfg)
	if err != nil {
		return nil, fmt.Errorf("producers: nsqd %s: %w", addr, err)
	}
	prod.SetLogger(nsqlog.New(p.log.With("nsqd", addr, "component", "go-nsq")), p.nsqLevel)
	return prod, nil
}

// replace swaps the producer of address i for a new one after a failed
// MPUB. A go-nsq Producer reconnects by itself on its next publish, and in
// doing so writes its connection field while its old router goroutine may
// still log it: a data race in go-nsq v1.1.0. A new Producer per
// connection has none.
func (p *Publisher) replace(i int) {
	prod, err := p.newProducer(p.opts.Addrs[i])
	if err != nil { // only for an invalid configuration, which Validate rejected
		return
	}
	p.producers[i].Stop()
	p.producers[i] = prod
}

// newLimiter returns a limiter of perSecond messages per second that lets
// a batch of up to burst messages wait for its tokens. It starts empty, so
// N messages take about N/perSecond seconds from the start rather than
// beginning with a free burst.
func newLimiter(perSecond float64, burst int) *rate.Limiter {
	l := rate.NewLimiter(rate.Limit(perSecond), burst)
	l.AllowN(time.Now(), burst)
	return l
}

// Ping checks that every nsqd address accepts a connection, returning the
// errors of those that do not.
func (p *Publisher) Ping() error {
	var errs []error
	for i, prod := range p.producers {
		if err := prod.Ping(); err != nil {
			errs = append(errs, fmt.Errorf("nsqd %s: %w", p.opts.Addrs[i], err))
		}
	}
	return errors.Join(errs...)
}

// Stop closes every connection. It waits for nothing: call it after
// Publish has returned.
func (p *Publisher) Stop() {
	for _, prod := range p.producers {
		prod.Stop()
	}
}

type sourceItem struct {
	body []byte
	err  error
}

// Publish takes every body from src and publishes it to topic, in batches
// of at most MaxBatchMessages messages and MaxBatchBytes bytes (a partial
// batch is sent after FlushInterval without new bodies), each with one
// synchronous MPUB. A failed batch is retried with exponential backoff up
// to MaxRetries times (on the next address if there are several).
//
// It returns nil after the source is exhausted and every message was
// acknowledged. Otherwise it returns a *PublishError holding the exact
// count of acknowledged messages:
//   - a batch that still fails after MaxRetries retries;
//   - a source error: the bodies read before it are published first, so a
//     bad line 1000 in a file means lines 1..999 were published;
//   - ctx cancelled: an MPUB already on the wire is waited for (so its
//     outcome is known), then Publish stops without sending more. Bodies
//     read but not sent are counted in Stats.Read only.
//
// The source is read on its own goroutine. If ctx is cancelled while the
// source is blocked (for example reading a terminal), Publish returns at
// once and that goroutine exits at the source's next step.
func (p *Publisher) Publish(ctx context.Context, topic string, src Source) (Stats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	var st Stats
	fail := func(err error) (Stats, error) {
		st.Elapsed = time.Since(start)
		return st, &PublishError{Topic: topic, Stats: st, Err: err}
	}
	if !nsq.IsValidTopicName(topic) {
		return fail(fmt.Errorf("invalid topic name %q", topic))
	}

	limit := p.opts.batchLimit()
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	items := make(chan sourceItem, limit)
	go readSource(readCtx, src, items)

	b := newBatch(limit)
	flushTimer := time.NewTimer(p.opts.FlushInterval)
	flushTimer.Stop()
	defer flushTimer.Stop()

	flush := func() error {
		if b.len() == 0 {
			return nil
		}
		flushTimer.Stop()
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.limiter != nil {
			if err := p.limiter.WaitN(ctx, b.len()); err != nil {
				if ctx.Err() == nil { // the wait would outlast ctx's deadline
					err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
				}
				return err
			}
		}
		n := b.len()
		if err := p.send(ctx, topic, b.bodies(), &st); err != nil {
			return err
		}
		st.Acked += int64(n)
		st.Batches++
		if p.opts.OnProgress != nil {
			p.opts.OnProgress(n)
		}
		b.reset()
		return nil
	}

	// handle adds one item to the batch, flushing as needed. It returns
	// errSourceDone when the source is exhausted and everything was sent.
	handle := func(it sourceItem, ok bool) error {
		if !ok {
			return cmp.Or(flush(), errSourceDone)
		}
		if it.err != nil {
			if err := flush(); err != nil {
				return errors.Join(it.err, err)
			}
			return it.err
		}
		st.Read++
		if b.len() > 0 && b.size()+len(it.body) > p.opts.MaxBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		if b.len() == 0 {
			flushTimer.Reset(p.opts.FlushInterval)
		}
		b.add(it.body)
		if b.len() >= limit || b.size() >= p.opts.MaxBatchBytes {
			return flush()
		}
		return nil
	}

	for {
		var timerC <-chan time.Time
		if b.len() > 0 {
			timerC = flushTimer.C
		}
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-timerC:
			err = flush()
		case it, ok := <-items:
			err = handle(it, ok)
			// Fast path: take what is already queued without a full select.
			for err == nil {
				select {
				case it, ok = <-items:
					err = handle(it, ok)
					continue
				default:
				}
				break
			}
		}
		if err == errSourceDone {
			st.Elapsed = time.Since(start)
			p.log.Debug("publish done", "topic", topic, "acked", st.Acked,
				"batches", st.Batches, "retries", st.Retries, "elapsed", st.Elapsed)
			return st, nil
		}
		if err != nil {
			return fail(err)
		}
	}
}

var errSourceDone = errors.New("source done")

// readSource runs src, copying each body (the source may reuse its buffer)
// into items, until the source ends, yields an error, or ctx is done.
// Bodies are copied into shared chunks of chunkSize bytes so that small
// messages cost no allocation each; a chunk is never reused, so a body stays
// valid for as long as the publisher holds it.
func readSource(ctx context.Context, src Source, items chan<- sourceItem) {
	defer close(items)
	var chunk []byte
	for body, err := range src {
		it := sourceItem{err: err}
		if err == nil {
			if len(body) > cap(chunk)-len(chunk) {
				chunk = make([]byte, 0, max(chunkSize, len(body)))
			}
			start := len(chunk)
			chunk = append(chunk, body...)
			it.body = chunk[start:len(chunk):len(chunk)]
		}
		select {
		case items <- it: // fast path: room in the channel
		default:
			select {
			case items <- it:
			case <-ctx.Done():
				return
			}
		}
		if err != nil {
			return
		}
	}
}

const chunkSize = 64 << 10

// send publishes one batch with retries. It returns nil once nsqd has
// acknowledged it.
func (p *Publisher) send(ctx context.Context, topic string, bodies [][]byte, st *Stats) error {
	for attempt := 0; ; attempt++ {
		i := p.cur
		err := p.producers[i].MultiPublish(topic, bodies)
		if p.opts.Strategy == RoundRobin || err != nil {
			p.cur = (p.cur + 1) % len(p.producers)
		}
		if err == nil {
			return nil
		}
		p.replace(i) // nsqd closes the connection on a rejected MPUB too
		if attempt >= p.opts.MaxRetries || permanent(err) {
			p.log.Error("MPUB failed, giving up", "topic", topic, "nsqd", p.opts.Addrs[i],
				"messages", len(bodies), "attempts", attempt+1, "err", err)
			return fmt.Errorf("MPUB of %d messages to nsqd %s failed after %d attempts: %w",
				len(bodies), p.opts.Addrs[i], attempt+1, err)
		}
		st.Retries++
		wait := backoff.Delay(p.opts.RetryBackoff, p.opts.MaxRetryBackoff, attempt+1)
		p.log.Warn("MPUB failed, retrying", "topic", topic, "nsqd", p.opts.Addrs[i],
			"messages", len(bodies), "attempt", attempt+1, "backoff", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(), fmt.Errorf("last MPUB error: %w", err))
		case <-t.C:
		}
	}
}

// permanent reports errors that a retry cannot fix: nsqd rejected the
// command itself (bad topic, message too big...).
func permanent(err error) bool {
	var pe nsq.ErrProtocol
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Reason, "E_BAD_") || strings.HasPrefix(pe.Reason, "E_INVALID")
	}
	return false
}

// batch accumulates the bodies of one MPUB.
type batch struct {
	list  [][]byte
	bytes int
}

func newBatch(limit int) *batch { return &batch{list: make([][]byte, 0, limit)} }

func (b *batch) len() int         { return len(b.list) }
func (b *batch) size() int        { return b.bytes }
func (b *batch) bodies() [][]byte { return b.list }
func (b *batch) add(body []byte)  { b.list = append(b.list, body); b.bytes += len(body) }
func (b *batch) reset()           { clear(b.list); b.list = b.list[:0]; b.bytes = 0 }
