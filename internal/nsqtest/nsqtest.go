// Package nsqtest starts real NSQ daemons inside tests and reads and writes
// their topics. It is for tests only: nothing here is a mock.
package nsqtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"
	"github.com/nsqio/nsq/nsqlookupd"

	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
)

// NSQD starts an nsqd on loopback ports with data in a temporary directory
// and stops it when the test ends. tweak may adjust the options.
func NSQD(t testing.TB, tweak ...func(*nsqd.Options)) *nsqd.NSQD {
	t.Helper()
	opts := nsqd.NewOptions()
	opts.TCPAddress = "127.0.0.1:0"
	opts.HTTPAddress = "127.0.0.1:0"
	opts.HTTPSAddress = ""
	opts.DataPath = t.TempDir()
	opts.LogLevel = 3 // warnings and errors
	opts.Logger = newTestLogger(t)
	for _, f := range tweak {
		f(opts)
	}
	n, err := nsqd.New(opts)
	if err != nil {
		t.Fatalf("start nsqd: %v", err)
	}
	if err := n.LoadMetadata(); err != nil { // topics of an earlier nsqd on the same DataPath
		t.Fatalf("nsqd metadata: %v", err)
	}
	go func() { _ = n.Main() }()
	t.Cleanup(n.Exit)
	return n
}

// testLogger forwards the log lines of a daemon or consumer to the
// test's log until the test's cleanups are done. An in-process nsqd's
// HTTP server may still log a connection's error (a TLS handshake a
// client gave up) after Exit, when t.Log would panic; such lines are
// dropped.
type testLogger struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

// newTestLogger returns a testLogger for t. Create it before registering
// the cleanup that stops what logs to it: cleanups run last-registered
// first, so the lines logged while stopping still reach the test.
func newTestLogger(t testing.TB) *testLogger {
	l := &testLogger{t: t}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.done = true
	})
	return l
}

func (l *testLogger) Output(_ int, s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(s)
	}
	return nil
}

// HTTP posts body to path on an nsqd HTTP address and fails the test
// unless it answers 200.
func HTTP(t testing.TB, httpAddr, path string, body []byte) []byte {
	t.Helper()
	resp, err := http.Post("http://"+httpAddr+path, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s: %s", path, resp.Status, out)
	}
	return out
}

// CreateChannel creates topic and channel through nsqd's HTTP API.
func CreateChannel(t testing.TB, httpAddr, topic, channel string) {
	t.Helper()
	if err := nsqhttp.CreateChannel(context.Background(), httpAddr, topic, channel); err != nil {
		t.Fatal(err)
	}
}

// Pub publishes one body with HTTP /pub.
func Pub(t testing.TB, httpAddr, topic string, body []byte) {
	t.Helper()
	HTTP(t, httpAddr, "/pub?topic="+url.QueryEscape(topic), body)
}

// MPub publishes newline-separated bodies with HTTP /mpub.
func MPub(t testing.TB, httpAddr, topic string, bodies [][]byte) {
	t.Helper()
	HTTP(t, httpAddr, "/mpub?topic="+url.QueryEscape(topic), bytes.Join(bodies, []byte("\n")))
}

// Collector consumes a topic and keeps every message body.
type Collector struct {
	mu       sync.Mutex
	bodies   [][]byte
	attempts []uint16
	consumer *nsq.Consumer
	notify   chan struct{}
}

// Collect starts consuming topic on channel from the nsqd at tcpAddr and
// stops when the test ends.
func Collect(t testing.TB, tcpAddr, topic, channel string) *Collector {
	t.Helper()
	return CollectConfig(t, nsq.NewConfig(), tcpAddr, topic, channel)
}

// CollectConfig is Collect with a go-nsq configuration (TLS, auth...).
func CollectConfig(t testing.TB, cfg *nsq.Config, tcpAddr, topic, channel string) *Collector {
	t.Helper()
	cfg.MaxInFlight = 1000
	c, err := nsq.NewConsumer(topic, channel, cfg)
	if err != nil {
		t.Fatalf("collect %s: %v", topic, err)
	}
	c.SetLogger(newTestLogger(t), nsq.LogLevelWarning)
	col := &Collector{consumer: c, notify: make(chan struct{}, 1)}
	c.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		col.mu.Lock()
		col.bodies = append(col.bodies, append([]byte(nil), m.Body...))
		col.attempts = append(col.attempts, m.Attempts)
		col.mu.Unlock()
		select {
		case col.notify <- struct{}{}:
		default:
		}
		return nil
	}))
	if err := c.ConnectToNSQD(tcpAddr); err != nil {
		t.Fatalf("collect %s: connect: %v", topic, err)
	}
	t.Cleanup(func() { c.Stop(); <-c.StopChan })
	return col
}

// Bodies returns a copy of the bodies received so far.
func (c *Collector) Bodies() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.bodies...)
}

// Len returns the number of messages received so far.
func (c *Collector) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

// WaitFor waits until at least n messages arrived, failing the test after
// timeout.
func (c *Collector) WaitFor(t testing.TB, n int, timeout time.Duration) [][]byte {
	t.Helper()
	deadline := time.After(timeout)
	for c.Len() < n {
		select {
		case <-c.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out after %v with %d of %d messages", timeout, c.Len(), n)
		}
	}
	return c.Bodies()
}

// Depth returns a channel's depth plus its in-flight and deferred counts:
// every message not yet finished.
func Depth(n *nsqd.NSQD, topic, channel string) (int64, error) {
	tp, err := n.GetExistingTopic(topic)
	if err != nil {
		return 0, fmt.Errorf("topic %s: %w", topic, err)
	}
	ch, err := tp.GetExistingChannel(channel)
	if err != nil {
		return 0, fmt.Errorf("channel %s: %w", channel, err)
	}
	st := nsqd.NewChannelStats(ch, nil, 0)
	return st.Depth + int64(st.InFlightCount) + int64(st.DeferredCount), nil
}

// WaitDrained waits until topic/channel on n holds no unfinished message
// (see Depth), failing the test after timeout.
func WaitDrained(t testing.TB, n *nsqd.NSQD, topic, channel string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d, err := Depth(n, topic, channel)
		if err == nil && d == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s not drained after %v: %d messages left (err %v)", topic, channel, timeout, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Lookupd starts an nsqlookupd on loopback ports and stops it when the
// test ends.
func Lookupd(t testing.TB) *nsqlookupd.NSQLookupd {
	t.Helper()
	opts := nsqlookupd.NewOptions()
	opts.TCPAddress = "127.0.0.1:0"
	opts.HTTPAddress = "127.0.0.1:0"
	opts.LogLevel = 3
	opts.Logger = newTestLogger(t)
	l, err := nsqlookupd.New(opts)
	if err != nil {
		t.Fatalf("start nsqlookupd: %v", err)
	}
	go func() { _ = l.Main() }()
	t.Cleanup(l.Exit)
	return l
}

// WaitProducers waits until lookupd lists n nsqds for topic.
func WaitProducers(t testing.TB, l *nsqlookupd.NSQLookupd, topic string, n int, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, fmt.Sprintf("lookupd to list %d nsqds for %s", n, topic), func() bool {
		ps, err := nsqhttp.Lookup(context.Background(), l.RealHTTPAddr().String(), topic)
		return err == nil && len(ps) >= n
	})
}

// FreeAddr returns a loopback address whose port was free a moment ago,
// for a daemon a test starts on it. The port lies below the kernel's
// ephemeral range (ip_local_port_range), which the client side of every
// connection takes its port from: a connection opened between this call
// and the daemon's bind cannot take it, as it could take a port the
// kernel picked for 127.0.0.1:0. Ports are drawn at random from
// freePortLow up to that range and never handed out twice by one
// process; where the range leaves no room, the kernel picks.
func FreeAddr(t testing.TB) string {
	t.Helper()
	if hi := ephemeralLow(); hi-freePortLow >= 1000 {
		freePorts.Lock()
		defer freePorts.Unlock()
		for range 200 {
			p := freePortLow + rand.IntN(hi-freePortLow)
			if freePorts.given[p] {
				continue
			}
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				continue
			}
			ln.Close()
			freePorts.given[p] = true
			return ln.Addr().String()
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// freePortLow is the lowest port FreeAddr hands out.
const freePortLow = 20000

// freePorts holds the ports FreeAddr handed out in this process.
var freePorts = struct {
	sync.Mutex
	given map[int]bool
}{given: make(map[int]bool)}

// ephemeralLow returns the first port of the kernel's ephemeral range,
// 32768 (Linux's default) when it cannot be read; it is read once.
var ephemeralLow = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return lo
})

// Eventually polls cond every 20 ms until it holds, failing the test after
// timeout with what it was waiting for.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
