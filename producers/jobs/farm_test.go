package jobs

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
)

// waitFinal waits until every job of the store is final, failing after
// timeout, and returns the counts.
func waitFinal(t testing.TB, st store.Store, want int64, timeout time.Duration) store.Counts {
	t.Helper()
	var c store.Counts
	nsqtest.Eventually(t, timeout, strconv.FormatInt(want, 10)+" final jobs", func() bool {
		var err error
		c, err = st.Counts(context.Background())
		return err == nil && c.Jobs[store.Done]+c.Jobs[store.Dead]+c.Jobs[store.Cancelled] >= want
	})
	return c
}

// TestSweepResults runs a 10-point wyndor sweep through a real lpsolve
// stage and the sink, and downloads its results.
func TestSweepResults(t *testing.T) {
	e := start(t)
	e.runFarm(t, "lpsolve")
	a := e.do(t, "POST", "/api/sweeps", []byte(`{"model": "wyndor", "params": {"profit_rate_windows": {"from": 100, "to": 1000, "step": 100}}}`))
	var ans sweepAnswer
	a.decode(t, &ans)
	if a.status != http.StatusAccepted || ans.Count != 10 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	waitFinal(t, e.store, 10, 30*time.Second)

	c := e.do(t, "GET", "/api/sweeps/"+ans.Sweep+"/results.csv", nil)
	rows, err := csv.NewReader(strings.NewReader(string(c.body))).ReadAll()
	if err != nil || c.status != 200 {
		t.Fatalf("%d %v\n%s", c.status, err, c.body)
	}
	if len(rows) != 11 || strings.Join(rows[0], ",") != "id,status,profit_rate_windows,outcome,objective,error" {
		t.Fatalf("%d rows:\n%s", len(rows), c.body)
	}
	for _, row := range rows[1:] {
		if row[1] != "done" || row[3] != "optimal" || row[4] == "" {
			t.Fatalf("row %q", row)
		}
	}
	// wyndor's optimum: Doors 4, Windows 3 at 100; Doors 2, Windows 6
	// from 500 on.
	want := map[string]string{"100": "1500", "500": "3600", "1000": "6600"}
	for _, row := range rows[1:] {
		if obj, ok := want[row[2]]; ok && row[4] != obj {
			t.Fatalf("profit_rate_windows %s: objective %s, want %s", row[2], row[4], obj)
		}
	}
	j := e.do(t, "GET", "/api/sweeps/"+ans.Sweep+"/results.json", nil)
	var results []struct {
		ID        string
		Objective float64
	}
	j.decode(t, &results)
	if len(results) != 10 {
		t.Fatalf("results.json: %s", j.body)
	}
	s := e.do(t, "GET", "/api/sweeps/"+ans.Sweep, nil)
	var sum sweepSummary
	s.decode(t, &sum)
	if sum.ByStatus[store.Done] != 10 {
		t.Fatalf("summary %s", s.body)
	}
}

// TestResultAndDead: a number job ends done with its factors, and a dead
// letter of the stage shows in /api/dead.
func TestResultAndDead(t *testing.T) {
	e := start(t)
	e.runFarm(t, "primality")
	id := e.submit(t, `{"number": 12}`)
	waitFinal(t, e.store, 1, 30*time.Second)
	j := e.job(t, id)
	if j.Status != store.Done || !strings.Contains(string(j.Result), `"factors":["2","2","3"]`) {
		t.Fatalf("job %+v, result %s", j, j.Result)
	}
	// A dead letter published by hand lands in /api/dead.
	nsqtest.Pub(t, e.nsqd.RealHTTPAddr().String(), "numbers", []byte(`{"number": -1}`))
	nsqtest.Eventually(t, 30*time.Second, "a dead letter in /api/dead", func() bool {
		return strings.Contains(string(e.do(t, "GET", "/api/dead", nil).body), `is negative`)
	})
}

// TestReconcilerRepublishesLost: a job whose message nsqd lost (its
// channel emptied before any consumer took it) is published again by the
// reconciler and ends done exactly once.
func TestReconcilerRepublishesLost(t *testing.T) {
	e := start(t, func(o *Options) {
		o.NumberDeadline = 300 * time.Millisecond
		o.ReconcileInterval = 100 * time.Millisecond
	})
	httpAddr := e.nsqd.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, httpAddr, "numbers", "primality")
	id := e.submit(t, `{"number": 1000003}`)
	// Lose the message: empty the channel before the stage starts.
	nsqtest.Eventually(t, 5*time.Second, "the job in the channel", func() bool {
		d, _ := nsqtest.Depth(e.nsqd, "numbers", "primality")
		return d == 1
	})
	nsqtest.HTTP(t, httpAddr, "/channel/empty?topic=numbers&channel=primality", nil)
	e.runFarm(t, "primality")
	waitFinal(t, e.store, 1, 30*time.Second)
	j := e.job(t, id)
	if j.Status != store.Done || j.Publishes < 2 {
		t.Fatalf("job %+v", j)
	}
	if e.srv.Reconciler().Republished() < 1 {
		t.Fatal("the reconciler republished nothing")
	}
	// The job is final: no more republishes, and one result.
	time.Sleep(500 * time.Millisecond)
	c, err := e.store.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Topics["primes"]; n != 1 {
		t.Fatalf("%d results on primes, want 1", n)
	}
	if after := e.job(t, id); after.Publishes != j.Publishes {
		t.Fatalf("republished after it was done: %d then %d", j.Publishes, after.Publishes)
	}
}

// TestReconcilerPublishesUnpublished: a job submitted while no nsqd
// answered is published by the reconciler once one does.
func TestReconcilerPublishesUnpublished(t *testing.T) {
	e := start(t)
	st := e.store
	// A second server on the same store, with an nsqd address that does
	// not answer.
	down := &env{store: st, topo: e.topo}
	opts := NewOptions(st, e.topo, "127.0.0.1:1")
	opts.Address = "127.0.0.1:0"
	opts.ReconcileInterval = -1
	opts.Logger = testLogger(t)
	down.serve(t, opts)
	a := down.do(t, "POST", "/api/jobs", []byte(`{"number": 8}`))
	var ans submitAnswer
	a.decode(t, &ans)
	if ans.Published {
		t.Fatalf("published through a dead nsqd: %s", a.body)
	}
	// The first server's reconciler, with a short deadline, publishes it.
	rec := NewReconciler(ReconcilerOptions{Store: st, Publisher: e.srv.pub,
		Deadlines: map[string]time.Duration{KindNumber: time.Millisecond}, Logger: testLogger(t)})
	time.Sleep(10 * time.Millisecond)
	n, err := rec.Once(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Once = %d, %v", n, err)
	}
	if j := e.job(t, ans.ID); j.Publishes != 1 {
		t.Fatalf("job %+v", j)
	}
	// Not due again before its deadline.
	rec.opts.Deadlines[KindNumber] = time.Hour
	if n, err := rec.Once(context.Background()); err != nil || n != 0 {
		t.Fatalf("second pass = %d, %v", n, err)
	}
}
