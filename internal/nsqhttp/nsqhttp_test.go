package nsqhttp_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqsecure"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

func TestCreateChannel(t *testing.T) {
	n := nsqtest.NSQD(t)
	addr := n.RealHTTPAddr().String()
	for range 2 { // creating twice is fine
		if err := nsqhttp.CreateChannel(t.Context(), addr, "numbers", "primality"); err != nil {
			t.Fatal(err)
		}
	}
	tp, err := n.GetExistingTopic("numbers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.GetExistingChannel("primality"); err != nil {
		t.Fatal(err)
	}
}

func TestCreateChannelErrors(t *testing.T) {
	n := nsqtest.NSQD(t)
	err := nsqhttp.CreateChannel(t.Context(), n.RealHTTPAddr().String(), "bad topic!", "c")
	if err == nil || !strings.Contains(err.Error(), "INVALID_TOPIC") {
		t.Fatalf("error %v, want nsqd's INVALID_TOPIC", err)
	}
	if err := nsqhttp.CreateTopic(t.Context(), "127.0.0.1:1", "t"); err == nil {
		t.Fatal("no error for an unreachable nsqd")
	}
}

func TestTopicStats(t *testing.T) {
	n := nsqtest.NSQD(t)
	addr := n.RealHTTPAddr().String()
	st, err := nsqhttp.TopicStats(t.Context(), addr, "numbers")
	if err != nil || st.Exists {
		t.Fatalf("missing topic: %+v, %v", st, err)
	}
	if err := nsqhttp.CreateChannel(t.Context(), addr, "numbers", "primality"); err != nil {
		t.Fatal(err)
	}
	nsqtest.Pub(t, addr, "numbers", []byte("7"))
	nsqtest.Eventually(t, 5*time.Second, "the message in the channel", func() bool {
		st, err = nsqhttp.TopicStats(t.Context(), addr, "numbers")
		return err == nil && len(st.Channels) == 1 && st.Channels[0].Depth == 1
	})
	if !st.Exists || st.Channels[0].Name != "primality" {
		t.Fatalf("stats %+v", st)
	}
	if _, err := nsqhttp.TopicStats(t.Context(), "127.0.0.1:1", "numbers"); err == nil {
		t.Fatal("no error for an unreachable nsqd")
	}
}

func TestLookup(t *testing.T) {
	l := nsqtest.Lookupd(t)
	addr := l.RealHTTPAddr().String()
	ps, err := nsqhttp.Lookup(t.Context(), addr, "numbers")
	if err != nil || len(ps) != 0 {
		t.Fatalf("unknown topic: %v, %v", ps, err)
	}
	n := nsqtest.NSQD(t, func(o *nsqd.Options) { o.NSQLookupdTCPAddresses = []string{l.RealTCPAddr().String()} })
	if err := nsqhttp.CreateTopic(t.Context(), n.RealHTTPAddr().String(), "numbers"); err != nil {
		t.Fatal(err)
	}
	nsqtest.WaitProducers(t, l, "numbers", 1, 10*time.Second)
	ps, err = nsqhttp.Lookup(t.Context(), addr, "numbers")
	if err != nil || len(ps) != 1 || ps[0].TCPPort != n.RealTCPAddr().(*net.TCPAddr).Port {
		t.Fatalf("lookup: %+v, %v", ps, err)
	}
}

// TestTLSRequired calls an nsqd that requires TLS at its plain HTTP
// address: a client with the test CA follows it to HTTPS, a client
// without a TLS configuration gets an error that says what to give.
func TestTLSRequired(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	n := nsqtest.NSQD(t, nsqtest.RequireTLS(f))
	addr := n.RealHTTPAddr().String()
	opts := nsqsecure.Options{CAFile: f.CA}
	tc, err := opts.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	c := nsqhttp.New(tc)
	if err := c.CreateChannel(t.Context(), addr, "numbers", "primality"); err != nil {
		t.Fatal(err)
	}
	st, err := c.TopicStats(t.Context(), "https://"+n.RealHTTPSAddr().String(), "numbers")
	if err != nil || !st.Exists || len(st.Channels) != 1 {
		t.Fatalf("stats over https: %+v, %v", st, err)
	}
	for _, call := range []func() error{
		func() error { return nsqhttp.CreateTopic(t.Context(), addr, "numbers") },
		func() error { _, err := nsqhttp.TopicStats(t.Context(), addr, "numbers"); return err },
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "requires TLS") {
			t.Errorf("error %v, want one saying nsqd requires TLS", err)
		}
	}
	other := nsqsecure.Options{CAFile: f.OtherCA}
	tc, err = other.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nsqhttp.New(tc).TopicStats(t.Context(), addr, "numbers"); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("error %v with the wrong CA, want unknown authority", err)
	}
}
