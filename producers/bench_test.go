package producers

import (
	"context"
	"io"
	"log"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"
)

// benchBody is a typical numbers message.
var benchBody = []byte(`{"number":100109100129100151}`)

func repeatSource(n int) Source {
	return func(yield func([]byte, error) bool) {
		for i := 0; i < n; i++ {
			if !yield(benchBody, nil) {
				return
			}
		}
	}
}

// BenchmarkPublishMPUB publishes b.N messages through a Publisher (MPUB
// batches of 256) to an in-process nsqd.
func BenchmarkPublishMPUB(b *testing.B) {
	addr := startNSQD(b)
	p, err := NewPublisher(quietOptions(addr))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Stop()
	if err := p.Ping(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	st, err := p.Publish(context.Background(), "bench_mpub", repeatSource(b.N))
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil || st.Acked != int64(b.N) {
		b.Fatalf("stats %+v err %v", st, err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchmarkPublishPUB publishes b.N messages with one synchronous PUB each,
// as nsq_to_nsq and a naive producer do.
func BenchmarkPublishPUB(b *testing.B) {
	addr := startNSQD(b)
	prod, err := nsq.NewProducer(addr, nsq.NewConfig())
	if err != nil {
		b.Fatal(err)
	}
	prod.SetLogger(log.New(io.Discard, "", 0), nsq.LogLevelError)
	defer prod.Stop()
	if err := prod.Ping(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := prod.Publish("bench_pub", benchBody); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchmarkRangeBodies measures the number source alone.
func BenchmarkRangeBodies(b *testing.B) {
	r, _ := ParseRange("100000000000000000000", "100000000000000000000", "1")
	r.To.Add(r.From, bigInt(int64(b.N-1)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for range r.Bodies() {
		n++
	}
	if n != b.N {
		b.Fatal(n)
	}
}
