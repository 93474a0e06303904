package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
)

// TestSolveThreads solves an integer model with `nsqfarm solve --threads`:
// out-of-range values are usage errors, two runs with the same number of
// threads print the same solution, node count and bound, and the
// runtime's GOMAXPROCS, which a solve lowers to its threads, is as
// before once it returns.
func TestSolveThreads(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	path := filepath.Join(t.TempDir(), "market.lp")
	if err := os.WriteFile(path, []byte(lptest.MarketSplit(2, 14)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"0", "257", "two"} {
		code, stdout, stderr := runStreams(t, "solve", "--threads", bad, path)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "--threads "+bad+":") {
			t.Errorf("--threads %s: exit %d, stdout %q, stderr %q; want a usage error", bad, code, stdout, stderr)
		}
	}
	type answer struct {
		Status    string             `json:"status"`
		Objective *float64           `json:"objective"`
		Variables map[string]float64 `json:"variables"`
		Bound     *float64           `json:"bound"`
		Nodes     int                `json:"nodes"`
	}
	for _, threads := range []string{"1", "2", "4"} {
		var first answer
		for run := range 2 {
			code, out, stderr := runStreams(t, "solve", "--json", "--mip-gap", "1e-9", "--threads", threads, path)
			if code != 0 {
				t.Fatalf("--threads %s: exit %d: %s", threads, code, stderr)
			}
			if p := runtime.GOMAXPROCS(0); p != procs {
				t.Errorf("--threads %s: GOMAXPROCS %d after the solve, %d before", threads, p, procs)
			}
			var got answer
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Status != "optimal" || got.Objective == nil || got.Bound == nil || got.Nodes == 0 {
				t.Fatalf("--threads %s: %s, want an optimal solution found by branching", threads, out)
			}
			if run == 0 {
				first = got
				continue
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(first)
			if string(a) != string(b) {
				t.Errorf("--threads %s: second run %s, first %s", threads, a, b)
			}
		}
	}
}
