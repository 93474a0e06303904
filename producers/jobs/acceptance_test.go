package jobs

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
	"github.com/nsqfarm/nsqfarm/internal/store"
)

// nsqdProcess is nsqd run as a process, so that the test can SIGKILL it.
type nsqdProcess struct {
	bin, data, tcp, http string
	cmd                  *exec.Cmd
	done                 chan struct{}
}

// start starts nsqd on its addresses and data directory and waits until
// it answers /ping.
func (p *nsqdProcess) start(t *testing.T) {
	t.Helper()
	p.cmd = exec.Command(p.bin, "--tcp-address", p.tcp, "--http-address", p.http,
		"--data-path", p.data, "--log-level", "warn")
	p.cmd.Stdout, p.cmd.Stderr = t.Output(), t.Output()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(p.cmd, p.done)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + p.http + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nsqd not answering: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill SIGKILLs nsqd and waits for it to exit.
func (p *nsqdProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// TestAcceptanceNSQDKilled submits 10,000 jobs through the API (9,000
// numbers and 1,000 wyndor LPs), SIGKILLs nsqd while the stages work,
// restarts it on the same data directory, and checks that the store ends
// with exactly 10,000 final jobs, each with one result: what nsqd lost,
// the reconciler published again, and what was published twice was
// recorded once.
func TestAcceptanceNSQDKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nsqd and kills it")
	}
	if raceflag.Enabled {
		// The race detector slows the SQLite engine (C translated to Go)
		// tenfold; .ci/run runs this test without it.
		t.Skip("10,000 jobs through SQLite take minutes under the race detector")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", dir, "github.com/nsqio/nsq/apps/nsqd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build nsqd: %v\n%s", err, out)
	}
	n := &nsqdProcess{bin: filepath.Join(dir, "nsqd"), data: filepath.Join(dir, "data"), tcp: nsqtest.FreeAddr(t), http: nsqtest.FreeAddr(t)}
	if err := os.MkdirAll(n.data, 0o755); err != nil {
		t.Fatal(err)
	}
	n.start(t)
	t.Cleanup(func() {
		select {
		case <-n.done:
		default:
			n.kill(t)
		}
	})

	e := &env{store: openStore(t), topo: builtin(t)}
	opts := NewOptions(e.store, e.topo, n.tcp)
	opts.Address = "127.0.0.1:0"
	opts.LPDeadline = 8 * time.Second
	opts.NumberDeadline = 8 * time.Second
	opts.ReconcileInterval = time.Second
	opts.Logger = testLogger(t)
	e.serve(t, opts)
	e.runFarmAt(t, n.tcp, "primality", "lpsolve")

	start := time.Now()
	// Submit while the stages work, and kill nsqd in the middle: jobs
	// submitted while it is down are recorded, unpublished.
	answers := make(chan answer, 2)
	for _, sweep := range []string{
		`{"numbers": {"from": 1000000, "to": 1008999}}`,
		`{"model": "wyndor", "params": {"profit_rate_windows": {"from": 1, "to": 1000, "step": 1}}}`,
	} {
		go func() { answers <- e.do(t, "POST", "/api/sweeps", []byte(sweep)) }()
	}
	waitFinal(t, e.store, 500, 60*time.Second)
	n.kill(t)
	killed := time.Since(start)
	before, err := e.store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	n.start(t)
	for range 2 {
		if a := <-answers; a.status != http.StatusAccepted {
			t.Fatalf("%d %s", a.status, a.body)
		}
	}
	t.Logf("sweeps answered after %v", time.Since(start).Round(time.Millisecond))

	c := waitFinal(t, e.store, 10000, 120*time.Second)
	t.Logf("killed nsqd after %v with %d jobs recorded, %d done; all 10,000 final after %v; %d publishes by the reconciler",
		killed.Round(time.Millisecond), before.Jobs[store.Queued]+before.Jobs[store.Done], before.Jobs[store.Done],
		time.Since(start).Round(time.Millisecond), e.srv.Reconciler().Republished())
	if c.Jobs[store.Done] != 10000 || c.Jobs[store.Queued] != 0 {
		t.Fatalf("jobs by status: %v", c.Jobs)
	}
	var results int64
	for _, topic := range []string{"primes", "non_primes", "solutions"} {
		results += c.Topics[topic]
	}
	if results != 10000 {
		t.Fatalf("%d results recorded (%v), want 10000: one per job", results, c.Topics)
	}
	// Every job has its own result.
	for _, kind := range []string{KindNumber, KindLP} {
		after := ""
		for {
			page, err := e.store.Jobs(context.Background(), store.Filter{Kind: kind, AfterID: after, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range page {
				if len(j.Result) == 0 {
					t.Fatalf("job %s is %s without a result", j.ID, j.Status)
				}
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].ID
		}
	}
}
