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
