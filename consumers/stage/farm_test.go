package stage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// builtin returns the built-in topology, checked against the catalogue.
func builtin(t *testing.T) *topology.Topology {
	t.Helper()
	top, err := topology.Default(topology.LoadOptions{Handlers: consumers.Catalogue})
	if err != nil {
		t.Fatal(err)
	}
	return top
}

func TestNewFarmResolvesSettings(t *testing.T) {
	top := builtin(t)
	st := storetest.Open(t, "sqlite:"+filepath.Join(t.TempDir(), "store.db"))
	f, err := stage.NewFarm(stage.FarmOptions{Topology: top, Catalogue: consumers.Catalogue, Store: st,
		Overrides: stage.Overrides{Concurrency: 2, NSQDTCPAddresses: []string{"10.0.0.1:4150"}}})
	if err != nil {
		t.Fatal(err)
	}
	def := topology.DefaultStageSettings()
	for _, s := range f.Stages() {
		cfg := s.Config()
		want := top.Settings(top.Stages[cfg.Name])
		want.Concurrency = 2
		if cfg.Name == "primality" {
			want.MaxInFlight = 4 * 2 * def.BatchSize // sized from the overriding concurrency
		}
		if cfg.Settings != want {
			t.Errorf("stage %s: settings %+v, want %+v", cfg.Name, cfg.Settings, want)
		}
		if len(cfg.LookupdHTTPAddresses) != 0 || cfg.NSQDTCPAddresses[0] != "10.0.0.1:4150" {
			t.Errorf("stage %s: addresses not overridden: %v %v", cfg.Name, cfg.LookupdHTTPAddresses, cfg.NSQDTCPAddresses)
		}
	}
}

func TestNewFarmRejects(t *testing.T) {
	tests := []struct {
		name string
		opts stage.FarmOptions
		want string
	}{
		{"bad max in flight", stage.FarmOptions{Overrides: stage.Overrides{MaxInFlight: -1}}, "max_in_flight: must be between 0 and 2500, got -1"},
		{"bad concurrency", stage.FarmOptions{Overrides: stage.Overrides{Concurrency: -1}}, "concurrency: must be >= 0, got -1"},
		{"options over the message size", stage.FarmOptions{Overrides: stage.Overrides{MaxMsgSize: 500000}},
			"stages.lpsolve.options.max_text_bytes: max_text_bytes (1000000) must be set and at most max_msg_size (500000)"},
		{"unknown stage", stage.FarmOptions{Stages: []string{"sieve"}}, `no stage "sieve"`},
		{"store stage without a store", stage.FarmOptions{Stages: []string{"store"}}, `stage store: handler "store" writes to a results store, and none was given`},
		{"empty catalogue", stage.FarmOptions{Catalogue: stage.NewCatalogue()}, `stages.primality.handler: unknown handler "primality"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Topology = builtin(t)
			if opts.Catalogue == nil {
				opts.Catalogue = consumers.Catalogue
			}
			_, err := stage.NewFarm(opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestFarmStageUp reads nsqfarm_stage_up from the farm's registry: 0
// before the stages run, 1 while they read from and publish to a real
// nsqd.
func TestFarmStageUp(t *testing.T) {
	n := nsqtest.NSQD(t)
	f, err := stage.NewFarm(stage.FarmOptions{Topology: builtin(t), Catalogue: consumers.Catalogue,
		Stages: []string{"primality"}, Overrides: stage.Overrides{NSQDTCPAddresses: []string{n.RealTCPAddr().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	scrape := func() string {
		var b strings.Builder
		if _, err := f.Registry().WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if got := scrape(); !strings.Contains(got, `nsqfarm_stage_up{stage="primality"} 0`+"\n") {
		t.Fatalf("before Run:\n%s", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	nsqtest.Eventually(t, 10*time.Second, "nsqfarm_stage_up 1", func() bool {
		return strings.Contains(scrape(), `nsqfarm_stage_up{stage="primality"} 1`+"\n")
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
