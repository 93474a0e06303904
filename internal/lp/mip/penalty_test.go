package mip

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// randomMixed returns a random model of n columns (binaries, general
// integers in [0, 6] and continuous variables in [0, 10]) and the given
// number of rows (≤ rows, ≥ rows, ranges and equations), minimised or
// maximised.
func randomMixed(rng *rand.Rand, n, rows int) *lp.Model {
	m := &lp.Model{Name: "mixed", Sense: lp.Sense(rng.IntN(2))}
	for j := range n {
		v := lp.Var{Obj: float64(rng.IntN(21) - 8)}
		switch rng.IntN(3) {
		case 0:
			v.Hi, v.Integer = 1, true
		case 1:
			v.Hi, v.Integer = 6, true
		default:
			v.Hi = 10
		}
		m.Vars = append(m.Vars, v)
		for i := range rows {
			if rng.IntN(2) == 0 {
				m.Coefs = append(m.Coefs, lp.Coef{Row: i, Col: j, Val: float64(rng.IntN(41)-12) / 4})
			}
		}
	}
	for range rows {
		r := lp.Row{Lo: math.Inf(-1), Hi: float64(5 + rng.IntN(20))}
		switch rng.IntN(4) {
		case 0:
			r.Lo, r.Hi = float64(rng.IntN(6)), math.Inf(1)
		case 1:
			r.Lo = r.Hi - float64(2+rng.IntN(5))
		case 2:
			r.Lo = r.Hi
		}
		m.Rows = append(m.Rows, r)
	}
	return m
}

// TestPenaltiesBoundChildren checks on random models, before and after
// the root's cut rounds, that the penalty of each child of each
// fractional variable is at most the change of the relaxation value the
// child's solve measures (the penalties are bounds), that an infinite
// penalty goes with an infeasible child, and that the penalties are not
// all zero.
func TestPenaltiesBoundChildren(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 23))
	var checked, positive int
	for trial := range 300 {
		var m *lp.Model
		if trial%2 == 0 {
			m = randomBinary(rng, 12, 5, 7)
		} else {
			m = randomMixed(rng, 12, 6)
		}
		s, root := solvedRoot(t, m)
		if root == nil {
			continue
		}
		for _, cuts := range []bool{false, true} {
			res := root
			if cuts {
				var err error
				if res, err = s.rootCuts(root); err != nil {
					t.Fatalf("trial %d: rootCuts: %v", trial, err)
				}
				if res.Status != lp.Optimal {
					continue
				}
			}
			zLP := s.p.sign * res.Objective
			held := s.rel.Basis()
			for _, j := range s.p.fractional(res.X, s.opts.IntTol) {
				pen, ok := s.penalties(res, j)
				if !ok {
					// A solve that perturbed the bounds to leave a
					// degenerate vertex ends without factors.
					break
				}
				lo, hi := s.lo[j], s.hi[j]
				fl := math.Floor(res.X[j])
				for _, up := range []bool{false, true} {
					if up {
						s.rel.SetBounds(j, fl+1, hi)
					} else {
						s.rel.SetBounds(j, lo, fl)
					}
					child, err := s.rel.Solve(context.Background())
					s.rel.SetBounds(j, lo, hi)
					if err != nil {
						t.Fatal(err)
					}
					p := pen[dir(up)]
					switch child.Status {
					case lp.Infeasible:
					case lp.Optimal:
						gain := s.p.sign*child.Objective - zLP
						if p > gain+1e-7*(1+math.Abs(gain)) {
							t.Errorf("trial %d (cuts %v): column %d up=%v: penalty %g above the child's change %g",
								trial, cuts, j, up, p, gain)
						}
					default:
						t.Fatalf("trial %d: child %s", trial, child.Status)
					}
					checked++
					if p > 1e-9 && !math.IsInf(p, 1) {
						positive++
					}
				}
				// The child solves move the basis; restore and
				// refactor it as the node left it.
				s.rel.SetBasis(held)
				if again, err := s.rel.Solve(context.Background()); err != nil || again.Status != lp.Optimal {
					t.Fatalf("trial %d: relaxation after the children: %v %v", trial, again, err)
				}
			}
		}
	}
	if checked < 500 || positive < checked/4 {
		t.Fatalf("%d children checked, %d with a positive penalty: too few", checked, positive)
	}
	t.Logf("%d children checked, %d with a positive penalty", checked, positive)
}

// TestPenaltiesNeedTheFactoredBasis checks that penalties are refused
// once the relaxation no longer holds the node's factored basis.
func TestPenaltiesNeedTheFactoredBasis(t *testing.T) {
	s, root, frac := fractionalRoot(t, rand.New(rand.NewPCG(5, 9)))
	if _, ok := s.penalties(root, frac[0]); !ok {
		t.Skip("the root solve perturbed the bounds and left no factors")
	}
	s.rel.SetBasis(s.rel.Basis())
	if _, ok := s.penalties(root, frac[0]); ok {
		t.Fatal("penalties from a basis that is not factored")
	}
}
