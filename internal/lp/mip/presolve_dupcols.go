package mip

import (
	"math"
	"strconv"
)

// maxMergedBound bounds the magnitude of the finite bounds of integer
// columns that are merged, so that their sums stay exact.
const maxMergedBound = 1 << 40

// colSplit records the merge of column k into column j: the reduced
// model's x_j stands for x_j + x_k. loJ and hiJ are x_j's bounds before
// the merge, refK a finite value within x_k's bounds (its lower bound,
// else its upper bound, else 0).
type colSplit struct {
	j, k     int
	loJ, hiJ float64
	refK     float64
}

// split divides the merged value v of x_j + x_k in x: x_j takes v - refK
// clamped to its bounds and x_k the rest, which lies within its own
// bounds whenever v lies within the sums of the two.
func (c colSplit) split(x []float64) {
	v := x[c.j]
	xj := min(max(v-c.refK, c.loJ), c.hiJ)
	x[c.j], x[c.k] = xj, v-xj
}

// mergeDuplicateCols treats the live columns with the same coefficients
// in every live row and the same type. With the same objective, the
// second is merged into the first (x_j + x_k becomes x_j, with the sums
// of the bounds), which postsolve splits back; integer columns only when
// their bounds are small enough for the sums to be exact. With different
// objectives, moving a unit from the dearer to the cheaper column keeps
// every row and integrality and lowers the cost, so some optimal point
// has the cheaper column at its upper bound or the dearer at its lower
// bound: when the cheaper one has no upper bound the dearer is fixed at
// its lower bound, and when the dearer has no lower bound the cheaper is
// fixed at its upper bound.
func (p *pre) mergeDuplicateCols() {
	seen := make(map[string]int)
	var key []byte
	for k := range p.lo {
		if p.colGone[k] || p.lo[k] == p.hi[k] {
			continue
		}
		key = key[:0]
		if p.integer[k] {
			key = append(key, 'i')
		}
		live := 0
		for _, e := range p.cols[k] {
			if p.rowGone[e.idx] {
				continue
			}
			live++
			key = strconv.AppendInt(key, int64(e.idx), 36)
			key = append(key, ':')
			key = strconv.AppendFloat(key, e.val, 'g', -1, 64)
			key = append(key, ' ')
		}
		if live == 0 {
			continue
		}
		j, ok := seen[string(key)]
		if !ok || p.colGone[j] || p.lo[j] == p.hi[j] {
			seen[string(key)] = k
			continue
		}
		switch {
		case p.obj[j] == p.obj[k]:
			p.mergeCols(j, k)
		case p.obj[j] < p.obj[k]:
			p.dominatedCols(j, k)
		default:
			p.dominatedCols(k, j)
		}
		if p.lo[j] == p.hi[j] {
			seen[string(key)] = k
		}
	}
}

// dominatedCols fixes one of the duplicate columns cheap and dear (the
// cheaper and the dearer) when the other is unbounded in the direction
// that would move value into it.
func (p *pre) dominatedCols(cheap, dear int) {
	switch {
	case math.IsInf(p.hi[cheap], 1) && !math.IsInf(p.lo[dear], -1):
		p.hi[dear] = p.lo[dear]
	case math.IsInf(p.lo[dear], -1) && !math.IsInf(p.hi[cheap], 1):
		p.lo[cheap] = p.hi[cheap]
	default:
		return
	}
	p.changed = true
}

// mergeCols merges column k into column j, which has the same
// coefficients, type and objective, unless they are integer columns with
// bounds too large for exact sums.
func (p *pre) mergeCols(j, k int) {
	if p.integer[j] {
		for _, b := range []float64{p.lo[j], p.hi[j], p.lo[k], p.hi[k]} {
			if finite(b) && math.Abs(b) > maxMergedBound {
				return
			}
		}
	}
	ref := 0.0
	switch {
	case !math.IsInf(p.lo[k], -1):
		ref = p.lo[k]
	case !math.IsInf(p.hi[k], 1):
		ref = p.hi[k]
	}
	p.splits = append(p.splits, colSplit{j: j, k: k, loJ: p.lo[j], hiJ: p.hi[j], refK: ref})
	p.lo[j] += p.lo[k]
	p.hi[j] += p.hi[k]
	for _, e := range p.cols[k] {
		i := e.idx
		if p.rowGone[i] {
			continue
		}
		for n, re := range p.rows[i] {
			if re.idx == k {
				p.rows[i] = append(p.rows[i][:n], p.rows[i][n+1:]...)
				break
			}
		}
	}
	p.cols[k] = nil
	p.colGone[k] = true
	p.merged[k] = true
	p.changed = true
}
