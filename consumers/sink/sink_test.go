package sink_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/sink"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		topic string
		body  string
		want  store.Result
		err   string
	}{
		{"solution", "solutions", `{"id":"w1","input_id":"i1","status":"optimal","objective":3600}`,
			store.Result{JobID: "w1", InputID: "i1", Topic: "solutions", Status: store.Done}, ""},
		{"cancelled solution", "solutions", `{"id":"w2","input_id":"i2","status":"cancelled","error":"user asked"}`,
			store.Result{JobID: "w2", InputID: "i2", Topic: "solutions", Status: store.Cancelled, Error: "user asked"}, ""},
		{"error solution is a result", "solutions", `{"id":"w3","input_id":"i3","status":"error","error":"singular"}`,
			store.Result{JobID: "w3", InputID: "i3", Topic: "solutions", Status: store.Done}, ""},
		{"numeric id keeps its digits", "primes", `{"number":97,"id":100109100129100151,"prime":true,"input_id":"i4"}`,
			store.Result{JobID: "100109100129100151", InputID: "i4", Topic: "primes", Status: store.Done}, ""},
		{"no id", "non_primes", ` {"number":4,"prime":false,"factors":["2","2"],"input_id":"i5"} `,
			store.Result{InputID: "i5", Topic: "non_primes", Status: store.Done}, ""},
		{"an object id is no id", "primes", `{"id":{"a":1},"input_id":"i6"}`,
			store.Result{InputID: "i6", Topic: "primes", Status: store.Done}, ""},
		{"dead letter of a job", "lp_params_dead", `{"stage":"lpsolve","error":"unknown model","attempts":1,"input_id":"d1","body_encoding":"json","body":{"id":"w9","model":"nope"}}`,
			store.Result{JobID: "w9", InputID: "d1", Topic: "lp_params_dead", Status: store.Dead, Error: "unknown model"}, ""},
		{"dead letter of text", "numbers_dead", `{"stage":"primality","error":"not JSON","attempts":1,"input_id":"d2","body_encoding":"text","body":"12a\n"}`,
			store.Result{InputID: "d2", Topic: "numbers_dead", Status: store.Dead, Error: "not JSON"}, ""},
		{"dead letter on a topic of another name", "failed_lp", `{"stage":"lpsolve","error":"unknown model","attempts":1,"input_id":"d4","body_encoding":"json","body":{"id":"w8"}}`,
			store.Result{JobID: "w8", InputID: "d4", Topic: "failed_lp", Status: store.Dead, Error: "unknown model"}, ""},
		{"dead letter of a number", "numbers_dead", `{"stage":"primality","error":"negative","attempts":1,"input_id":"d3","body_encoding":"json","body":-5}`,
			store.Result{InputID: "d3", Topic: "numbers_dead", Status: store.Dead, Error: "negative"}, ""},
		{"not JSON", "primes", `12a`, store.Result{}, "not a JSON object"},
		{"an array", "primes", `[1,2]`, store.Result{}, "not a JSON object"},
		{"broken JSON", "primes", `{"input_id":`, store.Result{}, "not a JSON object"},
		{"input_id not a string", "primes", `{"input_id":5}`, store.Result{}, `"input_id" is not a string`},
		{"status not a string", "solutions", `{"input_id":"i","status":1}`, store.Result{}, `"status" is not a string`},
		{"dead letter error not a string", "numbers_dead", `{"input_id":"i","error":[]}`, store.Result{}, `"error" is not a string`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sink.Decode(tc.topic, []byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Decode: %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("Decode = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// counting counts the Record transactions of a real store.
type counting struct {
	store.Store
	records atomic.Int64
}

func (c *counting) Record(ctx context.Context, rs []store.Result) (int, error) {
	c.records.Add(1)
	return c.Store.Record(ctx, rs)
}

func newHandler(t *testing.T, st store.Store, o sink.Options) *sink.Handler {
	t.Helper()
	h, err := sink.New(o, st)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sqlite(t *testing.T) store.Store {
	return storetest.Open(t, "sqlite:"+filepath.Join(t.TempDir(), "store.db"))
}

// TestGroupCommit sends many concurrent messages: each Handle returns only
// once its job is finished in the store, and they share transactions.
func TestGroupCommit(t *testing.T) {
	st := &counting{Store: sqlite(t)}
	const n = 400
	var jobs []store.Job
	for i := range n {
		jobs = append(jobs, store.Job{ID: fmt.Sprintf("j%d", i), Kind: "lp", Topic: "lp_params", Body: json.RawMessage(`{}`)})
	}
	if err := st.AddJobs(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, st, sink.Options{BatchSize: 64, BatchDelay: topology.Duration(5 * time.Millisecond)})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("j%d", i)
			in := &stage.Input{ID: "nsq-" + id, Topic: "solutions", Body: fmt.Appendf(nil, `{"id":%q,"input_id":"in-%d","status":"optimal"}`, id, i)}
			if err := h.Handle(context.Background(), in, &stage.Outputs{}); err != nil {
				errs <- err
				return
			}
			j, err := st.Job(context.Background(), id)
			if err != nil || j.Status != store.Done {
				errs <- fmt.Errorf("after Handle returned, job %s is %q (%v), want done", id, j.Status, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if r := st.records.Load(); r >= n/4 {
		t.Fatalf("%d messages took %d transactions: not grouped", n, r)
	}
	// A redelivery is recorded once.
	in := &stage.Input{ID: "nsq-j0", Topic: "solutions", Body: []byte(`{"id":"j0","input_id":"in-0","status":"optimal"}`)}
	if err := h.Handle(context.Background(), in, &stage.Outputs{}); err != nil {
		t.Fatal(err)
	}
	c, err := st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Topics["solutions"] != n {
		t.Fatalf("%d rows for %d results and a duplicate", c.Topics["solutions"], n)
	}
}

func TestHandleFailures(t *testing.T) {
	st := sqlite(t)
	h := newHandler(t, st, sink.DefaultOptions())
	ctx := context.Background()

	// Bad input is permanent: the runtime dead-letters it.
	err := h.Handle(ctx, &stage.Input{ID: "x", Topic: "primes", Body: []byte("12a")}, &stage.Outputs{})
	if !stage.IsPermanent(err) {
		t.Fatalf("undecodable message: %v, want a permanent error", err)
	}

	// A message without input_id is keyed on its own input id.
	if err := h.Handle(ctx, &stage.Input{ID: "own-id", Topic: "primes", Body: []byte(`{"number":7}`)}, &stage.Outputs{}); err != nil {
		t.Fatal(err)
	}
	rs, err := st.Recent(ctx, "primes", 1)
	if err != nil || len(rs) != 1 || rs[0].InputID != "own-id" || string(rs[0].Body) != `{"number":7}` {
		t.Fatalf("Recent(primes) = %+v, %v; want the message under its own input id", rs, err)
	}

	// A store that fails is transient: the runtime requeues.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	err = h.Handle(ctx, &stage.Input{ID: "y", Topic: "primes", Body: []byte(`{"number":11,"input_id":"y"}`)}, &stage.Outputs{})
	if err == nil || stage.IsPermanent(err) {
		t.Fatalf("store closed: %v, want a transient error", err)
	}

	// A cancelled context returns at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = newHandler(t, sqlite(t), sink.DefaultOptions()).Handle(cctx, &stage.Input{ID: "z", Topic: "primes", Body: []byte(`{"input_id":"z"}`)}, &stage.Outputs{})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []sink.Options{
		{BatchSize: 0, BatchDelay: 0},
		{BatchSize: 1, BatchDelay: topology.Duration(-time.Millisecond)},
		{BatchSize: 1, BatchDelay: topology.Duration(2 * time.Second)},
	} {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v): no error", o)
		}
	}
	if _, err := sink.New(sink.DefaultOptions(), nil); err == nil {
		t.Error("New without a store: no error")
	}
}
