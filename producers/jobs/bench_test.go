package jobs

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkSubmit measures POST /api/jobs, one job a request, on a real
// nsqd and a SQLite store: each job is recorded, published with its own
// MPUB and marked published before the answer.
func BenchmarkSubmit(b *testing.B) {
	for _, kind := range []struct{ name, body string }{
		{"number", `{"number": 1000003}`},
		{"lp", `{"model": "wyndor", "params": {"profit_rate_windows": 500}}`},
	} {
		b.Run(kind.name, func(b *testing.B) {
			e := start(b)
			body := []byte(kind.body)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := http.Post(e.url+"/api/jobs", "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// BenchmarkSweep measures POST /api/sweeps of 10,000 numbers a request:
// jobs recorded and published in batches.
func BenchmarkSweep(b *testing.B) {
	const per = 10000
	e := start(b)
	n := 0
	for b.Loop() {
		body := fmt.Sprintf(`{"numbers": {"from": %d, "to": %d}}`, n*per+1, (n+1)*per)
		n++
		resp, err := http.Post(e.url+"/api/sweeps", "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(n*per)/b.Elapsed().Seconds(), "jobs/s")
}
