package exporter_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/exporter"
	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// scrape collects x once and returns each sample by its series
// (name{labels}) and the text.
func scrape(t *testing.T, x *exporter.Exporter) (map[string]float64, string) {
	t.Helper()
	r := metrics.NewRegistry()
	r.Register(x)
	var b strings.Builder
	if _, err := r.Write(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	samples := map[string]float64{}
	for line := range strings.Lines(b.String()) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(strings.TrimSpace(line[i+1:]), 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples, b.String()
}

// consumer reads topic/channel from the nsqd at tcpAddr with
// maxInFlight and msgTimeout, giving each message to handle (which
// answers it, or not), until the test ends, when the messages it left
// unanswered are finished so that the consumer can stop at once.
func consumer(t *testing.T, tcpAddr, topic, channel string, maxInFlight int, msgTimeout time.Duration, handle func(n int, m *nsq.Message)) {
	t.Helper()
	cfg := nsq.NewConfig()
	cfg.MaxInFlight = maxInFlight
	cfg.MsgTimeout = msgTimeout
	c, err := nsq.NewConsumer(topic, channel, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetLoggerLevel(nsq.LogLevelError)
	var (
		mu       sync.Mutex
		received []*nsq.Message
	)
	c.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		m.DisableAutoResponse()
		mu.Lock()
		received = append(received, m)
		k := len(received)
		mu.Unlock()
		handle(k, m)
		return nil
	}))
	if err := c.ConnectToNSQD(tcpAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		for _, m := range received {
			if !m.HasResponded() {
				m.Finish()
			}
		}
		mu.Unlock()
		c.Stop()
		// go-nsq waits for its count of messages in flight to reach 0,
		// which a message that timed out and was answered late can keep
		// above 0; the nsqd stops after this anyway.
		select {
		case <-c.StopChan:
		case <-time.After(2 * time.Second):
		}
	})
}

func TestQueueMetrics(t *testing.T) {
	l := nsqtest.Lookupd(t)
	n := nsqtest.NSQD(t, func(o *nsqd.Options) {
		o.NSQLookupdTCPAddresses = []string{l.RealTCPAddr().String()}
		o.BroadcastAddress = "127.0.0.1"
		// nsqd looks for timed-out messages only in the channels it
		// listed at its last refresh (every 5 s by default).
		o.QueueScanRefreshInterval = 100 * time.Millisecond
	})
	httpAddr, tcpAddr := n.RealHTTPAddr().String(), n.RealTCPAddr().String()
	nsqtest.CreateChannel(t, httpAddr, "numbers", "primality")
	nsqtest.CreateChannel(t, httpAddr, "numbers", "slow")
	bodies := make([][]byte, 10)
	for i := range bodies {
		bodies[i] = fmt.Appendf(nil, `{"number": %d}`, i)
	}
	nsqtest.MPub(t, httpAddr, "numbers", bodies)
	if err := nsqhttp.CreateTopic(t.Context(), httpAddr, "primes"); err != nil {
		t.Fatal(err)
	}
	nsqtest.WaitProducers(t, l, "numbers", 1, 10*time.Second)

	// primality: the first message finished, the second requeued for
	// half an hour (deferred), the others held: 3 in flight, 5 left in the queue.
	consumer(t, tcpAddr, "numbers", "primality", 3, time.Minute, func(k int, m *nsq.Message) {
		switch k {
		case 1:
			m.Finish()
		case 2:
			m.RequeueWithoutBackoff(30 * time.Minute)
		}
	})
	// slow: one message held past its 1 s timeout, again and again.
	consumer(t, tcpAddr, "numbers", "slow", 1, time.Second, func(int, *nsq.Message) {})

	// Through nsqlookupd only, plus an nsqd and an nsqlookupd that do not
	// answer: the live nsqd is still read.
	x, err := exporter.New(exporter.Options{
		NSQDHTTPAddresses:    []string{"127.0.0.1:1"},
		LookupdHTTPAddresses: []string{l.RealHTTPAddr().String(), "127.0.0.1:2"},
		Timeout:              2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	series := func(name, topic, channel string) string {
		s := fmt.Sprintf(`%s{nsqd="%s",topic="%s"`, name, httpAddr, topic)
		if channel != "" {
			s += fmt.Sprintf(`,channel="%s"`, channel)
		}
		return s + "}"
	}
	want := map[string]float64{
		series("nsqfarm_nsq_topic_depth", "numbers", ""):                      0,
		series("nsqfarm_nsq_topic_messages_total", "numbers", ""):             10,
		series("nsqfarm_nsq_topic_paused", "numbers", ""):                     0,
		series("nsqfarm_nsq_topic_depth", "primes", ""):                       0,
		series("nsqfarm_nsq_channel_depth", "numbers", "primality"):           5,
		series("nsqfarm_nsq_channel_in_flight", "numbers", "primality"):       3,
		series("nsqfarm_nsq_channel_deferred", "numbers", "primality"):        1,
		series("nsqfarm_nsq_channel_messages_total", "numbers", "primality"):  10,
		series("nsqfarm_nsq_channel_requeued_total", "numbers", "primality"):  1,
		series("nsqfarm_nsq_channel_timed_out_total", "numbers", "primality"): 0,
		series("nsqfarm_nsq_channel_clients", "numbers", "primality"):         1,
		series("nsqfarm_nsq_channel_paused", "numbers", "primality"):          0,
		series("nsqfarm_nsq_channel_in_flight", "numbers", "slow"):            1,
		series("nsqfarm_nsq_channel_clients", "numbers", "slow"):              1,
		`nsqfarm_nsqd_up{nsqd="` + httpAddr + `"}`:                            1,
		`nsqfarm_nsqd_up{nsqd="127.0.0.1:1"}`:                                 0,
		`nsqfarm_lookupd_up{lookupd="` + l.RealHTTPAddr().String() + `"}`:     1,
		`nsqfarm_lookupd_up{lookupd="127.0.0.1:2"}`:                           0,
		series("nsqfarm_nsq_channel_depth", "numbers", "slow"):                9,
		series("nsqfarm_nsq_channel_messages_total", "numbers", "slow"):       10,
		series("nsqfarm_nsq_channel_deferred", "numbers", "slow"):             0,
		series("nsqfarm_nsq_channel_requeued_total", "numbers", "slow"):       0,
		series("nsqfarm_nsq_channel_paused", "numbers", "slow"):               0,
		series("nsqfarm_nsq_topic_messages_total", "primes", ""):              0,
		series("nsqfarm_nsq_topic_paused", "primes", ""):                      0,
	}
	timedOut := series("nsqfarm_nsq_channel_timed_out_total", "numbers", "slow")
	var got map[string]float64
	var text string
	mismatch := func() string {
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				return fmt.Sprintf("%s = %v (present %v), want %v", k, g, ok, v)
			}
		}
		if got[timedOut] < 1 {
			return fmt.Sprintf("%s = %v, want 1 or more", timedOut, got[timedOut])
		}
		return ""
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, text = scrape(t, x)
		m := mismatch()
		if m == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s\nscrape:\n%s", m, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, typ := range []string{
		"# TYPE nsqfarm_nsq_channel_requeued_total counter",
		"# TYPE nsqfarm_nsq_channel_depth gauge",
	} {
		if !strings.Contains(text, typ) {
			t.Errorf("scrape lacks %q", typ)
		}
	}
	detail, err := x.Health()
	if err != nil || !strings.Contains(detail, "127.0.0.1:1") || !strings.Contains(detail, "127.0.0.1:2") {
		t.Errorf("health with one nsqd up: %q, %v; want ok naming the two that failed", detail, err)
	}
}

func TestQueueMetricsNothingAnswers(t *testing.T) {
	if _, err := exporter.New(exporter.Options{}); err == nil {
		t.Fatal("New without addresses: no error")
	}
	x, err := exporter.New(exporter.Options{NSQDHTTPAddresses: []string{"127.0.0.1:1"}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Health(); err != nil {
		t.Fatalf("health before any scrape: %v", err)
	}
	got, text := scrape(t, x)
	if v, ok := got[`nsqfarm_nsqd_up{nsqd="127.0.0.1:1"}`]; !ok || v != 0 {
		t.Fatalf("nsqd_up of an nsqd that does not answer: %v %v\n%s", v, ok, text)
	}
	if strings.Contains(text, "nsqfarm_nsq_topic") {
		t.Fatalf("topic metrics without an nsqd:\n%s", text)
	}
	if _, err := x.Health(); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("health when no nsqd answers: %v", err)
	}
}
