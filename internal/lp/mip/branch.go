package mip

import "math"

// pseudoCosts records, per variable and direction, the average increase
// of the relaxation value (minimisation form) per unit of bound change.
type pseudoCosts struct {
	sum [2][]float64 // [0] down, [1] up
	cnt [2][]int
	// Totals over all variables, for those without history.
	total    [2]float64
	totalCnt [2]int
}

func newPseudoCosts(n int) *pseudoCosts {
	return &pseudoCosts{
		sum: [2][]float64{make([]float64, n), make([]float64, n)},
		cnt: [2][]int{make([]int, n), make([]int, n)},
	}
}

// dir returns the index of a direction.
func dir(up bool) int {
	if up {
		return 1
	}
	return 0
}

// update records that moving col by dist in direction up changed the
// relaxation value by gain.
func (pc *pseudoCosts) update(col int, up bool, dist, gain float64) {
	if dist <= 0 || gain < 0 || math.IsInf(gain, 0) || math.IsNaN(gain) {
		return
	}
	d := dir(up)
	g := gain / dist
	pc.sum[d][col] += g
	pc.cnt[d][col]++
	pc.total[d] += g
	pc.totalCnt[d]++
}

// estimate returns the pseudo-cost of col in direction up: its own
// average, else the average over all variables, else 1.
func (pc *pseudoCosts) estimate(col int, up bool) float64 {
	d := dir(up)
	switch {
	case pc.cnt[d][col] > 0:
		return pc.sum[d][col] / float64(pc.cnt[d][col])
	case pc.totalCnt[d] > 0:
		return pc.total[d] / float64(pc.totalCnt[d])
	}
	return 1
}

// choose returns the fractional variable of x with the best product
// score max(down, eps) * max(up, eps) of the objective changes of its
// two children: the change measured reports, when it reports one, else
// the pseudo-cost times the distance to the child's bound (f down, 1-f
// up, f being the fractional part). With no history and no measurement
// this is the most fractional variable.
func (pc *pseudoCosts) choose(x []float64, frac []int, measured func(j int, up bool) (float64, bool)) int {
	const eps = 1e-6
	best, bestScore := -1, math.Inf(-1)
	for _, j := range frac {
		f := x[j] - math.Floor(x[j])
		gain := func(up bool, dist float64) float64 {
			if g, ok := measured(j, up); ok {
				return g
			}
			return pc.estimate(j, up) * dist
		}
		if s := max(gain(false, f), eps) * max(gain(true, 1-f), eps); s > bestScore {
			best, bestScore = j, s
		}
	}
	return best
}
