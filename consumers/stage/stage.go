package stage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
)

// rdySettle is how long a stopping stage waits between RDY 0 and CLS.
const rdySettle = 200 * time.Millisecond

// UserAgent identifies nsqfarm's connections to nsqd.
const UserAgent = "nsqfarm/1"

// Stage runs one handler on a channel of one topic, or of several.
type Stage struct {
	cfg     Config
	h       Handler
	stats   *stats
	batcher *batcher
	states  sync.Pool

	// consumers read the input topics, one each, in the order of
	// Config.inputs.
	consumers atomic.Pointer[[]*nsq.Consumer]
	running   atomic.Bool

	// hctx is given to handlers; it is cancelled when a drain times out.
	hctx   context.Context
	cancel context.CancelFunc
}

// New checks cfg and returns a stage that runs h. cfg.Settings must be
// resolved (see Config.Settings); the farm maps every port of the
// handler's spec to a topic.
func New(cfg Config, h Handler) (*Stage, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Stage{cfg: cfg, h: h}
	s.stats = newStats(cfg.Metrics, &s.cfg)
	s.hctx, s.cancel = context.WithCancel(context.Background())
	touchEvery := cfg.Settings.MsgTimeout.D() / 2
	s.states.New = func() any { return newCallState(touchEvery) }
	return s, nil
}

// Name returns the stage name.
func (s *Stage) Name() string { return s.cfg.Name }

// Config returns the stage's effective configuration.
func (s *Stage) Config() Config { return s.cfg }

// Health reports whether the stage can work: an error when it is not
// running, reads from no nsqd, or can publish to no destination nsqd.
// detail names the destinations that are down while others carry the
// work.
func (s *Stage) Health() (detail []string, err error) {
	cs := s.consumers.Load()
	if !s.running.Load() || cs == nil {
		return nil, fmt.Errorf("stage %s: not running", s.cfg.Name)
	}
	var errs []error
	connected := 0
	for i, c := range *cs {
		n := c.Stats().Connections
		connected += n
		if n == 0 && len(*cs) > 1 {
			detail = append(detail, fmt.Sprintf("stage %s: topic %s: read from no nsqd (none has it yet)", s.cfg.Name, s.cfg.Inputs()[i]))
		}
	}
	if connected == 0 {
		errs = append(errs, fmt.Errorf("stage %s: reads from no nsqd (not connected to any)", s.cfg.Name))
	}
	down, derr := s.batcher.dests.health()
	if derr != nil {
		errs = append(errs, fmt.Errorf("stage %s: %w", s.cfg.Name, derr))
	}
	for _, d := range down {
		detail = append(detail, fmt.Sprintf("stage %s: %s", s.cfg.Name, d))
	}
	return detail, errors.Join(errs...)
}

// Run connects the stage and processes messages until ctx is done, then
// drains: it stops taking messages, lets in-flight handlers finish (up to
// the drain timeout, after which they are cancelled and their inputs
// requeued), publishes and acknowledges what they produced, and returns.
func (s *Stage) Run(ctx context.Context) error {
	defer s.cancel()
	log := s.cfg.Logger.With("stage", s.cfg.Name)
	set := s.cfg.Settings

	dynamic := len(s.cfg.DestinationNSQDTCPAddresses) == 0
	s.batcher = newBatcher(s, s.cfg.DestinationNSQDTCPAddresses, dynamic)

	ncfg := nsq.NewConfig()
	ncfg.UserAgent = UserAgent
	ncfg.MaxInFlight = set.MaxInFlight
	ncfg.MaxAttempts = 0 // the stage dead-letters; go-nsq must never drop
	ncfg.MsgTimeout = set.MsgTimeout.D()
	ncfg.DefaultRequeueDelay = set.RequeueDelay.D()
	ncfg.MaxRequeueDelay = set.MaxRequeueDelay.D()
	ncfg.MaxBackoffDuration = set.MaxRequeueDelay.D()
	ncfg.BackoffMultiplier = set.RequeueDelay.D()
	ncfg.LookupdPollInterval = 15 * time.Second
	var consumers []*nsq.Consumer
	stop := func() {
		for _, c := range consumers {
			c.Stop()
		}
		for _, c := range consumers {
			<-c.StopChan
		}
	}
	for _, topic := range s.cfg.Inputs() {
		c, err := s.connect(topic, ncfg, log)
		if c != nil {
			consumers = append(consumers, c)
		}
		if err != nil {
			stop()
			_ = s.batcher.close(time.Second)
			return err
		}
	}
	s.consumers.Store(&consumers)
	s.running.Store(true)
	log.Info("stage running", "topics", s.cfg.Inputs(), "channel", s.cfg.Channel,
		"concurrency", set.Concurrency, "max_in_flight", set.MaxInFlight,
		"lookupd", s.cfg.LookupdHTTPAddresses, "nsqd", s.cfg.NSQDTCPAddresses,
		"destination", s.cfg.DestinationNSQDTCPAddresses)

	<-ctx.Done()
	log.Info("stage stopping: draining in-flight messages", "in_flight", s.stats.inFlight.Value())
	s.running.Store(false)
	// RDY 0 first, so that nsqd sends nothing more, and a moment for what
	// is already on the wire to arrive: a message nsqd writes after
	// answering CLS with CLOSE_WAIT is never read, and would wait out its
	// msg_timeout in flight.
	for _, c := range consumers {
		c.ChangeMaxInFlight(0)
	}
	time.Sleep(rdySettle)
	for _, c := range consumers {
		c.Stop()
	}
	drained := time.After(s.cfg.DrainTimeout)
	for _, c := range consumers {
		select {
		case <-c.StopChan:
		case <-drained:
			log.Warn("drain timeout: cancelling handlers; their inputs are requeued", "timeout", s.cfg.DrainTimeout)
			s.cancel()
			<-c.StopChan
		}
	}
	s.cancel()
	if err := s.batcher.close(10 * time.Second); err != nil {
		return fmt.Errorf("stage %s: drain: %w", s.cfg.Name, err)
	}
	log.Info("stage stopped", "processed", s.stats.processed.Value(),
		"dead_lettered", s.stats.deadLettered.Value(), "failed", s.stats.failed.Value())
	return nil
}

// connect starts a consumer of topic on the stage's channel; on an error
// it returns the consumer, if it was made, for the caller to stop.
func (s *Stage) connect(topic string, ncfg *nsq.Config, log *slog.Logger) (*nsq.Consumer, error) {
	c, err := nsq.NewConsumer(topic, s.cfg.Channel, ncfg)
	if err != nil {
		return nil, fmt.Errorf("stage %s: new consumer of %s: %w", s.cfg.Name, topic, err)
	}
	c.SetLogger(nsqlog.New(log), nsq.LogLevelWarning)
	c.AddConcurrentHandlers(topicHandler{s: s, topic: topic}, s.cfg.Settings.Concurrency)
	if len(s.cfg.LookupdHTTPAddresses) > 0 {
		err = c.ConnectToNSQLookupds(s.cfg.LookupdHTTPAddresses)
	} else {
		err = c.ConnectToNSQDs(s.cfg.NSQDTCPAddresses)
	}
	if err != nil {
		return c, fmt.Errorf("stage %s: connect %s: %w", s.cfg.Name, topic, err)
	}
	return c, nil
}

// topicHandler is the nsq.Handler of the consumer of one input topic.
type topicHandler struct {
	s     *Stage
	topic string
}

// HandleMessage implements nsq.Handler.
func (h topicHandler) HandleMessage(m *nsq.Message) error { return h.s.handleMessage(m, h.topic) }

// handleMessage handles m, read from topic. It never lets go-nsq respond
// on its own: every input is finished or requeued by the batcher, or
// requeued here.
func (s *Stage) handleMessage(m *nsq.Message, topic string) error {
	m.DisableAutoResponse()
	s.stats.inFlight.Add(1)
	maxAttempts := s.cfg.Settings.MaxAttempts
	if int(m.Attempts) > maxAttempts {
		s.deadLetter(m, topic, fmt.Errorf("gave up after %d deliveries (max_attempts %d): earlier attempts were never finished", m.Attempts-1, maxAttempts))
		return nil
	}

	st := s.states.Get().(*callState)
	defer s.states.Put(st)
	st.in = Input{ID: InputID(m.NSQDAddress, topic, m.ID), Topic: topic, Body: m.Body, Attempt: int(m.Attempts)}
	st.out.Reset()

	start := time.Now()
	st.watch(m)
	err := s.handle(st)
	st.unwatch()
	s.stats.latency.Observe(time.Since(start).Seconds())

	if err == nil {
		u := &unit{msg: m, topic: topic, prefer: s.batcher.dests.observe(m.NSQDAddress)}
		u.outs = u.small[:0]
		for _, o := range st.out.All() {
			topic, ok := s.cfg.Outputs[o.Port]
			switch {
			case !ok:
				err = Permanentf("handler emitted on unknown port %q", o.Port)
			case len(o.Body) == 0:
				err = Permanentf("handler emitted an empty message on port %q (nsqd rejects empty messages)", o.Port)
			case len(o.Body) > s.cfg.MaxMsgSize:
				err = Permanentf("output on port %q to topic %s is %d bytes, over max_msg_size %d (nsqd's --max-msg-size)", o.Port, topic, len(o.Body), s.cfg.MaxMsgSize)
			}
			if err != nil {
				break
			}
			u.outs = append(u.outs, publication{topic: topic, body: o.Body})
		}
		if err == nil {
			s.submit(u)
			return nil
		}
	}
	switch {
	case IsPermanent(err):
		s.deadLetter(m, topic, err)
	case s.hctx.Err() != nil && errors.Is(err, context.Canceled):
		// Shutting down: hand the input back at once for another consumer.
		s.stats.failed.Inc()
		s.stats.inFlight.Add(-1)
		m.RequeueWithoutBackoff(0)
	case int(m.Attempts) >= maxAttempts:
		s.deadLetter(m, topic, fmt.Errorf("attempt %d of %d failed: %w", m.Attempts, maxAttempts, err))
	default:
		s.cfg.Logger.Warn("handler failed; requeueing", "stage", s.cfg.Name, "attempt", m.Attempts, "err", err)
		s.stats.failed.Inc()
		s.stats.inFlight.Add(-1)
		m.Requeue(s.cfg.backoff(m.Attempts))
	}
	return nil
}

// handle runs the handler, turning a panic into a permanent error so that
// one poisonous input is dead-lettered instead of crashing the process.
func (s *Stage) handle(st *callState) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logger.Error("handler panicked", "stage", s.cfg.Name, "input_id", st.in.ID, "panic", r, "stack", string(debug.Stack()))
			st.out.Reset()
			err = Permanentf("handler panicked: %v", r)
		}
	}()
	return s.h.Handle(s.hctx, &st.in, &st.out)
}

// deadLetter publishes the dead-letter records of input m, read from
// topic; the batcher finishes the input once nsqd has acknowledged all of
// them.
func (s *Stage) deadLetter(m *nsq.Message, topic string, reason error) {
	if u := s.deadUnit(m, topic, reason); u != nil {
		s.submit(u)
	}
}

// deadUnit builds the unit that publishes m's dead-letter records (several
// when the body is split to fit MaxMsgSize): the input is finished only
// when nsqd has acknowledged all of them. If the records cannot be built,
// m is requeued and deadUnit returns nil.
func (s *Stage) deadUnit(m *nsq.Message, topic string, reason error) *unit {
	recs, err := encodeDeadLetter(&s.cfg, topic, m, reason, time.Now())
	if err != nil {
		// Only a MaxMsgSize too small for the record's metadata gets here;
		// requeue rather than lose.
		s.cfg.Logger.Error("encode dead letter", "stage", s.cfg.Name, "err", err)
		s.stats.inFlight.Add(-1)
		m.Requeue(s.cfg.backoff(m.Attempts))
		return nil
	}
	s.cfg.Logger.Info("dead-lettering input", "stage", s.cfg.Name, "attempts", m.Attempts, "records", len(recs), "reason", reason)
	u := &unit{msg: m, topic: topic, dead: true, prefer: s.batcher.dests.observe(m.NSQDAddress)}
	u.outs = u.small[:0]
	for _, rec := range recs {
		u.outs = append(u.outs, publication{topic: s.cfg.DeadLetter, body: rec})
	}
	return u
}

// submit hands a unit to the batcher, or leaves its input to nsqd's
// redelivery when the stage has already shut down.
func (s *Stage) submit(u *unit) {
	if !s.batcher.submit(u) {
		s.cfg.Logger.Warn("handler finished after shutdown; nsqd will redeliver its input", "stage", s.cfg.Name)
		s.stats.inFlight.Add(-1)
	}
}
