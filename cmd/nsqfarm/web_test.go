package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
)

// TestPublishStore: publish --store records every job, with an id, before
// nsqd gets it, and marks it published.
func TestPublishStore(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp := n.RealTCPAddr().String()
	db := filepath.Join(t.TempDir(), "jobs.db")
	tests := []struct {
		name  string
		args  []string
		kind  string
		count int
		id    string // a suffix of the first job's id
	}{
		{"numbers range", []string{"numbers", "--from", "1", "--to", "2500"}, jobs.KindNumber, 2500, "-1"},
		{"lp sweep", []string{"lp", "--model", "wyndor", "--param", "profit_rate_windows=100:1000:100"}, jobs.KindLP, 10, "-1"},
		{"lp sweep with a prefix", []string{"lp", "--model", "wyndor", "--param", "profit_rate_windows=5", "--id-prefix", "run1"}, jobs.KindLP, 1, "run1-wyndor-profit_rate_windows=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"publish"}, tt.args...)
			args = append(args, "--config", topicsFile, "--nsqd-tcp-address", tcp, "--store", db)
			code, out := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			i := strings.Index(out, "under sweep ")
			if i < 0 {
				t.Fatalf("no sweep id in %q", out)
			}
			sweep := strings.Fields(out[i+len("under sweep "):])[0]
			st, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			got, err := st.Jobs(context.Background(), store.Filter{Sweep: sweep, Limit: 5000})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.count {
				t.Fatalf("%d jobs in sweep %s, want %d", len(got), sweep, tt.count)
			}
			for _, j := range got {
				if j.Kind != tt.kind || j.Publishes != 1 || !strings.Contains(string(j.Body), `"id":"`+j.ID+`"`) {
					t.Fatalf("job %+v body %s", j, j.Body)
				}
			}
			first, err := st.Job(context.Background(), got[0].ID)
			if err != nil || !strings.HasSuffix(first.ID, tt.id) {
				t.Fatalf("first job %q (%v), want the suffix %q", first.ID, err, tt.id)
			}
		})
	}
	// A store that cannot be opened: nothing is published.
	code, out := runCLI(t, "publish", "numbers", "--from", "1", "--to", "3", "--config", topicsFile,
		"--nsqd-tcp-address", tcp, "--store", "mysql://nope")
	if code != 1 || !strings.Contains(out, "unknown URL scheme") {
		t.Fatalf("bad store: exit %d: %s", code, out)
	}
}

// TestWebCommand runs nsqfarm web and submits a job through it.
func TestWebCommand(t *testing.T) {
	n := nsqtest.NSQD(t)
	addr := nsqtest.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	code, out := runInProcess(ctx, "web", "--config", topicsFile, "--nsqd-tcp-address", n.RealTCPAddr().String(),
		"--store", filepath.Join(t.TempDir(), "jobs.db"), "--web-address", addr, "--web-token", "tok")
	waitOK(t, "http://"+addr+"/healthz", 10*time.Second)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/jobs", strings.NewReader(`{"number": 5}`))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(body), `"published":true`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d: %s", c, out)
	}
	for _, args := range [][]string{
		{"web", "--config", topicsFile},
		{"web", "--config", topicsFile, "--store", "x.db", "--web-address", "off"},
		{"web", "--store", "x.db", "--lp-deadline", "0s"},
	} {
		if c, out := runCLI(t, args...); c != 2 {
			t.Fatalf("%q: exit %d, want 2: %s", args, c, out)
		}
	}
}
