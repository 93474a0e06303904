package mip_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
)

// The integer models among the sample data of COIN-OR's CoinUtils, which
// Debian's coinor-libcoinutils-dev installs: a third set beside the shared
// MIPLIB models and GLPK's examples, written by other people for other
// readers. Nothing of it is stored in the repository.

// coinSamples is where coinor-libcoinutils-dev installs the sample data;
// COIN_SAMPLES overrides it.
const coinSamples = "/usr/share/coin/Data/Sample"

// coinMIPs are the sample models with the optimum glpsol and cbc both
// prove, and about how long Solve takes without the race detector.
var coinMIPs = map[string]struct {
	want float64
	took time.Duration
}{
	// p0548 of MIPLIB 3, which ../shared does not hold.
	"p0548": {8691, 100 * time.Millisecond},
	// A model of COIN-OR's decomposition examples.
	"atm_5_10_1": {59704.02009413, 300 * time.Millisecond},
	// Nemhauser and Wolsey's knapsack example: its last three columns are
	// integer without bounds, binary by the MPS convention (-341 when
	// read as [0, +Inf)).
	"nw460":    {-176, 10 * time.Millisecond},
	"pack1":    {2, 10 * time.Millisecond},
	"scOneInt": {63, 10 * time.Millisecond},
	"exmip1":   {3.236842105263158, 10 * time.Millisecond},
	"tp3":      {155, 10 * time.Millisecond},
	"tp4":      {0, 10 * time.Millisecond},
	"tp5":      {0, 10 * time.Millisecond},
}

// TestCOINSampleMIPs solves each model of coinMIPs and checks that Solve
// proves the optimum with a feasible point. Without the sample data the
// test is skipped. Under the race detector only the models that take up
// to miplibRaceMax are solved.
func TestCOINSampleMIPs(t *testing.T) {
	dir := os.Getenv("COIN_SAMPLES")
	if dir == "" {
		dir = coinSamples
	}
	if _, err := os.Stat(filepath.Join(dir, "p0548.mps")); err != nil {
		t.Skipf("COIN-OR sample data not found (apt-get install coinor-libcoinutils-dev, or set COIN_SAMPLES): %v", err)
	}
	for name, c := range coinMIPs {
		t.Run(name, func(t *testing.T) {
			if raceflag.Enabled && c.took > miplibRaceMax {
				t.Skipf("takes about %v without the race detector", c.took)
			}
			t.Parallel()
			m, err := modelfile.Read(filepath.Join(dir, name+".mps"))
			if err != nil {
				t.Fatal(err)
			}
			res := solveChecked(t, name, m, mip.Options{RelGap: 1e-9}, 60*time.Second)
			checkOptimum(t, res, c.want, "glpsol and cbc")
		})
	}
}
