package mps

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Write writes m in free MPS format, which Read parses back to the same
// model.
//
// The objective is the first N row, named m.ObjName or "obj" (with "_"
// appended until it is unique); a nonzero objective constant c is written as
// the right-hand side -c of the objective row; OBJSENSE MAX is written when
// maximising. Ranged rows are G or L rows with a RANGES entry, whichever
// reproduces both bounds exactly in floating point. Integer columns are
// enclosed in MARKER INTORG/INTEND lines; integer columns with bounds [0, 1]
// are written as BV, and those without an upper bound get a PL line, since
// readers take a marker column that BOUNDS does not name as binary. A column with no nonzero is written with an explicit
// zero objective entry so that it is not lost.
//
// Rows whose bounds are both infinite are written as extra N rows, which MPS
// readers, Read included, conventionally drop. Names must be non-empty,
// free of blanks and not start with "$", which starts a comment.
func Write(w io.Writer, m *lp.Model) error {
	if err := writeCheck(m); err != nil {
		return fmt.Errorf("mps: %w", err)
	}
	wr := &writer{w: bufio.NewWriter(w), m: m, obj: writeObjName(m)}
	wr.header()
	wr.rows()
	wr.columns()
	wr.rhs()
	wr.ranges()
	wr.bounds()
	wr.line("ENDATA")
	if wr.err != nil {
		return fmt.Errorf("mps: write: %w", wr.err)
	}
	if err := wr.w.Flush(); err != nil {
		return fmt.Errorf("mps: write: %w", err)
	}
	return nil
}

// writer holds the state of one Write call and remembers the first error.
type writer struct {
	w   *bufio.Writer
	m   *lp.Model
	obj string
	err error
}

// line writes the fields separated by two blanks; data lines start with a
// blank or an empty field.
func (wr *writer) line(fields ...string) {
	if wr.err != nil {
		return
	}
	_, wr.err = wr.w.WriteString(strings.Join(fields, "  ") + "\n")
}

func (wr *writer) header() {
	if wr.m.Name != "" {
		wr.line("NAME", wr.m.Name)
	} else {
		wr.line("NAME")
	}
	if wr.m.Sense == lp.Maximize {
		wr.line("OBJSENSE")
		wr.line("  ", "MAX")
	}
}

func (wr *writer) rows() {
	wr.line("ROWS")
	wr.line(" N", wr.obj)
	for _, r := range wr.m.Rows {
		wr.line(" "+writeRowType(r), r.Name)
	}
}

// writeRowType returns the MPS row type letter for r.
func writeRowType(r lp.Row) string {
	loInf, hiInf := math.IsInf(r.Lo, -1), math.IsInf(r.Hi, 1)
	switch {
	case loInf && hiInf:
		return "N"
	case r.Lo == r.Hi:
		return "E"
	case loInf:
		return "L"
	case hiInf:
		return "G"
	}
	// Ranged: a G row gives [rhs, rhs+R], an L row [rhs-R, rhs].
	if r.Lo+(r.Hi-r.Lo) != r.Hi && r.Hi-(r.Hi-r.Lo) == r.Lo {
		return "L"
	}
	return "G"
}

func (wr *writer) columns() {
	wr.line("COLUMNS")
	cols := wr.m.ColCoefs()
	integer := false
	for j, v := range wr.m.Vars {
		if v.Integer != integer {
			marker := "'INTORG'"
			if integer {
				marker = "'INTEND'"
			}
			wr.line("  ", "MARKER", "'MARKER'", marker)
			integer = v.Integer
		}
		if v.Obj != 0 || len(cols[j]) == 0 {
			wr.line("  ", v.Name, wr.obj, writeNum(v.Obj))
		}
		for _, c := range cols[j] {
			wr.line("  ", v.Name, wr.m.Rows[c.Row].Name, writeNum(c.Val))
		}
	}
	if integer {
		wr.line("  ", "MARKER", "'MARKER'", "'INTEND'")
	}
}

func (wr *writer) rhs() {
	wr.line("RHS")
	if wr.m.ObjConst != 0 {
		wr.line("  ", "RHS", wr.obj, writeNum(-wr.m.ObjConst))
	}
	for _, r := range wr.m.Rows {
		var b float64
		switch writeRowType(r) {
		case "E", "G":
			b = r.Lo
		case "L":
			b = r.Hi
		}
		if b != 0 {
			wr.line("  ", "RHS", r.Name, writeNum(b))
		}
	}
}

func (wr *writer) ranges() {
	header := false
	for _, r := range wr.m.Rows {
		if math.IsInf(r.Lo, 0) || math.IsInf(r.Hi, 0) || r.Lo == r.Hi {
			continue
		}
		if !header {
			wr.line("RANGES")
			header = true
		}
		wr.line("  ", "RNG", r.Name, writeNum(r.Hi-r.Lo))
	}
}

func (wr *writer) bounds() {
	header := false
	bound := func(kind, name string, val ...string) {
		if !header {
			wr.line("BOUNDS")
			header = true
		}
		wr.line(append([]string{" " + kind, "BND", name}, val...)...)
	}
	for _, v := range wr.m.Vars {
		loInf, hiInf := math.IsInf(v.Lo, -1), math.IsInf(v.Hi, 1)
		switch {
		case v.Lo == 0 && hiInf && v.Integer:
			bound("PL", v.Name)
		case v.Lo == 0 && hiInf:
		case v.Integer && v.Lo == 0 && v.Hi == 1:
			bound("BV", v.Name)
		case loInf && hiInf:
			bound("FR", v.Name)
		case v.Lo == v.Hi:
			bound("FX", v.Name, writeNum(v.Lo))
		default:
			if loInf {
				bound("MI", v.Name)
			}
			if !hiInf {
				bound("UP", v.Name, writeNum(v.Hi))
			} else if v.Integer && !loInf {
				bound("PL", v.Name)
			}
			// LO comes after UP because readers free the lower bound when
			// they see a negative UP on a column whose lower bound is 0.
			if !loInf && (v.Lo != 0 || v.Hi < 0) {
				bound("LO", v.Name, writeNum(v.Lo))
			}
		}
	}
}

// writeObjName returns a name for the objective row that no other row
// uses.
func writeObjName(m *lp.Model) string {
	name := cmp.Or(m.ObjName, "obj")
	used := make(map[string]bool, len(m.Rows))
	for _, r := range m.Rows {
		used[r.Name] = true
	}
	for used[name] {
		name += "_"
	}
	return name
}

// writeCheck rejects models that cannot be written faithfully.
func writeCheck(m *lp.Model) error {
	if strings.ContainsAny(m.Name, "\r\n") {
		return fmt.Errorf("model name %q contains a line break", m.Name)
	}
	if m.ObjName != "" && !writeValidName(m.ObjName) {
		return fmt.Errorf("objective name %q cannot be written in free MPS", m.ObjName)
	}
	if !writeFinite(m.ObjConst) {
		return fmt.Errorf("objective constant is %v", m.ObjConst)
	}
	rowNames := make(map[string]bool, len(m.Rows))
	for i, r := range m.Rows {
		if !writeValidName(r.Name) {
			return fmt.Errorf("row %d: name %q cannot be written in free MPS", i, r.Name)
		}
		if rowNames[r.Name] {
			return fmt.Errorf("row %d: duplicate name %q", i, r.Name)
		}
		rowNames[r.Name] = true
		if math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || math.IsInf(r.Lo, 1) || math.IsInf(r.Hi, -1) {
			return fmt.Errorf("row %q: invalid bounds [%v, %v]", r.Name, r.Lo, r.Hi)
		}
		if !math.IsInf(r.Lo, 0) && !math.IsInf(r.Hi, 0) && !writeFinite(r.Hi-r.Lo) {
			return fmt.Errorf("row %q: range [%v, %v] is too wide", r.Name, r.Lo, r.Hi)
		}
	}
	colNames := make(map[string]bool, len(m.Vars))
	for j, v := range m.Vars {
		if !writeValidName(v.Name) {
			return fmt.Errorf("column %d: name %q cannot be written in free MPS", j, v.Name)
		}
		if colNames[v.Name] {
			return fmt.Errorf("column %d: duplicate name %q", j, v.Name)
		}
		colNames[v.Name] = true
		if !writeFinite(v.Obj) {
			return fmt.Errorf("column %q: objective coefficient is %v", v.Name, v.Obj)
		}
		if math.IsNaN(v.Lo) || math.IsNaN(v.Hi) || math.IsInf(v.Lo, 1) || math.IsInf(v.Hi, -1) {
			return fmt.Errorf("column %q: invalid bounds [%v, %v]", v.Name, v.Lo, v.Hi)
		}
	}
	for _, c := range m.Coefs {
		if c.Row < 0 || c.Row >= len(m.Rows) || c.Col < 0 || c.Col >= len(m.Vars) {
			return fmt.Errorf("coefficient (%d, %d) out of range", c.Row, c.Col)
		}
		if !writeFinite(c.Val) {
			return fmt.Errorf("coefficient of column %q in row %q is %v", m.Vars[c.Col].Name, m.Rows[c.Row].Name, c.Val)
		}
	}
	return nil
}

// writeValidName reports whether name is one free-MPS field that Read does
// not take for a comment (a field starting with "$").
func writeValidName(name string) bool {
	return name != "" && name[0] != '$' && !strings.ContainsFunc(name, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

func writeFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// writeNum formats a finite number so that it parses back exactly.
func writeNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
