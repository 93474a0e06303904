package mip

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// ErrInfeasiblePoint is wrapped by the errors of CheckSolution.
var ErrInfeasiblePoint = errors.New("point violates the model")

// maxReported bounds the violations a CheckSolution error lists.
const maxReported = 5

// CheckSolution checks that x (indexed like m.Vars) satisfies every
// variable bound, every row and the integrality of the integer variables
// of m, within tol: a value v may exceed a bound b by tol*(1+|b|), and an
// integer variable may lie tol away from the nearest integer. It returns
// nil for a feasible point, else an error wrapping ErrInfeasiblePoint
// that counts the violations and names the first few with their amounts.
// Non-finite values and a length other than len(m.Vars) are violations.
func CheckSolution(m *lp.Model, x []float64, tol float64) error {
	if m == nil {
		return errors.New("mip: check solution: nil model")
	}
	if len(x) != len(m.Vars) {
		return fmt.Errorf("mip: check solution: %w: %d values for %d variables", ErrInfeasiblePoint, len(x), len(m.Vars))
	}
	var v violations
	for j, vr := range m.Vars {
		xj := x[j]
		switch {
		case math.IsNaN(xj) || math.IsInf(xj, 0):
			v.add("variable %s = %v is not finite", vr.Name, xj)
		case below(xj, vr.Lo, tol):
			v.add("variable %s = %.12g below its lower bound %.12g by %.3g", vr.Name, xj, vr.Lo, vr.Lo-xj)
		case above(xj, vr.Hi, tol):
			v.add("variable %s = %.12g above its upper bound %.12g by %.3g", vr.Name, xj, vr.Hi, xj-vr.Hi)
		case vr.Integer && math.Abs(xj-math.Round(xj)) > tol:
			v.add("integer variable %s = %.12g is fractional", vr.Name, xj)
		}
	}
	act := make([]float64, len(m.Rows))
	for _, c := range m.Coefs {
		act[c.Row] += c.Val * x[c.Col]
	}
	for i, r := range m.Rows {
		a := act[i]
		switch {
		case math.IsNaN(a):
			v.add("row %s activity is not a number", r.Name)
		case below(a, r.Lo, tol):
			v.add("row %s activity %.12g below its lower bound %.12g by %.3g", r.Name, a, r.Lo, r.Lo-a)
		case above(a, r.Hi, tol):
			v.add("row %s activity %.12g above its upper bound %.12g by %.3g", r.Name, a, r.Hi, a-r.Hi)
		}
	}
	return v.err()
}

// below reports whether v is below the lower bound lo by more than
// tol*(1+|lo|).
func below(v, lo, tol float64) bool {
	return !math.IsInf(lo, -1) && v < lo-tol*(1+math.Abs(lo))
}

// above reports whether v is above the upper bound hi by more than
// tol*(1+|hi|).
func above(v, hi, tol float64) bool {
	return !math.IsInf(hi, 1) && v > hi+tol*(1+math.Abs(hi))
}

// violations collects the violations CheckSolution finds.
type violations struct {
	n     int
	first []string
}

func (v *violations) add(format string, args ...any) {
	v.n++
	if len(v.first) < maxReported {
		v.first = append(v.first, fmt.Sprintf(format, args...))
	}
}

func (v *violations) err() error {
	if v.n == 0 {
		return nil
	}
	more := ""
	if v.n > len(v.first) {
		more = fmt.Sprintf("; and %d more", v.n-len(v.first))
	}
	return fmt.Errorf("mip: check solution: %w: %d violations: %s%s", ErrInfeasiblePoint, v.n, strings.Join(v.first, "; "), more)
}
