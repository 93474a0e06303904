package mip_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
)

// The environment variable NSQFARM_MIPLIB widens TestMiplibHonest from
// its quick models to every MIPLIB model of answers.csv, each under
// honestLimit: "all" checks that every result is honest, "prove" also
// requires every model to be proven optimal.
const honestEnv = "NSQFARM_MIPLIB"

// honestLimit is the time limit of each model of a NSQFARM_MIPLIB run.
const honestLimit = 60 * time.Second

// honestQuick are the models TestMiplibHonest solves by default, and
// honestRace those it solves under the race detector: ones that take
// well under a second.
var (
	honestQuick = []string{"p0033", "flugpl", "enigma"}
	honestRace  = []string{"p0033"}
)

// TestMiplibHonest solves MIPLIB models and checks that the result tells
// the truth against answers.csv: the point passes CheckSolution, its
// objective and row activities are those of the point and cannot beat
// the optimum, the bound does not cut it off, the gap is that of the
// objective and bound, and an optimal status has the known optimum as
// objective and bound.
func TestMiplibHonest(t *testing.T) {
	answers := miplibAnswers(t)
	mode := os.Getenv(honestEnv)
	var names []string
	limit := 30 * time.Second
	switch {
	case mode == "all" || mode == "prove":
		for name := range answers {
			names = append(names, name)
		}
		slices.Sort(names)
		limit = honestLimit
	case mode != "":
		t.Fatalf("%s=%q: want all, prove or nothing", honestEnv, mode)
	case raceflag.Enabled:
		names = honestRace
	default:
		names = honestQuick
	}
	proven := 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			want, ok := answers[name]
			if !ok {
				t.Fatalf("%s is not in answers.csv", name)
			}
			m, res := solveMiplib(t, name, exact, limit)
			checkHonest(t, m, res, want)
			switch {
			case res.Status == lp.Optimal:
				proven++
			case mode == "prove" || mode == "":
				t.Errorf("status %s, want optimal within %v", res.Status, limit)
			}
		})
	}
	t.Logf("%d of %d models proven optimal", proven, len(names))
}

// solveMiplib reads the MIPLIB model name of the shared data and solves
// it with opts under limit; it logs the outcome and fails the test on a
// read or solve error.
func solveMiplib(t *testing.T, name string, opts mip.Options, limit time.Duration) (*lp.Model, *mip.Result) {
	t.Helper()
	m, err := modelfile.Read(filepath.Join(lpData, "miplib", name+".mps.gz"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	res, err := mip.Solve(ctx, m, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s: %s objective %.10g bound %.10g gap %.3g in %v, %d nodes, %d iterations", name, res.Status,
		res.Objective, res.Bound, res.Gap, time.Since(start).Round(time.Millisecond), res.Nodes, res.Iterations)
	return m, res
}

// checkHonest checks res, a result for m whose optimum is want, as
// TestMiplibHonest describes.
func checkHonest(t *testing.T, m *lp.Model, res *mip.Result, want float64) {
	t.Helper()
	sign := 1.0
	if m.Sense == lp.Maximize {
		sign = -1
	}
	tol := 1e-6 * max(1, math.Abs(want))
	if sign*(want-res.Bound) < -tol {
		t.Errorf("bound %.10g cuts off the optimum %.10g", res.Bound, want)
	}
	if res.Status == lp.Optimal {
		if !res.HasSolution() || math.Abs(res.Objective-want) > tol || math.Abs(res.Bound-want) > tol || res.Gap > 1e-6 {
			t.Errorf("optimal with objective %.10g bound %.10g gap %g (solution %v), want %.10g, %.10g and 0",
				res.Objective, res.Bound, res.Gap, res.HasSolution(), want, want)
		}
	}
	if !res.HasSolution() {
		if !math.IsInf(res.Gap, 1) {
			t.Errorf("gap %g without a solution, want +Inf", res.Gap)
		}
		return
	}
	if err := mip.CheckSolution(m, res.X, 1e-6); err != nil {
		t.Error(err)
	}
	obj := m.ObjConst
	for j, v := range m.Vars {
		obj += v.Obj * res.X[j]
	}
	if math.Abs(obj-res.Objective) > tol {
		t.Errorf("objective %.10g, but the point's is %.10g", res.Objective, obj)
	}
	if sign*(res.Objective-want) < -tol {
		t.Errorf("objective %.10g beats the optimum %.10g", res.Objective, want)
	}
	if gap := math.Abs(res.Objective-res.Bound) / max(1, math.Abs(res.Objective)); math.Abs(gap-res.Gap) > 1e-9 {
		t.Errorf("gap %g, but objective %.10g and bound %.10g give %g", res.Gap, res.Objective, res.Bound, gap)
	}
	checkFeasible(t, m, res)
}
