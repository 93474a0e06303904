package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
)

// The benchmark itself runs in internal/hopbench's tests; these cover the
// command line, which fails before any process is started.

func TestRunUsage(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bins := []string{"--nsqd-bin", self, "--nsq-to-nsq-bin", self, "--nsqfarm-bin", self, "--config", "../../topics.yaml"}
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"no arguments", nil, 2, "", "Usage:"},
		{"help", []string{"--help"}, 0, "nsqfarm-bench hop [flags]", ""},
		{"unknown benchmark", []string{"lp"}, 2, "", `unknown benchmark "lp"`},
		{"models without a directory", []string{"models"}, 2, "", "want one directory"},
		{"models with a flag", []string{"models", "-h"}, 2, "", "want one directory"},
		{"hop help", []string{"hop", "-h"}, 0, "", "-max-in-flight"},
		{"unknown flag", []string{"hop", "--nsqd-tcp-address", "x"}, 2, "", "flag provided but not defined"},
		{"extra argument", append([]string{"hop", "now"}, bins...), 2, "", "unexpected arguments"},
		{"zero messages", append([]string{"hop", "--messages", "0"}, bins...), 2, "", "--messages must be positive, got 0"},
		{"negative max in flight", append([]string{"hop", "--max-in-flight", "-1"}, bins...), 2, "", "--max-in-flight must not be negative"},
		{"zero timeout", append([]string{"hop", "--timeout", "0s"}, bins...), 2, "", "--timeout must be positive"},
		{"bad log level", append([]string{"hop", "--log-level", "loud"}, bins...), 2, "", `--log-level "loud"`},
		{"missing topology", append(append([]string{"hop"}, bins...), "--config", filepath.Join(t.TempDir(), "topics.yaml")), 1, "", "topics.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q lacks %q", &stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", &stderr, tt.wantStderr)
			}
		})
	}
}

func TestBinaryNotOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"hop", "--max-in-flight", "8"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "nsqd not found on $PATH: give --nsqd-bin") {
		t.Fatalf("exit %d, stderr %q: want 2 and the missing nsqd named", code, &stderr)
	}
}

func TestHopOptions(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"--nsqd-bin", self, "--nsq-to-nsq-bin", self, "--nsqfarm-bin", self, "--config", "../../topics.yaml"}
	var stderr bytes.Buffer

	fromTopology, err := hopOptions(base, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if fromTopology.MaxInFlight <= 0 {
		t.Errorf("max in flight from topics.yaml = %d, want the stage's (positive)", fromTopology.MaxInFlight)
	}
	if fromTopology.NSQDBin != self || fromTopology.NSQToNSQBin != self || fromTopology.NSQFarmBin != self {
		t.Errorf("binaries %q, %q, %q, want %q each", fromTopology.NSQDBin, fromTopology.NSQToNSQBin, fromTopology.NSQFarmBin, self)
	}

	given, err := hopOptions(append(base, "--max-in-flight", "7", "--messages", "10"), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if given.MaxInFlight != 7 || given.Messages != 10 {
		t.Errorf("max in flight %d, messages %d, want 7 and 10", given.MaxInFlight, given.Messages)
	}
}

// TestModels writes the benchmark's generated models and reads each back:
// every one is an integer model with rows.
func TestModels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"models", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, &stderr)
	}
	paths := strings.Fields(stdout.String())
	if len(paths) != len(lptest.BenchFamilies) {
		t.Fatalf("listed %d files, want %d: %q", len(paths), len(lptest.BenchFamilies), paths)
	}
	for _, path := range paths {
		m, err := modelfile.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		ints := 0
		for _, v := range m.Vars {
			if v.Integer {
				ints++
			}
		}
		if ints == 0 || len(m.Rows) == 0 {
			t.Errorf("%s: %d rows, %d integer variables: want both", path, len(m.Rows), ints)
		}
	}
}
