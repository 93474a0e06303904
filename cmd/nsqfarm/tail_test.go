package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/cluster"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/syncbuf"
)

// tailRun is `nsqfarm tail` running in this process.
type tailRun struct {
	stdout, stderr *syncbuf.Buffer
	code           chan int
	cancel         context.CancelFunc
}

// startTail runs `nsqfarm tail args...` until it exits or the test ends.
// stdout, when not nil, receives the messages instead of r.stdout.
func startTail(t *testing.T, stdout io.Writer, args ...string) *tailRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &tailRun{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, code: make(chan int, 1), cancel: cancel}
	if stdout == nil {
		stdout = r.stdout
	}
	go func() { r.code <- run(ctx, append([]string{"tail"}, args...), strings.NewReader(""), stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case c := <-r.code:
			r.code <- c
		case <-time.After(30 * time.Second):
			t.Errorf("tail did not exit")
		}
		if t.Failed() {
			t.Logf("tail %v stderr:\n%s", args, r.stderr)
		}
	})
	return r
}

// exit waits for tail to exit and returns its status.
func (r *tailRun) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case c := <-r.code:
		r.code <- c
		return c
	case <-time.After(timeout):
		t.Fatalf("tail did not exit within %v; stderr: %s", timeout, r.stderr)
		return 0
	}
}

// stop interrupts tail (as Ctrl-C does) and returns its exit status.
func (r *tailRun) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	return r.exit(t, 30*time.Second)
}

// lines returns the messages tail printed.
func (r *tailRun) lines() []string {
	s := strings.TrimSpace(r.stdout.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// bodies returns count JSON messages numbered from first.
func bodies(first, count int) [][]byte {
	b := make([][]byte, count)
	for i := range b {
		b[i] = fmt.Appendf(nil, `{"number":%d}`, first+i)
	}
	return b
}

// topicState returns a topic's depth and its channels' names on n; ok is
// false when the topic does not exist.
func topicState(n *nsqd.NSQD, topic string) (depth int64, channels []string, ok bool) {
	for _, ts := range n.GetStats(topic, "", false).Topics {
		for _, c := range ts.Channels {
			channels = append(channels, c.ChannelName)
		}
		return ts.Depth, channels, true
	}
	return 0, nil, false
}

// tailSubscribed reports whether an ephemeral channel of topic on n has a
// client: tail is reading.
func tailSubscribed(n *nsqd.NSQD, topic string) bool {
	for _, ts := range n.GetStats(topic, "", false).Topics {
		for _, c := range ts.Channels {
			if strings.HasSuffix(c.ChannelName, "#ephemeral") && c.ClientCount > 0 {
				return true
			}
		}
	}
	return false
}

func TestTailLeavesBacklogOfChannelLessTopic(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.MPub(t, http, "results", bodies(1, 5))

	r := startTail(t, nil, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "results")
	if code := r.exit(t, 10*time.Second); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"topic results on nsqd " + http + " holds 5 messages and has no channel", "--from-start", "--channel NAME"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr %q does not say %q", r.stderr, want)
		}
	}
	if len(r.lines()) != 0 {
		t.Errorf("printed %q", r.lines())
	}
	if depth, channels, _ := topicState(n, "results"); depth != 5 || len(channels) != 0 {
		t.Fatalf("topic results: depth %d, channels %v; want the 5 messages still buffered and no channel", depth, channels)
	}
	// The subscriber that comes later gets the whole backlog.
	sink := nsqtest.Collect(t, tcp, "results", "sink")
	if got := sink.WaitFor(t, 5, 10*time.Second); len(got) != 5 || string(got[0]) != `{"number":1}` {
		t.Fatalf("sink received %q", got)
	}
}

func TestTailFromStartReadsBacklog(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.MPub(t, http, "results", bodies(1, 5))

	r := startTail(t, nil, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "results", "--from-start", "-n", "5")
	if code := r.exit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	want := []string{`{"number":1}`, `{"number":2}`, `{"number":3}`, `{"number":4}`, `{"number":5}`}
	if got := r.lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("printed %q, want %q", got, want)
	}
	if !strings.Contains(r.stderr.String(), "WARNING: topic results on nsqd "+http+" has no durable channel: --from-start subscribes anyway and takes the 5 messages") {
		t.Fatalf("no warning that the backlog is taken: %q", r.stderr)
	}
	if depth, _, _ := topicState(n, "results"); depth != 0 {
		t.Fatalf("topic depth %d after --from-start, want 0", depth)
	}
}

func TestTailWaitsForDurableChannel(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()

	r := startTail(t, nil, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "later")
	nsqtest.Eventually(t, 5*time.Second, "the notice that topic later does not exist", func() bool {
		return strings.Contains(r.stderr.String(), "topic later does not exist on nsqd "+http+": tail waits")
	})
	time.Sleep(1500 * time.Millisecond) // more than one check
	if _, _, ok := topicState(n, "later"); ok {
		t.Fatal("tail created topic later while waiting")
	}

	// Published before any durable channel: kept in the topic, not taken.
	nsqtest.MPub(t, http, "later", bodies(1, 3))
	nsqtest.Eventually(t, 5*time.Second, "the notice about the topic's messages", func() bool {
		return strings.Contains(r.stderr.String(), "holds messages and no channel: tail leaves them for the first subscriber")
	})
	if depth, channels, _ := topicState(n, "later"); depth != 3 || len(channels) != 0 {
		t.Fatalf("topic later: depth %d, channels %v; want 3 and none", depth, channels)
	}

	nsqtest.CreateChannel(t, http, "later", "sink")
	nsqtest.Eventually(t, 5*time.Second, "tail to subscribe beside the durable channel", func() bool { return tailSubscribed(n, "later") })
	nsqtest.MPub(t, http, "later", bodies(4, 2))
	nsqtest.Eventually(t, 5*time.Second, "tail to print the 2 messages published after it subscribed", func() bool { return len(r.lines()) == 2 })
	if got := r.lines(); got[0] != `{"number":4}` || got[1] != `{"number":5}` {
		t.Fatalf("printed %q", got)
	}
	if d, err := nsqtest.Depth(n, "later", "sink"); err != nil || d != 5 {
		t.Fatalf("sink holds %d messages (%v), want all 5", d, err)
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d after Ctrl-C, want 0", code)
	}
	// stderr is not a terminal: no waiting hint.
	if s := r.stderr.String(); strings.Contains(s, "waiting for messages") || strings.Contains(s, "not subscribed yet") {
		t.Fatalf("hint printed to a non-terminal: %q", s)
	}
}

func TestTailLeavesWhenDurableChannelGoes(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "results", "sink")

	r := startTail(t, nil, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "results")
	nsqtest.Eventually(t, 5*time.Second, "tail to subscribe", func() bool { return tailSubscribed(n, "results") })
	nsqtest.HTTP(t, http, "/channel/delete?topic=results&channel=sink", nil)
	nsqtest.Eventually(t, 5*time.Second, "tail to leave the topic", func() bool {
		_, channels, _ := topicState(n, "results")
		return len(channels) == 0 && strings.Contains(r.stderr.String(), "has no durable channel any more: tail unsubscribed")
	})
	nsqtest.MPub(t, http, "results", bodies(1, 3))
	time.Sleep(1500 * time.Millisecond) // more than one check
	if depth, channels, _ := topicState(n, "results"); depth != 3 || len(channels) != 0 {
		t.Fatalf("topic results: depth %d, channels %v; want the 3 messages kept for a later subscriber", depth, channels)
	}
	if len(r.lines()) != 0 {
		t.Fatalf("printed %q", r.lines())
	}
}

func TestTailNAndDurableChannel(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "results", "keep")
	nsqtest.MPub(t, http, "results", bodies(1, 10))

	// A durable channel: -n prints the first 3 and leaves the rest in it.
	r := startTail(t, nil, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "results", "--channel", "keep", "-n", "3")
	if code := r.exit(t, 10*time.Second); code != 0 {
		t.Fatalf("--channel keep -n 3: exit %d", code)
	}
	if got := r.lines(); len(got) != 3 || got[0] != `{"number":1}` {
		t.Fatalf("--channel keep -n 3 printed %q", got)
	}
	if d, err := nsqtest.Depth(n, "results", "keep"); err != nil || d != 7 {
		t.Fatalf("keep holds %d (%v), want 7", d, err)
	}

	// The default ephemeral channel beside it: -n 2 of what is published
	// from now on; keep gets every message.
	r = startTail(t, nil, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "results", "-n", "2")
	nsqtest.Eventually(t, 5*time.Second, "tail to subscribe", func() bool { return tailSubscribed(n, "results") })
	nsqtest.MPub(t, http, "results", bodies(11, 5))
	if code := r.exit(t, 10*time.Second); code != 0 {
		t.Fatalf("-n 2: exit %d", code)
	}
	if got := r.lines(); len(got) != 2 || got[0] != `{"number":11}` || got[1] != `{"number":12}` {
		t.Fatalf("-n 2 printed %q", got)
	}
	if d, err := nsqtest.Depth(n, "results", "keep"); err != nil || d != 12 {
		t.Fatalf("keep holds %d (%v), want 12", d, err)
	}
}

func TestTailLookupd(t *testing.T) {
	opts := cluster.Options{
		DataDir:            t.TempDir(),
		NSQDTCPAddress:     "127.0.0.1:0",
		NSQDHTTPAddress:    "127.0.0.1:0",
		LookupdTCPAddress:  "127.0.0.1:0",
		LookupdHTTPAddress: "127.0.0.1:0",
		MemQueueSize:       -1,
	}
	c, err := cluster.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Exit)
	c.EnsureChannel("results", "sink")
	lookupd := c.LookupdHTTPAddress()
	nsqtest.Eventually(t, 10*time.Second, "nsqlookupd to know topic results", func() bool {
		producers, err := nsqhttp.Lookup(context.Background(), lookupd, "results")
		return err == nil && len(producers) == 1
	})

	r := startTail(t, nil, "--lookupd-http-address", lookupd, "--topic", "results", "-n", "2")
	nsqtest.Eventually(t, 5*time.Second, "tail to subscribe", func() bool { return tailSubscribed(c.NSQD, "results") })
	nsqtest.MPub(t, c.NSQDHTTPAddress(), "results", bodies(1, 2))
	if code := r.exit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := r.lines(); len(got) != 2 {
		t.Fatalf("printed %q", got)
	}
}

// blockingWriter blocks every Write until released.
type blockingWriter struct {
	release chan struct{}
	once    sync.Once
	buf     syncbuf.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.buf.Write(p)
}

func (w *blockingWriter) open() { w.once.Do(func() { close(w.release) }) }

func TestTailReportsDrops(t *testing.T) {
	const published = 500
	n := nsqtest.NSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 10 })
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "burst", "keep")

	// tail's output blocks, so it holds its 200 in-flight messages and
	// nsqd can keep only 10 more on its ephemeral channel.
	out := &blockingWriter{release: make(chan struct{})}
	t.Cleanup(out.open)
	r := startTail(t, out, "--nsqd-tcp-address", tcp, "--nsqd-http-address", http, "--topic", "burst")
	nsqtest.Eventually(t, 5*time.Second, "tail to subscribe", func() bool { return tailSubscribed(n, "burst") })
	nsqtest.MPub(t, http, "burst", bodies(1, published))

	warned := regexp.MustCompile(`WARNING: nsqd \S+ dropped \d+ messages of topic burst that tail had not read \((\d+) in all\)`)
	inAll := func() int {
		m := warned.FindAllStringSubmatch(r.stderr.String(), -1)
		if len(m) == 0 {
			return 0
		}
		v, _ := strconv.Atoi(m[len(m)-1][1])
		return v
	}
	nsqtest.Eventually(t, 10*time.Second, "the drop warning", func() bool { return inAll() > 0 })
	out.open()
	printed := func() int { return strings.Count(out.buf.String(), "\n") }
	nsqtest.Eventually(t, 15*time.Second, "printed and dropped to add up to what was published", func() bool {
		return printed()+inAll() == published
	})
	if code := r.stop(t); code != 1 {
		t.Fatalf("exit %d, want 1 after drops", code)
	}
	final := fmt.Sprintf("nsqd dropped %d messages of topic burst on tail's ephemeral channel: they were not printed", published-printed())
	if !strings.Contains(r.stderr.String(), final) {
		t.Fatalf("stderr does not end with %q: %s", final, r.stderr)
	}
	if d, err := nsqtest.Depth(n, "burst", "keep"); err != nil || d != published {
		t.Fatalf("durable channel keep holds %d (%v), want all %d", d, err, published)
	}
}

func TestTailHintOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if runtime.GOOS != "linux" || err != nil {
		t.Skip("needs util-linux script(1) to give tail a terminal")
	}
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "hinted", "keep")

	cmdline := fmt.Sprintf("'%s' tail --nsqd-tcp-address %s --nsqd-http-address %s --topic hinted -n 1", binary, tcp, http)
	cmd := exec.Command(script, "-qfec", cmdline, "/dev/null")
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("terminal output:\n%s", out.String())
		}
	})
	hint := "waiting for messages on topic hinted (nsqd " + http + "); publish one with: curl -d '{\"hello\": \"world\"}' 'http://" + http + "/pub?topic=hinted'"
	nsqtest.Eventually(t, 10*time.Second, "the hint on the terminal", func() bool { return strings.Contains(out.String(), hint) })
	nsqtest.Pub(t, http, "hinted", []byte(`{"number":1}`))
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("tail -n 1: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail -n 1 did not exit after one message")
	}
	if !strings.Contains(out.String(), `{"number":1}`) {
		t.Fatal("message not printed")
	}
}

func TestTailCommandLine(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp := n.RealTCPAddr().String()
	down := nsqtest.FreeAddr(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--topic", "x", "--channel", "keep", "--from-start"}, 2, "--from-start applies to an ephemeral channel"},
		{[]string{"--topic", "x", "--nsqd-tcp-address", tcp, "--nsqd-tcp-address", down, "--nsqd-http-address", "127.0.0.1:1"}, 2, "1 --nsqd-http-address for 2 --nsqd-tcp-address"},
		{[]string{"--topic", "x", "--nsqd-tcp-address", "nohost"}, 2, `--nsqd-tcp-address "nohost": want host:port`},
		{[]string{"--topic", "x!"}, 2, "invalid topic"},
		{[]string{"--topic", "x", "--nsqd-tcp-address", down}, 1, "nsqd "},
		{[]string{"--topic", "x", "--lookupd-http-address", down}, 1, "nsqlookupd " + down},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out := runCLI(t, append([]string{"tail"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want exit %d mentioning %q", code, out, tc.code, tc.want)
			}
		})
	}
}

func TestTailDirectSources(t *testing.T) {
	tests := []struct {
		tcp, http []string
		want      []string // tcp=http pairs
		err       string
	}{
		{tcp: []string{"127.0.0.1:4150"}, want: []string{"127.0.0.1:4150=127.0.0.1:4151"}},
		{tcp: []string{"[::1]:5000", "h:6000"}, want: []string{"[::1]:5000=[::1]:5001", "h:6000=h:6001"}},
		{tcp: []string{"a:1", "b:2"}, http: []string{"a:80", "b:81"}, want: []string{"a:1=a:80", "b:2=b:81"}},
		{tcp: []string{"a:1", "b:2"}, http: []string{"a:80"}, err: "1 --nsqd-http-address for 2"},
		{tcp: []string{"a"}, err: "want host:port"},
		{tcp: []string{"a:http"}, err: "want host:port"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.tcp, ","), func(t *testing.T) {
			sources, err := directSources(tc.tcp, tc.http)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range sources {
				got = append(got, s.tcp+"="+s.http)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
