package lp

import "math"

// Switching the factors to a saved basis.
//
// A branch-and-bound search starts each node from its parent's final
// basis, which differs from the basis the relaxation holds (that of the
// node solved last, or of a strong branching trial) in a few columns when
// the nodes are near in the tree. Instead of factorising the saved basis
// afresh, switchBasis brings the current factors there by Forrest–Tomlin
// updates, one per column that enters: each entering column takes the
// position, among those of the columns that leave, where its ftran has
// the largest entry, as a simplex pivot would. A refactorisation costs
// about as much as a few dozen such updates on the models of MIPLIB 3.

const (
	// maxSwitchUpdates bounds the columns switchBasis replaces; a saved
	// basis further away is factorised afresh.
	maxSwitchUpdates = 8
	// switchPivotTol is the smallest |alpha| switchBasis accepts as the
	// pivot of a replacement; a smaller best entry means the intermediate
	// basis would be near singular, and the basis is factorised afresh.
	switchPivotTol = 1e-6
)

// basisVar returns the variable at position p of the basis saved as
// head: head[p], or past len(head) the logical of row p, since a basis
// saved before rows were added covers the first rows only.
func (s *simplex) basisVar(head []int, p int) int {
	if p < len(head) {
		return head[p]
	}
	return s.n + p
}

// markBasis records in basisPos the position of every variable of the
// basis saved as head (completed by basisVar); unmarkBasis clears them.
func (s *simplex) markBasis(head []int) {
	if len(s.basisPos) != s.n+s.m {
		s.basisPos = make([]int, s.n+s.m)
		for j := range s.basisPos {
			s.basisPos[j] = -1
		}
	}
	for p := range s.m {
		s.basisPos[s.basisVar(head, p)] = p
	}
}

func (s *simplex) unmarkBasis(head []int) {
	for p := range s.m {
		s.basisPos[s.basisVar(head, p)] = -1
	}
}

// switchBasis makes the basis saved as head, marked by markBasis, the
// current one by updating the current factors, and reports whether it
// could: the factors must be those of the current basis, with room for
// the updates, and at most maxSwitchUpdates columns may differ. On false,
// head, pos and the factors may be left between the two bases: the
// caller sets the basis afresh and refactorises.
func (s *simplex) switchBasis(head []int) bool {
	if !s.factored || s.lu.wantsRefactor() {
		return false
	}
	entering := s.switchIn[:0]
	for p := range s.m {
		if j := s.basisVar(head, p); s.pos[j] < 0 {
			entering = append(entering, j)
		}
	}
	leaving := s.switchOut[:0]
	for p, j := range s.head {
		if s.basisPos[j] < 0 {
			leaving = append(leaving, p)
		}
	}
	s.switchIn, s.switchOut = entering, leaving
	if len(entering) != len(leaving) || len(entering) > maxSwitchUpdates ||
		len(s.lu.rPiv)+len(entering) >= refactorEvery {
		return false
	}
	for _, q := range entering {
		s.ftranColumn(q)
		best, bestAbs := -1, 0.0
		for k, p := range leaving {
			if a := math.Abs(s.alpha[p]); a > bestAbs {
				best, bestAbs = k, a
			}
		}
		if bestAbs < switchPivotTol {
			return false
		}
		r := leaving[best]
		leaving[best] = leaving[len(leaving)-1]
		leaving = leaving[:len(leaving)-1]
		s.replaceBasic(r, q)
		if !s.lu.update(r, s.alpha[r]) {
			return false
		}
	}
	return true
}
