package topology_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// testSpec is a handler spec with primality's ports and a few options.
type testSpec struct{}

// testOptions are testSpec's options.
type testOptions struct {
	MaxDigits    int `yaml:"max_digits" doc:"longest number"`
	FactorBudget struct {
		RhoSteps int `yaml:"rho_steps"`
	} `yaml:"factor_budget" doc:"factoring bounds"`
	Tags []string `yaml:"tags" doc:"labels"`
}

func (testSpec) PortNames() []string { return []string{"prime", "composite"} }

func (testSpec) CheckOptions(n *yaml.Node, maxMsgSize int) error {
	o := testOptions{MaxDigits: 10}
	if err := topology.DecodeOptions(n, &o); err != nil {
		return err
	}
	var errs []error
	if o.MaxDigits < 1 {
		errs = append(errs, &topology.OptionError{Path: "max_digits", Msg: "must be at least 1"})
	}
	if o.FactorBudget.RhoSteps < 0 {
		errs = append(errs, &topology.OptionError{Path: "factor_budget.rho_steps", Msg: "must not be negative"})
	}
	if o.MaxDigits > maxMsgSize {
		errs = append(errs, &topology.OptionError{Path: "max_digits", Msg: "over max_msg_size"})
	}
	return errors.Join(errs...)
}

// testHandlers is a catalogue of one handler, primality.
type testHandlers struct{}

func (testHandlers) HandlerNames() []string { return []string{"primality"} }

func (testHandlers) HandlerSpec(name string) (topology.HandlerSpec, bool) {
	return testSpec{}, name == "primality"
}

var handlers testHandlers

const valid = `defaults:
  nsqd_tcp_addresses: ["127.0.0.1:4150"]
  lookupd_http_addresses: ["127.0.0.1:4161"]
  stage:
    max_attempts: 7
    msg_timeout: 30s
topics:
  numbers: {}
  primes: {}
  non_primes: {}
  numbers_dead: {}
stages:
  primality:
    handler: primality
    topic: numbers
    channel: primality
    outputs: {prime: primes, composite: non_primes}
    dead_letter: numbers_dead
    concurrency: 3
    options:
      max_digits: 50
      factor_budget: {rho_steps: 10}
`

func TestParseValid(t *testing.T) {
	top, err := topology.Parse("t.yaml", []byte(valid), topology.LoadOptions{Handlers: handlers})
	if err != nil {
		t.Fatal(err)
	}
	s, err := top.Stage("primality")
	if err != nil {
		t.Fatal(err)
	}
	set := top.Settings(s)
	if set.Concurrency != 3 || set.MaxAttempts != 7 || set.MsgTimeout.D() != 30*time.Second {
		t.Errorf("settings %+v: stage and defaults values not applied", set)
	}
	def := topology.DefaultStageSettings()
	if set.BatchSize != def.BatchSize || set.MaxInFlight != min(4*3*def.BatchSize, 2500) {
		t.Errorf("settings %+v: built-in defaults not applied", set)
	}
	if s.Line() != 13 {
		t.Errorf("stage line %d, want 13", s.Line())
	}
	if got := top.InputTopics(); len(got) != 1 || got[0] != "numbers" {
		t.Errorf("input topics %v", got)
	}
}

func TestParseSeveralInputTopics(t *testing.T) {
	src := strings.Replace(valid, "topic: numbers", "topics: [numbers, lp_params]", 1)
	src = strings.Replace(src, "  numbers_dead: {}", "  numbers_dead: {}\n  lp_params: {}", 1)
	top, err := topology.Parse("t.yaml", []byte(src), topology.LoadOptions{Handlers: handlers})
	if err != nil {
		t.Fatal(err)
	}
	s, err := top.Stage("primality")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Inputs(); !slices.Equal(got, []string{"numbers", "lp_params"}) {
		t.Errorf("Inputs() = %v, want numbers lp_params", got)
	}
	if got := top.InputTopics(); !slices.Equal(got, []string{"numbers", "lp_params"}) {
		t.Errorf("InputTopics() = %v, want numbers lp_params", got)
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name    string
		replace [2]string // applied to valid
		want    string
	}{
		{"unknown field", [2]string{"    concurrency: 3", "    concurency: 3"}, "t.yaml:19: field concurency not found"},
		{"bad duration", [2]string{"msg_timeout: 30s", "msg_timeout: soon"}, `t.yaml:6: invalid duration "soon"`},
		{"wrong type", [2]string{"concurrency: 3", "concurrency: many"}, "t.yaml:19: cannot unmarshal !!str `many` into int"},
		{"undeclared output topic", [2]string{"prime: primes,", "prime: primez,"}, `t.yaml:17: stages.primality.outputs.prime: topic "primez" is not declared under topics`},
		{"undeclared input topic", [2]string{"topic: numbers", "topic: numberz"}, `t.yaml:15: stages.primality.topic: topic "numberz" is not declared`},
		{"missing channel", [2]string{"    channel: primality\n", ""}, "stages.primality.channel: is required"},
		{"bad channel name", [2]string{"channel: primality", "channel: prim ality"}, `t.yaml:16: stages.primality.channel: invalid channel name "prim ality"`},
		{"unknown handler", [2]string{"handler: primality", "handler: primes"}, `t.yaml:14: stages.primality.handler: unknown handler "primes"`},
		{"unknown port", [2]string{"prime: primes,", "prim: primes,"}, `stages.primality.outputs.prim: handler "primality" has no output port "prim"`},
		{"unmapped port", [2]string{"prime: primes, ", ""}, `output port "prime" is not mapped`},
		{"loop", [2]string{"composite: non_primes", "composite: numbers"}, "is an input topic of the stage (a loop)"},
		{"topic and topics", [2]string{"topic: numbers", "topic: numbers\n    topics: [numbers]"}, "stages.primality.topics: set topic (one input) or topics (several), not both"},
		{"undeclared topic in topics", [2]string{"topic: numbers", "topics: [numbers, numberz]"}, `t.yaml:15: stages.primality.topics: topic "numberz" is not declared under topics`},
		{"topic twice in topics", [2]string{"topic: numbers", "topics: [numbers, numbers]"}, `t.yaml:15: stages.primality.topics: topic "numbers" is listed twice`},
		{"loop through topics", [2]string{"topic: numbers", "topics: [numbers, primes]"}, `stages.primality.outputs.prime: output topic "primes" is an input topic of the stage (a loop)`},
		{"dead letter in topics", [2]string{"topic: numbers", "topics: [numbers, numbers_dead]"}, "t.yaml:18: stages.primality.dead_letter: must differ from the input topics"},
		{"no input", [2]string{"    topic: numbers\n", ""}, "stages.primality.topic: is required"},
		{"dead letter is input", [2]string{"dead_letter: numbers_dead", "dead_letter: numbers"}, "t.yaml:18: stages.primality.dead_letter: must differ from the input topic"},
		{"negative concurrency", [2]string{"concurrency: 3", "concurrency: -1"}, "t.yaml:19: stages.primality.concurrency: must be >= 0"},
		{"msg timeout too long", [2]string{"msg_timeout: 30s", "msg_timeout: 1h"}, "t.yaml:6: defaults.stage.msg_timeout: must be between 1s and 15m0s"},
		{"bad address", [2]string{`["127.0.0.1:4150"]`, `["localhost"]`}, `t.yaml:2: defaults.nsqd_tcp_addresses: invalid address "localhost"`},
		{"bad topic name", [2]string{"  numbers_dead: {}", "  numbers_dead: {}\n  bad/name: {}"}, `t.yaml:12: topics.bad/name: invalid topic name`},
		{"not yaml", [2]string{"topics:", "topics: ["}, "t.yaml:"},
		{"unknown option", [2]string{"max_digits: 50", "max_digitz: 50"}, "t.yaml:21: stages.primality.options.max_digitz: unknown option (options here: max_digits, factor_budget, tags)"},
		{"unknown nested option", [2]string{"{rho_steps: 10}", "{rho_step: 10}"}, "t.yaml:22: stages.primality.options.factor_budget.rho_step: unknown option (options here: rho_steps)"},
		{"option of the wrong type", [2]string{"max_digits: 50", "max_digits: many"}, "t.yaml:21: stages.primality.options.max_digits: cannot unmarshal !!str `many` into int"},
		{"list option of the wrong type", [2]string{"max_digits: 50", "max_digits: 50\n      tags: {a: b}"}, "t.yaml:22: stages.primality.options.tags: cannot unmarshal !!map into []string"},
		{"repeated option", [2]string{"max_digits: 50", "max_digits: 50\n      max_digits: 60"}, "t.yaml:22: stages.primality.options.max_digits: is given twice"},
		{"invalid option", [2]string{"max_digits: 50", "max_digits: 0"}, "t.yaml:21: stages.primality.options.max_digits: must be at least 1"},
		{"invalid nested option", [2]string{"{rho_steps: 10}", "{rho_steps: -1}"}, "t.yaml:22: stages.primality.options.factor_budget.rho_steps: must not be negative"},
		{"options not a mapping", [2]string{"    options:\n      max_digits: 50\n      factor_budget: {rho_steps: 10}", "    options: [1]"}, "t.yaml:20: stages.primality.options: must be a mapping of max_digits, factor_budget, tags"},
		{"option over max_msg_size", [2]string{"max_digits: 50", "max_digits: 2000000"}, "t.yaml:21: stages.primality.options.max_digits: over max_msg_size"},
		{"max message size over an MPUB", [2]string{`  nsqd_tcp_addresses: ["127.0.0.1:4150"]`, `  nsqd_tcp_addresses: ["127.0.0.1:4150"]` + "\n  max_msg_size: 6000000"}, "t.yaml:3: defaults.max_msg_size: must be between 1 and 5242872"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(valid, tc.replace[0], tc.replace[1], 1)
			if src == valid {
				t.Fatalf("replacement %q did not apply", tc.replace[0])
			}
			_, err := topology.Parse("t.yaml", []byte(src), topology.LoadOptions{Handlers: handlers})
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := strings.NewReplacer("topic: numbers", "topic: nope", "concurrency: 3", "concurrency: -2").Replace(valid)
	_, err := topology.Parse("t.yaml", []byte(src), topology.LoadOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "t.yaml:15:") || !strings.HasPrefix(lines[1], "t.yaml:19:") {
		t.Fatalf("want two problems ordered by line, got:\n%v", err)
	}
}

func TestEmptyFile(t *testing.T) {
	_, err := topology.Parse("e.yaml", nil, topology.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "e.yaml: empty topology") {
		t.Fatalf("error %v", err)
	}
}

func TestShippedTopologyIsValid(t *testing.T) {
	if _, err := os.Stat("../../topics.yaml"); err != nil {
		t.Skip("no topics.yaml")
	}
	top, err := topology.Load("../../topics.yaml", topology.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := top.Stage("primality")
	if err != nil {
		t.Fatal(err)
	}
	if s.Topic != "numbers" || s.Channel != "primality" || s.DeadLetter != "numbers_dead" ||
		s.Outputs["prime"] != "primes" || s.Outputs["composite"] != "non_primes" {
		t.Fatalf("primality stage %+v", s)
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"numbers": true, "a.b-c_d": true, "tail#ephemeral": true, "": false,
		"a b": false, strings.Repeat("x", 65): false, "#ephemeral": false,
	} {
		if got := topology.ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}
