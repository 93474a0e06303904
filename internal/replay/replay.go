package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/go-nsq"
	"golang.org/x/time/rate"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
)

// Defaults of Options.
const (
	DefaultChannel        = "replay"
	DefaultMaxInFlight    = 1000
	DefaultMsgTimeout     = time.Minute
	DefaultUnmatchedDelay = 10 * time.Minute
	DefaultPollInterval   = 500 * time.Millisecond
	// rdySettle is how long a stopping replay waits between RDY 0 and
	// handing back what it holds, for messages already on the wire.
	rdySettle = 200 * time.Millisecond
)

// NSQD is one nsqd the dead letters are read from.
type NSQD struct {
	// TCP is its TCP address; HTTP its HTTP address (host:port or URL),
	// where the channel is created and its depth read.
	TCP, HTTP string
}

// Options configure a replay.
type Options struct {
	// Topic is the dead-letter topic; Channel the channel read (created
	// if needed), DefaultChannel when empty.
	Topic, Channel string
	// NSQDs are the nsqds read from.
	NSQDs []NSQD
	// Destinations, when set, receive the republished bodies (the first
	// that answers); otherwise each goes back to the nsqd its record came
	// from.
	Destinations []string
	// To, when set, is the topic every body is republished to instead of
	// its record's topic.
	To string
	// Filter selects the records to replay.
	Filter Filter
	// Rate bounds the republished bodies per second; 0 means no bound.
	Rate float64
	// Max stops the replay after this many bodies; 0 means no limit.
	Max int
	// DryRun republishes nothing: it prints what it would send and hands
	// every record back to the channel.
	DryRun bool
	// DropUnmatched finishes the records the filter does not select (and
	// those that are not dead-letter records) instead of handing them
	// back.
	DropUnmatched bool
	// MaxInFlight is the number of records held at once (at most nsqd's
	// --max-rdy-count); records set aside are held until the end.
	MaxInFlight int
	// MsgTimeout is the time nsqd waits for the replay to finish a record
	// before it gives it to another reader (at most nsqd's
	// --max-msg-timeout); held records are touched every half of it.
	MsgTimeout time.Duration
	// UnmatchedDelay is how long nsqd keeps back a record set aside when
	// more are set aside than MaxInFlight allows.
	UnmatchedDelay time.Duration
	// PollInterval is how often the channel's depth is read.
	PollInterval time.Duration
	// Configure sets the TLS and auth fields of a go-nsq configuration.
	Configure func(*nsq.Config) error
	// HTTP calls nsqd's HTTP API; nil means nsqhttp.Default.
	HTTP *nsqhttp.Client
	// Out receives one line per body republished, or that a dry run would
	// republish.
	Out io.Writer
	// Logger receives the logs; nil means slog.Default().
	Logger *slog.Logger
}

// Result counts what a replay did, in dead-lettered inputs (one input can
// span several records).
type Result struct {
	// Replayed bodies were acknowledged by nsqd and their records
	// finished (or, in a dry run, would have been republished).
	Replayed int
	// Unmatched inputs were set aside (or dropped with DropUnmatched);
	// Invalid messages were not dead-letter records, or parts that do not
	// reassemble, and were set aside or dropped likewise.
	Unmatched, Invalid int
	// Deferred records were handed back to nsqd with a delay: set aside
	// beyond MaxInFlight, or after a failed republish.
	Deferred int
	// Failed republishes, each handed back with a delay.
	Failed int
	// Stopped says why the replay ended.
	Stopped string
}

// held is a message the replay keeps in flight until it ends.
type held struct {
	msg      *nsq.Message
	parts    bool // a part of a split record waiting for the others
	since    time.Time
	deferred bool
}

// replayer is one run.
type replayer struct {
	opts     Options
	log      *slog.Logger
	http     *nsqhttp.Client
	pcfg     *nsq.Config
	limiter  *rate.Limiter
	ctx      context.Context
	consumer *nsq.Consumer

	mu        sync.Mutex
	held      []*held
	parts     map[string][]*partMsg // split records by input_id and time
	producers map[string]*nsq.Producer
	res       Result
	full      bool   // Max reached, or a dry run's window is full
	why       string // why done was closed
	done      chan struct{}
}

// partMsg is one received part of a split record.
type partMsg struct {
	msg *nsq.Message
	rec stage.DeadLetter
}

// Run replays until the channel holds nothing but the records set aside,
// Max bodies are replayed, or ctx is done. It then hands every record it
// set aside back to the channel and returns what it did. A replay that is
// killed loses nothing either: nsqd gives the records it did not finish
// to the next reader once MsgTimeout has passed. A record can be
// republished twice (if the replay dies between nsqd's acknowledgement
// and its finish).
func Run(ctx context.Context, opts Options) (Result, error) {
	r, err := newReplayer(ctx, opts)
	if err != nil {
		return Result{}, err
	}
	return r.run()
}

func newReplayer(ctx context.Context, opts Options) (*replayer, error) {
	if len(opts.NSQDs) == 0 {
		return nil, errors.New("replay: no nsqd to read from")
	}
	if !nsq.IsValidTopicName(opts.Topic) {
		return nil, fmt.Errorf("replay: invalid topic %q", opts.Topic)
	}
	if opts.To != "" && !nsq.IsValidTopicName(opts.To) {
		return nil, fmt.Errorf("replay: invalid topic %q to republish to", opts.To)
	}
	if opts.Channel == "" {
		opts.Channel = DefaultChannel
	}
	if !nsq.IsValidChannelName(opts.Channel) {
		return nil, fmt.Errorf("replay: invalid channel %q", opts.Channel)
	}
	opts.MaxInFlight = cmpOr(opts.MaxInFlight, DefaultMaxInFlight)
	opts.MsgTimeout = cmpOr(opts.MsgTimeout, DefaultMsgTimeout)
	opts.UnmatchedDelay = cmpOr(opts.UnmatchedDelay, DefaultUnmatchedDelay)
	opts.PollInterval = cmpOr(opts.PollInterval, DefaultPollInterval)
	if opts.Configure == nil {
		opts.Configure = func(*nsq.Config) error { return nil }
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	r := &replayer{
		opts:      opts,
		log:       opts.Logger,
		http:      opts.HTTP,
		ctx:       ctx,
		parts:     map[string][]*partMsg{},
		producers: map[string]*nsq.Producer{},
		done:      make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.http == nil {
		r.http = nsqhttp.Default
	}
	if opts.Rate > 0 {
		r.limiter = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	r.pcfg = nsq.NewConfig()
	r.pcfg.UserAgent = stage.UserAgent
	if err := opts.Configure(r.pcfg); err != nil {
		return nil, err
	}
	return r, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// run connects, replays, and hands back what it holds at the end.
func (r *replayer) run() (Result, error) {
	o := &r.opts
	for _, n := range o.NSQDs {
		if err := r.http.CreateChannel(r.ctx, n.HTTP, o.Topic, o.Channel); err != nil {
			return Result{}, fmt.Errorf("replay: create %s/%s: %w", o.Topic, o.Channel, err)
		}
	}
	cfg := nsq.NewConfig()
	cfg.UserAgent = stage.UserAgent
	cfg.MaxInFlight = o.MaxInFlight
	cfg.MaxAttempts = 0 // never let go-nsq discard a record
	cfg.MsgTimeout = o.MsgTimeout
	cfg.LookupdPollInterval = 5 * time.Minute
	if err := o.Configure(cfg); err != nil {
		return Result{}, err
	}
	c, err := nsq.NewConsumer(o.Topic, o.Channel, cfg)
	if err != nil {
		return Result{}, fmt.Errorf("replay: %w", err)
	}
	r.consumer = c
	c.SetLogger(nsqlog.New(r.log), nsq.LogLevelWarning)
	c.AddHandler(r)
	addrs := make([]string, len(o.NSQDs))
	for i, n := range o.NSQDs {
		addrs[i] = n.TCP
	}
	if err := c.ConnectToNSQDs(addrs); err != nil {
		c.Stop()
		<-c.StopChan
		return Result{}, fmt.Errorf("replay: connect: %w", err)
	}
	touch := time.NewTicker(o.MsgTimeout / 2)
	defer touch.Stop()
	poll := time.NewTicker(o.PollInterval)
	defer poll.Stop()
	stopped := ""
	for stopped == "" {
		select {
		case <-r.ctx.Done():
			stopped = "interrupted"
		case <-r.done:
			r.mu.Lock()
			stopped = r.why
			r.mu.Unlock()
		case <-touch.C:
			r.touch()
		case <-poll.C:
			if empty, err := r.empty(); err != nil {
				r.log.Warn("cannot read the channel's depth", "err", err)
			} else if empty {
				stopped = "the channel holds nothing more to replay"
			}
		}
	}
	r.stop()
	r.res.Stopped = stopped
	return r.res, nil
}

// stop stops taking records, hands back those held, and closes the
// connections.
func (r *replayer) stop() {
	r.consumer.ChangeMaxInFlight(0)
	time.Sleep(rdySettle)
	r.mu.Lock()
	r.full = true // what still arrives goes straight back
	for _, h := range r.held {
		if !h.deferred {
			h.msg.RequeueWithoutBackoff(0)
		}
	}
	r.held = nil
	for _, ps := range r.parts {
		for _, p := range ps {
			p.msg.RequeueWithoutBackoff(0)
		}
	}
	clear(r.parts)
	r.mu.Unlock()
	r.consumer.Stop()
	<-r.consumer.StopChan
	for _, p := range r.producers {
		p.Stop()
	}
}

// touch resets nsqd's timeout of every record held.
func (r *replayer) touch() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.held {
		if !h.deferred {
			h.msg.Touch()
		}
	}
	for _, ps := range r.parts {
		for _, p := range ps {
			p.msg.Touch()
		}
	}
}

// empty reports whether every nsqd's channel holds nothing but the
// records this replay holds: no record is queued, and every one in
// flight is held here.
func (r *replayer) empty() (bool, error) {
	var depth, inFlight int64
	for _, n := range r.opts.NSQDs {
		st, err := r.http.TopicStats(r.ctx, n.HTTP, r.opts.Topic)
		if err != nil {
			return false, err
		}
		for _, ch := range st.Channels {
			if ch.Name == r.opts.Channel {
				depth += ch.Depth
				inFlight += ch.InFlightCount
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	mine := int64(0)
	for _, h := range r.held {
		if !h.deferred {
			mine++
		}
	}
	for _, ps := range r.parts {
		mine += int64(len(ps))
	}
	return depth == 0 && inFlight == mine, nil
}

// HandleMessage takes one record. It implements nsq.Handler; the
// consumer runs one at a time.
func (r *replayer) HandleMessage(m *nsq.Message) error {
	m.DisableAutoResponse()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.full {
		m.RequeueWithoutBackoff(0)
		return nil
	}
	var rec stage.DeadLetter
	if err := json.Unmarshal(m.Body, &rec); err != nil || rec.BodyEncoding == "" {
		r.invalid([]*nsq.Message{m}, fmt.Errorf("not a dead-letter record: %.80q", m.Body))
		return nil
	}
	if rec.Parts == 0 {
		r.take([]*nsq.Message{m}, []stage.DeadLetter{rec})
		return nil
	}
	key := rec.InputID + "\x00" + rec.Time
	r.parts[key] = append(r.parts[key], &partMsg{msg: m, rec: rec})
	ps := r.parts[key]
	if len(ps) < rec.Parts {
		r.checkWindow()
		return nil
	}
	delete(r.parts, key)
	msgs := make([]*nsq.Message, len(ps))
	recs := make([]stage.DeadLetter, len(ps))
	for i, p := range ps {
		msgs[i], recs[i] = p.msg, p.rec
	}
	r.take(msgs, recs)
	return nil
}

// take replays, or sets aside, one dead-lettered input: its records recs,
// received as msgs. r.mu is held.
func (r *replayer) take(msgs []*nsq.Message, recs []stage.DeadLetter) {
	rec := &recs[0]
	if !r.opts.Filter.Match(rec) {
		r.res.Unmatched++
		r.setAside(msgs)
		return
	}
	body, err := stage.Reassemble(recs)
	if err != nil {
		r.invalid(msgs, err)
		return
	}
	topic := r.opts.To
	if topic == "" {
		topic = rec.Topic
	}
	if !nsq.IsValidTopicName(topic) {
		r.invalid(msgs, fmt.Errorf("dead letter %s: invalid topic %q", rec.InputID, topic))
		return
	}
	if r.opts.DryRun {
		fmt.Fprintf(r.opts.Out, "would replay %s (stage %s, %s: %s) to %s: %d bytes %.120q\n",
			rec.InputID, rec.Stage, rec.Time, rec.Error, topic, len(body), body)
		r.res.Replayed++
		r.setAside(msgs)
		r.checkMax()
		return
	}
	if r.limiter != nil {
		r.mu.Unlock()
		err := r.limiter.Wait(r.ctx)
		r.mu.Lock()
		if err != nil {
			requeue(msgs, 0)
			return
		}
	}
	dest, err := r.publish(msgs[0].NSQDAddress, topic, body)
	if err != nil {
		r.res.Failed++
		r.res.Deferred += len(msgs)
		r.log.Warn("republish failed; the record goes back to the channel", "input_id", rec.InputID, "topic", topic, "err", err)
		requeue(msgs, -1)
		return
	}
	for _, m := range msgs {
		m.Finish()
	}
	r.res.Replayed++
	fmt.Fprintf(r.opts.Out, "replayed %s (stage %s, %s) to %s on nsqd %s: %d bytes\n", rec.InputID, rec.Stage, rec.Time, topic, dest, len(body))
	r.checkMax()
}

// invalid sets aside messages that cannot be replayed, saying why.
func (r *replayer) invalid(msgs []*nsq.Message, why error) {
	r.res.Invalid++
	r.log.Warn("cannot replay a message of the dead-letter topic; setting it aside", "err", why)
	r.setAside(msgs)
}

// setAside holds msgs until the replay ends (finishes them with
// DropUnmatched, outside a dry run).
func (r *replayer) setAside(msgs []*nsq.Message) {
	if r.opts.DropUnmatched && !r.opts.DryRun {
		for _, m := range msgs {
			m.Finish()
		}
		return
	}
	now := time.Now()
	for _, m := range msgs {
		r.held = append(r.held, &held{msg: m, since: now})
	}
	r.checkWindow()
}

// checkWindow keeps room in the in-flight window for new records: a dry
// run stops when its window is full; a replay hands the oldest records it
// set aside back with UnmatchedDelay.
func (r *replayer) checkWindow() {
	holding := 0
	for _, h := range r.held {
		if !h.deferred {
			holding++
		}
	}
	for _, ps := range r.parts {
		holding += len(ps)
	}
	room := r.opts.MaxInFlight - holding
	if room > 0 {
		return
	}
	if r.opts.DryRun {
		r.finish(fmt.Sprintf("the dry run holds %d records, as many as its window (max in flight) allows", r.opts.MaxInFlight))
		return
	}
	if r.res.Deferred == 0 {
		r.log.Warn("more records set aside than --max-in-flight holds: the oldest go back to the channel with a delay, and a replay before then does not see them",
			"max_in_flight", r.opts.MaxInFlight, "delay", r.opts.UnmatchedDelay)
	}
	for _, h := range r.held {
		if room > 0 {
			break
		}
		if !h.deferred {
			h.msg.RequeueWithoutBackoff(r.opts.UnmatchedDelay)
			h.deferred = true
			r.res.Deferred++
			room++
		}
	}
	kept := r.held[:0]
	for _, h := range r.held {
		if !h.deferred {
			kept = append(kept, h)
		}
	}
	r.held = kept
}

// checkMax ends the replay once Max bodies are done.
func (r *replayer) checkMax() {
	if r.opts.Max > 0 && r.res.Replayed >= r.opts.Max {
		r.finish(fmt.Sprintf("replayed the maximum, %d", r.opts.Max))
	}
}

// finish sends back what arrives from now on, and ends the run; r.mu is
// held.
func (r *replayer) finish(why string) {
	if r.full {
		return
	}
	r.full, r.why = true, why
	close(r.done)
}

// publish sends body to topic on the nsqd the record came from (or the
// first Destination that takes it) and returns that nsqd once it has
// acknowledged. A producer that fails is replaced by a new one on the
// next publish.
func (r *replayer) publish(from, topic string, body []byte) (string, error) {
	dests := r.opts.Destinations
	if len(dests) == 0 {
		dests = []string{from}
	}
	var errs []error
	for _, addr := range dests {
		p, ok := r.producers[addr]
		if !ok {
			var err error
			if p, err = nsq.NewProducer(addr, r.pcfg); err != nil {
				return "", err
			}
			p.SetLogger(nsqlog.New(r.log.With("nsqd", addr)), nsq.LogLevelWarning)
			r.producers[addr] = p
		}
		err := p.Publish(topic, body)
		if err == nil {
			return addr, nil
		}
		p.Stop()
		delete(r.producers, addr)
		errs = append(errs, fmt.Errorf("nsqd %s: %w", addr, err))
	}
	return "", errors.Join(errs...)
}

// requeue hands msgs back to nsqd: after delay, or with go-nsq's back-off
// when delay is -1.
func requeue(msgs []*nsq.Message, delay time.Duration) {
	for _, m := range msgs {
		if delay < 0 {
			m.Requeue(-1)
		} else {
			m.RequeueWithoutBackoff(delay)
		}
	}
}
