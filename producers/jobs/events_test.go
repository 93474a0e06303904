package jobs

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// sseEvent is one event of the stream.
type sseEvent struct {
	id, event string
	job       store.Job
}

// stream connects to /api/events and returns its events as they come.
func (e *env) stream(t *testing.T, query string, lastID string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/events"+query, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("events: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 100)
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &ev.job)
			case line == "" && ev.event != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// next returns the next event, failing after a timeout.
func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return sseEvent{}
}

func TestEvents(t *testing.T) {
	e := start(t)
	all := e.stream(t, "", "")
	first := e.submit(t, `{"id": "e1", "number": 11}`)
	// Recorded, then marked published: one event or two, depending on
	// the poll's timing; the last says published.
	ev := next(t, all)
	if ev.event != "job" || ev.job.ID != first || ev.id != strconv.FormatInt(ev.job.Seq, 10) {
		t.Fatalf("event %+v", ev)
	}
	for ev.job.Publishes == 0 {
		ev = next(t, all)
	}

	// A sweep filter, and a change of state.
	sw := e.do(t, "POST", "/api/sweeps", []byte(`{"numbers": {"from": 1, "to": 2}}`))
	var ans sweepAnswer
	sw.decode(t, &ans)
	mine := e.stream(t, "?sweep="+ans.Sweep, "")
	e.do(t, "DELETE", "/api/jobs/e1", nil)
	e.do(t, "DELETE", "/api/jobs/"+ans.IDs[1], nil)
	ev = next(t, mine)
	if ev.job.ID != ans.IDs[1] || ev.job.Status != store.Cancelled {
		t.Fatalf("sweep stream: %+v", ev.job)
	}

	// Last-Event-ID replays what came after it.
	again := e.stream(t, "", "0")
	seen := map[string]bool{}
	for len(seen) < 3 {
		seen[next(t, again).job.ID] = true
	}
	for _, id := range []string{"e1", ans.IDs[0], ans.IDs[1]} {
		if !seen[id] {
			t.Fatalf("replay from 0 missed %s: %v", id, seen)
		}
	}
	if a := e.do(t, "GET", "/api/events", nil, "Last-Event-ID", "x"); a.status != 400 {
		t.Fatalf("bad Last-Event-ID: %d", a.status)
	}
}

// slowChanges is a store whose Changes takes delay longer.
type slowChanges struct {
	store.Store
	delay time.Duration
}

func (s slowChanges) Changes(ctx context.Context, after int64, limit int) ([]store.Job, int64, error) {
	time.Sleep(s.delay)
	return s.Store.Changes(ctx, after, limit)
}

// TestEventsAfterTheHeaders: a change the client makes as soon as it has
// the stream's headers reaches it, however slowly the store answers the
// stream's first query (a stream once read the newest change after
// sending its headers and skipped such changes).
func TestEventsAfterTheHeaders(t *testing.T) {
	e := start(t, func(o *Options) { o.Store = slowChanges{o.Store, 300 * time.Millisecond} })
	id := e.submit(t, `{"id": "h1", "number": 13}`)
	// Wait until the job is marked published: its last change before the
	// stream.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var j store.Job
		e.do(t, "GET", "/api/jobs/"+id, nil).decode(t, &j)
		if j.Publishes > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job was not marked published within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	events := e.stream(t, "", "")
	e.do(t, "DELETE", "/api/jobs/"+id, nil)
	ev := next(t, events)
	if ev.job.ID != id || ev.job.Status != store.Cancelled {
		t.Fatalf("event %+v, want the cancel of %s", ev.job, id)
	}
}

// TestSlowSubscriberDropped: a subscriber whose buffer is full is
// disconnected, and the others still get every change.
func TestSlowSubscriberDropped(t *testing.T) {
	st := openStore(t)
	b := newBroker(st, 10*time.Millisecond, testLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.start(ctx)
	slow, _, err := b.subscribe(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	fast, _, _ := b.subscribe(ctx, "")
	n := subscriberBuffer + 10
	jobs := make([]store.Job, n)
	for i := range jobs {
		jobs[i] = store.Job{ID: "j" + strconv.Itoa(i), Kind: KindNumber, Topic: "numbers", Body: []byte(`{"number":1}`),
			Status: store.Queued, SubmittedAt: time.Now()}
	}
	got := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range fast.ch {
			if got++; got == n {
				return
			}
		}
	}()
	if err := st.AddJobs(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the fast subscriber got %d of %d changes", got, n)
	}
	dropped := 0
	for range slow.ch {
		dropped++
	}
	if dropped != subscriberBuffer {
		t.Fatalf("the slow subscriber kept %d changes before it was dropped, want %d", dropped, subscriberBuffer)
	}
}
