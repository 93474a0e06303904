package mip

import (
	"cmp"
	"math"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Lifted knapsack cover cuts of the model's rows. Each side of a row is
// written as Σ a_j x_j <= b and relaxed to a knapsack over its binary
// variables: the other variables are replaced by their least
// contribution under the root bounds, and binaries with a negative
// coefficient are complemented (x̄ = 1 - x). A cover C is a set of
// binaries whose coefficients sum to more than the knapsack's capacity,
// so they cannot all be 1: Σ_{C} x_j <= |C| - 1. It is chosen greedily,
// the variables nearest to 1 at the relaxation first, and extended by
// every binary whose coefficient is at least the largest of C (the
// extended cover, a lifting with coefficients 1).

// coverItem is a binary of a knapsack: z is x_j, or 1 - x_j when
// complemented, a its positive coefficient and zx its value.
type coverItem struct {
	j            int
	a, zx        float64
	complemented bool
	key          float64 // (1 - zx)/a, the greedy order
	k            int     // position in the row, which breaks ties
}

// coverCuts returns the violated extended cover cuts of the model's rows
// at x.
func (s *search) coverCuts(x []float64) []cut {
	var cuts []cut
	s.rowSides(2, math.MaxInt, func(_ int, row []lp.Coef, side, b float64) {
		if c, ok := s.coverRow(row, side, b, x); ok {
			cuts = append(cuts, c)
		}
	})
	return cuts
}

// isBinary reports whether variable j is integer with root bounds [0, 1].
func (s *search) isBinary(j int) bool {
	return s.p.m.Vars[j].Integer && s.p.lo[j] == 0 && s.p.hi[j] == 1
}

// coverRow returns the extended cover cut of side·row <= b at x, in the
// >= form of the cut pool, if one is violated.
func (s *search) coverRow(row []lp.Coef, side, b float64, x []float64) (cut, bool) {
	ks, capacity, ok := s.knapsack(s.knapBuf, row, side, b)
	s.knapBuf = ks
	if !ok || len(ks) < 2 {
		return cut{}, false
	}
	items := resized(s.coverBuf, len(ks))
	s.coverBuf = items
	total := 0.0
	for k, it := range ks {
		zx := litValue(x, it.lit)
		items[k] = coverItem{j: it.lit / 2, a: it.w, zx: zx, complemented: it.lit%2 == 1, key: (1 - zx) / it.w, k: k}
		total += it.w
	}
	if total <= capacity*(1+1e-9)+1e-9 {
		return cut{}, false
	}
	// Greedy cover: the items nearest to 1 per unit of weight first.
	slices.SortFunc(items, func(p, q coverItem) int {
		return cmp.Or(cmp.Compare(p.key, q.key), p.k-q.k)
	})
	sum, n, maxA := 0.0, 0, 0.0
	for n < len(items) && sum <= capacity*(1+1e-9)+1e-9 {
		sum += items[n].a
		maxA = max(maxA, items[n].a)
		n++
	}
	if sum <= capacity*(1+1e-9)+1e-9 {
		return cut{}, false
	}
	// Σ z <= n - 1 over the cover and its extension.
	cb := s.builder()
	rhs := float64(n - 1)
	for k, it := range items {
		if k >= n && it.a < maxA {
			continue
		}
		if it.complemented {
			cb.add(it.j, -1)
			rhs -= 1
		} else {
			cb.add(it.j, 1)
		}
	}
	return s.finishCut(cb, -1, -rhs, x)
}
