package mip_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

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
				m := f.Model(seed)
				lpFile := filepath.Join(t.TempDir(), f.Name+".lp")
				if err := lptest.WriteLP(lpFile, m); err != nil {
					t.Fatal(err)
				}
				res := solveChecked(t, fmt.Sprintf("%d rows, %d columns", len(m.Rows), len(m.Vars)), m, mip.Options{RelGap: 1e-9}, 60*time.Second)
				checkOptimum(t, res, glpsolOptimum(t, lpFile), "glpsol")
			})
		}
	}
}
