package lp

import "math"

// Devex pricing (Forrest and Goldfarb): the entering variable maximises
// d_j² / w_j, where the reference weights w_j approximate the steepest-edge
// norms relative to a reference framework that is reset when the weights
// grow too large.

const devexReset = 1e6

// price returns the entering variable and its direction of movement (+1 to
// increase, -1 to decrease), or -1 when no reduced cost is attractive.
func (s *simplex) price(phase1 bool) (q int, dir float64) {
	q, dir = -1, 0
	best := 0.0
	for j, dj := range s.d {
		if s.pos[j] >= 0 || s.reject[j] {
			continue
		}
		var dd float64
		switch {
		case dj < -dualTol && s.x[j] < s.hi[j]:
			dd = 1
		case dj > dualTol && s.x[j] > s.lo[j]:
			dd = -1
		default:
			continue
		}
		if s.bland {
			return j, dd
		}
		if score := dj * dj / s.weight[j]; score > best {
			best, q, dir = score, j, dd
		}
	}
	return q, dir
}

// updateWeights updates the Devex weights for the pivot of q into position
// r, given the pivot row in rowAlpha.
func (s *simplex) updateWeights(q, r int) {
	arq := s.alpha[r]
	wq := s.weight[q]
	grow := false
	for j, arj := range s.rowAlpha {
		if arj == 0 || s.pos[j] >= 0 || j == q {
			continue
		}
		t := arj / arq
		if w := t * t * wq; w > s.weight[j] {
			s.weight[j] = w
			grow = grow || w > devexReset
		}
	}
	p := s.head[r]
	s.weight[p] = math.Max(wq/(arq*arq), 1)
	if grow {
		for j := range s.weight {
			s.weight[j] = 1
		}
	}
}
