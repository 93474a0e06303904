package mip_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// TestModelFamilies solves generated models of five families, three
// seeds each, and checks that Solve proves glpsol's optimum (glpsol
// reading the model as written by lpformat.Write) with a point that
// meets every row, bound and integrality. Without glpsol (Debian's
// glpk-utils) the test is skipped.
func TestModelFamilies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs glpsol on generated models")
	}
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (apt-get install glpk-utils):", err)
	}
	for _, f := range lptest.Families {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s-%d", f.Name, seed), func(t *testing.T) {
				t.Parallel()
				m := f.Generate(rand.New(rand.NewPCG(seed, 0x6d6970)))
				lpFile := filepath.Join(t.TempDir(), f.Name+".lp")
				if err := lptest.WriteLP(lpFile, m); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				start := time.Now()
				res, err := mip.Solve(ctx, m, mip.Options{RelGap: 1e-9})
				if err != nil {
					t.Fatal(err)
				}
				took := time.Since(start)
				t.Logf("%d rows, %d columns: %s %v in %v, %d nodes", len(m.Rows), len(m.Vars), res.Status, res.Objective,
					took.Round(time.Millisecond), res.Nodes)
				if !res.HasSolution() {
					t.Fatalf("status %s without a solution", res.Status)
				}
				checkFeasible(t, m, res)
				want := glpsolOptimum(t, lpFile)
				if res.Status != lp.Optimal || math.Abs(res.Objective-want) > 1e-6*max(1, math.Abs(want)) {
					t.Fatalf("status %s objective %.10g, want optimal %.10g (glpsol)", res.Status, res.Objective, want)
				}
			})
		}
	}
}
