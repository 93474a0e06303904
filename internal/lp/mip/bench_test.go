package mip_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
)

// BenchmarkNodeThroughput measures the relaxations solved per second by
// a search cut off after a fixed number of nodes, on MIPLIB models of
// different shapes. Cuts are off: they change the relaxations, and with
// them the nodes compared; so are the primal heuristics, whose sub-MIPs
// and dives would be timed as well.
func BenchmarkNodeThroughput(b *testing.B) {
	miplibAnswers(b) // skips without the data
	for _, name := range []string{"misc03", "p0201", "bell5", "vpm2"} {
		m, err := modelfile.Read(filepath.Join(lpData, "miplib", name+".mps.gz"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			opts := exact
			opts.MaxNodes = 500
			opts.NoCuts = true
			opts.NoHeuristics = true
			nodes := 0
			var took time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := mip.Solve(context.Background(), m, opts)
				if err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				nodes += res.Nodes
			}
			b.ReportMetric(float64(nodes)/took.Seconds(), "nodes/s")
		})
	}
}
