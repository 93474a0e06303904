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

// TestExitKeepsWhatSubscribersWereTaking stops the embedded nsqd while
// subscribers drain its channels, with their message pumps slow to stop:
// every message must be delivered, before the stop or after the restart,
// and the channels must serve again after the restart.
func TestExitKeepsWhatSubscribersWereTaking(t *testing.T) {
	const topics, subscribers, per = 4, 3, 10000
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
	cfg := nsq.NewConfig()
	cfg.MaxInFlight = 2000
	collect := func(c *Cluster, topic string) *nsqtest.Collector {
		return nsqtest.CollectConfig(t, cfg, c.NSQDTCPAddress(), topic, "sub")
	}

	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	var before []*nsqtest.Collector
	for i := range topics {
		topic := fmt.Sprintf("t%d", i)
		c.EnsureChannel(topic, "sub")
		var bodies [][]byte
		for j := range per {
			bodies = append(bodies, fmt.Appendf(nil, "%s-%d", topic, j))
		}
		nsqtest.MPub(t, c.NSQDHTTPAddress(), topic, bodies)
	}
	for i := range topics {
		for range subscribers {
			before = append(before, collect(c, fmt.Sprintf("t%d", i)))
		}
	}
	nsqtest.Eventually(t, 20*time.Second, "a quarter drained", func() bool { return before[0].Len() >= per/4/subscribers })
	c.Exit()
	if _, err := os.Stat(filepath.Join(opts.DataDir, "nsqd", pausedForExitFile)); err != nil {
		t.Fatalf("the stop recorded no paused channels: %v", err)
	}

	c2 := startTest(t, opts)
	if _, err := os.Stat(filepath.Join(opts.DataDir, "nsqd", pausedForExitFile)); !os.IsNotExist(err) {
		t.Errorf("the record of paused channels is still there after the restart: %v", err)
	}
	for i := range topics {
		topic := fmt.Sprintf("t%d", i)
		after := collect(c2, topic)
		seen := map[string]bool{}
		nsqtest.Eventually(t, 20*time.Second, topic+" delivered", func() bool {
			for _, col := range slices.Concat(before[i*subscribers:(i+1)*subscribers], []*nsqtest.Collector{after}) {
				for _, b := range col.Bodies() {
					seen[string(b)] = true
				}
			}
			return len(seen) >= per
		})
		if st := c2.NSQD.GetStats(topic, "sub", false); len(st.Topics) != 1 || len(st.Topics[0].Channels) != 1 || st.Topics[0].Channels[0].Paused {
			t.Errorf("%s/sub is not serving after the restart: %+v", topic, st.Topics)
		}
	}
}
