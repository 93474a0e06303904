package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
)

func TestPruneKeepsWhatIsRecent(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	jobs := []store.Job{
		{ID: "old", Kind: KindNumber, Topic: "numbers", Body: json.RawMessage(`{"number":7,"id":"old"}`)},
		{ID: "queued", Kind: KindNumber, Topic: "numbers", Body: json.RawMessage(`{"number":8,"id":"queued"}`)},
	}
	if err := st.AddJobs(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Record(ctx, []store.Result{{JobID: "old", InputID: "i-old", Topic: "primes", Status: store.Done,
		Body: json.RawMessage(`{"number":7,"id":"old","prime":true}`), Time: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	// A retention of one second, checked every 20 ms: the finished job
	// goes once it is a second old, the queued one stays.
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		prune(pctx, st, time.Second, 20*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() { cancel(); <-done }()
	nsqtest.Eventually(t, 10*time.Second, "the finished job to be pruned", func() bool {
		_, err := st.Job(ctx, "old")
		return errors.Is(err, store.ErrNotFound)
	})
	if j, err := st.Job(ctx, "queued"); err != nil || j.Status != store.Queued {
		t.Fatalf("the queued job: %+v, %v", j, err)
	}
}
