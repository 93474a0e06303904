package stage_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// collectAll returns the distinct bodies seen by the collectors.
func collectAll(cs ...*nsqtest.Collector) map[string]int {
	seen := map[string]int{}
	for _, c := range cs {
		for _, b := range c.Bodies() {
			seen[string(b)]++
		}
	}
	return seen
}

func TestFailoverWhenADestinationStops(t *testing.T) {
	src := nsqtest.NSQD(t)
	srcHTTP := src.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, srcHTTP, "in", "work")

	dataA := t.TempDir()
	a := nsqtest.NSQD(t, func(o *nsqd.Options) { o.DataPath = dataA })
	aTCP := a.RealTCPAddr().String()
	nsqtest.CreateChannel(t, a.RealHTTPAddr().String(), "out", "check")
	b := nsqtest.NSQD(t)
	nsqtest.CreateChannel(t, b.RealHTTPAddr().String(), "out", "check")
	outB := nsqtest.Collect(t, b.RealTCPAddr().String(), "out", "check")

	runStage(t, src, echo, func(c *stage.Config) {
		c.DestinationNSQDTCPAddresses = []string{aTCP, b.RealTCPAddr().String()}
		c.Settings.BatchSize = 16
	})

	const total = 3000
	body := func(i int) []byte { return []byte("msg-" + strconv.Itoa(i)) }
	var first [][]byte
	for i := range total / 3 {
		first = append(first, body(i))
	}
	nsqtest.MPub(t, srcHTTP, "in", first)
	nsqtest.WaitDrained(t, src, "in", "work", 20*time.Second)

	// A stops for good: the rest must go to B without a requeue.
	a.Exit()
	var rest [][]byte
	for i := total / 3; i < total; i++ {
		rest = append(rest, body(i))
	}
	nsqtest.MPub(t, srcHTTP, "in", rest)
	nsqtest.WaitDrained(t, src, "in", "work", 20*time.Second)

	// Everything is on A's disk or on B.
	a2 := nsqtest.NSQD(t, func(o *nsqd.Options) { o.DataPath = dataA })
	outA := nsqtest.Collect(t, a2.RealTCPAddr().String(), "out", "check")
	nsqtest.Eventually(t, 30*time.Second, "every output on A or B", func() bool { return len(collectAll(outA, outB)) >= total })
	seen := collectAll(outA, outB)
	for i := range total {
		if seen[strings.ToUpper(string(body(i)))] == 0 {
			t.Fatalf("lost output of %s", body(i))
		}
	}
	if outB.Len() < total*2/3 {
		t.Errorf("B got %d outputs, want at least the %d published after A stopped", outB.Len(), total*2/3)
	}
}

func TestHealthReportsDestinations(t *testing.T) {
	src := nsqtest.NSQD(t)
	nsqtest.CreateChannel(t, src.RealHTTPAddr().String(), "in", "work")
	dead := "127.0.0.1:1" // nothing listens on port 1

	tests := []struct {
		name       string
		dests      []string
		wantErr    string
		wantDetail string
	}{
		{"all up", []string{src.RealTCPAddr().String()}, "", ""},
		{"one down", []string{src.RealTCPAddr().String(), dead}, "", "destination nsqd " + dead + " down"},
		{"all down", []string{dead}, "cannot publish: every destination nsqd is down", "destination nsqd " + dead + " down"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStage(t, src, echo, func(c *stage.Config) { c.DestinationNSQDTCPAddresses = tc.dests })
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- st.Run(ctx) }()
			t.Cleanup(func() { cancel(); <-done })

			var detail []string
			var err error
			nsqtest.Eventually(t, 10*time.Second, "the stage to connect", func() bool {
				detail, err = st.Health()
				return err == nil || !strings.Contains(err.Error(), "not running") && !strings.Contains(err.Error(), "reads from no nsqd")
			})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Health() error = %v, want %q", err, tc.wantErr)
			}
			got := strings.Join(detail, "\n")
			if tc.wantDetail == "" && got != "" || !strings.Contains(got, tc.wantDetail) {
				t.Errorf("Health() detail = %q, want %q", got, tc.wantDetail)
			}
		})
	}
}

// sized emits, for an input "N", a message of N bytes; other inputs are
// echoed.
var sized = stage.Func(func(_ context.Context, in *stage.Input, out *stage.Outputs) error {
	if n, err := strconv.Atoi(string(in.Body)); err == nil {
		out.Emit("out", bytes.Repeat([]byte("x"), n))
		return nil
	}
	out.Emit("out", bytes.ToUpper(in.Body))
	return nil
})

func TestPoisonOutputsAreDeadLetteredAndTheRestFlows(t *testing.T) {
	tests := []struct {
		name string
		// nsqdMax is nsqd's --max-msg-size; stageMax the stage's idea of it.
		nsqdMax, stageMax int64
		wantReason        string
	}{
		// The stage knows the limit: the output is never sent.
		{"over max_msg_size", 1 << 20, 1 << 20, "over max_msg_size"},
		// The stage thinks nsqd takes more than it does: nsqd rejects the
		// batch, which is split to find the offending input.
		{"rejected by nsqd", 4096, 1 << 20, "E_BAD_MESSAGE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := nsqtest.NSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = tc.nsqdMax })
			http := n.RealHTTPAddr().String()
			tcp := n.RealTCPAddr().String()
			nsqtest.CreateChannel(t, http, "in", "work")
			out := nsqtest.Collect(t, tcp, "out", "check")
			dead := nsqtest.Collect(t, tcp, "in_dead", "check")
			runStage(t, n, sized, func(c *stage.Config) {
				c.MaxMsgSize = int(tc.stageMax)
				c.Settings.BatchSize = 64
				c.Settings.BatchDelay = topology.Duration(50 * time.Millisecond) // poison and valid inputs share batches
			})

			const valid = 500
			poison := strconv.Itoa(int(tc.nsqdMax) + 1)
			var bodies [][]byte
			for i := range valid {
				bodies = append(bodies, []byte("ok-"+strconv.Itoa(i)))
				if i%100 == 50 {
					bodies = append(bodies, []byte(poison))
				}
			}
			start := time.Now()
			nsqtest.MPub(t, http, "in", bodies)
			out.WaitFor(t, valid, 20*time.Second)
			recs := dead.WaitFor(t, 5, 20*time.Second)
			nsqtest.WaitDrained(t, n, "in", "work", 20*time.Second)
			t.Logf("%d valid and 5 poison inputs settled in %v", valid, time.Since(start))
			for _, r := range recs {
				var d stage.DeadLetter
				if err := json.Unmarshal(r, &d); err != nil {
					t.Fatalf("dead letter %q: %v", r, err)
				}
				if !strings.Contains(d.Error, tc.wantReason) || !strings.Contains(d.Error, poison) && !strings.Contains(d.Error, "bytes") {
					t.Errorf("reason %q does not name the cause (%q) and the size", d.Error, tc.wantReason)
				}
				if string(d.Body) != poison {
					t.Errorf("dead letter body %q, want the input %q", d.Body, poison)
				}
			}
		})
	}
}

func TestLookupdStagePublishesToEachInputsNSQD(t *testing.T) {
	l := nsqtest.Lookupd(t)
	var nodes []*nsqd.NSQD
	var outs []*nsqtest.Collector
	for i := range 2 {
		n := nsqtest.NSQD(t, func(o *nsqd.Options) {
			o.ID = int64(i + 1)
			o.NSQLookupdTCPAddresses = []string{l.RealTCPAddr().String()}
		})
		nsqtest.CreateChannel(t, n.RealHTTPAddr().String(), "in", "work")
		nsqtest.CreateChannel(t, n.RealHTTPAddr().String(), "out", "check")
		outs = append(outs, nsqtest.Collect(t, n.RealTCPAddr().String(), "out", "check"))
		nodes = append(nodes, n)
	}
	nsqtest.WaitProducers(t, l, "in", 2, 10*time.Second)
	runStage(t, nodes[0], echo, func(c *stage.Config) {
		c.LookupdHTTPAddresses = []string{l.RealHTTPAddr().String()}
		c.NSQDTCPAddresses = nil
	})

	const each = 200
	for i, n := range nodes {
		var bodies [][]byte
		for j := range each {
			bodies = append(bodies, []byte(fmt.Sprintf("n%d-%d", i, j)))
		}
		nsqtest.MPub(t, n.RealHTTPAddr().String(), "in", bodies)
	}
	for i, out := range outs {
		got := out.WaitFor(t, each, 20*time.Second)
		for _, b := range got {
			if want := fmt.Sprintf("N%d-", i); !strings.HasPrefix(string(b), want) {
				t.Fatalf("nsqd %d got output %q of another nsqd's input", i, b)
			}
		}
	}
}
