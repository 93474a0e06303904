package lpsolve

import (
	"context"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// TestCheckAgreesWithHandle: Check rejects exactly the jobs Handle
// dead-letters, with the same reason, and accepts the others.
func TestCheckAgreesWithHandle(t *testing.T) {
	opts := DefaultOptions()
	opts.MaxVariables = 2
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		bad        bool
	}{
		{"named model", `{"model": "wyndor", "params": {"profit_rate_windows": 500}}`, false},
		{"inline model", `{"model": {"sense": "max", "objective": {"x": 1}, "variables": [{"name": "x", "hi": 4}]}}`, false},
		{"not JSON", `{"model": `, true},
		{"unknown model", `{"model": "nope"}`, true},
		{"out of range", `{"model": "wyndor", "params": {"profit_rate_windows": -1}}`, true},
		{"lp syntax", `{"format": "lp", "text": "max\n obj: x +\nend\n"}`, true},
		{"over the size limit", `{"format": "lp", "text": "max\n obj: x + y + z\nend\n"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checked := h.Check([]byte(tt.body))
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // no solve: the handler gives up before its first iteration
			handled := h.Handle(ctx, &stage.Input{Body: []byte(tt.body), Attempt: 1}, &stage.Outputs{})
			if (checked != nil) != tt.bad || stage.IsPermanent(handled) != tt.bad {
				t.Fatalf("Check = %v, Handle = %v, want bad = %v", checked, handled, tt.bad)
			}
			if tt.bad && !strings.Contains(handled.Error(), checked.Error()) {
				t.Fatalf("Check says %q, Handle %q", checked, handled)
			}
		})
	}
	if _, ok := h.Template("wyndor"); !ok {
		t.Fatal("no template wyndor")
	}
}
