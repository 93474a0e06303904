package stage

import (
	"errors"
	"fmt"
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
// when all of them are acknowledged, or requeued if any publish fails.
type unit struct {
	msg  *nsq.Message
	outs []publication
	// dead marks a unit whose only output is the input's dead-letter record.
	dead  bool
	small [2]publication // backing array for the common one or two outputs
}

// batch is a group of units published together: one MPUB per topic.
type batch struct {
	units   []*unit
	byTopic map[string][][]byte
	msgs    int
	bytes   int
	pending atomic.Int32
	errMu   sync.Mutex
	err     error
}

func (b *batch) add(u *unit) {
	b.units = append(b.units, u)
	for _, p := range u.outs {
		b.byTopic[p.topic] = append(b.byTopic[p.topic], p.body)
		b.msgs++
		b.bytes += 4 + len(p.body) // MPUB frames each body with its size
	}
}

func (b *batch) fail(err error) {
	b.errMu.Lock()
	b.err = errors.Join(b.err, err)
	b.errMu.Unlock()
}

// batcher groups units into MPUB batches bounded in messages, bytes and
// delay, publishes them asynchronously, and finishes or requeues the
// inputs when nsqd answers.
type batcher struct {
	s         *Stage
	in        chan *unit
	done      chan *nsq.ProducerTransaction
	producers []*nsq.Producer
	next      int
	inflight  sync.WaitGroup // batches sent and not yet completed
	closeMu   sync.RWMutex   // guards closed against submit
	closed    bool
	loopDone  chan struct{}
	ackDone   chan struct{}
}

func newBatcher(s *Stage, producers []*nsq.Producer) *batcher {
	return &batcher{
		s:         s,
		in:        make(chan *unit, s.cfg.Settings.BatchSize),
		done:      make(chan *nsq.ProducerTransaction, 64),
		producers: producers,
		loopDone:  make(chan struct{}),
		ackDone:   make(chan struct{}),
	}
}

func (bt *batcher) start() {
	go bt.loop()
	go bt.acks()
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
	bt.in <- u
	return true
}

func (bt *batcher) newBatch() *batch {
	return &batch{byTopic: make(map[string][][]byte, len(bt.s.cfg.Outputs)+1)}
}

func (bt *batcher) loop() {
	defer close(bt.loopDone)
	set := bt.s.cfg.Settings
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	cur := bt.newBatch()
	flush := func() {
		timer.Stop()
		if len(cur.units) > 0 {
			bt.publish(cur)
			cur = bt.newBatch()
		}
	}
	for {
		select {
		case u, ok := <-bt.in:
			if !ok {
				flush()
				return
			}
			size := 0
			for _, p := range u.outs {
				size += 4 + len(p.body)
			}
			if len(cur.units) > 0 && cur.bytes+size > set.BatchBytes {
				flush()
			}
			if len(cur.units) == 0 {
				timer.Reset(set.BatchDelay.D())
			}
			cur.add(u)
			if cur.msgs >= set.BatchSize || cur.bytes >= set.BatchBytes {
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// publish sends one MPUB per topic of b on the next producer.
func (bt *batcher) publish(b *batch) {
	bt.inflight.Add(1)
	if len(b.byTopic) == 0 {
		bt.complete(b)
		return
	}
	p := bt.producers[bt.next%len(bt.producers)]
	bt.next++
	bt.s.stats.batches.Inc()
	b.pending.Store(int32(len(b.byTopic)))
	for topic, bodies := range b.byTopic {
		if err := p.MultiPublishAsync(topic, bodies, bt.done, b, topic); err != nil {
			bt.answered(b, topic, fmt.Errorf("mpub %d messages to %s on %s: %w", len(bodies), topic, p.String(), err))
		}
	}
}

// acks receives nsqd's answers to the MPUBs.
func (bt *batcher) acks() {
	defer close(bt.ackDone)
	for t := range bt.done {
		b := t.Args[0].(*batch)
		topic := t.Args[1].(string)
		var err error
		if t.Error != nil {
			err = fmt.Errorf("mpub %d messages to %s: %w", len(b.byTopic[topic]), topic, t.Error)
		}
		bt.answered(b, topic, err)
	}
}

// answered records the outcome of one topic's MPUB of b.
func (bt *batcher) answered(b *batch, topic string, err error) {
	if err != nil {
		b.fail(err)
	} else {
		bt.s.stats.published[topic].Add(uint64(len(b.byTopic[topic])))
	}
	if b.pending.Add(-1) == 0 {
		bt.complete(b)
	}
}

// complete finishes every input of b, or requeues them all if any of b's
// publishes failed.
func (bt *batcher) complete(b *batch) {
	defer bt.inflight.Done()
	st := bt.s.stats
	if b.err != nil {
		st.publishErrs.Inc()
		bt.s.cfg.Logger.Warn("publish failed; requeueing inputs", "stage", bt.s.cfg.Name, "inputs", len(b.units), "err", b.err)
	}
	for _, u := range b.units {
		switch {
		case b.err != nil:
			st.failed.Inc()
			u.msg.Requeue(bt.s.cfg.backoff(u.msg.Attempts))
		case u.dead:
			st.deadLettered.Inc()
			u.msg.Finish()
		default:
			st.processed.Inc()
			u.msg.Finish()
		}
		st.inFlight.Add(-1)
	}
}

// close flushes the pending batch and waits, up to timeout, for nsqd's
// answers to every batch sent. Inputs still unanswered after that are
// redelivered by nsqd once the connection closes.
func (bt *batcher) close(timeout time.Duration) error {
	bt.closeMu.Lock()
	bt.closed = true
	close(bt.in)
	bt.closeMu.Unlock()
	<-bt.loopDone
	waited := make(chan struct{})
	go func() { bt.inflight.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(timeout):
		return fmt.Errorf("gave up waiting %v for publish acknowledgements", timeout)
	}
	for _, p := range bt.producers {
		p.Stop()
	}
	close(bt.done)
	<-bt.ackDone
	return nil
}
