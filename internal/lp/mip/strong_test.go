package mip

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// TestStrongBranch checks on random binary models that strong branching
// records, for each variable it tries, the objective change of the child
// solved cold by lp.Solve, and leaves the relaxation's bounds and
// optimum as they were.
func TestStrongBranch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	tried := 0
	for trial := range 40 {
		m := randomBinary(rng, 10, 4, 7)
		s, root := solvedRoot(t, m)
		if root == nil {
			continue
		}
		frac := s.p.fractional(root.X, s.opts.IntTol)
		if len(frac) == 0 {
			continue
		}
		zLP := s.p.sign * root.Objective
		ok, err := s.strongBranch(root.X, frac, zLP, s.rel.Basis())
		if err != nil || !ok {
			t.Fatalf("trial %d: strongBranch = %v, %v", trial, ok, err)
		}
		for _, j := range frac {
			for _, up := range []bool{false, true} {
				child := *m
				child.Vars = slices.Clone(m.Vars)
				fl := math.Floor(root.X[j])
				dist := root.X[j] - fl
				if up {
					child.Vars[j].Lo, dist = fl+1, fl+1-root.X[j]
				} else {
					child.Vars[j].Hi = fl
				}
				cold, err := lp.Solve(context.Background(), &child, lp.Options{})
				if err != nil {
					t.Fatal(err)
				}
				d := dir(up)
				switch {
				case s.pc.cnt[d][j] == 0:
					if cold.Status == lp.Optimal && len(frac) <= strongCands {
						t.Errorf("trial %d: column %d up=%v has no pseudo-cost, its child is optimal", trial, j, up)
					}
				case cold.Status != lp.Optimal:
					t.Errorf("trial %d: column %d up=%v has a pseudo-cost, its child is %s", trial, j, up, cold.Status)
				default:
					tried++
					got := s.pc.sum[d][j] * dist
					want := s.p.sign*cold.Objective - zLP
					if math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
						t.Errorf("trial %d: column %d up=%v: gain %g, cold child says %g", trial, j, up, got, want)
					}
				}
			}
		}
		again, err := s.rel.Solve(context.Background())
		if err != nil || again.Status != lp.Optimal || math.Abs(again.Objective-root.Objective) > 1e-7*(1+math.Abs(root.Objective)) {
			t.Errorf("trial %d: relaxation after strong branching: %v %v, want %g", trial, again, err, root.Objective)
		}
		for j := range m.Vars {
			if lo, hi := s.rel.Bounds(j); lo != s.lo[j] || hi != s.hi[j] {
				t.Errorf("trial %d: column %d bounds [%g, %g], want [%g, %g]", trial, j, lo, hi, s.lo[j], s.hi[j])
			}
		}
	}
	if tried == 0 {
		t.Fatal("no model had a strong branching trial")
	}
}

// TestStrongBranchDeadline checks that a passed deadline stops strong
// branching with false and no error, and that a cancelled context is an
// error.
func TestStrongBranchDeadline(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr bool
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, false},
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, root, frac := fractionalRoot(t, rng)
			ctx, cancel := tt.ctx()
			defer cancel()
			s.ctx = ctx
			ok, err := s.strongBranch(root.X, frac, s.p.sign*root.Objective, s.rel.Basis())
			if ok || (err != nil) != tt.wantErr {
				t.Errorf("strongBranch = %v, %v; want false and error %v", ok, err, tt.wantErr)
			}
		})
	}
}

// TestTrialFixings checks on random binary models, with and without an
// incumbent, that every fixing trialFixings draws from strong branching
// excludes a child that a cold solve shows pruned (infeasible, or not
// below the cutoff), and that a node it prunes has a variable whose two
// children are pruned, with values not below the bound it reports.
func TestTrialFixings(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	// child solves the child of the root of m in direction up of column
	// j cold and returns its value (minimisation form, +Inf when
	// infeasible).
	child := func(s *search, m *lp.Model, x []float64, j int, up bool) float64 {
		c := *m
		c.Vars = slices.Clone(m.Vars)
		if fl := math.Floor(x[j]); up {
			c.Vars[j].Lo = fl + 1
		} else {
			c.Vars[j].Hi = fl
		}
		res, err := lp.Solve(context.Background(), &c, lp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status == lp.Infeasible {
			return math.Inf(1)
		}
		if res.Status != lp.Optimal {
			t.Fatalf("column %d up=%v: child %s", j, up, res.Status)
		}
		return s.p.sign * res.Objective
	}
	var fixings, prunedNodes int
	for trial := range 100 {
		s, root, frac := fractionalRoot(t, rng)
		m := s.p.m
		zLP := s.p.sign * root.Objective
		if trial%2 == 1 {
			// An incumbent a little above the root: trials prune by value.
			s.inc, s.incX = zLP+1+float64(rng.IntN(4)), make([]float64, len(m.Vars))
		}
		if ok, err := s.strongBranch(root.X, frac, zLP, s.rel.Basis()); err != nil || !ok {
			t.Fatalf("trial %d: strongBranch = %v, %v", trial, ok, err)
		}
		cutoff := s.cutoff()
		// tol allows for the trials' stopping tolerances (not needed
		// for an infinite cutoff, which only infeasible children meet).
		tol := 0.0
		if !math.IsInf(cutoff, 0) {
			tol = 1e-7 * (1 + math.Abs(cutoff))
		}
		pruned := func(v float64) bool { return s.p.roundBound(v) >= cutoff-tol }
		fixed, bound, ok := s.trialFixings(root.X, zLP)
		if !ok {
			prunedNodes++
			found := false
			for _, j := range frac {
				down, up := child(s, m, root.X, j, false), child(s, m, root.X, j, true)
				found = found || pruned(down) && pruned(up) && s.p.roundBound(min(down, up)) >= bound-tol
			}
			if !found || bound < zLP {
				t.Errorf("trial %d: node pruned with bound %g (root %g), but no variable has both children pruned", trial, bound, zLP)
			}
			continue
		}
		for _, c := range fixed {
			fixings++
			// The fixing keeps [lo, hi]; the child it excludes lies on
			// the other side.
			up := math.IsInf(c.lo, -1)
			if v := child(s, m, root.X, c.col, up); !pruned(v) {
				t.Errorf("trial %d: column %d fixed to [%g, %g], but its child up=%v has value %g below the cutoff %g",
					trial, c.col, c.lo, c.hi, up, v, cutoff)
			}
		}
	}
	if fixings < 20 || prunedNodes == 0 {
		t.Fatalf("%d fixings and %d pruned nodes: the models do not exercise trialFixings", fixings, prunedNodes)
	}
	t.Logf("%d fixings, %d pruned nodes", fixings, prunedNodes)
}
