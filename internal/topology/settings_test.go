package topology_test

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/topology"
)

var update = flag.Bool("update", false, "rewrite the README's table of stage settings")

func TestSettingsTable(t *testing.T) {
	table := topology.SettingsTable()
	if n := reflect.TypeFor[topology.StageSettings]().NumField(); len(table) != n {
		t.Fatalf("%d settings in the table, %d fields in StageSettings", len(table), n)
	}
	seen := map[string]bool{}
	for _, s := range table {
		if seen[s.Name] || s.Doc == "" || s.Default == "" || s.Min == "" {
			t.Errorf("setting %+v: duplicate name, or no doc, default or minimum", s)
		}
		seen[s.Name] = true
	}
	var bad []string
	topology.DefaultStageSettings().Check(func(field, msg string) { bad = append(bad, field+": "+msg) })
	if len(bad) > 0 {
		t.Errorf("built-in defaults out of range: %v", bad)
	}
	def := topology.DefaultStageSettings()
	if def.MaxAttempts != 10 || def.MsgTimeout.D() != time.Minute || def.BatchDelay.D() != 5*time.Millisecond {
		t.Errorf("defaults %+v do not follow the tags", def)
	}
}

func TestWithDefaults(t *testing.T) {
	got := topology.StageSettings{Concurrency: 2, BatchSize: 10, MaxAttempts: 3}.WithDefaults()
	want := topology.DefaultStageSettings()
	want.Concurrency, want.BatchSize, want.MaxAttempts, want.MaxInFlight = 2, 10, 3, 80
	if got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
	if got := (topology.StageSettings{Concurrency: 100}).WithDefaults().MaxInFlight; got != 2500 {
		t.Errorf("max_in_flight sized to %d, want the maximum, 2500", got)
	}
}

func TestResolveSettings(t *testing.T) {
	top, err := topology.Parse("t.yaml", []byte(valid), topology.LoadOptions{Handlers: handlers})
	if err != nil {
		t.Fatal(err)
	}
	s := top.Stages["primality"]
	set, err := top.ResolveSettings(s, topology.StageSettings{Concurrency: 1, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	if set.Concurrency != 1 || set.MaxAttempts != 2 || set.MsgTimeout.D() != 30*time.Second || set.MaxInFlight != 4*set.BatchSize {
		t.Errorf("settings %+v: override, stage and defaults not applied in that order", set)
	}
	for _, tc := range []struct {
		override topology.StageSettings
		want     string
	}{
		{topology.StageSettings{MaxInFlight: -1}, "max_in_flight: must be between 0 and 2500, got -1"},
		{topology.StageSettings{Concurrency: -1}, "concurrency: must be >= 0, got -1"},
		{topology.StageSettings{MsgTimeout: topology.Duration(time.Hour)}, "msg_timeout: must be between 1s and 15m0s, got 1h0m0s"},
	} {
		if _, err := top.ResolveSettings(s, tc.override); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("override %+v: error %v, want %q", tc.override, err, tc.want)
		}
	}
}

// TestREADMEStageSettings checks that the README's table of stage
// settings is the one SettingsMarkdown generates; -update rewrites it.
func TestREADMEStageSettings(t *testing.T) {
	const (
		readme = "../../README.md"
		begin  = "<!-- stage settings: generated from internal/topology's StageSettings; refresh with go test ./internal/topology -run TestREADMEStageSettings -update -->\n"
		end    = "<!-- end of stage settings -->\n"
	)
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no stage settings section (%q ... %q)", readme, begin, end)
	}
	want := topology.SettingsMarkdown()
	if got := doc[i+len(begin) : j]; got == want {
		return
	}
	if !*update {
		t.Fatalf("the README's table of stage settings is stale: run go test ./internal/topology -run TestREADMEStageSettings -update\nwant:\n%s", want)
	}
	doc = doc[:i+len(begin)] + want + doc[j:]
	if err := os.WriteFile(readme, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultTopology(t *testing.T) {
	builtin, err := topology.Default(topology.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := topology.Load("../../topics.yaml", topology.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if builtin.File != topology.BuiltinFile || !reflect.DeepEqual(builtin.StageNames(), file.StageNames()) ||
		!reflect.DeepEqual(builtin.Defaults, file.Defaults) {
		t.Errorf("built-in topology %s differs from topics.yaml", builtin.File)
	}
}
