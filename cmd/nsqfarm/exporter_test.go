package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// get returns the status and body of a GET of url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startExporter runs the exporter command in this process with args and
// returns its metrics address; it stops when the test ends.
func startExporter(t *testing.T, args ...string) string {
	t.Helper()
	addr := nsqtest.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	code, out := runInProcess(ctx, append([]string{"exporter", "--metrics-address", addr, "--log-level", "warn"}, args...)...)
	t.Cleanup(func() {
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("exporter exited %d: %s", c, out)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("exporter did not stop: %s", out)
		}
	})
	nsqtest.Eventually(t, 10*time.Second, "the exporter to listen", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return addr
}

func TestExporterCommand(t *testing.T) {
	n := nsqtest.NSQD(t)
	httpAddr := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, httpAddr, "numbers", "primality")
	nsqtest.MPub(t, httpAddr, "numbers", [][]byte{[]byte("1"), []byte("2"), []byte("3")})
	addr := startExporter(t, "--nsqd-http-address", httpAddr, "--nsqd-http-address", "127.0.0.1:1")
	code, body := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`nsqfarm_nsq_channel_depth{nsqd="` + httpAddr + `",topic="numbers",channel="primality"} 3`,
		`nsqfarm_nsq_topic_messages_total{nsqd="` + httpAddr + `",topic="numbers"} 3`,
		`nsqfarm_nsqd_up{nsqd="` + httpAddr + `"} 1`,
		`nsqfarm_nsqd_up{nsqd="127.0.0.1:1"} 0`,
	} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("/metrics %d lacks %q:\n%s", code, want, body)
		}
	}
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK || !strings.Contains(body, "127.0.0.1:1") {
		t.Errorf("/healthz with one nsqd of two: %d %q, want 200 naming the one down", code, body)
	}
}

func TestExporterCommandNoNSQD(t *testing.T) {
	addr := startExporter(t, "--lookupd-http-address", "127.0.0.1:2", "--timeout", "500ms")
	_, body := get(t, "http://"+addr+"/metrics")
	if !strings.Contains(body, `nsqfarm_lookupd_up{lookupd="127.0.0.1:2"} 0`) {
		t.Errorf("/metrics without a lookupd:\n%s", body)
	}
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "127.0.0.1:2") {
		t.Errorf("/healthz when nothing answers: %d %q, want 503 naming the nsqlookupd", code, body)
	}
}

func TestExporterCommandUsage(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"exporter", "extra"}, "extra"},
		{[]string{"exporter", "--timeout", "0s"}, "--timeout"},
		{[]string{"exporter", "--metrics-address", taken.Addr().String(), "--nsqd-http-address", "127.0.0.1:1"}, "address already in use"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		code, out := runInProcess(ctx, tc.args...)
		got := <-code
		cancel()
		wantCode := 2
		if strings.Contains(tc.want, "in use") {
			wantCode = 1
		}
		if got != wantCode || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d, output %q; want %d and %q", tc.args, got, out, wantCode, tc.want)
		}
	}
}
