package stage

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqio/go-nsq"
)

// publication is one output message bound for a topic.
type publication struct {
	topic string
	body  []byte
}

// unit is one input with every output it produced. The input is finished
// when all of them are acknowledged, requeued if a publish fails on every
// destination, and dead-lettered if nsqd rejects one of its outputs.
type unit struct {
	msg *nsq.Message
	// topic is the topic msg was read from.
	topic string
	outs  []publication
	// dead marks a unit whose outputs are the input's dead-letter records
	// (one, or the parts of a split body).
	dead bool
	// prefer is the destination to publish to first ("" for any).
	prefer string
	small  [2]publication // backing array for the common one or two outputs

	// Guarded by batcher.mu once the unit is in frames.
	pending  int   // frames holding its outputs, not yet answered
	err      error // a transient failure: requeue
	rejected error // nsqd refused an output: dead-letter
}

func (u *unit) size() int {
	n := 0
	for _, p := range u.outs {
		n += 4 + len(p.body) // MPUB frames each body with its size
	}
	return n
}

// frame is one MPUB: bodies for one topic, from one or more units.
type frame struct {
	topic  string
	bodies [][]byte
	units  []*unit
	bytes  int
	prefer string
	tried  []*destination
	// parked is when the frame found no destination up; it waits for one
	// until parkLimit, then its inputs are requeued.
	parked time.Time
}

// parkRetry is how often parked frames look for a destination again.
const parkRetry = 100 * time.Millisecond

// batcher groups units into MPUB batches bounded in messages, bytes and
// delay, publishes them asynchronously over the live destinations, and
// finishes or requeues the inputs when nsqd answers.
//
// loop owns batching and sending; acks settles nsqd's answers, which the
// connections' reader goroutines queue for it. Neither blocks on the
// other: acks hands retries and dead letters to loop through an unbounded
// queue.
type batcher struct {
	s     *Stage
	dests *destinations
	in    chan *unit

	mu          sync.Mutex // guards unit and frame state, and queue
	queue       []any      // *frame to retry, *unit to batch
	parked      []*frame   // frames waiting for a destination; loop's own
	parkLimit   time.Duration
	wake        chan struct{}
	outstanding atomic.Int64 // units neither finished nor requeued

	ansMu   sync.Mutex // guards answers
	answers []answered
	ansWake chan struct{}
	ansStop chan struct{}

	closeMu  sync.RWMutex // guards closed against submit
	closed   bool
	loopDone chan struct{}
}

// sent is one MPUB on its way: the frame, where it went, and on which
// connection.
type sent struct {
	f  *frame
	d  *destination
	pc *pubConn
}

// newBatcher returns a batcher that publishes to the destinations
// (explicit addresses, or dynamic ones when dynamic) and starts it.
func newBatcher(s *Stage, addrs []string, dynamic bool) *batcher {
	bt := &batcher{
		s: s,
		// Hold outputs for a destination to come back (a restart, a
		// reconnect after nsqd closed the connection) well within the
		// inputs' message timeout, before requeueing them.
		parkLimit: min(s.cfg.Settings.MsgTimeout.D()/4, 15*time.Second),
		in:        make(chan *unit, s.cfg.Settings.BatchSize),
		wake:      make(chan struct{}, 1),
		ansWake:   make(chan struct{}, 1),
		ansStop:   make(chan struct{}),
		loopDone:  make(chan struct{}),
	}
	bt.dests = newDestinations(&s.cfg, addrs, dynamic, bt.received)
	go bt.loop()
	go bt.acks()
	return bt
}

// answered is nsqd's answer to one MPUB.
type answered struct {
	x   sent
	err error
}

// received queues an answer for acks. It runs on a connection's reader
// goroutine, which must stay free to answer nsqd's heartbeats, so it only
// appends.
func (bt *batcher) received(arg any, err error) {
	bt.ansMu.Lock()
	bt.answers = append(bt.answers, answered{arg.(sent), err})
	bt.ansMu.Unlock()
	select {
	case bt.ansWake <- struct{}{}:
	default:
	}
}

// acks settles the answers in the order they arrived, until the batcher
// is closed.
func (bt *batcher) acks() {
	for {
		select {
		case <-bt.ansWake:
		case <-bt.ansStop:
			return
		}
		bt.ansMu.Lock()
		list := bt.answers
		bt.answers = nil
		bt.ansMu.Unlock()
		for _, a := range list {
			bt.answer(a.x.f, a.x.d, a.x.pc, a.err)
		}
	}
}

// submit queues a unit for publishing. It returns false once the batcher
// is closed: that only happens to a handler that outlived go-nsq's own
// shutdown limit, and its input is then redelivered by nsqd.
func (bt *batcher) submit(u *unit) bool {
	bt.closeMu.RLock()
	defer bt.closeMu.RUnlock()
	if bt.closed {
		return false
	}
	bt.outstanding.Add(1)
	bt.in <- u
	return true
}

// enqueue hands a frame to retry or a unit to batch to loop, without
// blocking.
func (bt *batcher) enqueue(item any) {
	bt.queue = append(bt.queue, item) // bt.mu is held
	select {
	case bt.wake <- struct{}{}:
	default:
	}
}

func (bt *batcher) loop() {
	defer close(bt.loopDone)
	set := bt.s.cfg.Settings
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	retry := time.NewTicker(parkRetry)
	defer retry.Stop()
	var (
		cur      []*unit
		curMsgs  int
		curBytes int
		in       = bt.in
	)
	flush := func() {
		timer.Stop()
		if len(cur) > 0 {
			bt.publishBatch(cur)
			cur, curMsgs, curBytes = nil, 0, 0
		}
	}
	add := func(u *unit) {
		size := u.size()
		if len(cur) > 0 && curBytes+size > set.BatchBytes {
			flush()
		}
		if len(cur) == 0 {
			timer.Reset(set.BatchDelay.D())
		}
		cur = append(cur, u)
		curMsgs += len(u.outs)
		curBytes += size
		if curMsgs >= set.BatchSize || curBytes >= set.BatchBytes {
			flush()
		}
	}
	for {
		if in == nil && len(cur) == 0 && bt.outstanding.Load() == 0 {
			return
		}
		var retryC <-chan time.Time
		if len(bt.parked) > 0 {
			retryC = retry.C
		}
		select {
		case <-retryC:
			parked := bt.parked
			bt.parked = nil
			for _, f := range parked {
				f.tried = nil
				bt.send(f)
			}
		case u, ok := <-in:
			if !ok {
				in = nil
				flush()
				continue
			}
			add(u)
		case <-timer.C:
			flush()
		case <-bt.wake:
			bt.mu.Lock()
			items := bt.queue
			bt.queue = nil
			bt.mu.Unlock()
			for _, it := range items {
				switch it := it.(type) {
				case *frame:
					bt.send(it)
				case *unit:
					add(it)
				}
			}
			if in == nil {
				flush()
			}
		}
	}
}

// publishBatch splits units into frames, one or more per topic and
// preferred destination (the inputs' own nsqd, for a dynamic set), each
// within batch_bytes (a single larger body gets a frame of its own), and
// sends them.
func (bt *batcher) publishBatch(units []*unit) {
	limit := bt.s.cfg.Settings.BatchBytes
	open := map[string]*frame{}
	var frames []*frame
	bt.mu.Lock()
	for _, u := range units {
		if len(u.outs) == 0 {
			bt.completeLocked(u)
			continue
		}
		for _, p := range u.outs {
			key := p.topic + "\x00" + u.prefer
			f := open[key]
			size := 4 + len(p.body)
			if f == nil || (f.bytes+size > limit && len(f.bodies) > 0) {
				f = &frame{topic: p.topic, prefer: u.prefer}
				open[key] = f
				frames = append(frames, f)
			}
			f.bodies = append(f.bodies, p.body)
			f.bytes += size
			if n := len(f.units); n == 0 || f.units[n-1] != u {
				f.units = append(f.units, u)
				u.pending++
			}
		}
	}
	bt.mu.Unlock()
	if len(frames) > 0 {
		bt.s.stats.batches.Inc()
	}
	for _, f := range frames {
		bt.send(f)
	}
}

// send publishes f on the next live destination it has not tried. Only
// loop calls it.
func (bt *batcher) send(f *frame) {
	d := bt.dests.pick(f.prefer, f.tried)
	if d == nil {
		if f.parked.IsZero() {
			f.parked = time.Now()
		}
		if time.Since(f.parked) < bt.parkLimit {
			bt.parked = append(bt.parked, f)
			return
		}
		err := fmt.Errorf("mpub %d messages to %s: %w for %v", len(f.bodies), f.topic, errNoDestination(f.tried), bt.parkLimit)
		bt.mu.Lock()
		bt.frameDoneLocked(f, err)
		bt.mu.Unlock()
		return
	}
	f.parked = time.Time{}
	pc := d.conn.Load()
	if pc == nil { // went down since pick
		f.tried = append(f.tried, d)
		bt.send(f)
		return
	}
	if err := pc.mpub(f.topic, f.bodies, sent{f, d, pc}); err != nil {
		bt.answer(f, d, pc, err)
	}
}

// errNoDestination says which destinations a frame was tried on.
func errNoDestination(tried []*destination) error {
	if len(tried) == 0 {
		return errors.New("no destination nsqd is up")
	}
	return fmt.Errorf("no destination nsqd is up (failed on %s)", strings.Join(addrs(tried), ", "))
}

// rejected reports whether nsqd refused a publish for its content (a
// message over --max-msg-size, an empty one, a body over
// --max-body-size): sending it again anywhere would fail the same way.
func rejected(err error) bool {
	var pe nsq.ErrProtocol
	if !errors.As(err, &pe) {
		return false
	}
	return strings.HasPrefix(pe.Reason, "E_BAD_MESSAGE") || strings.HasPrefix(pe.Reason, "E_BAD_BODY")
}

// answer records the outcome of f's MPUB to d on connection pc.
func (bt *batcher) answer(f *frame, d *destination, pc *pubConn, err error) {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	st := bt.s.stats
	switch {
	case err == nil:
		d.publishes.Inc()
		st.published[f.topic].Add(uint64(len(f.bodies)))
		bt.frameDoneLocked(f, nil)
	case rejected(err) && len(f.units) > 1:
		// Find the offending input: each unit's outputs go again in a
		// frame of their own, at once.
		st.rejected.Inc()
		bt.s.cfg.Logger.Warn("nsqd rejected a batch; publishing its inputs one by one", "stage", bt.s.cfg.Name, "topic", f.topic, "inputs", len(f.units), "err", err)
		i := 0
		for _, u := range f.units {
			g := &frame{topic: f.topic, units: []*unit{u}, prefer: f.prefer}
			for _, o := range u.outs {
				if o.topic == f.topic && i < len(f.bodies) && sameBody(o.body, f.bodies[i]) {
					g.bodies = append(g.bodies, o.body)
					g.bytes += 4 + len(o.body)
					i++
				}
			}
			bt.enqueue(g)
		}
	case rejected(err):
		st.rejected.Inc()
		u := f.units[0]
		if u.rejected == nil {
			u.rejected = fmt.Errorf("nsqd %s rejected an output of %d messages (%d bytes, largest %d) to topic %s: %w",
				d.addr, len(f.bodies), f.bytes, largest(f.bodies), f.topic, err)
		}
		bt.frameDoneLocked(f, nil)
	default:
		d.failures.Inc()
		bt.dests.failed(d, pc, err)
		f.tried = append(f.tried, d)
		bt.enqueue(f)
	}
}

// sameBody reports whether a and b are the same slice (not just equal
// bytes), which is how a frame's bodies are matched to their units.
func sameBody(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func largest(bodies [][]byte) int {
	n := 0
	for _, b := range bodies {
		n = max(n, len(b))
	}
	return n
}

// frameDoneLocked settles f: err is a transient failure of every unit in
// it. A unit whose frames are all settled is completed.
func (bt *batcher) frameDoneLocked(f *frame, err error) {
	for _, u := range f.units {
		if err != nil && u.err == nil {
			u.err = err
		}
		u.pending--
		if u.pending == 0 {
			bt.completeLocked(u)
		}
	}
}

// completeLocked finishes, requeues or dead-letters u's input.
func (bt *batcher) completeLocked(u *unit) {
	s := bt.s
	st := s.stats
	m := u.msg
	switch {
	case u.rejected != nil && !u.dead:
		s.cfg.Logger.Warn("dead-lettering an input whose output nsqd rejected", "stage", s.cfg.Name, "err", u.rejected)
		if du := s.deadUnit(m, u.topic, u.rejected); du != nil {
			bt.outstanding.Add(1)
			bt.enqueue(du)
		}
	case u.rejected != nil || u.err != nil:
		if u.rejected != nil {
			s.cfg.Logger.Error("nsqd rejected a dead-letter record: is the stage's max_msg_size above nsqd's --max-msg-size?", "stage", s.cfg.Name, "err", u.rejected)
		} else {
			s.cfg.Logger.Warn("publish failed on every destination; requeueing input", "stage", s.cfg.Name, "err", u.err)
		}
		st.publishErrs.Inc()
		st.failed.Inc()
		st.inFlight.Add(-1)
		m.Requeue(s.cfg.backoff(m.Attempts))
	case u.dead:
		st.deadLettered.Inc()
		st.inFlight.Add(-1)
		m.Finish()
	default:
		st.processed.Inc()
		st.inFlight.Add(-1)
		m.Finish()
	}
	if bt.outstanding.Add(-1) == 0 {
		select { // let a closing loop see that it is done
		case bt.wake <- struct{}{}:
		default:
		}
	}
}

// close flushes the pending batch and waits, up to timeout, until every
// unit is settled (published and finished, requeued or dead-lettered).
// Inputs still unsettled after that are redelivered by nsqd once the
// connection closes.
func (bt *batcher) close(timeout time.Duration) error {
	bt.closeMu.Lock()
	bt.closed = true
	close(bt.in)
	bt.closeMu.Unlock()
	var err error
	select {
	case <-bt.loopDone:
	case <-time.After(timeout):
		err = fmt.Errorf("gave up waiting %v for publish acknowledgements of %d inputs", timeout, bt.outstanding.Load())
	}
	bt.dests.close()
	close(bt.ansStop)
	return err
}
