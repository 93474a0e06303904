package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// pruneInterval is the time between two prunes of the store when
// Options.Retention is set.
const pruneInterval = time.Hour

// prune deletes from st, at once and then every interval until ctx is
// done, the finished jobs and the results older than retention.
func prune(ctx context.Context, st store.Store, retention, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := st.Prune(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("pruning the results store failed", "retention", retention, "err", err)
		case n > 0:
			log.Info("pruned the results store", "rows", n, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
