package lp

// Primal pricing: the entering variable maximises d_j² / w_j. With
// steepest edge, w_j = 1 + ||B⁻¹a_j||² is kept exact by the Goldfarb–Reid
// update (initialised exactly for the slack basis); with Devex (Forrest and
// Goldfarb), w_j approximates those norms relative to a reference framework
// that is reset when the weights grow too large.

const devexReset = 1e6

// price returns the entering variable and its direction of movement (+1 to
// increase, -1 to decrease), or -1 when no reduced cost is attractive.
func (s *simplex) price(phase1 bool) (q int, dir float64) {
	q, dir = -1, 0
	best := 0.0
	pos, reject, x, lo, hi := s.pos[:len(s.d)], s.reject[:len(s.d)], s.x[:len(s.d)], s.lo[:len(s.d)], s.hi[:len(s.d)]
	weight := s.weight[:len(s.d)]
	for j, dj := range s.d {
		// Basic variables have zero reduced costs, so this test alone
		// skips most of them.
		if dj <= dualTol && dj >= -dualTol {
			continue
		}
		if pos[j] >= 0 || reject[j] {
			continue
		}
		dd := 1.0
		if dj < 0 {
			if x[j] >= hi[j] {
				continue
			}
		} else {
			if x[j] <= lo[j] {
				continue
			}
			dd = -1
		}
		if s.bland {
			return j, dd
		}
		// dj²/w > best without a division per candidate.
		if w := weight[j]; dj*dj > best*w {
			best, q, dir = dj*dj/w, j, dd
		}
	}
	return q, dir
}

// updateSteepestEdge updates the steepest-edge weights
// gamma_j = 1 + ||B⁻¹a_j||² for the pivot of q into position r
// (Goldfarb–Reid), given the pivot row in rowAlpha and the pivot column in
// alpha. It needs v = B⁻ᵀ alpha, one extra BTRAN.
func (s *simplex) updateSteepestEdge(q, r int) {
	arq := s.alpha[r]
	gq := 1.0
	for _, a := range s.alpha {
		gq += a * a
	}
	inv := 1 / arq
	v := s.seWork
	copy(v, s.alpha)
	s.lu.btran(v)
	for _, j := range s.rowNz {
		arj := s.rowAlpha[j]
		if arj == 0 || s.pos[j] >= 0 || j == q {
			continue
		}
		var dot float64
		if j < s.n {
			for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
				dot += s.a.val[k] * v[s.a.rowIdx[k]]
			}
		} else {
			dot = -v[j-s.n]
		}
		ab := arj * inv
		w := s.weight[j] - 2*ab*dot + ab*ab*gq
		if lower := 1 + ab*ab; w < lower {
			w = lower
		}
		s.weight[j] = w
	}
	s.weight[s.head[r]] = max(gq/(arq*arq), 1)
}

// initSteepestEdge sets the weights exact for the slack basis: 1 + ||a_j||²
// for structural columns, 1 for logical ones. (After a crash or a dual
// phase they are only approximate, which costs a few iterations at most.)
func (s *simplex) initSteepestEdge() {
	for j := range s.weight {
		w := 1.0
		if j < s.n {
			for k := s.a.colPtr[j]; k < s.a.colPtr[j+1]; k++ {
				w += s.a.val[k] * s.a.val[k]
			}
		}
		s.weight[j] = w
	}
}

// updateWeights updates the Devex weights for the pivot of q into position
// r, given the pivot row in rowAlpha.
func (s *simplex) updateWeights(q, r int) {
	arq := s.alpha[r]
	inv := 1 / arq
	wq := s.weight[q]
	grow := false
	for _, j := range s.rowNz {
		arj := s.rowAlpha[j]
		if arj == 0 || s.pos[j] >= 0 || j == q {
			continue
		}
		t := arj * inv
		if w := t * t * wq; w > s.weight[j] {
			s.weight[j] = w
			grow = grow || w > devexReset
		}
	}
	p := s.head[r]
	s.weight[p] = max(wq/(arq*arq), 1)
	if grow {
		for j := range s.weight {
			s.weight[j] = 1
		}
	}
}
