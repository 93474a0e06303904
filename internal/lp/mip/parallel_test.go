package mip_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
)

// marketSplit returns lptest.MarketSplit(m, n) as a model.
func marketSplit(t *testing.T, m, n int) *lp.Model {
	t.Helper()
	model, err := modelfile.Decode(strings.NewReader(lptest.MarketSplit(m, n)), modelfile.LP)
	if err != nil {
		t.Fatal(err)
	}
	return model
}

// parallelModels returns the models the parallel search is checked on:
// small market split problems and, when the MIPLIB data is there, small
// MIPLIB models (fewer under the race detector, which slows the search
// down about tenfold).
func parallelModels(t *testing.T) map[string]*lp.Model {
	t.Helper()
	models := map[string]*lp.Model{
		"market2x14": marketSplit(t, 2, 14),
		"market3x16": marketSplit(t, 3, 16),
	}
	names := []string{"p0033", "flugpl", "misc03"}
	if raceflag.Enabled {
		names = names[:2]
	}
	for _, name := range names {
		m, err := modelfile.Read(filepath.Join(lpData, "miplib", name+".mps.gz"))
		if err != nil {
			t.Logf("%s unavailable: %v", name, err)
			continue
		}
		models[name] = m
	}
	return models
}

// outcome is what must not change between two runs of a search.
type outcome struct {
	Status                lp.Status
	Objective, Bound, Gap float64
	Nodes, Iterations     int
	X                     []float64
}

func outcomeOf(r *mip.Result) outcome {
	return outcome{r.Status, r.Objective, r.Bound, r.Gap, r.Nodes, r.Iterations, r.X}
}

// TestParallelDeterministic solves each model three times with 2 and
// with 4 threads: the runs with the same number of threads must agree in
// every field, and all of them with the sequential optimum.
func TestParallelDeterministic(t *testing.T) {
	for name, m := range parallelModels(t) {
		t.Run(name, func(t *testing.T) {
			seq, err := mip.Solve(context.Background(), m, exact)
			if err != nil {
				t.Fatal(err)
			}
			if seq.Status != lp.Optimal {
				t.Fatalf("sequential search: status %s", seq.Status)
			}
			for _, threads := range []int{2, 4} {
				opts := exact
				opts.Threads = threads
				var first outcome
				for run := range 3 {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					res, err := mip.Solve(ctx, m, opts)
					cancel()
					if err != nil {
						t.Fatal(err)
					}
					got := outcomeOf(res)
					if run == 0 {
						first = got
						t.Logf("%d threads: %s objective %g, %d nodes (sequential %d)", threads, res.Status, res.Objective, res.Nodes, seq.Nodes)
						checkAgrees(t, m, res, seq.Objective)
						continue
					}
					if !reflect.DeepEqual(got, first) {
						t.Fatalf("%d threads, run %d: %+v\nfirst run: %+v", threads, run, got, first)
					}
				}
			}
		})
	}
}

// checkAgrees checks that res proves the optimum want of m with a point
// that satisfies the model.
func checkAgrees(t *testing.T, m *lp.Model, res *mip.Result, want float64) {
	t.Helper()
	tol := 1e-6 * max(1, math.Abs(want))
	if res.Status != lp.Optimal || math.Abs(res.Objective-want) > tol || math.Abs(res.Bound-want) > tol {
		t.Fatalf("status %s objective %.10g bound %.10g, want optimal %.10g", res.Status, res.Objective, res.Bound, want)
	}
	if err := mip.CheckSolution(m, res.X, 1e-6); err != nil {
		t.Fatal(err)
	}
}

// TestParallelLimits stops parallel searches of a market split problem
// that runs for minutes by a deadline and by a node limit: the status
// says which, the search ends promptly, and the bound stays a valid
// lower bound (the problem's optimum is at least 0) no higher than the
// incumbent. The node limit is met exactly, and with the same result on
// every run.
func TestParallelLimits(t *testing.T) {
	m := marketSplit(t, 4, 36)
	slack := 2 * time.Second
	if raceflag.Enabled {
		slack = 10 * time.Second
	}
	tests := []struct {
		name     string
		threads  int
		deadline time.Duration
		maxNodes int
		want     lp.Status
	}{
		{"deadline 2 threads", 2, 300 * time.Millisecond, 0, lp.TimeLimit},
		{"deadline 4 threads", 4, 300 * time.Millisecond, 0, lp.TimeLimit},
		{"node limit 2 threads", 2, time.Minute, 150, mip.NodeLimit},
		{"node limit 3 threads", 3, time.Minute, 101, mip.NodeLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := mip.Options{Threads: tt.threads, MaxNodes: tt.maxNodes}
			var first outcome
			for run := range 2 {
				ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
				start := time.Now()
				res, err := mip.Solve(ctx, m, opts)
				took := time.Since(start)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != tt.want {
					t.Fatalf("status %s, want %s", res.Status, tt.want)
				}
				if took > tt.deadline+slack {
					t.Errorf("took %v", took)
				}
				if res.Bound < -1e-9 || (res.HasSolution() && res.Bound > res.Objective+1e-9) {
					t.Errorf("bound %g, objective %g (solution %v)", res.Bound, res.Objective, res.HasSolution())
				}
				if res.HasSolution() {
					if err := mip.CheckSolution(m, res.X, 1e-6); err != nil {
						t.Error(err)
					}
				}
				if tt.maxNodes == 0 {
					break
				}
				if res.Nodes != tt.maxNodes {
					t.Errorf("%d nodes, want %d", res.Nodes, tt.maxNodes)
				}
				if run == 0 {
					first = outcomeOf(res)
				} else if got := outcomeOf(res); !reflect.DeepEqual(got, first) {
					t.Errorf("second run %+v\nfirst run %+v", got, first)
				}
			}
		})
	}
}

// TestParallelCancel cancels a parallel search: Solve returns the
// context's error promptly.
func TestParallelCancel(t *testing.T) {
	m := marketSplit(t, 4, 36)
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(200*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	_, err := mip.Solve(ctx, m, mip.Options{Threads: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v", took)
	}
}

// TestParallelMiplibHonest checks the results of parallel searches of
// MIPLIB models against answers.csv as TestMiplibHonest does: searches
// stopped early by a deadline or a node limit, and with NSQFARM_MIPLIB
// set, every model of answers.csv searched with two threads (with
// "prove", each must be proven optimal).
func TestParallelMiplibHonest(t *testing.T) {
	answers := miplibAnswers(t)
	type run struct {
		name     string
		limit    time.Duration
		maxNodes int
		prove    bool
	}
	runs := []run{
		{"bell5", 500 * time.Millisecond, 0, false},
		{"misc03", time.Minute, 150, false},
		{"p0033", time.Minute, 0, true},
	}
	if raceflag.Enabled {
		runs = runs[2:]
	}
	switch mode := os.Getenv(honestEnv); mode {
	case "":
	case "all", "prove":
		runs = nil
		for name := range answers {
			runs = append(runs, run{name, honestLimit, 0, mode == "prove"})
		}
		slices.SortFunc(runs, func(a, b run) int { return strings.Compare(a.name, b.name) })
	default:
		t.Fatalf("%s=%q: want all, prove or nothing", honestEnv, mode)
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			opts := exact
			opts.Threads = 2
			opts.MaxNodes = r.maxNodes
			m, res := solveMiplib(t, r.name, opts, r.limit)
			checkHonest(t, m, res, answers[r.name])
			if r.prove && res.Status != lp.Optimal {
				t.Errorf("status %s, want optimal within %v", res.Status, r.limit)
			}
			if r.maxNodes > 0 && (res.Status != mip.NodeLimit || res.Nodes != r.maxNodes) {
				t.Errorf("status %s after %d nodes, want %s after %d", res.Status, res.Nodes, mip.NodeLimit, r.maxNodes)
			}
		})
	}
}
