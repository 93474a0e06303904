package lpsolve

import (
	"context"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// BenchmarkHandleWyndor measures complete jobs through the handler in one
// goroutine: decoding, template instantiation, solve and encoding.
func BenchmarkHandleWyndor(b *testing.B) {
	h := newHandler(b, nil)
	in := &stage.Input{ID: "0a1b2c3d4e5f6a7b", Body: []byte(`{"id":"job-1","model":"wyndor","params":{"profit_rate_windows":500}}`), Attempt: 1}
	var out stage.Outputs
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := h.Handle(ctx, in, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "solves/s")
}

// BenchmarkHandleInline is BenchmarkHandleWyndor with the model inline.
func BenchmarkHandleInline(b *testing.B) {
	h := newHandler(b, nil)
	body := []byte(`{"id":"job-1","model":{"sense":"max","objective":{"Doors":300,"Windows":500},
		"variables":[{"name":"Doors"},{"name":"Windows"}],
		"constraints":[{"name":"plant1","coefs":{"Doors":1},"<=":4},{"name":"plant2","coefs":{"Windows":2},"<=":12},
		{"name":"plant3","coefs":{"Doors":3,"Windows":2},"<=":18}]}}`)
	in := &stage.Input{ID: "0a1b2c3d4e5f6a7b", Body: body, Attempt: 1}
	var out stage.Outputs
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := h.Handle(ctx, in, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "solves/s")
}
