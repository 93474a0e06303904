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
	// infSum and infCnt record, per variable and direction, the bound
	// changes that node propagation implied after branching on it, and
	// cutSum the children found infeasible (by propagation or by their
	// relaxation), with totals.
	infSum      [2][]float64
	infCnt      [2][]int
	cutSum      [2][]float64
	infTotal    [2]float64
	cutTotal    [2]float64
	infTotalCnt [2]int
	// scores is scratch space of choose.
	scores []float64
}

// historyWeight weighs the inference and cutoff scores of a variable
// against its pseudo-cost score (each normalised as x/(x+average) over
// the candidates, as SCIP's hybrid branching rules do): they decide
// between candidates of (nearly) equal pseudo-cost score, as when the
// branchings of a feasibility problem do not move the objective.
const historyWeight = 1e-4

func newPseudoCosts(n int) *pseudoCosts {
	return &pseudoCosts{
		sum:    [2][]float64{make([]float64, n), make([]float64, n)},
		cnt:    [2][]int{make([]int, n), make([]int, n)},
		infSum: [2][]float64{make([]float64, n), make([]float64, n)},
		infCnt: [2][]int{make([]int, n), make([]int, n)},
		cutSum: [2][]float64{make([]float64, n), make([]float64, n)},
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

// updateInference records that branching col in direction up led to a
// child in which propagation implied k bound changes, or which was
// infeasible (cutoff).
func (pc *pseudoCosts) updateInference(col int, up bool, k float64, cutoff bool) {
	d := dir(up)
	c := 0.0
	if cutoff {
		c = 1
	}
	pc.infSum[d][col] += k
	pc.cutSum[d][col] += c
	pc.infCnt[d][col]++
	pc.infTotal[d] += k
	pc.cutTotal[d] += c
	pc.infTotalCnt[d]++
}

// history returns the average number of bound changes implied by
// branching col in direction up and the share of such children that were
// infeasible: the variable's own, else the averages over all variables,
// else 0.
func (pc *pseudoCosts) history(col int, up bool) (inferences, cutoffs float64) {
	d := dir(up)
	switch {
	case pc.infCnt[d][col] > 0:
		n := float64(pc.infCnt[d][col])
		return pc.infSum[d][col] / n, pc.cutSum[d][col] / n
	case pc.infTotalCnt[d] > 0:
		n := float64(pc.infTotalCnt[d])
		return pc.infTotal[d] / n, pc.cutTotal[d] / n
	}
	return 0, 0
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

// choose returns the fractional variable of x with the best score. Its
// main part is the product max(down, eps) * max(up, eps) of the
// objective changes of the variable's two children: the change measured
// reports, when it reports one, else the pseudo-cost times the distance
// to the child's bound (f down, 1-f up, f being the fractional part).
// The products of the variable's inference and cutoff averages of the
// two directions (history) add historyWeight each; every part is
// normalised as x/(x+average over frac). With no history and no
// measurement this is the most fractional variable.
func (pc *pseudoCosts) choose(x []float64, frac []int, measured func(j int, up bool) (float64, bool)) int {
	const eps = 1e-6
	n := len(frac)
	if cap(pc.scores) < 3*n {
		pc.scores = make([]float64, 3*n)
	}
	gains, infs, cuts := pc.scores[:n], pc.scores[n:2*n], pc.scores[2*n:3*n]
	var avgGain, avgInf, avgCut float64
	for k, j := range frac {
		f := x[j] - math.Floor(x[j])
		gain := func(up bool, dist float64) float64 {
			if g, ok := measured(j, up); ok {
				return g
			}
			return pc.estimate(j, up) * dist
		}
		gains[k] = max(gain(false, f), eps) * max(gain(true, 1-f), eps)
		infDown, cutDown := pc.history(j, false)
		infUp, cutUp := pc.history(j, true)
		infs[k] = max(infDown, eps) * max(infUp, eps)
		cuts[k] = max(cutDown, eps) * max(cutUp, eps)
		avgGain += gains[k] / float64(n)
		avgInf += infs[k] / float64(n)
		avgCut += cuts[k] / float64(n)
	}
	best, bestScore := -1, math.Inf(-1)
	for k, j := range frac {
		s := gains[k]/(gains[k]+avgGain) +
			historyWeight*(infs[k]/(infs[k]+avgInf)+cuts[k]/(cuts[k]+avgCut))
		if s > bestScore {
			best, bestScore = j, s
		}
	}
	return best
}
