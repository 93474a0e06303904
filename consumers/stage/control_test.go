package stage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// controlled is echo, taking control messages: it records them, rejects
// "bad" and panics on "panic".
type controlled struct {
	mu   sync.Mutex
	seen []string
}

func (c *controlled) Handle(ctx context.Context, in *stage.Input, out *stage.Outputs) error {
	return echo(ctx, in, out)
}

func (c *controlled) Control(body []byte) error {
	switch string(body) {
	case "bad":
		return errors.New("unreadable")
	case "panic":
		panic("control panic")
	}
	c.mu.Lock()
	c.seen = append(c.seen, string(body))
	c.mu.Unlock()
	return nil
}

func (c *controlled) heard() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seen)
}

// counter reads the value of one series from a registry's text.
func counter(t *testing.T, reg *metrics.Registry, series string) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := reg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(b.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			return v
		}
	}
	t.Fatalf("no series %s in:\n%s", series, b.String())
	return ""
}

// channels lists the channels of topic on n.
func channels(n *nsqd.NSQD, topic string) []string {
	var names []string
	for _, tp := range n.GetStats(topic, "", false).Topics {
		for _, ch := range tp.Channels {
			names = append(names, ch.ChannelName)
		}
	}
	return names
}

func TestStageControlTopic(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	nsqtest.HTTP(t, http, "/topic/create?topic=ctl", nil)
	out := nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check")

	// Two consumers of one stage: they share the input channel, and each
	// hears every control message on its own ephemeral channel.
	var hs [2]*controlled
	var regs [2]*metrics.Registry
	var stops [2]func() error
	for i := range hs {
		hs[i], regs[i] = &controlled{}, metrics.NewRegistry()
		stops[i] = runStage(t, n, hs[i], func(c *stage.Config) { c.Control, c.Metrics = "ctl", regs[i] })
	}
	nsqtest.Eventually(t, 10*time.Second, "two control channels", func() bool { return len(channels(n, "ctl")) == 2 })
	for _, ch := range channels(n, "ctl") {
		if !regexp.MustCompile(`^test-[0-9a-f]{8}#ephemeral$`).MatchString(ch) {
			t.Errorf("control channel %q, want test-<8 hex digits>#ephemeral", ch)
		}
	}

	nsqtest.MPub(t, http, "ctl", [][]byte{[]byte("one"), []byte("bad"), []byte("panic"), []byte("two")})
	nsqtest.Pub(t, http, "in", []byte("work"))
	for i, h := range hs {
		nsqtest.Eventually(t, 10*time.Second, fmt.Sprintf("consumer %d to hear the control messages", i), func() bool {
			return len(h.heard()) == 2
		})
		if got := h.heard(); !slices.Equal(got, []string{"one", "two"}) {
			t.Errorf("consumer %d heard %q, want one and two in order", i, got)
		}
		if got := counter(t, regs[i], `nsqfarm_control_messages_total{stage="test"}`); got != "4" {
			t.Errorf("consumer %d: %s control messages counted, want 4", i, got)
		}
		if got := counter(t, regs[i], `nsqfarm_control_errors_total{stage="test"}`); got != "2" {
			t.Errorf("consumer %d: %s bad control messages counted, want 2 (the rejected one and the panic)", i, got)
		}
	}
	if got := out.WaitFor(t, 1, 10*time.Second); string(got[0]) != "WORK" {
		t.Errorf("output %q, want WORK: the input is processed beside the control topic", got[0])
	}
	for _, ch := range channels(n, "ctl") {
		if d, err := nsqtest.Depth(n, "ctl", ch); err != nil || d != 0 {
			t.Errorf("control channel %s holds %d messages (%v), want every one finished", ch, d, err)
		}
	}
	if tp, _ := n.GetExistingTopic("in_dead"); tp != nil && tp.Depth() > 0 {
		t.Errorf("%d dead letters: a bad control message must not be dead-lettered", tp.Depth())
	}

	for _, stop := range stops {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
	nsqtest.Eventually(t, 10*time.Second, "the control channels to go with their consumers", func() bool {
		return len(channels(n, "ctl")) == 0
	})
}

func TestStageControlThroughLookupd(t *testing.T) {
	l := nsqtest.Lookupd(t)
	var nodes []*nsqd.NSQD
	for i := range 2 {
		n := nsqtest.NSQD(t, func(o *nsqd.Options) {
			o.ID = int64(i + 1)
			o.NSQLookupdTCPAddresses = []string{l.RealTCPAddr().String()}
		})
		nsqtest.CreateChannel(t, n.RealHTTPAddr().String(), "in", "work")
		nsqtest.HTTP(t, n.RealHTTPAddr().String(), "/topic/create?topic=ctl", nil)
		nodes = append(nodes, n)
	}
	nsqtest.WaitProducers(t, l, "ctl", 2, 10*time.Second)
	h := &controlled{}
	stop := runStage(t, nodes[0], h, func(c *stage.Config) {
		c.Control = "ctl"
		c.LookupdHTTPAddresses = []string{l.RealHTTPAddr().String()}
		c.NSQDTCPAddresses = nil
	})
	// The control topic is read from every nsqd that nsqlookupd lists.
	for i, n := range nodes {
		nsqtest.Eventually(t, 10*time.Second, fmt.Sprintf("a control channel on nsqd %d", i), func() bool { return len(channels(n, "ctl")) == 1 })
		nsqtest.Pub(t, n.RealHTTPAddr().String(), "ctl", []byte(fmt.Sprintf("from-%d", i)))
	}
	nsqtest.Eventually(t, 10*time.Second, "the control messages of both nsqds", func() bool { return len(h.heard()) == 2 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestStageHealthNamesUnheardControl(t *testing.T) {
	l := nsqtest.Lookupd(t)
	n := nsqtest.NSQD(t, func(o *nsqd.Options) { o.NSQLookupdTCPAddresses = []string{l.RealTCPAddr().String()} })
	nsqtest.CreateChannel(t, n.RealHTTPAddr().String(), "in", "work")
	nsqtest.WaitProducers(t, l, "in", 1, 10*time.Second)
	// No nsqd has the control topic: the stage works, and says what it
	// does not hear.
	s := newStage(t, n, &controlled{}, func(c *stage.Config) {
		c.Control = "ctl"
		c.LookupdHTTPAddresses = []string{l.RealHTTPAddr().String()}
		c.NSQDTCPAddresses = nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var detail []string
	nsqtest.Eventually(t, 10*time.Second, "the stage to read its input", func() bool {
		var err error
		detail, err = s.Health()
		return err == nil
	})
	want := "stage test: control topic ctl: read from no nsqd (control messages are not heard)"
	if !slices.Contains(detail, want) {
		t.Errorf("health detail %q, want %q", detail, want)
	}
}

func TestStageControlNeedsController(t *testing.T) {
	cfg := stage.Config{Name: "test", Topic: "in", Channel: "work", Outputs: map[string]string{"out": "out"},
		DeadLetter: "in_dead", NSQDTCPAddresses: []string{"127.0.0.1:4150"}}
	for _, tc := range []struct {
		name    string
		control string
		h       stage.Handler
		want    string
	}{
		{"handler without Control", "ctl", echo, "control topic ctl: the handler takes no control messages"},
		{"control is the input", "in", &controlled{}, `invalid control topic "in"`},
		{"invalid control topic", "c/t", &controlled{}, `invalid control topic "c/t"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			c.Control = tc.control
			if _, err := stage.New(c, tc.h); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSpecTakesControl(t *testing.T) {
	none := func() struct{} { return struct{}{} }
	ports := []stage.Port{{Name: "out"}}
	plain := stage.NewSpec("plain", "", ports, none, func(struct{}) (stage.Func, error) { return echo, nil })
	ctl := stage.NewSpec("ctl", "", ports, none, func(struct{}) (*controlled, error) { return &controlled{}, nil })
	if plain.TakesControl() || !ctl.TakesControl() {
		t.Errorf("TakesControl: %v for a Func, %v for a Controller; want false, true", plain.TakesControl(), ctl.TakesControl())
	}
}

func TestControlChannel(t *testing.T) {
	for _, tc := range []struct{ stage, prefix string }{
		{"lpsolve", "lpsolve-"},
		{"a stage/name", "a_stage_name-"},
		{strings.Repeat("s", 80), strings.Repeat("s", 45) + "-"},
	} {
		got := stage.ControlChannel(tc.stage)
		if !strings.HasPrefix(got, tc.prefix) || !strings.HasSuffix(got, "#ephemeral") || len(got) > 64 ||
			len(got) != len(tc.prefix)+8+len("#ephemeral") {
			t.Errorf("ControlChannel(%q) = %q, want %s<8 hex digits>#ephemeral within 64 characters", tc.stage, got, tc.prefix)
		}
	}
	if a, b := stage.ControlChannel("x"), stage.ControlChannel("x"); a == b {
		t.Errorf("two control channels of one stage are both %q", a)
	}
}
