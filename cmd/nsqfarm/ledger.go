package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/producers"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
)

// ledgerChunk is the number of jobs recorded in the store at a time.
const ledgerChunk = 1000

// ledger records the jobs of `publish --store` in the results store before
// they are published, and marks them published as nsqd acknowledges them,
// as the job API does, so that the reconciler of a job API on the same
// store republishes any that nsqd loses.
type ledger struct {
	st                 store.Store
	kind, topic, sweep string

	mu      sync.Mutex
	pending []string // recorded, in publishing order, not yet acknowledged
	err     error    // the first failure to mark jobs published
}

// source wraps src: every body gets an id (its own, else a new one, see
// jobs.WithID) and is recorded, ledgerChunk at a time, before it is
// yielded.
func (l *ledger) source(ctx context.Context, src producers.Source) producers.Source {
	return func(yield func([]byte, error) bool) {
		chunk := make([]store.Job, 0, ledgerChunk)
		flush := func() bool {
			if len(chunk) == 0 {
				return true
			}
			if err := l.st.AddJobs(ctx, chunk); err != nil {
				yield(nil, fmt.Errorf("record jobs in the store: %w", err))
				return false
			}
			l.mu.Lock()
			for _, j := range chunk {
				l.pending = append(l.pending, j.ID)
			}
			l.mu.Unlock()
			for _, j := range chunk {
				if !yield(j.Body, nil) {
					return false
				}
			}
			chunk = chunk[:0]
			return true
		}
		now := time.Now()
		for body, err := range src {
			if err != nil {
				if flush() {
					yield(nil, err)
				}
				return
			}
			id, withID, err := jobs.WithID(body, jobs.NewJobID)
			if err != nil {
				if flush() {
					yield(nil, err)
				}
				return
			}
			chunk = append(chunk, store.Job{ID: id, Kind: l.kind, Topic: l.topic, Sweep: l.sweep,
				Body: append([]byte(nil), withID...), Status: store.Queued, SubmittedAt: now})
			if len(chunk) == ledgerChunk && !flush() {
				return
			}
		}
		flush()
	}
}

// acked marks the next n recorded jobs published (the publisher
// acknowledges batches in order).
func (l *ledger) acked(n int) {
	l.mu.Lock()
	ids := l.pending[:n:n]
	l.pending = l.pending[n:]
	l.mu.Unlock()
	if err := l.st.MarkPublished(context.Background(), ids, time.Now()); err != nil {
		l.mu.Lock()
		if l.err == nil {
			l.err = fmt.Errorf("mark jobs published in the store: %w", err)
		}
		l.mu.Unlock()
	}
}

// failure returns the first failure to mark jobs published.
func (l *ledger) failure() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
