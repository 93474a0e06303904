package primality

import (
	"context"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// benchmarkHandle measures Handle on one message, reusing the Outputs as
// the stage runtime does.
func benchmarkHandle(b *testing.B, body string) {
	h := newTestHandler(b)
	in := &stage.Input{ID: "0a1b2c3d4e5f6a7b", Body: []byte(body), Attempt: 1}
	var out stage.Outputs
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := h.Handle(ctx, in, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandle(b *testing.B) {
	b.Run("small-composite", func(b *testing.B) {
		benchmarkHandle(b, `{"number": 1234567890, "job": "batch-42", "submitted": "2026-11-21T23:00:00Z"}`)
	})
	b.Run("small-prime", func(b *testing.B) {
		benchmarkHandle(b, `{"number": 1000000007, "job": "batch-42", "submitted": "2026-11-21T23:00:00Z"}`)
	})
	b.Run("bare", func(b *testing.B) {
		benchmarkHandle(b, `97`)
	})
	b.Run("64bit-semiprime", func(b *testing.B) {
		benchmarkHandle(b, `{"number": "18446743979220271189"}`)
	})
	b.Run("128bit-prime", func(b *testing.B) {
		benchmarkHandle(b, `{"number": 170141183460469231731687303715884105727}`)
	})
}
