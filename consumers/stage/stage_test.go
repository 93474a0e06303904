package stage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// echo emits every input on port "out", upper-cased.
var echo = stage.Func(func(_ context.Context, in *stage.Input, out *stage.Outputs) error {
	out.Emit("out", bytes.ToUpper(in.Body))
	return nil
})

// newStage returns a stage (not yet running) on n's "in" topic, its
// settings resolved after tweak as topology resolves a stage's.
func newStage(t *testing.T, n *nsqd.NSQD, h stage.Handler, tweak func(*stage.Config)) *stage.Stage {
	t.Helper()
	cfg := stage.Config{
		Name:             "test",
		Topic:            "in",
		Channel:          "work",
		Outputs:          map[string]string{"out": "out"},
		DeadLetter:       "in_dead",
		NSQDTCPAddresses: []string{n.RealTCPAddr().String()},
		Settings: topology.StageSettings{
			Concurrency:  4,
			BatchDelay:   topology.Duration(2 * time.Millisecond),
			RequeueDelay: topology.Duration(10 * time.Millisecond),
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	cfg.Settings = cfg.Settings.WithDefaults()
	s, err := stage.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runStage starts a stage on n's "in" topic and returns a function that
// stops it (like SIGTERM) and returns Run's error.
func runStage(t *testing.T, n *nsqd.NSQD, h stage.Handler, tweak func(*stage.Config)) (stop func() error) {
	t.Helper()
	s := newStage(t, n, h, tweak)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(40 * time.Second):
				runErr = errors.New("stage did not stop")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func TestStageRepublishesEveryInput(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	out := nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check")
	runStage(t, n, echo, nil)

	const total = 2000
	var bodies [][]byte
	for i := range total {
		bodies = append(bodies, []byte("msg-"+strconv.Itoa(i)))
	}
	nsqtest.MPub(t, http, "in", bodies)
	got := out.WaitFor(t, total, 30*time.Second)
	seen := map[string]bool{}
	for _, b := range got {
		seen[string(b)] = true
	}
	for i := range total {
		if want := "MSG-" + strconv.Itoa(i); !seen[want] {
			t.Fatalf("missing output %s", want)
		}
	}
	nsqtest.WaitDrained(t, n, "in", "work", 20*time.Second)
}

func TestStageDeadLetters(t *testing.T) {
	tests := []struct {
		name      string
		h         stage.Func
		attempts  int
		wantError string
	}{
		{
			name: "permanent error",
			h: func(context.Context, *stage.Input, *stage.Outputs) error {
				return stage.Permanentf("bad input: not a number")
			},
			attempts:  1,
			wantError: "bad input: not a number",
		},
		{
			name: "transient error until max attempts",
			h: func(context.Context, *stage.Input, *stage.Outputs) error {
				return errors.New("backend down")
			},
			attempts:  3,
			wantError: "attempt 3 of 3 failed: backend down",
		},
		{
			name: "handler panic",
			h: func(context.Context, *stage.Input, *stage.Outputs) error {
				panic("boom")
			},
			attempts:  1,
			wantError: "handler panicked: boom",
		},
		{
			name: "unknown port",
			h: func(_ context.Context, in *stage.Input, out *stage.Outputs) error {
				out.Emit("nowhere", in.Body)
				return nil
			},
			attempts:  1,
			wantError: `handler emitted on unknown port "nowhere"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := nsqtest.NSQD(t)
			http := n.RealHTTPAddr().String()
			nsqtest.CreateChannel(t, http, "in", "work")
			dead := nsqtest.Collect(t, n.RealTCPAddr().String(), "in_dead", "check")
			runStage(t, n, tc.h, func(c *stage.Config) { c.Settings.MaxAttempts = 3 })

			body := []byte(`{"number": "12a", "tag": "x"}`)
			nsqtest.Pub(t, http, "in", body)
			got := dead.WaitFor(t, 1, 20*time.Second)
			var rec stage.DeadLetter
			if err := json.Unmarshal(got[0], &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Stage != "test" || rec.Topic != "in" || rec.Channel != "work" {
				t.Errorf("record names %s %s/%s", rec.Stage, rec.Topic, rec.Channel)
			}
			if rec.Error != tc.wantError {
				t.Errorf("error %q, want %q", rec.Error, tc.wantError)
			}
			if rec.Attempts != tc.attempts {
				t.Errorf("attempts %d, want %d", rec.Attempts, tc.attempts)
			}
			if got, err := rec.Original(); err != nil || rec.BodyEncoding != stage.BodyJSON || !bytes.Equal(got, body) {
				t.Errorf("body %s (%s, %v), want the original %s as json", got, rec.BodyEncoding, err, body)
			}
			var id nsq.MessageID
			copy(id[:], rec.NSQMessageID)
			want := stage.InputID(n.RealTCPAddr().String(), "in", id)
			if len(rec.NSQMessageID) != len(id) || rec.NSQD != n.RealTCPAddr().String() || rec.InputID != want {
				t.Errorf("input_id %q nsq_message_id %q nsqd %q, want input_id %q", rec.InputID, rec.NSQMessageID, rec.NSQD, want)
			}
			nsqtest.WaitDrained(t, n, "in", "work", 20*time.Second)
		})
	}
}

func TestDeadLetterKeepsNonJSONBodies(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	dead := nsqtest.Collect(t, n.RealTCPAddr().String(), "in_dead", "check")
	reject := stage.Func(func(context.Context, *stage.Input, *stage.Outputs) error {
		return stage.Permanentf("not JSON")
	})
	runStage(t, n, reject, nil)
	nsqtest.Pub(t, http, "in", []byte("hello {world"))
	nsqtest.Pub(t, http, "in", []byte{0xff, 0xfe, 'x'})
	got := dead.WaitFor(t, 2, 20*time.Second)
	var texts, binaries int
	for _, b := range got {
		var rec stage.DeadLetter
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		original, err := rec.Original()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rec.BodyEncoding == stage.BodyText && string(rec.Body) == `"hello {world"` && string(original) == "hello {world":
			texts++
		case rec.BodyEncoding == stage.BodyBase64 && bytes.Equal(original, []byte{0xff, 0xfe, 'x'}):
			binaries++
		default:
			t.Errorf("unexpected record %s", b)
		}
	}
	if texts != 1 || binaries != 1 {
		t.Errorf("got %d text and %d binary records", texts, binaries)
	}
}

func TestTransientErrorRequeuesThenSucceeds(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	out := nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check")
	var calls atomic.Int32
	flaky := stage.Func(func(ctx context.Context, in *stage.Input, o *stage.Outputs) error {
		calls.Add(1)
		if in.Attempt < 3 {
			return errors.New("flaky")
		}
		o.Emit("out", []byte(fmt.Sprintf("ok after %d", in.Attempt)))
		return nil
	})
	runStage(t, n, flaky, nil)
	nsqtest.Pub(t, http, "in", []byte("x"))
	got := out.WaitFor(t, 1, 20*time.Second)
	if string(got[0]) != "ok after 3" || calls.Load() != 3 {
		t.Fatalf("got %q after %d calls", got[0], calls.Load())
	}
}

func TestLongHandlerIsTouched(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	out := nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check")
	var calls atomic.Int32
	slow := stage.Func(func(ctx context.Context, in *stage.Input, o *stage.Outputs) error {
		calls.Add(1)
		select {
		case <-time.After(2500 * time.Millisecond): // 2.5 × msg_timeout
		case <-ctx.Done():
			return ctx.Err()
		}
		o.Emit("out", in.Body)
		return nil
	})
	runStage(t, n, slow, func(c *stage.Config) { c.Settings.MsgTimeout = topology.Duration(time.Second) })
	nsqtest.Pub(t, http, "in", []byte("slow"))
	out.WaitFor(t, 1, 20*time.Second)
	nsqtest.WaitDrained(t, n, "in", "work", 20*time.Second)
	if c := calls.Load(); c != 1 {
		t.Fatalf("handler ran %d times: the message timed out and was redelivered", c)
	}
}

func TestStopDrainsInFlight(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	out := nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check")
	started := make(chan struct{}, 100)
	slowEcho := stage.Func(func(ctx context.Context, in *stage.Input, o *stage.Outputs) error {
		select {
		case started <- struct{}{}:
		default:
		}
		time.Sleep(200 * time.Millisecond)
		o.Emit("out", in.Body)
		return nil
	})
	stop := runStage(t, n, slowEcho, func(c *stage.Config) { c.Settings.MaxInFlight = 8 })
	const total = 40
	var bodies [][]byte
	for i := range total {
		bodies = append(bodies, []byte(strconv.Itoa(i)))
	}
	nsqtest.MPub(t, http, "in", bodies)
	<-started
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// Every input is either published (and finished) or back in the queue:
	// nothing is in flight, nothing is lost.
	tp, _ := n.GetExistingTopic("in")
	ch, _ := tp.GetExistingChannel("work")
	st := nsqd.NewChannelStats(ch, nil, 0)
	if st.InFlightCount != 0 {
		t.Fatalf("%d messages still in flight after stop", st.InFlightCount)
	}
	time.Sleep(200 * time.Millisecond) // let the collector catch up
	if got := int64(out.Len()) + st.Depth + int64(st.DeferredCount); got < total {
		t.Fatalf("published %d + queued %d + deferred %d < %d inputs", out.Len(), st.Depth, st.DeferredCount, total)
	}
	if out.Len() == 0 {
		t.Fatal("nothing was processed before stop")
	}
}

func TestOutputNSQDDownLosesNothing(t *testing.T) {
	src := nsqtest.NSQD(t)
	http := src.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")

	// The destination nsqd gets a fixed port and data dir so it can come
	// back where it was.
	dataDir := t.TempDir()
	dst := nsqtest.NSQD(t, func(o *nsqd.Options) { o.DataPath = dataDir })
	dstTCP := dst.RealTCPAddr().String()
	nsqtest.CreateChannel(t, dst.RealHTTPAddr().String(), "out", "check")

	runStage(t, src, echo, func(c *stage.Config) {
		c.DestinationNSQDTCPAddresses = []string{dstTCP}
		c.Settings.MaxAttempts = 1000
	})
	nsqtest.Pub(t, http, "in", []byte("first"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if d, _ := nsqtest.Depth(dst, "out", "check"); d == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first output never arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
	dst.Exit()

	for i := range 20 {
		nsqtest.Pub(t, http, "in", []byte("during-outage-"+strconv.Itoa(i)))
	}
	time.Sleep(500 * time.Millisecond)
	if d, _ := nsqtest.Depth(src, "in", "work"); d == 0 {
		t.Fatal("inputs were finished while their outputs could not be published")
	}

	dst2 := nsqtest.NSQD(t, func(o *nsqd.Options) { o.DataPath = dataDir; o.TCPAddress = dstTCP })
	out := nsqtest.Collect(t, dst2.RealTCPAddr().String(), "out", "check")
	got := out.WaitFor(t, 21, 60*time.Second)
	seen := map[string]bool{}
	for _, b := range got {
		seen[string(b)] = true
	}
	for i := range 20 {
		if !seen["DURING-OUTAGE-"+strconv.Itoa(i)] {
			t.Fatalf("lost DURING-OUTAGE-%d", i)
		}
	}
	nsqtest.WaitDrained(t, src, "in", "work", 20*time.Second)
}

func TestNewRejectsBadConfig(t *testing.T) {
	base := stage.Config{
		Name: "s", Topic: "in", Channel: "c", DeadLetter: "in_dead",
		Outputs:          map[string]string{"out": "out"},
		NSQDTCPAddresses: []string{"127.0.0.1:4150"},
	}
	tests := []struct {
		name  string
		tweak func(*stage.Config)
		want  string
	}{
		{"bad topic", func(c *stage.Config) { c.Topic = "a b" }, `invalid topic "a b"`},
		{"topic and topics", func(c *stage.Config) { c.Topics = []string{"a", "b"} }, "both a topic"},
		{"bad topic in topics", func(c *stage.Config) { c.Topic, c.Topics = "", []string{"a", "b c"} }, `invalid topic "b c"`},
		{"no addresses", func(c *stage.Config) { c.NSQDTCPAddresses = nil }, "no --lookupd-http-address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.tweak(&cfg)
			_, err := stage.New(cfg, echo)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestInputBeyondMaxAttemptsIsDeadLetteredUnprocessed(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	dead := nsqtest.Collect(t, n.RealTCPAddr().String(), "in_dead", "check")
	nsqtest.Pub(t, http, "in", []byte(`{"number": 7}`))

	// Earlier consumers took the message three times without finishing it
	// (as crashed consumers would).
	requeuer, err := nsq.NewConsumer("in", "work", nsq.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	var deliveries atomic.Int32
	requeuer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		if deliveries.Add(1) == 3 {
			requeuer.Stop() // no fourth delivery to this consumer
		}
		m.DisableAutoResponse()
		m.RequeueWithoutBackoff(0)
		return nil
	}))
	if err := requeuer.ConnectToNSQD(n.RealTCPAddr().String()); err != nil {
		t.Fatal(err)
	}
	<-requeuer.StopChan

	var calls atomic.Int32
	counting := stage.Func(func(context.Context, *stage.Input, *stage.Outputs) error {
		calls.Add(1)
		return nil
	})
	runStage(t, n, counting, func(c *stage.Config) {
		c.Settings.MaxAttempts = 2
		c.Settings.MsgTimeout = topology.Duration(time.Second)
	})
	got := dead.WaitFor(t, 1, 20*time.Second)
	var rec stage.DeadLetter
	if err := json.Unmarshal(got[0], &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Error, "gave up after 3 deliveries") || rec.Attempts != 4 || calls.Load() != 0 {
		t.Fatalf("record %s after %d handler calls", got[0], calls.Load())
	}
}

func TestStageReadsSeveralTopics(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	topics := []string{"in_a", "in_b"}
	for _, topic := range topics {
		nsqtest.CreateChannel(t, http, topic, "work")
	}
	out := nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check")
	dead := nsqtest.Collect(t, n.RealTCPAddr().String(), "in_dead", "check")
	// Emits "topic:body", and dead-letters the bodies "bad".
	h := stage.Func(func(_ context.Context, in *stage.Input, out *stage.Outputs) error {
		if string(in.Body) == "bad" {
			return stage.Permanentf("bad body")
		}
		out.Emit("out", []byte(in.Topic+":"+string(in.Body)))
		return nil
	})
	runStage(t, n, h, func(c *stage.Config) { c.Topic, c.Topics = "", topics })

	const per = 300
	for _, topic := range topics {
		var bodies [][]byte
		for i := range per {
			bodies = append(bodies, []byte(strconv.Itoa(i)))
		}
		nsqtest.MPub(t, http, topic, append(bodies, []byte("bad")))
	}
	seen := map[string]bool{}
	for _, b := range out.WaitFor(t, 2*per, 30*time.Second) {
		seen[string(b)] = true
	}
	for _, topic := range topics {
		for i := range per {
			if want := topic + ":" + strconv.Itoa(i); !seen[want] {
				t.Fatalf("missing output %s", want)
			}
		}
	}
	recTopics := map[string]bool{}
	for _, b := range dead.WaitFor(t, 2, 30*time.Second) {
		var rec stage.DeadLetter
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		recTopics[rec.Topic] = true
	}
	if !recTopics["in_a"] || !recTopics["in_b"] {
		t.Fatalf("dead letters name the topics %v, want in_a and in_b", recTopics)
	}
	for _, topic := range topics {
		nsqtest.WaitDrained(t, n, topic, "work", 20*time.Second)
	}
}
