package solver

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
)

// knapsack is max 5x + 4y st 6x + 4y <= 24, x + 2y <= 6 with x, y
// integer when integer is set: the relaxation has the optimum 21 at
// (3, 1.5), the integer program 20 at (4, 0).
func knapsack(integer bool) *lp.Model {
	return &lp.Model{
		Sense: lp.Maximize,
		Vars:  []lp.Var{{Name: "x", Hi: lp.Inf, Obj: 5, Integer: integer}, {Name: "y", Hi: lp.Inf, Obj: 4, Integer: integer}},
		Rows:  []lp.Row{{Name: "a", Lo: -lp.Inf, Hi: 24}, {Name: "b", Lo: -lp.Inf, Hi: 6}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 6}, {Row: 0, Col: 1, Val: 4}, {Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 2}},
	}
}

func TestSolve(t *testing.T) {
	tests := []struct {
		name       string
		integer    bool
		relax      bool
		wantMIP    bool
		relaxation bool
		objective  float64
		threads    int
	}{
		{"linear program", false, false, false, false, 21, 0},
		{"linear program, relax", false, true, false, false, 21, 0},
		{"integer program", true, false, true, false, 20, 0},
		{"integer program, 3 threads", true, false, true, false, 20, 3},
		{"integer program, relax", true, true, false, true, 21, 0},
		{"linear program, 2 threads", false, false, false, false, 21, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Solve(context.Background(), knapsack(tt.integer), Options{Relax: tt.relax, TimeLimit: time.Minute, Threads: tt.threads})
			if err != nil {
				t.Fatal(err)
			}
			if (res.MIP != nil) != tt.wantMIP || (res.LP != nil) == tt.wantMIP || res.Failure != nil {
				t.Fatalf("LP %v, MIP %v, failure %v; want branch and bound: %v", res.LP, res.MIP, res.Failure, tt.wantMIP)
			}
			obj := 0.0
			if res.MIP != nil {
				obj = res.MIP.Objective
			} else {
				obj = res.LP.Objective
			}
			if res.Status() != lp.Optimal || math.Abs(obj-tt.objective) > 1e-9 || res.Relaxation != tt.relaxation {
				t.Errorf("status %s objective %v relaxation %v, want optimal %v %v", res.Status(), obj, res.Relaxation, tt.objective, tt.relaxation)
			}
			if res.TimeLimit != time.Minute || res.Elapsed <= 0 {
				t.Errorf("time limit %v, elapsed %v", res.TimeLimit, res.Elapsed)
			}
		})
	}
}

// stub is an Engine that records the options it gets and answers with
// its functions.
type stub struct {
	lpOpts  *lp.Options
	solveLP func(ctx context.Context) (*lp.Result, error)
}

func (s stub) SolveLP(ctx context.Context, _ *lp.Model, opts lp.Options) (*lp.Result, error) {
	*s.lpOpts = opts
	return s.solveLP(ctx)
}

func (s stub) SolveMIP(ctx context.Context, _ *lp.Model, opts mip.Options) (*mip.Result, error) {
	*s.lpOpts = opts.LP
	res, err := s.solveLP(ctx)
	if res != nil {
		return &mip.Result{Status: res.Status}, err
	}
	return nil, err
}

// untilDone waits for the end of ctx and returns its error, as the
// engines do when a deadline passes before they know anything.
func untilDone(ctx context.Context) (*lp.Result, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestSolveOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		integer bool
		solve   func(ctx context.Context) (*lp.Result, error)
		status  lp.Status
		failure string
	}{
		{"time limit", false, untilDone, lp.TimeLimit, ""},
		{"time limit in branch and bound", true, untilDone, lp.TimeLimit, ""},
		{"iteration limit", false, func(context.Context) (*lp.Result, error) {
			return &lp.Result{Status: lp.IterationLimit}, nil
		}, lp.IterationLimit, ""},
		{"panic", false, func(context.Context) (*lp.Result, error) { panic("singular basis") }, "", "engine failure: singular basis"},
		{"panic in branch and bound", true, func(context.Context) (*lp.Result, error) { panic("bad branch") }, "", "engine failure: bad branch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got lp.Options
			res, err := Solve(context.Background(), knapsack(tt.integer), Options{
				TimeLimit: 20 * time.Millisecond, MaxIterations: 7, Engine: stub{&got, tt.solve},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status() != tt.status {
				t.Errorf("status %q, want %q", res.Status(), tt.status)
			}
			if tt.failure != "" && (res.Failure == nil || res.Failure.Error() != tt.failure || res.LP != nil || res.MIP != nil) {
				t.Errorf("failure %v (LP %v, MIP %v), want %q alone", res.Failure, res.LP, res.MIP, tt.failure)
			}
			if got.MaxIterations != 7 {
				t.Errorf("the engine got MaxIterations %d, want 7", got.MaxIterations)
			}
		})
	}
}

func TestSolveErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	inverted := knapsack(false)
	inverted.Vars[0].Lo, inverted.Vars[0].Hi = 3, 1
	tests := []struct {
		name string
		ctx  context.Context
		m    *lp.Model
		is   error
		msg  string
	}{
		{"cancelled", cancelled, knapsack(false), context.Canceled, "solver: solve interrupted: context canceled"},
		{"cancelled branch and bound", cancelled, knapsack(true), context.Canceled, "solve interrupted"},
		{"inverted bounds", context.Background(), inverted, ErrInvalidModel, "invalid model: "},
		{"inverted bounds, integer", context.Background(), func() *lp.Model {
			m := knapsack(true)
			m.Vars[1].Lo, m.Vars[1].Hi = 2, -2
			return m
		}(), ErrInvalidModel, "invalid model: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Solve(tt.ctx, tt.m, Options{})
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) || res != nil {
				t.Errorf("Solve = %v, %v; want an error wrapping %v containing %q", res, err, tt.is, tt.msg)
			}
		})
	}
}
