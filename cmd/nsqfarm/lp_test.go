package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// solution is the part of a solutions message the tests check.
type solution struct {
	ID          string                        `json:"id"`
	Model       string                        `json:"model"`
	Status      string                        `json:"status"`
	Objective   *float64                      `json:"objective"`
	Variables   map[string]float64            `json:"variables"`
	Constraints map[string]map[string]float64 `json:"constraints"`
	Params      map[string]json.Number        `json:"params"`
	InputID     string                        `json:"input_id"`
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// TestUpLPEndToEnd publishes wyndor jobs with curl-style /pub, a sweep with
// `nsqfarm publish lp`, and malformed jobs, and reads solutions and
// lp_params_dead.
func TestUpLPEndToEnd(t *testing.T) {
	c, stop := startUp(t, t.TempDir())
	sols := nsqtest.Collect(t, c.nsqdTCP, "solutions", "check")
	dead := nsqtest.Collect(t, c.nsqdTCP, "lp_params_dead", "check")

	nsqtest.Pub(t, c.nsqdHTTP, "lp_params", []byte(`{"id": "w100", "model": "wyndor", "params": {"profit_rate_windows": 100}}`))
	nsqtest.Pub(t, c.nsqdHTTP, "lp_params", []byte(`{"id": "w500", "model": "wyndor", "params": {"profit_rate_windows": 500}}`))
	got := sols.WaitFor(t, 2, 30*time.Second)
	byID := map[string]solution{}
	for _, b := range got {
		var s solution
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		byID[s.ID] = s
	}
	w100, w500 := byID["w100"], byID["w500"]
	if w100.Status != "optimal" || w100.Objective == nil || !near(*w100.Objective, 1500) ||
		!near(w100.Variables["Doors"], 4) || !near(w100.Variables["Windows"], 3) {
		t.Errorf("wyndor 100: %+v", w100)
	}
	if w500.Status != "optimal" || w500.Objective == nil || !near(*w500.Objective, 3600) ||
		!near(w500.Variables["Doors"], 2) || !near(w500.Variables["Windows"], 6) {
		t.Errorf("wyndor 500: %+v", w500)
	}
	var duals []float64
	for _, row := range []string{"plant1", "plant2", "plant3"} {
		duals = append(duals, w500.Constraints[row]["dual"])
	}
	if !near(duals[0], 0) || !near(duals[1], 150) || !near(duals[2], 100) {
		t.Errorf("wyndor 500 duals %v (constraints %v), want 0 150 100", duals, w500.Constraints)
	}
	if w500.Params["profit_rate_windows"] != "500" || w500.InputID == "" {
		t.Errorf("params echo %v, input_id %q", w500.Params, w500.InputID)
	}

	// A sweep of 10 jobs with the producer.
	code, out := runInProcess(context.Background(), "publish", "lp", "--config", topicsFile,
		"--nsqd-tcp-address", c.nsqdTCP, "--model", "wyndor", "--param", "profit_rate_windows=100:1000:100")
	if rc := <-code; rc != 0 {
		t.Fatalf("publish lp exited %d: %s", rc, out)
	}
	if !strings.Contains(out.String(), "published 10 messages") {
		t.Errorf("publish summary: %q", out)
	}
	got = sols.WaitFor(t, 12, 30*time.Second)
	swept := 0
	for _, b := range got {
		var s solution
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s.ID, "wyndor-profit_rate_windows=") {
			continue
		}
		p, _ := s.Params["profit_rate_windows"].Float64()
		want := math.Max(1200, 300*2+p*6) // (4,3) or (2,6) is optimal
		want = math.Max(want, 300*4+p*3)
		if s.Status != "optimal" || !near(*s.Objective, want) {
			t.Errorf("%s: %s %v, want %v", s.ID, s.Status, *s.Objective, want)
		}
		swept++
	}
	if swept != 10 {
		t.Errorf("%d sweep solutions, want 10", swept)
	}

	// Infeasible and unbounded models are results, not errors.
	nsqtest.Pub(t, c.nsqdHTTP, "lp_params", []byte(`{"id": "inf", "format": "lp", "text": "maximize\n obj: x\nsubject to\n c1: x >= 5\n c2: x <= 3\nend"}`))
	nsqtest.Pub(t, c.nsqdHTTP, "lp_params", []byte(`{"id": "unb", "format": "lp", "text": "maximize\n obj: x + y\nsubject to\n c1: x - y <= 1\nend"}`))
	got = sols.WaitFor(t, 14, 30*time.Second)
	statuses := map[string]string{}
	for _, b := range got {
		var s solution
		_ = json.Unmarshal(b, &s)
		statuses[s.ID] = s.Status
	}
	if statuses["inf"] != "infeasible" || statuses["unb"] != "unbounded" {
		t.Errorf("statuses %v", statuses)
	}

	// Malformed jobs are dead-lettered with their reason.
	bad := map[string]string{
		`{"id": "m1", "model": "nosuchmodel"}`:                                                      "nosuchmodel",
		`{"id": "m2", "model": "wyndor", "params": {"bogus": 1}}`:                                   "bogus",
		`{"id": "m3", "format": "lp", "text": "maximize\n obj: x\nsubject to\n c1: x <= = 3\nend"}`: "line",
		`{"id": "m4", "format": "mps", "text": "NAME x\nROWS\n N obj\nCOLUMNS\n X R9 1\nENDATA\n"}`: "R9",
		`not json`: "JSON",
	}
	for body := range bad {
		nsqtest.Pub(t, c.nsqdHTTP, "lp_params", []byte(body))
	}
	expectDeadLetters(t, dead, "lpsolve", bad)
	if code := stop(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
}

// TestSolveFiles solves model files of every format with `nsqfarm solve`.
func TestSolveFiles(t *testing.T) {
	// The readers and gzip are checked in package modelfile; afiro below
	// is gzip-compressed.
	for _, ext := range []string{".lp", ".json", ".mps"} {
		path := filepath.Join("..", "..", "consumers", "lpsolve", "testdata", "wyndor"+ext)
		t.Run(filepath.Base(path), func(t *testing.T) {
			code, out := runCLI(t, "solve", "--json", "--time-limit", "10s", path)
			if code != 0 {
				t.Fatalf("solve exited %d: %s", code, out)
			}
			var s struct {
				solution
				TimeLimitMS int64 `json:"time_limit_ms"`
			}
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if s.Status != "optimal" || s.Objective == nil || !near(*s.Objective, 3600) || s.Model != filepath.Base(path) {
				t.Errorf("got %s %s %v, want optimal 3600", s.Model, s.Status, s.Objective)
			}
			if s.TimeLimitMS != 10000 {
				t.Errorf("time limit %d ms, want 10000", s.TimeLimitMS)
			}
		})
	}

	// Without --time-limit the solve has no limit; the summary is for people.
	afiro := filepath.Join("..", "..", "..", "shared", "data", "lp", "netlib", "afiro.mps.gz")
	if _, err := os.Stat(afiro); err != nil {
		t.Skip(err)
	}
	code, out := runCLI(t, "solve", "--json", afiro)
	if code != 0 || !strings.Contains(out, `"status":"optimal","objective":-464.75314285714`) || !strings.Contains(out, `"time_limit_ms":0,`) {
		t.Errorf("solve --json afiro: exit %d: %.400s", code, out)
	}
	code, out = runCLI(t, "solve", afiro)
	if code != 0 || !strings.Contains(out, "status:      optimal\n") || !strings.Contains(out, "model:       afiro.mps.gz\n") {
		t.Errorf("solve afiro: exit %d: %s", code, out)
	}
}

// TestSolveFileErrors checks that `nsqfarm solve` reports where a model
// file is wrong.
func TestSolveFileErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"bad.lp":    "max\n nan x\nst\n c: x <= 1\n",
		"bad.json":  `{"variables": [{"name": "x"}], "objective": {"x": nop}}`,
		"model.txt": "max\n x\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ file, msg string }{
		{"bad.lp", `bad.lp: line 2, column 2: "nan" is not a valid coefficient: NaN is not a number`},
		{"bad.json", "bad.json: model JSON: line 1, column 52: invalid character 'o' in literal null (expecting 'u')"},
		{"model.txt", `model.txt: unknown model format ".txt"`},
		{"missing.mps", "missing.mps: no such file or directory"},
	}
	for _, tt := range tests {
		code, out := runCLI(t, "solve", filepath.Join(dir, tt.file))
		if code != 1 || !strings.Contains(out, tt.msg) {
			t.Errorf("solve %s: exit %d, output %q; want exit 1 and %q", tt.file, code, out, tt.msg)
		}
	}
}
