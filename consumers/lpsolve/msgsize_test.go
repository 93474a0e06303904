package lpsolve

import (
	"strings"
	"testing"
)

func TestCheckMaxMsgSize(t *testing.T) {
	tests := []struct {
		name    string
		tweak   func(*Options)
		maxMsg  int
		wantErr string
	}{
		{"defaults fit NSQ's default", nil, 1 << 20, ""},
		{"text over the message size", func(o *Options) { o.MaxTextBytes = 4 << 20 }, 1 << 20, "max_text_bytes (4194304) must be set and at most max_msg_size (1048576)"},
		{"no text limit", func(o *Options) { o.MaxTextBytes = 0 }, 1 << 20, "max_text_bytes (0) must be set"},
		{"solutions too big", func(o *Options) { o.MaxVariables = 100000 }, 1 << 20, "allow solutions of at least 1500000 bytes, over max_msg_size (1048576)"},
		{"no model size limit", func(o *Options) { o.MaxConstraints = 0 }, 1 << 20, "max_variables and max_constraints must be set"},
		{"a larger message size", func(o *Options) { o.MaxVariables, o.MaxTextBytes = 100000, 4<<20 }, 4 << 20, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			if tc.tweak != nil {
				tc.tweak(&o)
			}
			if _, err := New(o); err != nil {
				t.Fatal(err)
			}
			err := o.CheckMaxMsgSize(tc.maxMsg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
