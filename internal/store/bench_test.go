package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
)

// BenchmarkRecord measures the sink's write path: results of jobs of the
// ledger recorded in batches of 1 and of 256 (what the sink's group
// commit gathers under load), reported as rows/s.
func BenchmarkRecord(b *testing.B) {
	backends := []struct {
		name string
		url  storetest.NewURL
	}{
		{"sqlite", sqliteURL},
		{"postgres", postgresURL},
	}
	for _, be := range backends {
		for _, batch := range []int{1, 256} {
			b.Run(fmt.Sprintf("%s/batch=%d", be.name, batch), func(b *testing.B) {
				url := be.url(b)
				benchRecord(b, storetest.Open(b, url), batch)
			})
		}
	}
}

func benchRecord(b *testing.B, s store.Store, batch int) {
	ctx := context.Background()
	body := json.RawMessage(`{"id":"x","input_id":"0123456789abcdef0123456789abcdef","model":"wyndor","status":"optimal","objective":3600,"variables":{"Doors":2,"Windows":6}}`)
	const addChunk = 4096
	jobs := make([]store.Job, 0, addChunk)
	results := make([]store.Result, 0, batch)
	rows := 0
	b.ResetTimer()
	start := time.Now()
	var paused time.Duration
	for i := 0; rows < b.N; i++ {
		if i%addChunk == 0 {
			// The jobs the next results belong to, outside the measure.
			p := time.Now()
			b.StopTimer()
			jobs = jobs[:0]
			for k := range addChunk {
				jobs = append(jobs, store.Job{ID: fmt.Sprintf("job-%d", i+k), Kind: "lp", Topic: "lp_params", Body: body})
			}
			if err := s.AddJobs(ctx, jobs); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			paused += time.Since(p)
		}
		id := fmt.Sprintf("job-%d", i)
		results = append(results, store.Result{JobID: id, InputID: "in-" + id, Topic: "solutions", Status: store.Done, Body: body})
		if len(results) == batch || rows+len(results) == b.N {
			n, err := s.Record(ctx, results)
			if err != nil {
				b.Fatal(err)
			}
			if n != len(results) {
				b.Fatalf("Record: %d new of %d", n, len(results))
			}
			rows += n
			results = results[:0]
		}
	}
	b.ReportMetric(float64(rows)/(time.Since(start)-paused).Seconds(), "rows/s")
}
