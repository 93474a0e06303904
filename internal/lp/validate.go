package lp

import (
	"fmt"
	"math"
)

// validate reports the first structural error of m: non-finite
// coefficients, NaN or inverted bounds, and out-of-range indices.
func validate(m *Model) error {
	if m == nil {
		return fmt.Errorf("lp: nil model")
	}
	if m.Sense != Minimize && m.Sense != Maximize {
		return fmt.Errorf("lp: invalid objective sense %d", m.Sense)
	}
	if !isFinite(m.ObjConst) {
		return fmt.Errorf("lp: objective constant is %v", m.ObjConst)
	}
	for j, v := range m.Vars {
		if !isFinite(v.Obj) {
			return fmt.Errorf("lp: variable %d (%q): objective coefficient is %v", j, v.Name, v.Obj)
		}
		if err := checkBounds(v.Lo, v.Hi); err != nil {
			return fmt.Errorf("lp: variable %d (%q): %w", j, v.Name, err)
		}
	}
	for i, r := range m.Rows {
		if err := checkBounds(r.Lo, r.Hi); err != nil {
			return fmt.Errorf("lp: row %d (%q): %w", i, r.Name, err)
		}
	}
	for k, c := range m.Coefs {
		if c.Row < 0 || c.Row >= len(m.Rows) {
			return fmt.Errorf("lp: coefficient %d: row index %d out of range [0,%d)", k, c.Row, len(m.Rows))
		}
		if c.Col < 0 || c.Col >= len(m.Vars) {
			return fmt.Errorf("lp: coefficient %d: column index %d out of range [0,%d)", k, c.Col, len(m.Vars))
		}
		if !isFinite(c.Val) {
			return fmt.Errorf("lp: coefficient %d (row %d, column %d) is %v", k, c.Row, c.Col, c.Val)
		}
	}
	return nil
}

func checkBounds(lo, hi float64) error {
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		return fmt.Errorf("NaN bound [%v, %v]", lo, hi)
	case math.IsInf(lo, 1) || math.IsInf(hi, -1):
		return fmt.Errorf("infinite bound on the wrong side [%v, %v]", lo, hi)
	case lo > hi:
		return fmt.Errorf("lower bound %v exceeds upper bound %v", lo, hi)
	}
	return nil
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
