package lp_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
)

// BenchmarkWyndor measures the solves per second of a tiny model, the
// typical job of the farm's LP stage.
func BenchmarkWyndor(b *testing.B) {
	m := wyndor(500)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := lp.Solve(ctx, m, lp.Options{})
		if err != nil || res.Status != lp.Optimal {
			b.Fatalf("solve: %v %v", res, err)
		}
	}
}

// benchModels are netlib models of increasing size for BenchmarkNetlib.
var benchModels = []string{"capri", "bandm", "sc205", "vtpbase", "kb2", "afiro", "sc105", "adlittle", "scagr7", "israel", "brandy", "e226", "scfxm1", "ship04s", "degen2", "stair", "25fv47"}

// BenchmarkNetlib solves several netlib models (reading excluded).
func BenchmarkNetlib(b *testing.B) {
	netlibAnswers(b) // skips without the data
	for _, name := range benchModels {
		m, err := modelfile.Read(filepath.Join(dataDir, "netlib", name+".mps.gz"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			iters := 0
			for b.Loop() {
				res, err := lp.Solve(ctx, m, lp.Options{})
				if err != nil || res.Status != lp.Optimal {
					b.Fatalf("solve: %v %v", res.Status, err)
				}
				iters = res.Iterations
			}
			b.ReportMetric(float64(iters), "iters")
		})
	}
}
