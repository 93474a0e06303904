package consumers

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// stageYAML is a topology with one stage of handler, whose options block
// (indented under the stage) starts on line 9.
func stageYAML(handler, options string) string {
	return fmt.Sprintf(`defaults: {nsqd_tcp_addresses: ["127.0.0.1:4150"]}
topics: {in: {}, a: {}, b: {}, in_dead: {}}
stages:
  s:
    handler: %s
    topic: in
    channel: s
    dead_letter: in_dead
    outputs: {prime: a, composite: b, solution: a}
%s`, handler, options)
}

func TestCatalogueChecksOptions(t *testing.T) {
	tests := []struct {
		name    string
		handler string
		options string
		wantErr string
	}{
		{"primality defaults", "primality", "", ""},
		{"primality options", "primality", "    options:\n      max_digits: 50\n      factor_budget: {rho_steps: 10}", ""},
		{"lpsolve options", "lpsolve", "    options: {max_time_limit_ms: 1000, default_time_limit_ms: 500, max_variables: 10}", ""},
		{"unknown option", "primality", "    options:\n      max_digit: 50", "t.yaml:11: stages.s.options.max_digit: unknown option (options here: max_digits, factor_budget)"},
		{"unknown nested option", "primality", "    options:\n      factor_budget:\n        rho: 1", "t.yaml:12: stages.s.options.factor_budget.rho: unknown option (options here: trial_limit, rho_steps)"},
		{"wrong type", "lpsolve", "    options:\n      max_variables: many", "t.yaml:11: stages.s.options.max_variables: cannot unmarshal"},
		{"invalid value", "primality", "    options:\n      max_digits: 0", "t.yaml:11: stages.s.options.max_digits: must be at least 1, got 0"},
		{"invalid nested value", "primality", "    options:\n      factor_budget: {rho_steps: -2}", "t.yaml:11: stages.s.options.factor_budget.rho_steps: must not be negative, got -2"},
		{"cross-option value", "lpsolve", "    options:\n      max_time_limit_ms: 10\n      default_time_limit_ms: 20", "t.yaml:12: stages.s.options.default_time_limit_ms: must be between 0 and max_time_limit_ms (10), got 20"},
		{"over max_msg_size", "lpsolve", "    options:\n      max_time_limit_ms: 10\n      max_text_bytes: 4194304", "t.yaml:12: stages.s.options.max_text_bytes: max_text_bytes (4194304) must be set and at most max_msg_size (1048576)"},
		{"default over max_msg_size", "lpsolve", "    options:\n      max_variables: 100000", "t.yaml:11: stages.s.options.max_variables: max_variables (100000) and max_constraints (10000) allow solutions of at least 1500000 bytes"},
		{"unknown handler", "sieve", "", `t.yaml:5: stages.s.handler: unknown handler "sieve" (known: [lpsolve primality store])`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := stageYAML(tc.handler, tc.options)
			if tc.handler == "lpsolve" {
				src = strings.Replace(src, "prime: a, composite: b, solution: a", "solution: a", 1)
			} else {
				src = strings.Replace(src, ", solution: a", "", 1)
			}
			_, err := topology.Parse("t.yaml", []byte(src), topology.LoadOptions{Handlers: Catalogue})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestMisspeltOptionInShippedTopology checks that a misspelt option of
// topics.yaml is reported at its own line by validation, before anything
// runs.
func TestMisspeltOptionInShippedTopology(t *testing.T) {
	src, err := os.ReadFile("../topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), "max_digits:", "max_digitz:", 1)
	if bad == string(src) {
		t.Fatal("topics.yaml sets no max_digits")
	}
	line := strings.Count(bad[:strings.Index(bad, "max_digitz:")], "\n") + 1
	_, err = topology.Parse("topics.yaml", []byte(bad), topology.LoadOptions{Handlers: Catalogue})
	want := fmt.Sprintf("topics.yaml:%d: stages.primality.options.max_digitz: unknown option", line)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// TestShippedTopology checks topics.yaml, and the built-in copy of it,
// against the catalogue's handlers, their ports and their options, and
// builds every stage.
func TestShippedTopology(t *testing.T) {
	file, err := topology.Load("../topics.yaml", topology.LoadOptions{Handlers: Catalogue})
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := topology.Default(topology.LoadOptions{Handlers: Catalogue})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, "sqlite:"+filepath.Join(t.TempDir(), "store.db"))
	for _, top := range []*topology.Topology{file, builtin} {
		if got := top.StageNames(); !slices.Equal(got, []string{"primality", "lpsolve", "store"}) {
			t.Errorf("%s: stages %v, want primality, lpsolve and store", top.File, got)
		}
		// The store stage needs the process's store: lint checks it
		// without one, a farm that runs it must be given one.
		if _, err := stage.NewFarm(stage.FarmOptions{Topology: top, Catalogue: Catalogue, CheckOnly: true}); err != nil {
			t.Fatalf("%s: check only: %v", top.File, err)
		}
		if _, err := stage.NewFarm(stage.FarmOptions{Topology: top, Catalogue: Catalogue}); err == nil || !strings.Contains(err.Error(), "--store") {
			t.Fatalf("%s: a farm with the store stage and no store: %v, want an error that names --store", top.File, err)
		}
		f, err := stage.NewFarm(stage.FarmOptions{Topology: top, Catalogue: Catalogue, Store: st})
		if err != nil {
			t.Fatalf("%s: %v", top.File, err)
		}
		if len(f.Stages()) != 3 {
			t.Errorf("%s: %d stages built", top.File, len(f.Stages()))
		}
	}
}

// TestSpecsAreDocumented checks that every handler of the catalogue
// documents itself, its ports and its options.
func TestSpecsAreDocumented(t *testing.T) {
	for _, s := range Catalogue.Specs() {
		// Only a sink, which writes to the store, has no ports.
		if s.Doc == "" || (len(s.Ports) == 0 && !s.NeedsStore()) {
			t.Errorf("%s: no doc or no ports", s.Name)
		}
		for _, p := range s.Ports {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", s.Name, p.Name)
			}
		}
		opts := s.Options()
		if len(opts) == 0 {
			t.Errorf("%s: no options", s.Name)
		}
		for _, o := range opts {
			if o.Doc == "" && !strings.Contains(o.Path, ".") {
				t.Errorf("%s: option %s has no doc", s.Name, o.Path)
			}
		}
	}
}
