package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// lateExitHandler delays nsqd's "exiting ioloop" line, which nsqd logs
// just before it tells the connection's message pump to stop: a busy
// machine that does not schedule that goroutine at once looks the same
// to nsqd's Exit.
type lateExitHandler struct{}

func (lateExitHandler) Enabled(context.Context, slog.Level) bool { return true }

func (lateExitHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "exiting ioloop") {
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func (h lateExitHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h lateExitHandler) WithGroup(string) slog.Handler      { return h }

// publishUntilPaused publishes to each topic of c, 25 messages every
// 5 ms, until one of c's channels is paused (the stop has begun) or a
// publish fails. It returns, once it ends, the bodies nsqd acknowledged,
// by topic.
func publishUntilPaused(t *testing.T, c *Cluster, topics []string) <-chan map[string][]string {
	t.Helper()
	p, err := nsq.NewProducer(c.NSQDTCPAddress(), nsq.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	p.SetLogger(nil, nsq.LogLevelError)
	paused := func() bool {
		for _, tp := range c.NSQD.GetStats("", "", false).Topics {
			for _, ch := range tp.Channels {
				if ch.Paused {
					return true
				}
			}
		}
		return false
	}
	done := make(chan map[string][]string, 1)
	go func() {
		defer p.Stop()
		acked := map[string][]string{}
		for n := 0; n < 2000 && !paused(); n++ { // 10 s at most
			for _, topic := range topics {
				var bodies [][]byte
				for j := range 25 {
					bodies = append(bodies, fmt.Appendf(nil, "%s-live-%d", topic, n*25+j))
				}
				if err := p.MultiPublish(topic, bodies); err != nil {
					done <- acked
					return
				}
				for _, b := range bodies {
					acked[topic] = append(acked[topic], string(b))
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		done <- acked
	}()
	return done
}

// TestExitKeepsWhatSubscribersWereTaking stops the embedded nsqd while a
// publisher keeps its channels busy and subscribers drain them, with
// their message pumps slow to stop: every message nsqd acknowledged must
// be delivered, before the stop or after the restart, and the channels
// must serve again after the restart. (Without the pause, the stop waits
// exitDrain for the subscribers in vain, and their pumps are still
// taking messages when Exit flushes the channels.)
func TestExitKeepsWhatSubscribersWereTaking(t *testing.T) {
	const subscribers, per = 3, 2000
	topics := []string{"t0", "t1", "t2", "t3"}
	opts := testOptions(t)
	// nsqd's data on the memory file system, where it is: the metadata
	// sync of Exit does not give the pumps time to stop.
	if dir, err := os.MkdirTemp("/dev/shm", "nsqfarm-cluster-"); err == nil {
		t.Cleanup(func() { os.RemoveAll(dir) })
		opts.DataDir = dir
	}
	opts.AdminHTTPAddress = ""
	opts.Verbose = true // nsqd logs "exiting ioloop" at info
	opts.Logger = slog.New(lateExitHandler{})

	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, topic := range topics {
		c.EnsureChannel(topic, "sub")
		var bodies [][]byte
		for j := range per {
			bodies = append(bodies, fmt.Appendf(nil, "%s-%d", topic, j))
			want[topic] = append(want[topic], string(bodies[j]))
		}
		nsqtest.MPub(t, c.NSQDHTTPAddress(), topic, bodies)
	}
	var before []*nsqtest.Collector
	for _, topic := range topics {
		for range subscribers {
			before = append(before, nsqtest.Collect(t, c.NSQDTCPAddress(), topic, "sub"))
		}
	}
	published := publishUntilPaused(t, c, topics)
	nsqtest.Eventually(t, 20*time.Second, "the subscribers under way", func() bool { return before[0].Len() >= per/4/subscribers })
	time.Sleep(500 * time.Millisecond) // the publisher and the subscribers both busy
	c.Exit()
	for topic, bodies := range <-published {
		want[topic] = append(want[topic], bodies...)
	}
	if _, err := os.Stat(filepath.Join(opts.DataDir, "nsqd", pausedForExitFile)); err != nil {
		t.Fatalf("the stop recorded no paused channels: %v", err)
	}

	c2 := startTest(t, opts)
	if _, err := os.Stat(filepath.Join(opts.DataDir, "nsqd", pausedForExitFile)); !os.IsNotExist(err) {
		t.Errorf("the record of paused channels is still there after the restart: %v", err)
	}
	for i, topic := range topics {
		after := nsqtest.Collect(t, c2.NSQDTCPAddress(), topic, "sub")
		seen := map[string]bool{}
		missing := func() []string {
			for _, col := range slices.Concat(before[i*subscribers:(i+1)*subscribers], []*nsqtest.Collector{after}) {
				for _, b := range col.Bodies() {
					seen[string(b)] = true
				}
			}
			var m []string
			for _, b := range want[topic] {
				if !seen[b] {
					m = append(m, b)
				}
			}
			return m
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(missing()) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if m := missing(); len(m) > 0 {
			t.Errorf("%s: %d of %d acknowledged messages never delivered, e.g. %q", topic, len(m), len(want[topic]), m[0])
		}
		if st := c2.NSQD.GetStats(topic, "sub", false); len(st.Topics) != 1 || len(st.Topics[0].Channels) != 1 || st.Topics[0].Channels[0].Paused {
			t.Errorf("%s/sub is not serving after the restart: %+v", topic, st.Topics)
		}
	}
}
