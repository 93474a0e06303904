package lp

import "math"

// scaling holds the row and column factors of a scaled matrix R A C.
// Factors are powers of two so that scaling introduces no rounding error.
type scaling struct {
	row, col []float64
}

const scalePasses = 8

// scaleMatrix scales a in place by geometric-mean passes followed by an
// equilibration of column maxima, and returns the factors applied.
func scaleMatrix(a *cscMatrix) scaling {
	sc := scaling{row: make([]float64, a.rows), col: make([]float64, a.cols)}
	for i := range sc.row {
		sc.row[i] = 1
	}
	for j := range sc.col {
		sc.col[j] = 1
	}
	if len(a.val) == 0 {
		return sc
	}
	rmin := make([]float64, a.rows)
	rmax := make([]float64, a.rows)
	prev := math.Inf(1)
	for pass := 0; pass < scalePasses; pass++ {
		// Stop when the spread max/min no longer improves noticeably.
		spread := matrixSpread(a)
		if spread > 0.9*prev {
			break
		}
		prev = spread
		for i := range rmin {
			rmin[i], rmax[i] = math.Inf(1), 0
		}
		for k, i := range a.rowIdx {
			v := math.Abs(a.val[k])
			rmin[i] = min(rmin[i], v)
			rmax[i] = max(rmax[i], v)
		}
		for i := range rmin {
			if rmax[i] > 0 {
				f := pow2(1 / math.Sqrt(rmin[i]*rmax[i]))
				sc.row[i] *= f
				rmin[i] = f // reuse as this pass's factor
			} else {
				rmin[i] = 1
			}
		}
		for k, i := range a.rowIdx {
			a.val[k] *= rmin[i]
		}
		for j := 0; j < a.cols; j++ {
			lo, hi := math.Inf(1), 0.0
			for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
				v := math.Abs(a.val[k])
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi == 0 {
				continue
			}
			f := pow2(1 / math.Sqrt(lo*hi))
			sc.col[j] *= f
			for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
				a.val[k] *= f
			}
		}
	}
	// Equilibrate: largest entry of each column close to one.
	for j := 0; j < a.cols; j++ {
		hi := 0.0
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			hi = max(hi, math.Abs(a.val[k]))
		}
		if hi == 0 {
			continue
		}
		f := pow2(1 / hi)
		sc.col[j] *= f
		for k := a.colPtr[j]; k < a.colPtr[j+1]; k++ {
			a.val[k] *= f
		}
	}
	return sc
}

// matrixSpread is max|a|/min|a| over the nonzeros.
func matrixSpread(a *cscMatrix) float64 {
	lo, hi := math.Inf(1), 0.0
	for _, v := range a.val {
		v = math.Abs(v)
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi / lo
}

// pow2 rounds f > 0 to the nearest power of two.
func pow2(f float64) float64 {
	_, e := math.Frexp(f)
	// f = frac * 2^e with frac in [0.5, 1): choose 2^e or 2^(e-1).
	lo := math.Ldexp(1, e-1)
	if f/lo > math.Sqrt2 {
		return 2 * lo
	}
	return lo
}
