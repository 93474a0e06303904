package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/store"
)

// reconcileLimit is the most jobs one pass republishes per deadline.
const reconcileLimit = 5000

// ReconcilerOptions configure a Reconciler.
type ReconcilerOptions struct {
	// Store holds the jobs.
	Store store.Store
	// Publisher republishes them.
	Publisher *Publisher
	// Deadlines give, per kind of job, how long a published job may go
	// without a result before it is published again. A kind without a
	// deadline takes the largest one given.
	Deadlines map[string]time.Duration
	// Interval is the time between two passes.
	Interval time.Duration
	// Metrics, when set, receives nsqfarm_reconciler_republished_total.
	Metrics *metrics.Registry
	// Logger receives the logs; nil means slog.Default().
	Logger *slog.Logger
}

// Reconciler republishes the jobs of the store that have no result past
// their deadline: those nsqd lost (killed before it synced them to disk),
// those never published (no nsqd took them), and those whose stage died
// with them for longer than NSQ's own redelivery takes. A job is
// republished with the same body, so its id is the same, and the sink
// records its result once however many times it was published.
type Reconciler struct {
	opts        ReconcilerOptions
	log         *slog.Logger
	republished *metrics.Counter
}

// NewReconciler returns a Reconciler; Run runs it.
func NewReconciler(opts ReconcilerOptions) *Reconciler {
	r := &Reconciler{opts: opts, log: opts.Logger}
	if r.log == nil {
		r.log = slog.Default()
	}
	reg := opts.Metrics
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	r.republished = reg.Counter("nsqfarm_reconciler_republished_total", "jobs the reconciler published again for want of a result")
	return r
}

// Republished returns the number of jobs republished so far.
func (r *Reconciler) Republished() uint64 { return r.republished.Value() }

// Run makes a pass every Interval until ctx is done.
func (r *Reconciler) Run(ctx context.Context) {
	every(ctx, r.opts.Interval, func() {
		n, err := r.Once(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("reconciler pass failed", "republished", n, "err", err)
		case n > 0:
			r.log.Info("reconciler republished jobs without a result", "jobs", n)
		}
	})
}

// Once makes one pass: for each deadline, the queued jobs last published
// (or submitted, if never published) before now minus the deadline are
// published again and marked published. It returns the number of jobs
// republished.
func (r *Reconciler) Once(ctx context.Context) (int, error) {
	now := time.Now()
	deadlines := make([]time.Duration, 0, len(r.opts.Deadlines))
	var longest time.Duration
	for _, d := range r.opts.Deadlines {
		deadlines = append(deadlines, d)
		longest = max(longest, d)
	}
	slices.Sort(deadlines)
	deadlines = slices.Compact(deadlines)
	deadlineOf := func(kind string) time.Duration {
		if d, ok := r.opts.Deadlines[kind]; ok {
			return d
		}
		return longest
	}
	seen := map[string]bool{}
	total := 0
	var errs []error
	for _, d := range deadlines {
		before := now.Add(-d)
		jobs, err := r.opts.Store.Unfinished(ctx, before, reconcileLimit)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		due := jobs[:0]
		for _, j := range jobs {
			last := j.PublishedAt
			if last.IsZero() {
				last = j.SubmittedAt
			}
			if !seen[j.ID] && last.Before(now.Add(-deadlineOf(j.Kind))) {
				seen[j.ID] = true
				due = append(due, j)
			}
		}
		if len(due) == 0 {
			continue
		}
		slices.SortStableFunc(due, func(a, b store.Job) int { return strings.Compare(a.Topic, b.Topic) })
		n, err := publishJobs(ctx, r.opts.Store, r.opts.Publisher, due)
		total += n
		r.republished.Add(uint64(n))
		switch {
		case err != nil:
			errs = append(errs, err)
		case n < len(due):
			errs = append(errs, fmt.Errorf("no nsqd took %d of the jobs; they are tried again next pass", len(due)-n))
		}
	}
	return total, errors.Join(errs...)
}
