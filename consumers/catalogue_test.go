package consumers

import (
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/handler"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

func TestNewHandler(t *testing.T) {
	tests := []struct {
		name    string
		handler string
		options map[string]any
		wantErr string
	}{
		{"primality defaults", "primality", nil, ""},
		{"primality options", "primality", map[string]any{"max_digits": 50, "factor_budget": map[string]any{"rho_steps": 10}}, ""},
		{"lpsolve options", "lpsolve", map[string]any{"max_time_limit_ms": 1000, "default_time_limit_ms": 500, "max_variables": 10}, ""},
		{"unknown option", "primality", map[string]any{"max_digit": 50}, "field max_digit not found"},
		{"wrong type", "lpsolve", map[string]any{"max_variables": "many"}, "cannot unmarshal"},
		{"invalid value", "primality", map[string]any{"max_digits": 0}, "MaxDigits"},
		{"unknown handler", "sieve", nil, `unknown handler "sieve"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHandler(tc.handler, tc.options)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				p, ok := h.(handler.Ports)
				if !ok || len(p.Ports()) == 0 {
					t.Fatalf("%s declares no ports", tc.handler)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestShippedTopology checks topics.yaml against the registered handlers,
// their ports and their options.
func TestShippedTopology(t *testing.T) {
	top, err := topology.Load("../topics.yaml", topology.LoadOptions{Handlers: Ports()})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range top.StageNames() {
		s := top.Stages[name]
		if _, err := NewHandler(s.Handler, s.Options); err != nil {
			t.Errorf("stage %s: %v", name, err)
		}
	}
	if len(top.StageNames()) != 2 {
		t.Errorf("stages %v, want primality and lpsolve", top.StageNames())
	}
}
