package chaos

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// observer is the test's side of the observe helper on host 3: it feeds
// the drained messages to the ledgers and keeps the latest depths of each
// nsqd.
type observer struct {
	svc   *service
	stdin *os.File
	route []func([]byte) // by the frame's topic index
	ready chan struct{}
	done  chan struct{} // closed when the helper's output has ended

	mu      sync.Mutex
	stats   [2]statsSample
	drained [2]int64 // messages drained per nsqd
	readErr error
}

// statsSample is an nsqd's depths and when they were read.
type statsSample struct {
	at time.Time
	f  statsFrame
}

// startObserver creates the drained topics' observer channels and the
// stages' channels on both nsqds, starts draining, and waits until that
// is done, so that nothing is published before the channels exist.
func (c *cluster) startObserver(ins []*inputs) *observer {
	c.t.Helper()
	ledgers := map[string]*ledger{}
	for _, in := range ins {
		ledgers[in.topic] = in.ledger
	}
	a := observeArgs{
		NSQDs:      []nsqdAddrs{{nsqdTCP(nsqdA), nsqdHTTP(nsqdA)}, {nsqdTCP(nsqdB), nsqdHTTP(nsqdB)}},
		Channel:    observerChannel,
		Create:     []topicChannel{{"numbers", "primality"}, {"lp_params", "lpsolve"}},
		StatsEvery: statsEvery,
	}
	o := &observer{ready: make(chan struct{}), done: make(chan struct{})}
	for _, d := range drained {
		a.Drain = append(a.Drain, d.topic)
		l, kind, topic := ledgers[d.input], d.kind, d.topic
		o.route = append(o.route, func(body []byte) {
			if l != nil {
				l.record(kind, body)
			} else {
				o.fail(fmt.Errorf("a message on %s, which no input of this scenario feeds", topic))
			}
		})
	}
	o.svc = c.helper("observer", modeObserve, a)
	inR, inW, err := os.Pipe()
	if err != nil {
		c.t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		c.t.Fatal(err)
	}
	err = o.svc.startWith(inR, outW)
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		c.t.Fatal(err)
	}
	o.stdin = inW
	go o.read(outR)
	select {
	case <-o.ready:
	case <-o.done:
		c.t.Fatalf("observer ended before it was ready: %v%s", o.err(), o.svc.logTail())
	case <-time.After(startLimit):
		c.t.Fatalf("observer not ready after %v%s", startLimit, o.svc.logTail())
	}
	return o
}

func (o *observer) fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.readErr == nil {
		o.readErr = err
	}
}

// err returns the first problem met reading the helper's output.
func (o *observer) err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.readErr
}

// read parses the helper's frames until its output ends.
func (o *observer) read(r *os.File) {
	defer close(o.done)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	var body []byte
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if err != io.EOF || line != "" {
				o.fail(fmt.Errorf("observer output: %w", err))
			}
			return
		}
		f := strings.Fields(line)
		if len(f) != 4 || len(f[0]) != 1 {
			o.fail(fmt.Errorf("observer output: bad frame header %q", line))
			return
		}
		a, err1 := strconv.Atoi(f[1])
		b, err2 := strconv.Atoi(f[2])
		n, err3 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || err3 != nil || a < 0 || a > 1 || n < 0 {
			o.fail(fmt.Errorf("observer output: bad frame header %q", line))
			return
		}
		if cap(body) < n {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(br, body); err != nil {
			o.fail(fmt.Errorf("observer output: %w", err))
			return
		}
		switch f[0][0] {
		case frameReady:
			close(o.ready)
		case frameMessage:
			if b < 0 || b >= len(o.route) {
				o.fail(fmt.Errorf("observer output: topic index %d", b))
				return
			}
			o.route[b](body)
			o.mu.Lock()
			o.drained[a]++
			o.mu.Unlock()
		case frameStats:
			var s statsFrame
			if err := json.Unmarshal(body, &s); err != nil {
				o.fail(fmt.Errorf("observer stats: %w", err))
				return
			}
			o.mu.Lock()
			o.stats[a] = statsSample{at: time.Now(), f: s}
			o.mu.Unlock()
		}
	}
}

// stop closes the helper's input, which makes it stop draining, and
// waits for it.
func (o *observer) stop() error {
	if o.stdin != nil {
		o.stdin.Close()
		o.stdin = nil
	}
	err := o.svc.wait(stopGrace)
	if err != nil {
		_ = o.svc.kill()
	}
	select {
	case <-o.done:
	case <-time.After(stopGrace):
	}
	if rerr := o.err(); rerr != nil {
		return rerr
	}
	return err
}

// freshness is how old a stats sample may be to count.
const freshness = 3 * statsEvery

// sample returns the latest depths of nsqd i if they are fresh and
// complete.
func (o *observer) sample(i int) (statsFrame, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.stats[i]
	return s.f, s.f.OK && time.Since(s.at) < freshness
}

// holding returns what nsqd i holds of the topics (all when none is
// named): the topic's own depth plus each channel's depth, in-flight and
// deferred counts, or -1 when there is no fresh sample.
func (o *observer) holding(i int, topics ...string) int64 {
	f, ok := o.sample(i)
	if !ok {
		return -1
	}
	var n int64
	for name, t := range f.Topics {
		if len(topics) > 0 && !slices.Contains(topics, name) {
			continue
		}
		n += t.Depth
		for _, c := range t.Channels {
			n += c.Depth + c.InFlight + c.Deferred
		}
	}
	return n
}

// queued returns the messages of topic waiting on nsqd i, not counting
// those in flight or deferred, or -1 when there is no fresh sample.
func (o *observer) queued(i int, topic string) int64 {
	f, ok := o.sample(i)
	if !ok {
		return -1
	}
	t := f.Topics[topic]
	n := t.Depth
	for _, c := range t.Channels {
		n += c.Depth
	}
	return n
}

// describe summarises both nsqds' depths for a failure message.
func (o *observer) describe() string {
	var b strings.Builder
	for i := range 2 {
		f, ok := o.sample(i)
		fmt.Fprintf(&b, "\n  nsqd %c:", 'A'+i)
		if !ok {
			fmt.Fprintf(&b, " no fresh stats (%s)", f.Error)
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(f.Topics)) {
			t := f.Topics[name]
			fmt.Fprintf(&b, " %s=%d", name, t.Depth)
			for _, cn := range slices.Sorted(maps.Keys(t.Channels)) {
				ch := t.Channels[cn]
				fmt.Fprintf(&b, " [%s depth %d in-flight %d deferred %d]", cn, ch.Depth, ch.InFlight, ch.Deferred)
			}
		}
	}
	return b.String()
}
