// Package sink is the results-store sink: the handler of the stage that
// reads the farm's output and dead-letter topics and records every
// message in the results store (see internal/store), once.
//
// Each message is decoded just enough to key and classify it: its "id"
// (a string, or a number's digits), its "input_id" and its "status"; a
// dead-letter record (one with a "body_encoding", as every record has,
// or any message of a topic named X_dead) gives its
// "input_id", its "error" and the "id" of the original body when that
// body is a JSON object with one. A message whose id is a job of the
// ledger finishes that job; any other is kept under its input_id. A
// message without an input_id is keyed on its own input id, which is the
// same on every redelivery of it.
//
// Group commit: concurrent Handle calls are gathered into one Record
// transaction (up to batch_size results, waiting at most batch_delay for
// the batch to fill), and each call returns only once its row is
// committed, so that the runtime finishes the input only when its result
// is durable. A message that cannot be decoded is bad input (a permanent
// error: dead-lettered); a store that fails is a transient error (the
// input is requeued, with back-off, until the store is back).
package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// DeadLetterSuffix ends the names of dead-letter topics: the topology
// names the dead-letter topic of input topic X "X_dead". A message of
// such a topic must be a dead-letter record; a record is recognised on a
// topic of any name by its "body_encoding", which every record has.
const DeadLetterSuffix = "_dead"

// commitTimeout bounds one Record transaction.
const commitTimeout = 30 * time.Second

// Options configures a Handler: the options of a store stage in
// topics.yaml, each documented by its doc tag. Start from DefaultOptions.
type Options struct {
	BatchSize  int               `yaml:"batch_size" doc:"most results recorded in one store transaction (group commit)"`
	BatchDelay topology.Duration `yaml:"batch_delay" doc:"longest a result waits for its transaction to fill before it is committed"`
}

// DefaultOptions returns batches of up to 256 results, committed 2 ms
// after the first at the latest.
func DefaultOptions() Options {
	return Options{BatchSize: 256, BatchDelay: topology.Duration(2 * time.Millisecond)}
}

// Validate reports every invalid option.
func (o Options) Validate() error {
	var errs []error
	if o.BatchSize < 1 {
		errs = append(errs, stage.OptionErrorf("batch_size", "must be at least 1, got %d", o.BatchSize))
	}
	if o.BatchDelay < 0 || o.BatchDelay.D() > time.Second {
		errs = append(errs, stage.OptionErrorf("batch_delay", "must be between 0s and 1s, got %v", o.BatchDelay))
	}
	return errors.Join(errs...)
}

// Spec declares the handler "store".
var Spec = stage.NewStoreSpec("store",
	"records every output and dead letter in the results store, once (the job's result, or keyed on input_id)",
	nil, DefaultOptions, New)

// Handler is the sink's stage.Handler. It is safe for concurrent use.
type Handler struct {
	st    store.Store
	batch int
	delay time.Duration

	mu      sync.Mutex
	pending []*request
	// committing is set while a goroutine commits the pending requests.
	committing bool
	// full wakes the committer when pending holds a whole batch.
	full chan struct{}
}

// request is one result waiting for its transaction.
type request struct {
	r    store.Result
	done chan error
}

// New returns a Handler that records into st.
func New(o Options, st store.Store) (*Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("sink: no results store")
	}
	return &Handler{st: st, batch: o.BatchSize, delay: o.BatchDelay.D(), full: make(chan struct{}, 1)}, nil
}

// Handle implements stage.Handler: it records the message and returns
// once the row is committed.
func (h *Handler) Handle(ctx context.Context, in *stage.Input, _ *stage.Outputs) error {
	r, err := Decode(in.Topic, in.Body)
	if err != nil {
		return stage.Permanent(err)
	}
	if r.InputID == "" {
		r.InputID = in.ID
	}
	r.Body = bytes.Clone(in.Body)
	r.Time = time.Now()
	req := &request{r: r, done: make(chan error, 1)}
	h.mu.Lock()
	h.pending = append(h.pending, req)
	if len(h.pending) >= h.batch {
		select {
		case h.full <- struct{}{}:
		default:
		}
	}
	if !h.committing {
		h.committing = true
		go h.commit()
	}
	h.mu.Unlock()
	select {
	case err := <-req.done:
		if err != nil {
			return fmt.Errorf("sink: record %s result %s: %w", r.Topic, r.InputID, err)
		}
		return nil
	case <-ctx.Done():
		// The row may still be committed; the input is requeued and its
		// redelivery recorded as a duplicate.
		return ctx.Err()
	}
}

// commit records the pending requests in batches until none is left.
// One goroutine at a time runs it, and only while there is work.
func (h *Handler) commit() {
	for {
		h.mu.Lock()
		n := len(h.pending)
		h.mu.Unlock()
		if n < h.batch && h.delay > 0 {
			t := time.NewTimer(h.delay)
			select {
			case <-h.full:
			case <-t.C:
			}
			t.Stop()
		}
		h.mu.Lock()
		n = min(len(h.pending), h.batch)
		batch := h.pending[:n:n]
		h.pending = append([]*request(nil), h.pending[n:]...)
		select {
		case <-h.full:
		default:
		}
		if len(h.pending) >= h.batch {
			h.full <- struct{}{}
		}
		h.mu.Unlock()

		if len(batch) > 0 {
			results := make([]store.Result, len(batch))
			for i, req := range batch {
				results[i] = req.r
			}
			ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
			_, err := h.st.Record(ctx, results)
			cancel()
			for _, req := range batch {
				req.done <- err
			}
		}

		h.mu.Lock()
		if len(h.pending) == 0 {
			h.committing = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
	}
}

// message is what the sink reads of an output or a dead-letter record.
type message struct {
	ID           json.RawMessage `json:"id"`
	InputID      json.RawMessage `json:"input_id"`
	Status       json.RawMessage `json:"status"`
	Error        json.RawMessage `json:"error"`
	BodyEncoding string          `json:"body_encoding"`
	Body         json.RawMessage `json:"body"`
}

// Decode reads the result that body, a message of topic, holds: an error
// for a body that is not a JSON object or whose fields have the wrong
// types. Body and Time are left to the caller.
func Decode(topic string, body []byte) (store.Result, error) {
	var m message
	if err := decodeObject(body, &m); err != nil {
		return store.Result{}, fmt.Errorf("sink: %s message: %w", topic, err)
	}
	r := store.Result{Topic: topic, Status: store.Done}
	var err error
	if r.InputID, err = stringField(m.InputID, "input_id"); err != nil {
		return store.Result{}, fmt.Errorf("sink: %s message: %w", topic, err)
	}
	if m.BodyEncoding != "" || strings.HasSuffix(topic, DeadLetterSuffix) {
		r.Status = store.Dead
		if r.Error, err = stringField(m.Error, "error"); err != nil {
			return store.Result{}, fmt.Errorf("sink: %s record: %w", topic, err)
		}
		if m.BodyEncoding == "json" {
			var orig message
			if decodeObject(m.Body, &orig) == nil {
				r.JobID = idOf(orig.ID)
			}
		}
		return r, nil
	}
	r.JobID = idOf(m.ID)
	status, err := stringField(m.Status, "status")
	if err != nil {
		return store.Result{}, fmt.Errorf("sink: %s message: %w", topic, err)
	}
	if status == string(store.Cancelled) {
		r.Status = store.Cancelled
		if r.Error, err = stringField(m.Error, "error"); err != nil {
			return store.Result{}, fmt.Errorf("sink: %s message: %w", topic, err)
		}
	}
	return r, nil
}

// decodeObject decodes a JSON object into m (numbers kept as their text).
func decodeObject(data []byte, m *message) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errors.New("not a JSON object")
	}
	if err := json.Unmarshal(data, m); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	return nil
}

// stringField returns a JSON string's content: "" when the field is
// absent or null, an error when it is not a string.
func stringField(raw json.RawMessage, name string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%q is not a string: %s", name, truncate(raw))
	}
	return s, nil
}

// idOf returns an "id" as the store keys it: a string's content, or a
// number's digits as written; "" for anything else.
func idOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case c == '-' || c >= '0' && c <= '9':
		return string(raw)
	}
	return ""
}

// truncate shortens a field for an error message.
func truncate(b []byte) string {
	const most = 64
	if len(b) > most {
		return string(b[:most]) + "…"
	}
	return string(b)
}
