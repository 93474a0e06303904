package mip

import (
	"slices"
	"strconv"
)

// mergeDuplicateRows merges the live rows whose coefficients are equal up
// to a factor: the first keeps the intersection of their bounds.
func (p *pre) mergeDuplicateRows() {
	type norm struct {
		row    int
		lo, hi float64 // the bounds divided by the first coefficient
	}
	seen := make(map[string]norm)
	var key []byte
	for i, row := range p.rows {
		if p.rowGone[i] || len(row) < 2 {
			continue
		}
		f := row[0].val
		key = key[:0]
		for _, e := range row {
			key = strconv.AppendInt(key, int64(e.idx), 36)
			key = append(key, ':')
			key = strconv.AppendFloat(key, e.val/f, 'g', 14, 64)
			key = append(key, ' ')
		}
		lo, hi := p.rowLo[i]/f, p.rowHi[i]/f
		if f < 0 {
			lo, hi = hi, lo
		}
		first, ok := seen[string(key)]
		if !ok {
			seen[string(key)] = norm{i, lo, hi}
			continue
		}
		lo, hi = max(lo, first.lo), min(hi, first.hi)
		if lo > hi {
			if lo-hi > slack(lo, hi) {
				p.infeas = true
				return
			}
			lo, hi = (lo+hi)/2, (lo+hi)/2
		}
		seen[string(key)] = norm{first.row, lo, hi}
		f0 := p.rows[first.row][0].val
		p.rowLo[first.row], p.rowHi[first.row] = lo*f0, hi*f0
		if f0 < 0 {
			p.rowLo[first.row], p.rowHi[first.row] = hi*f0, lo*f0
		}
		p.dropRow(i)
	}
}

// probe sets each live binary variable to 0 and to 1 in turn and
// propagates the bounds, within the work budget. A value that leaves the
// rows unsatisfiable fixes the variable to the other, both values
// unsatisfiable prove the model infeasible, and a bound that holds after
// both tightens the column's bound.
func (p *pre) probe() {
	nnz := 0
	for _, row := range p.rows {
		nnz += len(row)
	}
	limit := p.work + min(maxProbeWork, probeWork*(nnz+1))
	w := [2]struct{ lo, hi []float64 }{
		{slices.Clone(p.lo), slices.Clone(p.hi)},
		{slices.Clone(p.lo), slices.Clone(p.hi)},
	}
	var trails [2][]int
	for j := range p.lo {
		if p.colGone[j] || !p.binary(j) || p.work > limit {
			continue
		}
		var ok [2]bool
		for v := range 2 {
			lo, hi := w[v].lo, w[v].hi
			lo[j], hi[j] = float64(v), float64(v)
			p.trail = append(p.trail[:0], j)
			for _, e := range p.cols[j] {
				p.enqueue(e.idx)
			}
			ok[v] = p.propagate(lo, hi, limit)
			trails[v] = append(trails[v][:0], p.trail...)
		}
		fixed := false
		switch {
		case !ok[0] && !ok[1]:
			p.infeas = true
			return
		case !ok[0]:
			p.lo[j], fixed = 1, true
		case !ok[1]:
			p.hi[j], fixed = 0, true
		default:
			for _, k := range trails[0] {
				lo := min(w[0].lo[k], w[1].lo[k])
				hi := max(w[0].hi[k], w[1].hi[k])
				if lo > p.lo[k] || hi < p.hi[k] {
					p.lo[k], p.hi[k] = max(p.lo[k], lo), min(p.hi[k], hi)
					fixed = true
				}
			}
		}
		if fixed {
			// Propagate the new bounds on the model itself, then start
			// the next probes from them.
			p.changed = true
			for _, e := range p.cols[j] {
				p.enqueue(e.idx)
			}
			for _, k := range trails[0] {
				for _, e := range p.cols[k] {
					p.enqueue(e.idx)
				}
			}
			if !p.propagate(p.lo, p.hi, limit) {
				p.infeas = true
				return
			}
			p.work += 2 * len(p.lo)
			for v := range 2 {
				copy(w[v].lo, p.lo)
				copy(w[v].hi, p.hi)
			}
			continue
		}
		for v := range 2 {
			for _, k := range trails[v] {
				w[v].lo[k], w[v].hi[k] = p.lo[k], p.hi[k]
			}
		}
	}
}
