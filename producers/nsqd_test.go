package producers

import (
	"io"
	"log"
	"sync"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// startNSQD runs a real nsqd in-process on loopback ports and returns its
// TCP address. It is stopped when the test ends.
func startNSQD(tb testing.TB) string {
	tb.Helper()
	return nsqtest.NSQD(tb).RealTCPAddr().String()
}

// collector consumes a topic from nsqd and records every body.
type collector struct {
	mu     sync.Mutex
	bodies []string
	c      *nsq.Consumer
}

func consume(tb testing.TB, addr, topic string) *collector {
	tb.Helper()
	cfg := nsq.NewConfig()
	cfg.MaxInFlight = 1000
	c, err := nsq.NewConsumer(topic, "test", cfg)
	if err != nil {
		tb.Fatal(err)
	}
	c.SetLogger(log.New(io.Discard, "", 0), nsq.LogLevelError)
	col := &collector{c: c}
	c.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		col.mu.Lock()
		col.bodies = append(col.bodies, string(m.Body))
		col.mu.Unlock()
		return nil
	}))
	if err := c.ConnectToNSQD(addr); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Stop)
	return col
}

// wait returns the bodies once n have arrived (or fails after a timeout),
// then checks for a short while that no extra message arrives.
func (col *collector) wait(tb testing.TB, n int) []string {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		col.mu.Lock()
		got := len(col.bodies)
		col.mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("received %d messages, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	col.mu.Lock()
	defer col.mu.Unlock()
	return append([]string(nil), col.bodies...)
}

// quietOptions returns default Options with a discarding logger.
func quietOptions(addrs ...string) Options {
	o := NewOptions(addrs...)
	o.Logger = discardLogger()
	return o
}

// startStoppableNSQD is startNSQD with a function that stops nsqd early
// (nsqd's Exit is idempotent, so the test's cleanup may call it again).
func startStoppableNSQD(tb testing.TB) (string, func()) {
	tb.Helper()
	n := nsqtest.NSQD(tb)
	return n.RealTCPAddr().String(), n.Exit
}
