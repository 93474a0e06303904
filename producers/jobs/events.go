package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// Event stream settings.
const (
	// subscriberBuffer is the number of changes a subscriber may lag
	// behind before it is disconnected.
	subscriberBuffer = 4096
	// changesPage is the number of changes read from the store at once.
	changesPage = 1000
	// keepAliveEvery is the interval of the comment lines that keep
	// proxies from closing an idle stream.
	keepAliveEvery = 15 * time.Second
)

// subscriber is one client of the event stream.
type subscriber struct {
	sweep string
	ch    chan store.Job // closed when the subscriber is dropped
}

// broker polls the store's changes and fans them out to every subscriber.
type broker struct {
	store    store.Store
	interval time.Duration
	log      *slog.Logger

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	cursor int64         // the largest Seq fanned out
	ready  chan struct{} // closed once cursor is known
	once   sync.Once
}

func newBroker(st store.Store, interval time.Duration, log *slog.Logger) *broker {
	return &broker{store: st, interval: interval, log: log, subs: map[*subscriber]struct{}{}, ready: make(chan struct{})}
}

// start runs the broker until ctx is done, unless it runs already.
func (b *broker) start(ctx context.Context) {
	b.once.Do(func() { go b.run(ctx) })
}

// run polls until ctx is done, then drops every subscriber.
func (b *broker) run(ctx context.Context) {
	defer b.closeAll()
	for {
		_, last, err := b.store.Changes(ctx, 0, 1)
		if err == nil {
			b.mu.Lock()
			b.cursor = last
			b.mu.Unlock()
			close(b.ready)
			break
		}
		b.log.Warn("event stream: cannot read the store", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	every(ctx, b.interval, func() {
		if err := b.poll(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("event stream: cannot read the store's changes", "err", err)
		}
	})
}

// every calls fn every d until ctx is done.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

// poll reads every change since the cursor and fans it out.
func (b *broker) poll(ctx context.Context) error {
	for {
		b.mu.Lock()
		after := b.cursor
		idle := len(b.subs) == 0
		b.mu.Unlock()
		if idle {
			// Nobody listens: skip to the end of the changes.
			_, last, err := b.store.Changes(ctx, after, 1)
			if err == nil && last > after {
				b.mu.Lock()
				b.cursor = last
				b.mu.Unlock()
			}
			return err
		}
		jobs, _, err := b.store.Changes(ctx, after, changesPage)
		if err != nil {
			return err
		}
		if len(jobs) == 0 {
			return nil
		}
		b.mu.Lock()
		for _, j := range jobs {
			for s := range b.subs {
				if s.sweep != "" && s.sweep != j.Sweep {
					continue
				}
				select {
				case s.ch <- j:
				default: // too slow: dropped, it resumes with Last-Event-ID
					delete(b.subs, s)
					close(s.ch)
				}
			}
		}
		b.cursor = jobs[len(jobs)-1].Seq
		b.mu.Unlock()
		if len(jobs) < changesPage {
			return nil
		}
	}
}

// subscribe registers a subscriber and returns it with the cursor from
// which it receives changes. It waits until the broker knows its cursor.
func (b *broker) subscribe(ctx context.Context, sweep string) (*subscriber, int64, error) {
	select {
	case <-b.ready:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	s := &subscriber{sweep: sweep, ch: make(chan store.Job, subscriberBuffer)}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[s] = struct{}{}
	return s, b.cursor, nil
}

// unsubscribe removes s, if it was not dropped already.
func (b *broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.ch)
	}
}

// closeAll drops every subscriber.
func (b *broker) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		delete(b.subs, s)
		close(s.ch)
	}
}

// handleEvents is GET /api/events: Server-Sent Events, one "job" event per
// change of a job (the data is the job, the id its Seq). A client that
// sends Last-Event-ID (or ?last_event_id=) first gets every change after
// it; ?sweep= keeps the changes of one sweep.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "this server cannot stream", "")
		return
	}
	sweep := r.URL.Query().Get("sweep")
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("last_event_id")
	}
	var last int64 = -1
	if lastID != "" {
		n, err := strconv.ParseInt(lastID, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, badRequest("Last-Event-ID", "Last-Event-ID %q: want the id of an event", lastID))
			return
		}
		last = n
	}
	ctx := r.Context()
	// Run starts the broker; a Handler mounted elsewhere starts it here.
	s.events.start(context.WithoutCancel(ctx))
	sub, cursor, err := s.events.subscribe(ctx, sweep)
	if err != nil {
		return
	}
	defer s.events.unsubscribe(sub)

	// last is the Seq of the last change sent or skipped: a client
	// without Last-Event-ID starts from the store's newest change, read
	// before the response starts, so that every change the client makes
	// once it has the response's headers reaches it.
	if last < 0 {
		if _, last, err = s.store.Changes(ctx, 0, 1); err != nil {
			s.fail(w, r, fmt.Errorf("events: %w", err))
			return
		}
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": nsqfarm job events\n\n")
	flusher.Flush()
	send := func(j store.Job) bool {
		if j.Seq <= last || (sweep != "" && j.Sweep != sweep) {
			return true
		}
		last = j.Seq
		data, err := json.Marshal(j)
		if err != nil {
			return false
		}
		_, err = fmt.Fprintf(w, "id: %d\nevent: job\ndata: %s\n\n", j.Seq, data)
		return err == nil
	}
	// Catch up from the client's last event to where the live stream
	// starts.
	for last < cursor {
		jobs, _, err := s.store.Changes(ctx, last, changesPage)
		if err != nil || len(jobs) == 0 {
			break
		}
		for _, j := range jobs {
			if j.Seq > cursor {
				break
			}
			if !send(j) {
				return
			}
		}
		flusher.Flush()
		last = max(last, min(cursor, jobs[len(jobs)-1].Seq))
	}
	keepAlive := time.NewTicker(keepAliveEvery)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case j, ok := <-sub.ch:
			if !ok || !send(j) {
				return
			}
		drain:
			for {
				select {
				case j, ok := <-sub.ch:
					if !ok || !send(j) {
						return
					}
				default:
					break drain
				}
			}
		}
		flusher.Flush()
	}
}
