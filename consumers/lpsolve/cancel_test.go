package lpsolve

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
)

// endlessMIP is a model that branch and bound cannot finish in a minute
// (lptest.MarketSplit).
func endlessMIP() string { return lptest.MarketSplit(4, 36) }

// endlessJob is a job of endlessMIP with the given id and a 60 s limit.
func endlessJob(id string) string {
	b, _ := json.Marshal(map[string]any{"id": id, "format": "lp", "text": endlessMIP(), "time_limit_ms": 60000})
	return string(b)
}

// sendControl sends one control message to h and fails the test on an error.
func sendControl(t *testing.T, h *Handler, msg string) {
	t.Helper()
	if err := h.Control([]byte(msg)); err != nil {
		t.Fatalf("Control(%s): %v", msg, err)
	}
}

// runningJob reports whether a solve of the job key runs in h.
func (h *Handler) runningJob(key string) bool {
	h.cancels.mu.Lock()
	defer h.cancels.mu.Unlock()
	return len(h.cancels.running[key]) > 0
}

// handleAsync runs Handle on body in a goroutine, once the job runs.
func handleAsync(t *testing.T, ctx context.Context, h *Handler, key, body string) <-chan handled {
	t.Helper()
	done := make(chan handled, 1)
	go func() {
		var out stage.Outputs
		err := h.Handle(ctx, &stage.Input{ID: "in-" + key, Body: []byte(body), Attempt: 1}, &out)
		var r handled
		r.err = err
		if err == nil {
			r.raw = out.All()[0].Body
			r.err = json.Unmarshal(r.raw, &r.sol)
		}
		done <- r
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !h.runningJob(key) {
		if time.Now().After(deadline) {
			t.Fatalf("job %s does not run", key)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return done
}

type handled struct {
	sol Solution
	raw []byte
	err error
}

// wait returns the outcome of handleAsync, failing the test after timeout.
func wait(t *testing.T, done <-chan handled, timeout time.Duration) handled {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(timeout):
		t.Fatalf("Handle still runs after %v", timeout)
		return handled{}
	}
}

func TestControlRejects(t *testing.T) {
	h := newHandler(t, nil)
	for _, tc := range []struct{ msg, want string }{
		{`not json`, "control message is not a JSON object"},
		{`{"action": 7}`, "control message is not a JSON object"},
		{`{"id": "a"}`, `unknown control action "" (known: cancel)`},
		{`{"action": "pause", "id": "a"}`, `unknown control action "pause"`},
		{`{"action": "cancel"}`, `"id" must be a job id`},
		{`{"action": "cancel", "id": {"a": 1}}`, `"id" must be a job id, a JSON string or number, got {"a": 1}`},
		{`{"action": "cancel", "id": true}`, `"id" must be a job id`},
		{`{"action": "cancel", "id": "a", "reason": 3}`, "control message is not a JSON object"},
	} {
		if err := h.Control([]byte(tc.msg)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Control(%s) = %v, want %q", tc.msg, err, tc.want)
		}
	}
	if len(h.cancels.reasons) != 0 {
		t.Errorf("rejected control messages cancelled %v", h.cancels.reasons)
	}
}

func TestCancelBeforeJob(t *testing.T) {
	h := newHandler(t, nil)
	sendControl(t, h, `{"action": "cancel", "id": "w1", "reason": "superseded", "by": "ops"}`)
	sendControl(t, h, `{"action": "cancel", "id": 7}`)
	sendControl(t, h, `{"action": "cancel", "id": "8", "reason": ""}`)
	sendControl(t, h, `{"action": "cancel", "id": "long", "reason": "`+strings.Repeat("é", 1000)+`"}`)
	tests := []struct {
		name, job, status, reason string
	}{
		{"named model", `{"id": "w1", "model": "wyndor", "params": {"profit_rate_windows": 400}}`, StatusCancelled, "superseded"},
		{"number id cancelled as a number", `{"id": 7, "model": "wyndor"}`, StatusCancelled, DefaultCancelReason},
		{"number id cancelled as a string", `{"id": 8, "model": "wyndor"}`, StatusCancelled, DefaultCancelReason},
		{"string id cancelled as a number", `{"id": "7", "model": "wyndor"}`, StatusCancelled, DefaultCancelReason},
		{"long reason cut", `{"id": "long", "model": "wyndor"}`, StatusCancelled, strings.Repeat("é", maxReasonBytes/2)},
		{"another id", `{"id": "w2", "model": "wyndor"}`, "optimal", ""},
		{"no id", `{"model": "wyndor"}`, "optimal", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sol, raw, err := handle(t, context.Background(), h, tc.job)
			if err != nil {
				t.Fatal(err)
			}
			if sol.Status != tc.status || sol.Error != tc.reason {
				t.Fatalf("status %q error %q, want %q %q\n%s", sol.Status, sol.Error, tc.status, tc.reason, raw)
			}
			if tc.status != StatusCancelled {
				return
			}
			if sol.InputID != "0a1b2c" || sol.Model != "wyndor" || len(sol.Params) != 1 || sol.Iterations != 0 ||
				sol.Objective != nil || sol.Variables != nil || sol.TimeLimitMS != 10000 || sol.Engine.Name != EngineName {
				t.Errorf("cancelled solution %s: want the job's identity, its parameters and limit, no values", raw)
			}
		})
	}
	if _, _, err := handle(t, context.Background(), h, `{"id": "w1", "model": "nope"}`); !stage.IsPermanent(err) {
		t.Errorf("malformed cancelled job: %v, want it dead-lettered as any malformed job", err)
	}
}

func TestCancelRunningJob(t *testing.T) {
	h := newHandler(t, nil)
	done := handleAsync(t, context.Background(), h, "long", endlessJob("long"))
	time.Sleep(200 * time.Millisecond)
	sendControl(t, h, `{"action": "cancel", "id": "other"}`)
	select {
	case r := <-done:
		t.Fatalf("a cancel of another job ended the solve: %s", r.raw)
	case <-time.After(300 * time.Millisecond):
	}
	start := time.Now()
	sendControl(t, h, `{"action": "cancel", "id": "long", "reason": "user asked"}`)
	r := wait(t, done, 10*time.Second)
	took := time.Since(start)
	if r.err != nil {
		t.Fatal(r.err)
	}
	sol := r.sol
	if sol.Status != StatusCancelled || sol.Error != "user asked" || string(sol.ID) != `"long"` || sol.InputID != "in-long" ||
		sol.Model != "lp" || sol.Iterations == 0 || sol.Nodes == nil || *sol.Nodes == 0 || sol.Objective != nil || sol.TimeLimitMS != 60000 {
		t.Fatalf("got %s, want a cancelled solution with the iterations and nodes done", r.raw)
	}
	t.Logf("cancel stopped the solve in %v, after %v ms of solving, %d iterations, %d nodes", took, sol.SolveTimeMS, sol.Iterations, *sol.Nodes)
	if h.runningJob("long") {
		t.Error("the finished solve is still registered")
	}
	// Redelivered, the job is not solved again.
	sol2, raw, err := handle(t, context.Background(), h, endlessJob("long"))
	if err != nil || sol2.Status != StatusCancelled || sol2.Iterations != 0 {
		t.Errorf("redelivered cancelled job: %s, %v; want cancelled at once", raw, err)
	}
}

func TestCancelStopsEveryRunOfTheJob(t *testing.T) {
	h := newHandler(t, nil)
	// An LP job (the simplex method) and a MIP job (branch and bound)
	// running under one id, as a duplicate delivery would.
	lpBody, _ := json.Marshal(map[string]any{"id": "dup", "format": "mps", "text": netlibText(t, "25fv47"), "time_limit_ms": 60000})
	runs := []<-chan handled{handleAsync(t, context.Background(), h, "dup", endlessJob("dup"))}
	runs = append(runs, handleAsync(t, context.Background(), h, "dup", string(lpBody)))
	sendControl(t, h, `{"action": "cancel", "id": "dup"}`)
	for i, done := range runs {
		r := wait(t, done, 10*time.Second)
		if r.err != nil || r.sol.Status != StatusCancelled || r.sol.Error != DefaultCancelReason {
			t.Errorf("run %d: %s, %v; want cancelled", i, r.raw, r.err)
		}
	}
}

func TestShutdownIsNotCancel(t *testing.T) {
	h := newHandler(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := handleAsync(t, ctx, h, "long", endlessJob("long"))
	time.Sleep(100 * time.Millisecond)
	cancel()
	r := wait(t, done, 10*time.Second)
	if r.err == nil || stage.IsPermanent(r.err) {
		t.Fatalf("interrupted solve: %s, %v; want a transient error, so that the job is retried", r.raw, r.err)
	}
	if h.runningJob("long") {
		t.Error("the interrupted solve is still registered")
	}
}

func TestCancelsForget(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		cancels []string // ids, one a minute from t0
		at      time.Duration
		want    []string // ids still remembered at t0 + at
	}{
		{"within capacity and memory", []string{"a", "b", "c"}, 3 * time.Minute, []string{"a", "b", "c"}},
		{"oldest beyond capacity", []string{"a", "b", "c", "d", "e"}, 5 * time.Minute, []string{"c", "d", "e"}},
		{"older than memory", []string{"a", "b", "c"}, 10*time.Minute + 30*time.Second, []string{"b", "c"}},
		{"cancelled again is remembered anew", []string{"a", "b", "a", "c"}, 11*time.Minute + 30*time.Second, []string{"a", "c"}},
		{"repeats count against capacity", []string{"a", "a", "a", "a", "b"}, 5 * time.Minute, []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCancels(3, 10*time.Minute)
			for i, id := range tc.cancels {
				c.cancel(id, "r", t0.Add(time.Duration(i)*time.Minute))
			}
			var got []string
			for _, id := range []string{"a", "b", "c", "d", "e"} {
				if r, _, ok := c.start(id, t0.Add(tc.at)); ok {
					got = append(got, id)
				} else {
					c.finish(id, r)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("remembered %v, want %v", got, tc.want)
			}
			if len(c.order) > 3 || len(c.running) != 0 {
				t.Errorf("%d cancels kept, %d solves registered", len(c.order), len(c.running))
			}
		})
	}
}
