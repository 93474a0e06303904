// Package storetest is the conformance suite of the results store: every
// implementation of store.Store runs it (internal/store's tests run it on
// SQLite, and on PostgreSQL when NSQFARM_TEST_POSTGRES names a database).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// NewURL returns the URL of a new, empty database for one test; the
// suite opens it with store.Open, as many times as it needs (several
// Store values on one database stand for several processes).
type NewURL func(t testing.TB) string

// Run runs the suite.
func Run(t *testing.T, newURL NewURL) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newURL NewURL)
	}{
		{"AddJobs", testAddJobs},
		{"AddJobsAllOrNone", testAddJobsAllOrNone},
		{"MarkPublished", testMarkPublished},
		{"Cancel", testCancel},
		{"Record", testRecord},
		{"RecordConcurrent", testRecordConcurrent},
		{"Jobs", testJobs},
		{"Unfinished", testUnfinished},
		{"Changes", testChanges},
		{"ChangesUnderConcurrentWriters", testChangesConcurrent},
		{"Counts", testCounts},
		{"CountsOneSnapshot", testCountsSnapshot},
		{"Recent", testRecent},
		{"Prune", testPrune},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newURL) })
	}
}

// Open opens url and closes the store when the test ends.
func Open(t testing.TB, url string) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", store.Describe(url), err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// ctx is the context of one test step.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// job returns a queued lp job with the given id, submitted at t0+i s.
func job(id string, i int) store.Job {
	return store.Job{
		ID: id, Kind: "lp", Topic: "lp_params",
		Body:        json.RawMessage(fmt.Sprintf(`{"id":%q,"model":"wyndor"}`, id)),
		SubmittedAt: t0.Add(time.Duration(i) * time.Second),
	}
}

// jobs returns n jobs named prefix-1 … prefix-n, submitted one second apart.
func jobs(prefix string, n int) []store.Job {
	out := make([]store.Job, n)
	for i := range out {
		out[i] = job(fmt.Sprintf("%s-%d", prefix, i+1), i)
	}
	return out
}

// result returns a solution result for the job id, read from input
// input.
func result(id, input string, status store.Status) store.Result {
	topic, errText := "solutions", ""
	if status == store.Dead {
		topic, errText = "lp_params_dead", "malformed"
	}
	return store.Result{
		JobID: id, InputID: input, Topic: topic, Status: status, Error: errText,
		Body: json.RawMessage(fmt.Sprintf(`{"id":%q,"input_id":%q,"status":%q}`, id, input, status)),
		Time: t0.Add(time.Hour),
	}
}

func mustAdd(t *testing.T, s store.Store, js ...store.Job) {
	t.Helper()
	if err := s.AddJobs(ctx(t), js); err != nil {
		t.Fatalf("AddJobs: %v", err)
	}
}

func mustRecord(t *testing.T, s store.Store, want int, rs ...store.Result) {
	t.Helper()
	n, err := s.Record(ctx(t), rs)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if n != want {
		t.Fatalf("Record: %d new, want %d", n, want)
	}
}

func mustJob(t *testing.T, s store.Store, id string) store.Job {
	t.Helper()
	j, err := s.Job(ctx(t), id)
	if err != nil {
		t.Fatalf("Job(%q): %v", id, err)
	}
	return j
}

func ids(js []store.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testAddJobs(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	in := job("a", 0)
	in.Sweep = "sw"
	mustAdd(t, s, in)
	got := mustJob(t, s, "a")
	if got.ID != "a" || got.Kind != "lp" || got.Topic != "lp_params" || got.Sweep != "sw" ||
		string(got.Body) != string(in.Body) || got.Status != store.Queued || !got.SubmittedAt.Equal(in.SubmittedAt) ||
		!got.PublishedAt.IsZero() || !got.FinishedAt.IsZero() || got.Publishes != 0 || got.Seq <= 0 || got.Result != nil || got.Error != "" {
		t.Fatalf("Job(a) = %+v, want the job as added, queued, with a Seq", got)
	}
	if _, err := s.Job(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Job(nope): %v, want ErrNotFound", err)
	}
	// SubmittedAt defaults to now.
	before := time.Now().Add(-time.Second)
	mustAdd(t, s, store.Job{ID: "b", Kind: "number", Topic: "numbers", Body: json.RawMessage(`{"number":7}`)})
	if b := mustJob(t, s, "b"); b.SubmittedAt.Before(before) || b.Seq <= got.Seq {
		t.Fatalf("Job(b) = %+v: want SubmittedAt now and a Seq above %d", b, got.Seq)
	}
	if err := s.AddJobs(ctx(t), nil); err != nil {
		t.Fatalf("AddJobs(nil): %v", err)
	}
	if err := s.AddJobs(ctx(t), []store.Job{{Kind: "lp"}}); err == nil {
		t.Fatal("AddJobs of a job without an id: no error")
	}
}

func testAddJobsAllOrNone(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	mustAdd(t, s, job("x-2", 0))
	cases := []struct {
		name  string
		batch []store.Job
	}{
		{"one id exists", []store.Job{job("x-1", 0), job("x-2", 1), job("x-3", 2)}},
		{"an id twice in the batch", []store.Job{job("x-4", 0), job("x-4", 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.AddJobs(ctx(t), c.batch)
			if !errors.Is(err, store.ErrExists) {
				t.Fatalf("AddJobs: %v, want ErrExists", err)
			}
			for _, j := range c.batch {
				if j.ID == "x-2" {
					continue
				}
				if _, err := s.Job(ctx(t), j.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("after a failed AddJobs, Job(%q): %v, want ErrNotFound", j.ID, err)
				}
			}
		})
	}
	err := s.AddJobs(ctx(t), cases[0].batch)
	if err == nil || !strings.Contains(err.Error(), `"x-2"`) {
		t.Fatalf("AddJobs error %v does not name the id x-2", err)
	}
	// A large batch goes in whole, in more than one statement.
	many := jobs("m", 1000)
	mustAdd(t, s, many...)
	got, err := s.Jobs(ctx(t), store.Filter{Limit: 5000})
	if err != nil || len(got) != 1001 {
		t.Fatalf("Jobs: %d, %v; want 1001", len(got), err)
	}
}

func testMarkPublished(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	mustAdd(t, s, job("a", 0), job("b", 1), job("c", 2))
	mustRecord(t, s, 1, result("c", "in-c", store.Done))
	c0 := mustJob(t, s, "c")
	t1 := t0.Add(time.Minute)
	if err := s.MarkPublished(ctx(t), []string{"a", "b", "c", "unknown", "a"}, t1); err != nil {
		t.Fatalf("MarkPublished: %v", err)
	}
	t2 := t1.Add(time.Minute)
	if err := s.MarkPublished(ctx(t), []string{"a"}, t2); err != nil {
		t.Fatalf("MarkPublished: %v", err)
	}
	a, b, c := mustJob(t, s, "a"), mustJob(t, s, "b"), mustJob(t, s, "c")
	if a.Publishes != 2 || !a.PublishedAt.Equal(t2) {
		t.Errorf("a: publishes %d at %v, want 2 at %v", a.Publishes, a.PublishedAt, t2)
	}
	if b.Publishes != 1 || !b.PublishedAt.Equal(t1) {
		t.Errorf("b: publishes %d at %v, want 1 at %v", b.Publishes, b.PublishedAt, t1)
	}
	if c.Publishes != 0 || !c.PublishedAt.IsZero() || c.Seq != c0.Seq {
		t.Errorf("final job c changed by MarkPublished: %+v", c)
	}
	if a.Seq <= b.Seq || b.Seq <= c0.Seq {
		t.Errorf("Seqs a %d, b %d, c %d: want each change above the last", a.Seq, b.Seq, c0.Seq)
	}
}

func testCancel(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	mustAdd(t, s, job("q", 0), job("done", 1), job("gone", 2))
	mustRecord(t, s, 1, result("done", "in-done", store.Done))
	if _, err := s.Cancel(ctx(t), "gone", "first"); err != nil {
		t.Fatalf("Cancel(gone): %v", err)
	}
	cases := []struct {
		id         string
		wantErr    error
		wantStatus store.Status
		wantReason string
	}{
		{"q", nil, store.Cancelled, "user asked"},
		{"done", store.ErrFinal, store.Done, ""},
		{"gone", store.ErrFinal, store.Cancelled, "first"},
		{"unknown", store.ErrNotFound, "", ""},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			before, _ := s.Job(ctx(t), c.id)
			j, err := s.Cancel(ctx(t), c.id, "user asked")
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Fatalf("Cancel: %v, want %v", err, c.wantErr)
			}
			if j.Status != c.wantStatus || j.Error != c.wantReason {
				t.Fatalf("Cancel returned status %q error %q, want %q %q", j.Status, j.Error, c.wantStatus, c.wantReason)
			}
			after, _ := s.Job(ctx(t), c.id)
			switch {
			case c.wantErr == nil && (after.FinishedAt.IsZero() || after.Seq <= before.Seq || after.Status != store.Cancelled):
				t.Fatalf("after Cancel: %+v, want Cancelled, finished, with a new Seq", after)
			case c.wantErr != nil && after.Seq != before.Seq:
				t.Fatalf("a refused Cancel changed the job's Seq from %d to %d", before.Seq, after.Seq)
			}
		})
	}
}

func testRecord(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	mustAdd(t, s, job("j1", 0), job("j2", 1), job("j3", 2), job("j4", 3))
	if _, err := s.Cancel(ctx(t), "j4", "stop"); err != nil {
		t.Fatal(err)
	}
	type check struct {
		id     string
		status store.Status
		result string // input_id of the result it keeps; "" for none
		errStr string
	}
	steps := []struct {
		name    string
		results []store.Result
		wantNew int
		checks  []check
	}{
		{"a result finishes its job", []store.Result{result("j1", "in-1", store.Done)}, 1,
			[]check{{"j1", store.Done, "in-1", ""}}},
		{"a redelivery of it is ignored", []store.Result{result("j1", "in-1", store.Done)}, 0,
			[]check{{"j1", store.Done, "in-1", ""}}},
		{"a second result of a job is ignored: the first wins", []store.Result{result("j1", "in-1b", store.Dead)}, 0,
			[]check{{"j1", store.Done, "in-1", ""}}},
		{"duplicates in one batch count once", []store.Result{result("j2", "in-2", store.Dead), result("j2", "in-2", store.Dead), result("j2", "in-2x", store.Done)}, 1,
			[]check{{"j2", store.Dead, "in-2", "malformed"}}},
		{"a cancelled result cancels", []store.Result{result("j3", "in-3", store.Cancelled)}, 1,
			[]check{{"j3", store.Cancelled, "in-3", ""}}},
		{"a cancelled job stays cancelled and keeps the result", []store.Result{result("j4", "in-4", store.Done)}, 1,
			[]check{{"j4", store.Cancelled, "in-4", "stop"}}},
		{"ids not in the ledger are keyed on input_id", []store.Result{
			result("curl", "in-c1", store.Done), result("curl", "in-c2", store.Done), result("", "in-c3", store.Done), result("curl", "in-c1", store.Done),
		}, 3, nil},
		{"and stay once each", []store.Result{result("curl", "in-c1", store.Done), result("", "in-c3", store.Done)}, 0, nil},
		{"an input_id already used by a job's result is another key", []store.Result{result("other", "in-1", store.Done)}, 1, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			mustRecord(t, s, st.wantNew, st.results...)
			for _, c := range st.checks {
				j := mustJob(t, s, c.id)
				var got struct {
					InputID string `json:"input_id"`
				}
				if j.Result != nil {
					if err := json.Unmarshal(j.Result, &got); err != nil {
						t.Fatalf("%s: result %s: %v", c.id, j.Result, err)
					}
				}
				if j.Status != c.status || got.InputID != c.result || j.Error != c.errStr {
					t.Errorf("%s: status %q, result of %q, error %q; want %q, %q, %q", c.id, j.Status, got.InputID, j.Error, c.status, c.result, c.errStr)
				}
				if j.Status.Final() && j.FinishedAt.IsZero() {
					t.Errorf("%s: final without FinishedAt", c.id)
				}
			}
		})
	}
	if _, err := s.Record(ctx(t), []store.Result{{JobID: "j1", Topic: "solutions", Status: store.Done, Body: json.RawMessage(`{}`)}}); err == nil {
		t.Error("Record of a result without input_id: no error")
	}
	c, err := s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Topics["solutions"] != 7 || c.Topics["lp_params_dead"] != 1 {
		t.Errorf("Counts.Topics = %v, want solutions 7, lp_params_dead 1", c.Topics)
	}
}

func testRecordConcurrent(t *testing.T, newURL NewURL) {
	url := newURL(t)
	stores := []store.Store{Open(t, url), Open(t, url)}
	const nJobs, nLoose, writers, batch = 300, 200, 8, 16
	mustAdd(t, stores[0], jobs("c", nJobs)...)
	var all []store.Result
	for i := 1; i <= nJobs; i++ {
		all = append(all, result(fmt.Sprintf("c-%d", i), fmt.Sprintf("in-%d", i), store.Done))
	}
	for i := 1; i <= nLoose; i++ {
		all = append(all, result("loose", fmt.Sprintf("loose-%d", i), store.Done))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
		errs  []error
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			// Every writer records everything, in its own order.
			order := slices.Clone(all)
			for i := range order {
				k := (i*7 + w*13) % len(order)
				order[i], order[k] = order[k], order[i]
			}
			for lo := 0; lo < len(order); lo += batch {
				n, err := s.Record(context.Background(), order[lo:min(lo+batch, len(order))])
				mu.Lock()
				added += n
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Record: %v", err)
	}
	if added != nJobs+nLoose {
		t.Fatalf("concurrent Record: %d new in all, want %d", added, nJobs+nLoose)
	}
	c, err := stores[1].Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Topics["solutions"] != nJobs+nLoose || c.Jobs[store.Done] != nJobs || c.Jobs[store.Queued] != 0 {
		t.Fatalf("Counts after concurrent Record: %+v", c)
	}
	js, last, err := stores[1].Changes(ctx(t), 0, 2*nJobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != nJobs || js[len(js)-1].Seq != last {
		t.Fatalf("Changes: %d jobs up to %d, want %d jobs up to the last Seq", len(js), js[len(js)-1].Seq, nJobs)
	}
}

func testJobs(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	var all []store.Job
	for i := range 10 {
		j := job(fmt.Sprintf("j%02d", i), i)
		if i%2 == 0 {
			j.Kind, j.Topic = "number", "numbers"
		}
		if i < 4 {
			j.Sweep = "s1"
		}
		all = append(all, j)
	}
	mustAdd(t, s, all...)
	mustRecord(t, s, 2, result("j01", "in-1", store.Done), result("j02", "in-2", store.Dead))
	cases := []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"all", store.Filter{}, []string{"j00", "j01", "j02", "j03", "j04", "j05", "j06", "j07", "j08", "j09"}},
		{"status", store.Filter{Status: store.Done}, []string{"j01"}},
		{"kind", store.Filter{Kind: "number"}, []string{"j00", "j02", "j04", "j06", "j08"}},
		{"sweep", store.Filter{Sweep: "s1"}, []string{"j00", "j01", "j02", "j03"}},
		{"sweep and status", store.Filter{Sweep: "s1", Status: store.Queued}, []string{"j00", "j03"}},
		{"page", store.Filter{AfterID: "j03", Limit: 3}, []string{"j04", "j05", "j06"}},
		{"last page", store.Filter{AfterID: "j08", Limit: 3}, []string{"j09"}},
		{"nothing", store.Filter{Sweep: "none"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Jobs(ctx(t), c.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), c.want) {
				t.Fatalf("Jobs(%+v) = %v, want %v", c.f, ids(got), c.want)
			}
		})
	}
}

func testUnfinished(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	mustAdd(t, s, jobs("u", 6)...) // submitted t0 … t0+5s
	// u-1 published late, u-2 finished, u-3 cancelled.
	if err := s.MarkPublished(ctx(t), []string{"u-1"}, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	mustRecord(t, s, 1, result("u-2", "in-2", store.Done))
	if _, err := s.Cancel(ctx(t), "u-3", ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		before time.Duration
		limit  int
		want   []string
	}{
		{20 * time.Second, 10, []string{"u-4", "u-5", "u-6", "u-1"}},
		{20 * time.Second, 2, []string{"u-4", "u-5"}},
		{5 * time.Second, 10, []string{"u-4", "u-5"}},
		{0, 10, nil},
	}
	for _, c := range cases {
		got, err := s.Unfinished(ctx(t), t0.Add(c.before), c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("Unfinished(t0+%v, %d) = %v, want %v", c.before, c.limit, ids(got), c.want)
		}
	}
}

func testChanges(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	js, last, err := s.Changes(ctx(t), 0, 10)
	if err != nil || len(js) != 0 || last != 0 {
		t.Fatalf("Changes of an empty store: %v, %d, %v", ids(js), last, err)
	}
	mustAdd(t, s, jobs("c", 3)...)
	mustRecord(t, s, 1, result("c-1", "in-1", store.Done))
	if err := s.MarkPublished(ctx(t), []string{"c-2"}, t0); err != nil {
		t.Fatal(err)
	}
	// Changed in the order c-3 (added), c-1 (finished), c-2 (published).
	steps := []struct {
		after    int64
		limit    int
		want     []string
		wantLast int64
	}{
		{0, 10, []string{"c-3", "c-1", "c-2"}, 5},
		{0, 2, []string{"c-3", "c-1"}, 5},
		{4, 10, []string{"c-2"}, 5},
		{5, 10, nil, 5},
	}
	for _, st := range steps {
		js, last, err := s.Changes(ctx(t), st.after, st.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(js), st.want) || last != st.wantLast {
			t.Errorf("Changes(%d, %d) = %v, %d; want %v, %d", st.after, st.limit, ids(js), last, st.want, st.wantLast)
		}
		for i := 1; i < len(js); i++ {
			if js[i].Seq <= js[i-1].Seq {
				t.Errorf("Changes out of Seq order: %d then %d", js[i-1].Seq, js[i].Seq)
			}
		}
	}
}

// testChangesConcurrent follows Changes while writers change jobs in
// several goroutines and Store values: the follower must end up with
// every job's last state, which it cannot if a change numbered below one
// it has seen commits after it.
func testChangesConcurrent(t *testing.T, newURL NewURL) {
	url := newURL(t)
	stores := []store.Store{Open(t, url), Open(t, url), Open(t, url)}
	const writers, per = 4, 60
	done := make(chan struct{})
	seen := map[string]store.Job{}
	var followErr error
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		var after int64
		for {
			// Read done before the pass: the last pass starts after every
			// write has returned.
			finished := false
			select {
			case <-done:
				finished = true
			default:
			}
			for {
				js, last, err := stores[2].Changes(context.Background(), after, 50)
				if err != nil {
					followErr = err
					return
				}
				for _, j := range js {
					if j.Seq <= after {
						followErr = fmt.Errorf("Changes after %d returned Seq %d", after, j.Seq)
						return
					}
					seen[j.ID] = j
					after = j.Seq
				}
				if len(js) == 0 {
					after = max(after, last)
					break
				}
			}
			if finished {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for i := range per {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.AddJobs(context.Background(), []store.Job{job(id, i)}); err != nil {
					errs <- err
					return
				}
				if err := s.MarkPublished(context.Background(), []string{id}, t0); err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					if _, err := s.Cancel(context.Background(), id, "c"); err != nil {
						errs <- err
						return
					}
				} else if _, err := s.Record(context.Background(), []store.Result{result(id, "in-"+id, store.Done)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(done)
	<-followed
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	if followErr != nil {
		t.Fatalf("follower: %v", followErr)
	}
	all, err := stores[2].Jobs(ctx(t), store.Filter{Limit: writers * per})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*per || len(seen) != len(all) {
		t.Fatalf("follower saw %d jobs, the store holds %d, want %d", len(seen), len(all), writers*per)
	}
	for _, j := range all {
		if s := seen[j.ID]; s.Seq != j.Seq || s.Status != j.Status {
			t.Fatalf("follower's last view of %s: seq %d %s; the store: seq %d %s", j.ID, s.Seq, s.Status, j.Seq, j.Status)
		}
	}
}

func testCounts(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	c, err := s.Counts(ctx(t))
	if err != nil || len(c.Topics) != 0 || len(c.Jobs) != 0 || c.Topics == nil || c.Jobs == nil {
		t.Fatalf("Counts of an empty store: %+v, %v; want empty maps", c, err)
	}
	mustAdd(t, s, jobs("k", 5)...)
	mustRecord(t, s, 4, result("k-1", "i1", store.Done), result("k-2", "i2", store.Dead),
		store.Result{InputID: "p1", Topic: "primes", Status: store.Done, Body: json.RawMessage(`{"number":7}`)},
		store.Result{InputID: "p2", Topic: "primes", Status: store.Done, Body: json.RawMessage(`{"number":11}`)})
	if _, err := s.Cancel(ctx(t), "k-3", ""); err != nil {
		t.Fatal(err)
	}
	c, err = s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	wantTopics := map[string]int64{"solutions": 1, "lp_params_dead": 1, "primes": 2}
	wantJobs := map[store.Status]int64{store.Queued: 2, store.Done: 1, store.Dead: 1, store.Cancelled: 1}
	if fmt.Sprint(c.Topics) != fmt.Sprint(wantTopics) || fmt.Sprint(c.Jobs) != fmt.Sprint(wantJobs) {
		t.Fatalf("Counts = %v %v, want %v %v", c.Topics, c.Jobs, wantTopics, wantJobs)
	}
}

// testCountsSnapshot counts while another connection records the results
// of jobs one transaction at a time: every count must see a result and
// its job's final status together or not at all.
func testCountsSnapshot(t *testing.T, newURL NewURL) {
	url := newURL(t)
	reader, writer := Open(t, url), Open(t, url)
	const n = 150
	mustAdd(t, writer, jobs("c", n)...)
	done := make(chan error, 1)
	go func() {
		for i := range n {
			id := fmt.Sprintf("c-%d", i+1)
			if _, err := writer.Record(context.Background(), []store.Result{result(id, "i"+id, store.Done)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	counted := 0
	for {
		c, err := reader.Counts(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if c.Topics["solutions"] != c.Jobs[store.Done] {
			t.Fatalf("Counts saw %d results but %d done jobs", c.Topics["solutions"], c.Jobs[store.Done])
		}
		counted++
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Record: %v", err)
			}
			t.Logf("%d counts while recording %d results", counted, n)
			return
		default:
		}
	}
}

func testRecent(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	var rs []store.Result
	for i := range 5 {
		r := result("", fmt.Sprintf("d%d", i), store.Dead)
		r.Time = t0.Add(time.Duration(i) * time.Second)
		rs = append(rs, r)
	}
	rs = append(rs, result("", "s0", store.Done))
	mustRecord(t, s, 6, rs...)
	got, err := s.Recent(ctx(t), "lp_params_dead", 3)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, r := range got {
		inputs = append(inputs, r.InputID)
	}
	if !slices.Equal(inputs, []string{"d4", "d3", "d2"}) {
		t.Fatalf("Recent = %v, want d4 d3 d2", inputs)
	}
	r := got[0]
	if r.Topic != "lp_params_dead" || r.Status != store.Dead || r.Error != "malformed" || !r.Time.Equal(t0.Add(4*time.Second)) || string(r.Body) != string(rs[4].Body) {
		t.Fatalf("Recent[0] = %+v, want %+v", r, rs[4])
	}
	if got, err := s.Recent(ctx(t), "none", 3); err != nil || len(got) != 0 {
		t.Fatalf("Recent of a topic without results: %v, %v", got, err)
	}
}

func testPrune(t *testing.T, newURL NewURL) {
	s := Open(t, newURL(t))
	mustAdd(t, s, jobs("p", 4)...)
	old, recent := result("p-1", "i1", store.Done), result("p-2", "i2", store.Done)
	old.Time, recent.Time = t0, t0.Add(2*time.Hour)
	loose := store.Result{InputID: "l1", Topic: "primes", Status: store.Done, Body: json.RawMessage(`{}`), Time: t0}
	mustRecord(t, s, 3, old, recent, loose)
	n, err := s.Prune(ctx(t), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Deleted: job p-1 and its result, the loose result.
	if n != 3 {
		t.Fatalf("Prune deleted %d rows, want 3", n)
	}
	got, err := s.Jobs(ctx(t), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), []string{"p-2", "p-3", "p-4"}) {
		t.Fatalf("after Prune, jobs %v, want p-2 p-3 p-4 (queued and recent ones kept)", ids(got))
	}
	if n, err := s.Prune(ctx(t), t0.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("second Prune: %d, %v; want 0", n, err)
	}
	// A larger prune runs in several transactions.
	var many []store.Result
	for i := range 5500 {
		many = append(many, store.Result{InputID: fmt.Sprintf("m%d", i), Topic: "primes", Status: store.Done, Body: json.RawMessage(`{}`), Time: t0})
	}
	mustRecord(t, s, len(many), many...)
	if n, err := s.Prune(ctx(t), t0.Add(time.Hour)); err != nil || n != int64(len(many)) {
		t.Fatalf("Prune of %d results: %d, %v", len(many), n, err)
	}
}

func testReopen(t *testing.T, newURL NewURL) {
	url := newURL(t)
	s, err := store.Open(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, job("r", 0))
	mustRecord(t, s, 1, result("r", "in-r", store.Done))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Two processes opening one database at once migrate it once.
	var wg sync.WaitGroup
	opened := make([]store.Store, 2)
	errs := make([]error, 2)
	for i := range opened {
		wg.Add(1)
		go func() { defer wg.Done(); opened[i], errs[i] = store.Open(context.Background(), url) }()
	}
	wg.Wait()
	for i, s := range opened {
		if errs[i] != nil {
			t.Fatalf("concurrent open: %v", errs[i])
		}
		t.Cleanup(func() { _ = s.Close() })
	}
	j := mustJob(t, opened[1], "r")
	if j.Status != store.Done || j.Result == nil {
		t.Fatalf("after reopening: %+v", j)
	}
	mustRecord(t, opened[0], 0, result("r", "in-r", store.Done))
}
