package lpsolve

import (
	"context"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// TestMIPThreadsOption reads mip_threads from a stage's options in
// topics.yaml: the value reaches the branch-and-bound search of a job,
// and values out of range or not integers are rejected with the option's
// name.
func TestMIPThreadsOption(t *testing.T) {
	tests := []struct {
		name    string
		options string
		want    int
		err     string
	}{
		{"default", "{}", 1, ""},
		{"four", "mip_threads: 4", 4, ""},
		{"most", "mip_threads: 256", 256, ""},
		{"zero", "mip_threads: 0", 0, "mip_threads: must be from 1 to 256, got 0"},
		{"too many", "mip_threads: 257", 0, "mip_threads: must be from 1 to 256, got 257"},
		{"negative", "mip_threads: -2", 0, "mip_threads: must be from 1 to 256, got -2"},
		{"not an integer", "mip_threads: two", 0, "mip_threads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.options), &doc); err != nil {
				t.Fatal(err)
			}
			node := doc.Content[0]
			const maxMsgSize = 1 << 20
			checkErr := Spec.CheckOptions(node, maxMsgSize)
			sh, err := Spec.New(node, maxMsgSize, nil)
			if tt.err != "" {
				for _, e := range []error{checkErr, err} {
					if e == nil || !strings.Contains(e.Error(), tt.err) {
						t.Fatalf("error %v, want one containing %q", e, tt.err)
					}
				}
				return
			}
			if checkErr != nil || err != nil {
				t.Fatalf("CheckOptions: %v, New: %v", checkErr, err)
			}
			h := sh.(*Handler)
			var got mip.Options
			h.engine = optsEngine{opts: &got}
			sol, raw, err := handle(t, context.Background(), h, lpJob(lptest.MarketSplit(1, 8)))
			if err != nil || sol.Status != "optimal" {
				t.Fatalf("got %s, %v; want an optimal solution", raw, err)
			}
			if got.Threads != tt.want {
				t.Errorf("search with %d threads, want %d", got.Threads, tt.want)
			}
		})
	}
}
