package lpsolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
)

// A handler remembers the ids of cancelled jobs for cancelMemory, and at
// most cancelCapacity of them (the latest): a job redelivered or
// published later than that is solved.
const (
	cancelCapacity = 100000
	cancelMemory   = 24 * time.Hour
)

// ActionCancel is the action of a control message that cancels a job:
//
//	{"action": "cancel", "id": "job-7", "reason": "no longer needed"}
//
// "id" is the job's id, a JSON string or number ("7" and 7 name the same
// job); "reason", optional, becomes the "error" of the job's solution
// (DefaultCancelReason when absent or empty, cut to maxReasonBytes).
const ActionCancel = "cancel"

// DefaultCancelReason is the "error" of a cancelled job's solution when
// its control message gives no reason.
const DefaultCancelReason = "cancelled"

// maxReasonBytes bounds the reason copied into a solution, so that a
// cancelled job's solution always fits a message.
const maxReasonBytes = 1024

// control is one message of the control topic.
type control struct {
	Action string          `json:"action"`
	ID     json.RawMessage `json:"id"`
	Reason *string         `json:"reason"`
}

// Control implements stage.Controller. A "cancel" message (see
// ActionCancel) makes the handler remember the job's id and stop the
// solves of that job running in this process; a job whose id it
// remembers, arriving later, is not solved. Either way the job's solution
// has status StatusCancelled. Other fields of a control message are
// ignored; an unknown action, or a message that is not a JSON object
// with a string "action", is an error (the runtime logs it).
func (h *Handler) Control(body []byte) error {
	var c control
	if err := json.Unmarshal(body, &c); err != nil {
		return fmt.Errorf("lpsolve: control message is not a JSON object with a string \"action\": %w", err)
	}
	if c.Action != ActionCancel {
		return fmt.Errorf("lpsolve: unknown control action %q (known: %s)", c.Action, ActionCancel)
	}
	key, ok := jobKey(c.ID)
	if !ok {
		return fmt.Errorf(`lpsolve: cancel: "id" must be a job id, a JSON string or number, got %.40s`, string(c.ID))
	}
	reason := DefaultCancelReason
	if c.Reason != nil && *c.Reason != "" {
		reason = cutUTF8(*c.Reason, maxReasonBytes)
	}
	h.cancels.cancel(key, reason, time.Now())
	return nil
}

// jobKey returns the text of a job id, a JSON string or number: the key
// under which a job is cancelled. ok is false for any other value.
func jobKey(id json.RawMessage) (key string, ok bool) {
	id = bytes.TrimSpace(id)
	switch {
	case isNumber(id):
		var n json.Number
		return string(id), json.Unmarshal(id, &n) == nil
	case len(id) > 0 && id[0] == '"':
		return key, json.Unmarshal(id, &key) == nil
	}
	return "", false
}

// cutUTF8 returns s cut to at most n bytes, on a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cancelCause is the cause of the cancellation of a job's solve.
type cancelCause struct{ reason string }

func (c *cancelCause) Error() string { return "job cancelled: " + c.reason }

// cancels remembers the ids of cancelled jobs and the solves running in
// the handler, by job id. It is safe for concurrent use.
type cancels struct {
	capacity int
	memory   time.Duration

	mu sync.Mutex
	// reasons holds the remembered ids, with their reason and the time of
	// their latest cancel; order lists the cancels oldest first, an id
	// cancelled again appearing again.
	reasons map[string]cancelEntry
	order   []cancelEntry
	running map[string][]*solveRun
}

type cancelEntry struct {
	key, reason string
	at          time.Time
}

func newCancels(capacity int, memory time.Duration) *cancels {
	return &cancels{capacity: capacity, memory: memory,
		reasons: map[string]cancelEntry{}, running: map[string][]*solveRun{}}
}

// cancel remembers key as cancelled at now and stops its running solves.
func (c *cancels) cancel(key, reason string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := cancelEntry{key: key, reason: reason, at: now}
	c.reasons[key] = e
	c.order = append(c.order, e)
	c.forget(now)
	for _, r := range c.running[key] {
		r.stop(&cancelCause{reason: reason})
	}
}

// forget drops the cancels older than c.memory and the oldest beyond
// c.capacity. c.mu must be held.
func (c *cancels) forget(now time.Time) {
	n := 0
	for n < len(c.order) && (len(c.order)-n > c.capacity || now.Sub(c.order[n].at) > c.memory) {
		if e := c.order[n]; c.reasons[e.key] == e {
			delete(c.reasons, e.key)
		}
		n++
	}
	clear(c.order[:n])
	c.order = c.order[n:]
}

// start registers a solve of the job key at now and returns it, unless
// the job was cancelled: it then returns the reason and ok true.
func (c *cancels) start(key string, now time.Time) (r *solveRun, reason string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forget(now)
	if e, found := c.reasons[key]; found {
		return nil, e.reason, true
	}
	r = newSolveRun()
	c.running[key] = append(c.running[key], r)
	return r, "", false
}

// finish forgets the solve r of the job key and releases its context.
func (c *cancels) finish(key string, r *solveRun) {
	c.mu.Lock()
	defer c.mu.Unlock()
	runs := slices.DeleteFunc(c.running[key], func(x *solveRun) bool { return x == r })
	if len(runs) == 0 {
		delete(c.running, key)
	} else {
		c.running[key] = runs
	}
	r.stop(nil)
}

// solveRun is one solve of a job that a cancel may stop.
type solveRun struct {
	ctx  context.Context
	stop context.CancelCauseFunc
}

func newSolveRun() *solveRun {
	ctx, stop := context.WithCancelCause(context.Background())
	return &solveRun{ctx: ctx, stop: stop}
}

// cancelled returns the reason of the cancel that stopped the solve, if
// one did; ok is false for a nil r.
func (r *solveRun) cancelled() (reason string, ok bool) {
	if r == nil {
		return "", false
	}
	var c *cancelCause
	if errors.As(context.Cause(r.ctx), &c) {
		return c.reason, true
	}
	return "", false
}

// stoppable runs an engine so that a cancel of the job stops it as its
// deadline would. The engines answer a deadline with what they have
// done (the iterations so far, the best integer solution found) but a
// cancellation with an error only: a cancel presented as a deadline gives
// the job's solution the work done before it stopped. A cancellation of
// the stage's own context (shutdown) reaches the engine unchanged, so that
// the solve fails and the job is retried.
type stoppable struct {
	engine solver.Engine
	run    *solveRun
}

// SolveLP implements solver.Engine.
func (s stoppable) SolveLP(ctx context.Context, m *lp.Model, opts lp.Options) (*lp.Result, error) {
	ctx, done := s.context(ctx)
	defer done()
	return s.engine.SolveLP(ctx, m, opts)
}

// SolveMIP implements solver.Engine.
func (s stoppable) SolveMIP(ctx context.Context, m *lp.Model, opts mip.Options) (*mip.Result, error) {
	ctx, done := s.context(ctx)
	defer done()
	return s.engine.SolveMIP(ctx, m, opts)
}

// context returns a context ended by parent or by a cancel of the job;
// done releases it.
func (s stoppable) context(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	unhook := context.AfterFunc(s.run.ctx, func() { cancel(context.Cause(s.run.ctx)) })
	return stopAsDeadline{ctx}, func() {
		unhook()
		cancel(nil)
	}
}

// stopAsDeadline is a context whose Err is context.DeadlineExceeded when
// a cancel of the job ended it.
type stopAsDeadline struct{ context.Context }

// Err implements context.Context.
func (c stopAsDeadline) Err() error {
	err := c.Context.Err()
	var stopped *cancelCause
	if err != nil && errors.As(context.Cause(c.Context), &stopped) {
		return context.DeadlineExceeded
	}
	return err
}
