package cluster

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// testOptions are options for a cluster on free loopback ports with data
// in a temporary directory.
func testOptions(t *testing.T) Options {
	return Options{
		DataDir:            t.TempDir(),
		NSQDTCPAddress:     "127.0.0.1:0",
		NSQDHTTPAddress:    "127.0.0.1:0",
		LookupdTCPAddress:  "127.0.0.1:0",
		LookupdHTTPAddress: "127.0.0.1:0",
		AdminHTTPAddress:   "127.0.0.1:0",
		Logger:             slog.New(slog.DiscardHandler),
	}
}

// startTest starts a cluster with opts and stops it when the test ends.
func startTest(t *testing.T, opts Options) *Cluster {
	t.Helper()
	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Exit)
	return c
}

// request sends a request with body (GET when body is nil, else POST) and
// returns the status code and response body.
func request(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if body == nil {
		resp, err = http.Get(url)
	} else {
		resp, err = http.Post(url, "application/octet-stream", bytes.NewReader(body))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// get GETs url and fails the test unless it answers 200.
func get(t *testing.T, url string) string {
	t.Helper()
	status, body := request(t, url, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d: %s", url, status, body)
	}
	return body
}

func TestStartRegistersAndKeepsData(t *testing.T) {
	opts := testOptions(t)
	c, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.EnsureChannel("numbers", "primality")
	c.EnsureChannel("primes", "")

	// nsqd registers the topic with nsqlookupd, where consumers find it.
	// Registration is asynchronous: /lookup answers 404 until it is done.
	_, port, _ := net.SplitHostPort(c.NSQDTCPAddress())
	nsqtest.Eventually(t, 10*time.Second, "nsqd to register topic numbers with nsqlookupd", func() bool {
		status, body := request(t, "http://"+c.LookupdHTTPAddress()+"/lookup?topic=numbers", nil)
		return status == http.StatusOK && strings.Contains(body, `"tcp_port":`+port)
	})
	if got := get(t, "http://"+c.AdminHTTPAddress()+"/ping"); !strings.Contains(got, "OK") {
		t.Fatalf("nsqadmin /ping: %q", got)
	}
	nsqtest.Pub(t, c.NSQDHTTPAddress(), "numbers", []byte(`{"number": 7}`))
	c.Exit()

	// A new cluster on the same data directory has the message queued.
	c2 := startTest(t, opts)
	tp, err := c2.NSQD.GetExistingTopic("numbers")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := tp.GetExistingChannel("primality")
	if err != nil {
		t.Fatal(err)
	}
	nsqtest.Eventually(t, 5*time.Second, "channel depth 1 after restart", func() bool { return ch.Depth() == 1 })
}

// TestExitRightAfterStart stops clusters as soon as they start: Exit must
// not overtake the daemons' Main (a data race under -race), must return
// only once every listener is closed, and must report no daemon error.
func TestExitRightAfterStart(t *testing.T) {
	for range 10 {
		c, err := Start(testOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		addrs := []string{c.LookupdTCPAddress(), c.LookupdHTTPAddress(), c.NSQDTCPAddress(), c.NSQDHTTPAddress(), c.AdminHTTPAddress()}
		c.Exit()
		c.Exit() // a second Exit does nothing
		for _, a := range addrs {
			if conn, err := net.DialTimeout("tcp", a, time.Second); err == nil {
				conn.Close()
				t.Fatalf("%s still accepts connections after Exit", a)
			}
		}
		select {
		case err := <-c.Errors():
			t.Fatalf("orderly Exit reported %v", err)
		default:
		}
	}
}

// TestErrorsReportsUnexpectedStop checks that a daemon stopping on its own
// is reported, even when its Main returns no error.
func TestErrorsReportsUnexpectedStop(t *testing.T) {
	c := startTest(t, testOptions(t))
	c.NSQD.Exit()
	select {
	case err := <-c.Errors():
		if !strings.Contains(err.Error(), "nsqd") {
			t.Fatalf("error %q does not name nsqd", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error after nsqd stopped")
	}
}

// nodeOf returns the node ID that nsqd encoded in a message ID.
func nodeOf(t *testing.T, id [16]byte) int64 {
	t.Helper()
	b, err := hex.DecodeString(string(id[:]))
	if err != nil {
		t.Fatalf("message ID %q: %v", id, err)
	}
	const sequenceBits, nodeIDBits = 12, 10 // nsqd's GUID layout
	return int64(binary.BigEndian.Uint64(b)>>sequenceBits) & (1<<nodeIDBits - 1)
}

// TestNodeID checks nsqd puts Options.NodeID in its message IDs, and that
// an ID out of range fails Start without leaving the data directory locked
// for the cases that follow, which share it.
func TestNodeID(t *testing.T) {
	opts := testOptions(t)
	for _, tc := range []struct {
		id      int64
		wantErr bool
	}{
		{id: -1, wantErr: true},
		{id: 1024, wantErr: true},
		{id: 0},
		{id: 1},
		{id: 1023},
	} {
		opts.NodeID = tc.id
		c, err := Start(opts)
		if tc.wantErr {
			if err == nil {
				c.Exit()
				t.Fatalf("node ID %d: Start succeeded, want an error", tc.id)
			}
			if !strings.Contains(err.Error(), "node-id") {
				t.Errorf("node ID %d: error %q does not name --node-id", tc.id, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("node ID %d: %v", tc.id, err)
		}
		got := nodeOf(t, c.NSQD.GetTopic("numbers").GenerateID())
		c.Exit()
		if got != tc.id {
			t.Errorf("message ID carries node %d, want %d", got, tc.id)
		}
	}
}

func TestMessageSizes(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name             string
		maxMsg, maxBody  int64
		path             string
		size             int
		wantStatus       int
		wantErrorInStart bool
	}{
		{name: "default message size accepted", path: "/pub", size: mib, wantStatus: 200},
		{name: "default message size exceeded", path: "/pub", size: mib + 1, wantStatus: 413},
		{name: "small limit accepted", maxMsg: 100, path: "/pub", size: 100, wantStatus: 200},
		{name: "small limit exceeded", maxMsg: 100, path: "/pub", size: 101, wantStatus: 413},
		{name: "small limit exceeded in a batch", maxMsg: 100, path: "/mpub", size: 101, wantStatus: 413},
		{name: "large message fits a batch by default", maxMsg: 6 * mib, path: "/mpub", size: 6 * mib, wantStatus: 200},
		{name: "explicit body size bounds a batch", maxMsg: 6 * mib, maxBody: 1000, path: "/mpub", size: 1001, wantStatus: 413},
		{name: "negative message size", maxMsg: -1, wantErrorInStart: true},
		{name: "negative body size", maxBody: -1, wantErrorInStart: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			opts.AdminHTTPAddress = ""
			opts.MaxMsgSize, opts.MaxBodySize = tc.maxMsg, tc.maxBody
			if tc.wantErrorInStart {
				c, err := Start(opts)
				if err == nil {
					c.Exit()
					t.Fatal("Start succeeded, want an error")
				}
				return
			}
			c := startTest(t, opts)
			status, body := request(t, "http://"+c.NSQDHTTPAddress()+tc.path+"?topic=sizes", bytes.Repeat([]byte("x"), tc.size))
			if status != tc.wantStatus {
				t.Fatalf("%s of %d bytes: %d %s, want %d", tc.path, tc.size, status, body, tc.wantStatus)
			}
		})
	}
}

// TestStartFailsOnBusyPort checks that a daemon that cannot listen fails
// Start with the daemon named, and that the daemons started before it are
// stopped: a second Start on the same lookupd ports and data directory
// (whose lock nsqd holds while it runs) succeeds. nsqd itself keeps the
// lock when it cannot listen (see Start), so its retry uses a new data
// directory.
func TestStartFailsOnBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name       string
		set        func(*Options)
		newDataDir bool
	}{
		{"nsqlookupd", func(o *Options) { o.LookupdTCPAddress = busy.Addr().String() }, false},
		{"nsqd", func(o *Options) { o.NSQDTCPAddress = busy.Addr().String() }, true},
		{"nsqadmin", func(o *Options) { o.AdminHTTPAddress = busy.Addr().String() }, false},
	} {
		opts := testOptions(t)
		opts.LookupdTCPAddress, opts.LookupdHTTPAddress = nsqtest.FreeAddr(t), nsqtest.FreeAddr(t)
		good := opts
		if tc.newDataDir {
			good.DataDir = t.TempDir()
		}
		tc.set(&opts)
		c, err := Start(opts)
		if err == nil {
			c.Exit()
			t.Fatalf("%s on a busy port: Start succeeded", tc.name)
		}
		if !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s on a busy port: error %q does not name it", tc.name, err)
		}
		c, err = Start(good)
		if err != nil {
			t.Fatalf("after %s failed to start: %v", tc.name, err)
		}
		c.Exit()
	}
}
