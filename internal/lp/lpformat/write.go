package lpformat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// lineWidth is the column after which Write continues an expression on a
// new line.
const lineWidth = 78

// Write writes m in CPLEX LP format.
//
// Every variable appears in the objective, with a zero coefficient if need
// be, so that Read restores the column order and declares variables that
// appear nowhere else. Rows with an empty name are written unlabelled (Read
// names them c1, c2, ...); ranged rows are written "name: lo <= expr <= hi"
// and free rows "name: expr >= -inf". Names must be non-empty for variables,
// consist of letters, digits and the characters !"#$%&()/,.;?@_`'{}|~, not
// start with a digit or a period, and not be a keyword, "free" or "inf".
func Write(w io.Writer, m *lp.Model) error {
	if err := checkModel(m); err != nil {
		return fmt.Errorf("lpformat: %w", err)
	}
	rows, err := rowTerms(m)
	if err != nil {
		return fmt.Errorf("lpformat: %w", err)
	}
	lw := &lineWriter{w: bufio.NewWriter(w)}
	if m.Name != "" {
		lw.printf("\\Problem name: %s\n\n", m.Name)
	}
	if m.Sense == lp.Maximize {
		lw.printf("Maximize\n")
	} else {
		lw.printf("Minimize\n")
	}
	lw.begin(" ")
	if m.ObjName != "" {
		lw.printf("%s:", m.ObjName)
	}
	for _, v := range m.Vars {
		lw.term(v.Obj, v.Name)
	}
	if m.ObjConst != 0 {
		lw.term(m.ObjConst, "")
	}
	lw.printf("\n\nSubject To\n")
	for i, r := range m.Rows {
		if err := writeRow(lw, m, r, rows[i]); err != nil {
			return fmt.Errorf("lpformat: row %q: %w", r.Name, err)
		}
	}
	if err := writeBounds(lw, m); err != nil {
		return fmt.Errorf("lpformat: %w", err)
	}
	writeIntegers(lw, m, "General", func(v lp.Var) bool { return v.Integer && !isBinary(v) })
	writeIntegers(lw, m, "Binary", isBinary)
	lw.printf("End\n")
	if lw.err != nil {
		return lw.err
	}
	if err := lw.w.Flush(); err != nil {
		return fmt.Errorf("lpformat: write: %w", err)
	}
	return nil
}

// writeRow writes one constraint.
func writeRow(lw *lineWriter, m *lp.Model, r lp.Row, terms []lp.Coef) error {
	if math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || math.IsInf(r.Lo, 1) || math.IsInf(r.Hi, -1) {
		return fmt.Errorf("invalid bounds [%v, %v]", r.Lo, r.Hi)
	}
	lw.begin(" ")
	if r.Name != "" {
		lw.printf("%s:", r.Name)
	}
	ranged := !math.IsInf(r.Lo, 0) && !math.IsInf(r.Hi, 0) && r.Lo != r.Hi
	if ranged {
		lw.printf(" %s <=", formatValue(r.Lo))
	}
	if len(terms) == 0 {
		if len(m.Vars) == 0 {
			return errors.New("cannot write an empty row in a model without variables")
		}
		lw.term(0, m.Vars[0].Name)
	}
	for _, c := range terms {
		lw.term(c.Val, m.Vars[c.Col].Name)
	}
	switch {
	case ranged:
		lw.printf(" <= %s\n", formatValue(r.Hi))
	case r.Lo == r.Hi:
		lw.printf(" = %s\n", formatValue(r.Lo))
	case !math.IsInf(r.Hi, 1):
		lw.printf(" <= %s\n", formatValue(r.Hi))
	default:
		lw.printf(" >= %s\n", formatValue(r.Lo))
	}
	return nil
}

// writeBounds writes the Bounds section for variables whose bounds differ
// from the default [0, +inf); binaries are left to the Binary section.
func writeBounds(lw *lineWriter, m *lp.Model) error {
	header := false
	for _, v := range m.Vars {
		if math.IsNaN(v.Lo) || math.IsNaN(v.Hi) || math.IsInf(v.Lo, 1) || math.IsInf(v.Hi, -1) {
			return fmt.Errorf("variable %q: invalid bounds [%v, %v]", v.Name, v.Lo, v.Hi)
		}
		if v.Lo == 0 && math.IsInf(v.Hi, 1) || isBinary(v) {
			continue
		}
		if !header {
			lw.printf("\nBounds\n")
			header = true
		}
		switch {
		case math.IsInf(v.Lo, -1) && math.IsInf(v.Hi, 1):
			lw.printf(" %s free\n", v.Name)
		case v.Lo == v.Hi:
			lw.printf(" %s = %s\n", v.Name, formatValue(v.Lo))
		case math.IsInf(v.Hi, 1):
			lw.printf(" %s >= %s\n", v.Name, formatValue(v.Lo))
		default:
			lw.printf(" %s <= %s <= %s\n", formatValue(v.Lo), v.Name, formatValue(v.Hi))
		}
	}
	return nil
}

// writeIntegers writes a General or Binary section listing the variables
// selected by keep, if any.
func writeIntegers(lw *lineWriter, m *lp.Model, title string, keep func(lp.Var) bool) {
	header := false
	for _, v := range m.Vars {
		if !keep(v) {
			continue
		}
		if !header {
			lw.printf("\n%s\n", title)
			lw.begin(" ")
			header = true
		}
		lw.item(v.Name)
	}
	if header {
		lw.printf("\n")
	}
}

// isBinary reports whether v is written in the Binary section.
func isBinary(v lp.Var) bool { return v.Integer && v.Lo == 0 && v.Hi == 1 }

// rowTerms groups the coefficients by row, sorted by column, with
// duplicates summed and zeros dropped, after checking every index and value.
func rowTerms(m *lp.Model) ([][]lp.Coef, error) {
	for _, c := range m.Coefs {
		if c.Row < 0 || c.Row >= len(m.Rows) || c.Col < 0 || c.Col >= len(m.Vars) {
			return nil, fmt.Errorf("coefficient (%d, %d) out of range", c.Row, c.Col)
		}
		if !isFinite(c.Val) {
			return nil, fmt.Errorf("coefficient of %q in row %q is %v", m.Vars[c.Col].Name, m.Rows[c.Row].Name, c.Val)
		}
	}
	return m.RowCoefs(), nil
}

// checkModel verifies that every name can be read back and that the
// objective is finite.
func checkModel(m *lp.Model) error {
	if strings.ContainsAny(m.Name, "\r\n") {
		return fmt.Errorf("model name %q contains a line break", m.Name)
	}
	if !isFinite(m.ObjConst) {
		return fmt.Errorf("objective constant is %v", m.ObjConst)
	}
	if m.ObjName != "" && !validName(m.ObjName) {
		return fmt.Errorf("objective name %q cannot be written in LP format", m.ObjName)
	}
	for j, v := range m.Vars {
		if !validName(v.Name) {
			return fmt.Errorf("variable %d: name %q cannot be written in LP format", j, v.Name)
		}
		if !isFinite(v.Obj) {
			return fmt.Errorf("objective coefficient of %q is %v", v.Name, v.Obj)
		}
	}
	for i, r := range m.Rows {
		if r.Name != "" && !validName(r.Name) {
			return fmt.Errorf("row %d: name %q cannot be written in LP format", i, r.Name)
		}
	}
	return nil
}

// validName reports whether name reads back as the same single name.
func validName(name string) bool {
	if name == "" || isDigit(name[0]) || name[0] == '.' || Reserved(name) {
		return false
	}
	lx := lexer{}
	for i := 0; i < len(name); i++ {
		if !lx.isNameChar(name[i]) {
			return false
		}
	}
	return true
}

// formatValue formats a bound or right-hand side, including infinities.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// lineWriter writes expressions wrapped at lineWidth, remembering the first
// error.
type lineWriter struct {
	w      *bufio.Writer
	col    int
	indent string
	err    error
}

func (lw *lineWriter) printf(format string, args ...any) {
	if lw.err != nil {
		return
	}
	s := fmt.Sprintf(format, args...)
	if _, err := lw.w.WriteString(s); err != nil {
		lw.err = fmt.Errorf("lpformat: write: %w", err)
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		lw.col = len(s) - i - 1
	} else {
		lw.col += len(s)
	}
}

// begin starts a wrapped line with the given indentation.
func (lw *lineWriter) begin(indent string) {
	lw.indent = indent
	lw.printf("%s", indent)
}

// item writes " text", wrapping first if the line would grow too long.
func (lw *lineWriter) item(text string) {
	if lw.col+1+len(text) > lineWidth && lw.col > len(lw.indent) {
		lw.printf("\n%s", lw.indent)
	}
	if lw.col > len(lw.indent) {
		lw.printf(" ")
	}
	lw.printf("%s", text)
}

// term writes "+ coef name", "- name" or a constant "+ coef" when name is
// empty. A unit coefficient is omitted.
func (lw *lineWriter) term(coef float64, name string) {
	sign := "+"
	if coef < 0 || coef == 0 && math.Signbit(coef) {
		sign, coef = "-", -coef
	}
	text := sign + " " + strconv.FormatFloat(coef, 'g', -1, 64)
	switch {
	case name == "":
	case coef == 1:
		text = sign + " " + name
	default:
		text += " " + name
	}
	lw.item(text)
}
