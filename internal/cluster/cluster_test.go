package cluster

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b)
}

func TestStartRegistersAndKeepsData(t *testing.T) {
	dir := t.TempDir()
	opts := Options{
		DataDir:            dir,
		NSQDTCPAddress:     "127.0.0.1:0",
		NSQDHTTPAddress:    "127.0.0.1:0",
		LookupdTCPAddress:  "127.0.0.1:0",
		LookupdHTTPAddress: "127.0.0.1:0",
		AdminHTTPAddress:   "127.0.0.1:0",
		Logger:             slog.New(slog.DiscardHandler),
	}
	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.EnsureChannel("numbers", "primality")
	c.EnsureChannel("primes", "")

	// nsqd registers the topic with nsqlookupd, where consumers find it.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(get(t, "http://"+c.LookupdHTTPAddress()+"/lookup?topic=numbers"), c.NSQD.RealTCPAddr().String()[strings.LastIndex(c.NSQDTCPAddress(), ":")+1:]) {
		if time.Now().After(deadline) {
			t.Fatal("nsqd never registered topic numbers with nsqlookupd")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := get(t, "http://"+c.AdminHTTPAddress()+"/ping"); !strings.Contains(got, "OK") {
		t.Fatalf("nsqadmin /ping: %q", got)
	}
	if _, err := http.Post("http://"+c.NSQDHTTPAddress()+"/pub?topic=numbers", "text/plain", strings.NewReader(`{"number": 7}`)); err != nil {
		t.Fatal(err)
	}
	c.Exit()

	// A new cluster on the same data directory has the message queued.
	c2, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Exit()
	tp, err := c2.NSQD.GetExistingTopic("numbers")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := tp.GetExistingChannel("primality")
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for ch.Depth() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("channel depth %d after restart, want 1", ch.Depth())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
