// Package mps reads linear and mixed-integer programs in the MPS format,
// fixed or free, into lp.Model values.
package mps

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Format selects the MPS dialect.
type Format int

const (
	// Auto parses the file as free MPS and, when that fails, as fixed MPS,
	// reporting the error of whichever attempt got further.
	Auto Format = iota
	// Fixed is the column-oriented original format: fields start in columns
	// 2, 5, 15, 25, 40 and 50, and names may contain spaces.
	Fixed
	// Free separates fields by spaces or tabs; names cannot contain blanks.
	Free
)

// String returns "auto", "fixed" or "free".
func (f Format) String() string {
	switch f {
	case Fixed:
		return "fixed"
	case Free:
		return "free"
	default:
		return "auto"
	}
}

// Options tunes Read. The zero value auto-detects the format.
type Options struct {
	Format Format
}

// Error is a syntax or consistency error at one line of an MPS file. Msg
// names the offending field and what was expected instead.
type Error struct {
	Line   int // 1-based line number
	Column int // 1-based byte column of the offending field; 0 when the line as a whole is wrong
	Msg    string
}

// Error formats the error as "line N, column C: message", or "line N:
// message" without a column.
func (e *Error) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// Read parses an MPS model from r. Input starting with the gzip magic bytes
// is decompressed transparently. Package modelfile reads model files by
// name.
//
// Conventions: the first N row is the objective and later N rows are
// dropped; an RHS entry on the objective row is the negative of the
// objective constant (but see GLPK below); UP with a negative value on a column whose lower bound
// is zero makes the lower bound -Inf; a column declared between MARKER
// INTORG and INTEND lines is integer with the bounds [0, 1] when BOUNDS has
// no line for it, as in MIPLIB's files, glpsol and cbc, and with the
// bounds [0, +Inf) that its lines then change otherwise, as in cbc (so
// "LO 2" alone gives [2, +Inf), where glpsol would keep the upper bound
// 1; Write states both bounds of such columns). Semi-continuous bounds (SC) are rejected. A "$" starts a
// comment that runs to the end of the line where it begins a field other
// than the first (free format) or field 3 or 5 (fixed format), as in GLPK's
// reader, so the annotated examples GLPK ships (icecream.mps, furnace.mps)
// are read. In fixed format, a blank field 2 (column name in COLUMNS,
// vector name in RHS, RANGES and BOUNDS) repeats the previous line's; in
// either format, an RHS, RANGES or BOUNDS line without a vector name belongs
// to the current vector. The comment "*SENSE:Maximize" (or Minimize), which
// PuLP writes instead of OBJSENSE, sets the sense unless OBJSENSE does. In
// files that GLPK wrote (recognised by the header comment "* Format: Free
// MPS" or "Fixed MPS"), an RHS entry on the objective row is the objective
// constant itself, as GLPK writes and reads it.
func Read(r io.Reader, opts Options) (*lp.Model, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("mps: gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	lines, err := readLines(br)
	if err != nil {
		return nil, fmt.Errorf("mps: %w", err)
	}
	switch opts.Format {
	case Fixed, Free:
		m, err := parse(lines, opts.Format)
		if err != nil {
			return nil, fmt.Errorf("mps (%s): %w", opts.Format, err)
		}
		return m, nil
	}
	m, errFree := parse(lines, Free)
	if errFree == nil {
		return m, nil
	}
	m, errFixed := parse(lines, Fixed)
	if errFixed == nil {
		return m, nil
	}
	// Report the attempt that got further into the file.
	var ef, ex *Error
	if errors.As(errFixed, &ex) && errors.As(errFree, &ef) && ex.Line > ef.Line {
		return nil, fmt.Errorf("mps (fixed): %w", errFixed)
	}
	return nil, fmt.Errorf("mps (free): %w", errFree)
}

func readLines(br *bufio.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines, sc.Err()
}

type section int

const (
	secNone section = iota
	secName
	secObjSense
	secObjName
	secRows
	secColumns
	secRHS
	secRanges
	secBounds
)

// rowKind is the MPS row type letter.
type rowKind byte

// parser holds the state of one parse attempt.
type parser struct {
	format Format
	m      *lp.Model
	line   int
	rowIdx map[string]int // model row index, or -1 for the objective, -2 for dropped N rows
	kinds  []rowKind
	rhs    []float64
	colIdx map[string]int
	inInt  bool
	// binDefault marks the columns declared between the integer markers
	// that no BOUNDS line has named yet: their bounds are [0, 1].
	binDefault map[int]bool
	lastCol    string // column of the previous COLUMNS line
	rhsSet     string
	rngSet     string
	bndSet     string
	haveRHS    bool
	haveRng    bool
	haveBnd    bool
	ranges     []float64
	hasRng     []bool
	haveObj    bool
	sensed     bool     // an OBJSENSE section set the sense
	glpk       bool     // GLPK wrote the file: see comment
	buf        []string // fields of the current data line (reused)
	offs       []int    // byte offset of each field of buf in its line
}

const (
	objRow     = -1
	droppedRow = -2
)

// errf reports an error of the current line as a whole.
func (p *parser) errf(format string, args ...any) error {
	return &Error{Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// errAt reports an error at the field tok of the current line: the first
// field with that text, which is the one that failed, as fields are
// checked from left to right.
func (p *parser) errAt(tok string, format string, args ...any) error {
	e := &Error{Line: p.line, Msg: fmt.Sprintf(format, args...)}
	for i, f := range p.buf {
		if f == tok && f != "" {
			e.Column = p.offs[i] + 1
			break
		}
	}
	return e
}

// The sections and bound types Read knows, for messages.
const (
	sectionsExpected = "NAME, OBJSENSE, OBJNAME, ROWS, COLUMNS, RHS, RANGES, BOUNDS or ENDATA"
	boundsExpected   = "UP, LO, FX, FR, MI, PL, BV, LI or UI"
)

func parse(lines []string, format Format) (*lp.Model, error) {
	p := &parser{
		format: format,
		m:      &lp.Model{},
		rowIdx: make(map[string]int),
		colIdx: make(map[string]int),
	}
	sec := secNone
	ended := false
	for i, raw := range lines {
		p.line = i + 1
		if raw == "" || strings.TrimSpace(raw) == "" {
			continue
		}
		if raw[0] == '*' {
			p.comment(raw)
			continue
		}
		if raw[0] != ' ' && raw[0] != '\t' {
			var err error
			sec, err = p.header(raw)
			if err != nil {
				return nil, err
			}
			if sec == secNone {
				ended = true
				break
			}
			continue
		}
		var err error
		switch sec {
		case secNone, secName:
			p.fields(raw) // for the column of the first field
			err = p.errAt(strings.Fields(raw)[0], "data line %q outside of any section (expected a section header first, such as ROWS)", strings.TrimSpace(raw))
		case secObjSense:
			err = p.objSense(strings.TrimSpace(raw))
		case secObjName:
			p.m.ObjName = strings.TrimSpace(raw)
		case secRows:
			err = p.row(raw)
		case secColumns:
			err = p.column(raw)
		case secRHS:
			err = p.rhsLine(raw)
		case secRanges:
			err = p.rangeLine(raw)
		case secBounds:
			err = p.bound(raw)
		}
		if err != nil {
			return nil, err
		}
	}
	if !ended {
		p.line = len(lines)
		return nil, p.errf("missing ENDATA (expected ENDATA after the last section)")
	}
	p.finishRows()
	return p.m, nil
}

// header handles a section line; it returns secNone at ENDATA.
func (p *parser) header(raw string) (section, error) {
	fields := strings.Fields(raw)
	switch strings.ToUpper(fields[0]) {
	case "NAME":
		if p.format == Fixed && len(raw) > 14 {
			p.m.Name = strings.TrimSpace(raw[14:])
		} else if len(fields) > 1 {
			p.m.Name = strings.Join(fields[1:], " ")
		}
		return secName, nil
	case "OBJSENSE":
		if len(fields) > 1 {
			return secObjSense, p.objSense(fields[1])
		}
		return secObjSense, nil
	case "OBJNAME":
		if len(fields) > 1 {
			p.m.ObjName = fields[1]
		}
		return secObjName, nil
	case "ROWS":
		return secRows, nil
	case "COLUMNS":
		return secColumns, nil
	case "RHS":
		return secRHS, nil
	case "RANGES":
		return secRanges, nil
	case "BOUNDS":
		return secBounds, nil
	case "ENDATA":
		return secNone, nil
	case "SOS", "QUADOBJ", "QSECTION", "QMATRIX", "QCMATRIX", "INDICATORS":
		return secNone, &Error{Line: p.line, Column: 1, Msg: fmt.Sprintf("unsupported section %s (expected %s)", fields[0], sectionsExpected)}
	}
	return secNone, &Error{Line: p.line, Column: 1, Msg: fmt.Sprintf("unknown section %q (expected %s)", fields[0], sectionsExpected)}
}

// comment reads the two comments that change how a file is read:
//
//   - "*SENSE:Maximize" (or Minimize), which PuLP writes instead of an
//     OBJSENSE section, sets the objective sense unless OBJSENSE does;
//   - "* Format:     Free MPS" (or Fixed MPS), in the header GLPK writes,
//     marks a file of GLPK, whose objective constant is the right-hand
//     side of the objective row rather than its negative.
//
// Other comments are ignored.
func (p *parser) comment(raw string) {
	key, value, ok := strings.Cut(strings.TrimSpace(raw[1:]), ":")
	if !ok {
		return
	}
	value = strings.ToUpper(strings.TrimSpace(value))
	switch {
	case strings.EqualFold(key, "SENSE") && !p.sensed:
		switch value {
		case "MAX", "MAXIMIZE", "MAXIMISE":
			p.m.Sense = lp.Maximize
		case "MIN", "MINIMIZE", "MINIMISE":
			p.m.Sense = lp.Minimize
		}
	case key == "Format" && (value == "FREE MPS" || value == "FIXED MPS"):
		p.glpk = true
	}
}

func (p *parser) objSense(s string) error {
	p.sensed = true
	switch strings.ToUpper(s) {
	case "MAX", "MAXIMIZE", "MAXIMISE":
		p.m.Sense = lp.Maximize
	case "MIN", "MINIMIZE", "MINIMISE":
		p.m.Sense = lp.Minimize
	default:
		return p.errf("unknown objective sense %q (expected MIN or MAX)", s)
	}
	return nil
}

// fields splits a data line. Fixed format uses the standard columns
// (1-based) 2-3, 5-12, 15-22, 25-36, 40-47, 50-61; trailing empty fields are
// removed. A comment that starts with "$" is dropped first (see
// stripComment).
func (p *parser) fields(raw string) []string {
	raw = p.stripComment(raw)
	if p.format == Free {
		p.buf, p.offs = splitBlanks(p.buf[:0], p.offs[:0], raw)
		return p.buf
	}
	spans := [6][2]int{{1, 3}, {4, 12}, {14, 22}, {24, 39}, {39, 47}, {49, len(raw)}}
	out, offs := p.buf[:0], p.offs[:0]
	for _, s := range spans {
		lo, hi := s[0], min(s[1], len(raw))
		if lo >= len(raw) {
			out, offs = append(out, ""), append(offs, lo)
			continue
		}
		field := raw[lo:hi]
		trimmed := strings.TrimLeft(field, " \t")
		out, offs = append(out, strings.TrimSpace(trimmed)), append(offs, lo+len(field)-len(trimmed))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out, offs = out[:len(out)-1], offs[:len(offs)-1]
	}
	p.buf, p.offs = out, offs
	return out
}

// Fixed-format fields 3 and 5 (0-based offsets of their first columns).
const (
	fixedField3 = 14
	fixedField5 = 39
)

// stripComment removes a "$" comment from a data line, as GLPK and the
// original IBM MPSX format allow: in free format, a field other than the
// first that starts with "$" begins a comment that runs to the end of the
// line; in fixed format, so does a "$" that starts field 3 or field 5 (at
// the field's first column, or after blanks within the field). The first
// free field and fields 1, 2, 4 and 6 of fixed format are never comments,
// so that a fixed-format file whose column names start with "$" does not
// lose lines when Auto tries free format first.
func (p *parser) stripComment(raw string) string {
	if p.format == Free {
		first := true
		for i := 0; i < len(raw); i++ {
			switch c := raw[i]; {
			case c == ' ' || c == '\t':
			case i > 0 && raw[i-1] != ' ' && raw[i-1] != '\t':
			case c == '$' && !first:
				return raw[:i]
			default:
				first = false
			}
		}
		return raw
	}
	for _, start := range [...]int{fixedField3, fixedField5} {
		if start >= len(raw) || raw[start-1] != ' ' {
			continue // field absent, or a longer field 2 or 4 runs into it
		}
		k := start
		for k < len(raw) && k < start+8 && raw[k] == ' ' {
			k++
		}
		if k < len(raw) && k < start+8 && raw[k] == '$' {
			return raw[:k]
		}
	}
	return raw
}

// splitBlanks appends the space- or tab-separated fields of s to dst and
// their offsets in s to offs.
func splitBlanks(dst []string, offs []int, s string) ([]string, []int) {
	start := -1
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\t' {
			if start >= 0 {
				dst, offs = append(dst, s[start:i]), append(offs, start)
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst, offs = append(dst, s[start:]), append(offs, start)
	}
	return dst, offs
}

func (p *parser) row(raw string) error {
	f := p.fields(raw)
	if p.format == Fixed {
		// Fixed rows: type in field 1, name in field 2.
		f = compact(f)
	}
	if len(f) != 2 {
		return p.errf("ROWS line needs a type and a name, got %q", strings.TrimSpace(raw))
	}
	kind, name := strings.ToUpper(f[0]), f[1]
	if _, dup := p.rowIdx[name]; dup {
		return p.errAt(name, "duplicate row %q (expected a new row name)", name)
	}
	switch kind {
	case "N":
		if !p.haveObj && (p.m.ObjName == "" || p.m.ObjName == name) {
			p.haveObj = true
			p.m.ObjName = name
			p.rowIdx[name] = objRow
		} else {
			p.rowIdx[name] = droppedRow
		}
		return nil
	case "E", "L", "G":
		p.rowIdx[name] = len(p.m.Rows)
		p.m.Rows = append(p.m.Rows, lp.Row{Name: name})
		p.kinds = append(p.kinds, rowKind(kind[0]))
		p.rhs = append(p.rhs, 0)
		return nil
	}
	return p.errAt(f[0], "unknown row type %q for row %q (expected N, E, L or G)", f[0], name)
}

// compact drops empty fields (fixed format leaves blanks for missing ones).
func compact(f []string) []string {
	out := f[:0:0]
	for _, s := range f {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) number(s, what string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err == nil && math.IsNaN(v):
		return 0, p.errAt(s, "invalid %s %q: NaN is not a valid %s (expected a finite number)", what, s, what)
	case err != nil:
		return 0, p.errAt(s, "invalid %s %q (expected a number)", what, s)
	}
	return v, nil
}

func (p *parser) column(raw string) error {
	f := p.fields(raw)
	if p.format == Fixed {
		if len(f) > 0 && f[0] != "" {
			return p.errAt(f[0], "unexpected field %q in column 2 of COLUMNS (expected blanks in columns 2-3 of fixed MPS)", f[0])
		}
		if len(f) > 0 {
			f = f[1:]
		}
	}
	if len(f) >= 3 && strings.EqualFold(f[1], "'MARKER'") {
		switch strings.ToUpper(strings.Trim(f[len(f)-1], "'")) {
		case "INTORG":
			p.inInt = true
		case "INTEND":
			p.inInt = false
		default:
			return p.errAt(f[len(f)-1], "unknown marker %q (expected 'INTORG' or 'INTEND')", f[len(f)-1])
		}
		return nil
	}
	if len(f) != 3 && len(f) != 5 {
		return p.errf("COLUMNS line needs a column and one or two row/value pairs, got %d fields", len(f))
	}
	name := f[0]
	if name == "" { // fixed format: a blank field 2 continues the previous column
		if p.lastCol == "" {
			return p.errf("COLUMNS line without a column name")
		}
		name = p.lastCol
	}
	p.lastCol = name
	j, ok := p.colIdx[name]
	if !ok {
		j = len(p.m.Vars)
		p.colIdx[name] = j
		v := lp.Var{Name: name, Hi: lp.Inf, Integer: p.inInt}
		if p.inInt {
			v.Hi = 1
			if p.binDefault == nil {
				p.binDefault = map[int]bool{}
			}
			p.binDefault[j] = true
		}
		p.m.Vars = append(p.m.Vars, v)
	}
	for k := 1; k+1 < len(f); k += 2 {
		i, ok := p.rowIdx[f[k]]
		if !ok {
			return p.errAt(f[k], "unknown row %q in COLUMNS (expected a row declared in ROWS)", f[k])
		}
		v, err := p.number(f[k+1], "coefficient")
		if err != nil {
			return err
		}
		if math.IsInf(v, 0) {
			return p.errAt(f[k+1], "infinite coefficient %s for column %q in row %q (expected a finite number)", f[k+1], name, f[k])
		}
		switch i {
		case objRow:
			p.m.Vars[j].Obj += v
		case droppedRow:
		default:
			if v != 0 {
				p.m.Coefs = append(p.m.Coefs, lp.Coef{Row: i, Col: j, Val: v})
			}
		}
	}
	return nil
}

// pairs splits an RHS or RANGES line into its set name and name/value
// pairs. Free format may omit the set name.
func (p *parser) pairs(raw, sec string) (set string, kv []string, err error) {
	f := p.fields(raw)
	if p.format == Fixed {
		if len(f) > 0 && f[0] != "" {
			return "", nil, p.errAt(f[0], "unexpected field %q in column 2 of %s (expected blanks in columns 2-3 of fixed MPS)", f[0], sec)
		}
		if len(f) > 0 {
			f = f[1:]
		}
		if len(f) != 3 && len(f) != 5 {
			return "", nil, p.errf("%s line needs a set name and one or two row/value pairs", sec)
		}
		return f[0], f[1:], nil
	}
	switch len(f) {
	case 2, 4:
		return "", f, nil
	case 3, 5:
		return f[0], f[1:], nil
	}
	return "", nil, p.errf("%s line needs one or two row/value pairs, got %d fields", sec, len(f))
}

func (p *parser) rhsLine(raw string) error {
	set, kv, err := p.pairs(raw, "RHS")
	if err != nil {
		return err
	}
	if set == "" && p.haveRHS {
		set = p.rhsSet // an omitted vector name continues the current one
	}
	if !p.haveRHS {
		p.haveRHS, p.rhsSet = true, set
	} else if set != p.rhsSet {
		return nil // only the first RHS vector is used
	}
	for k := 0; k+1 < len(kv); k += 2 {
		i, ok := p.rowIdx[kv[k]]
		if !ok {
			return p.errAt(kv[k], "unknown row %q in RHS (expected a row declared in ROWS)", kv[k])
		}
		v, err := p.number(kv[k+1], "right-hand side")
		if err != nil {
			return err
		}
		switch i {
		case objRow:
			if p.glpk {
				p.m.ObjConst = v
			} else {
				p.m.ObjConst = -v
			}
		case droppedRow:
		default:
			p.rhs[i] = v
		}
	}
	return nil
}

func (p *parser) rangeLine(raw string) error {
	set, kv, err := p.pairs(raw, "RANGES")
	if err != nil {
		return err
	}
	if set == "" && p.haveRng {
		set = p.rngSet // an omitted vector name continues the current one
	}
	if !p.haveRng {
		p.haveRng, p.rngSet = true, set
	} else if set != p.rngSet {
		return nil
	}
	if p.ranges == nil {
		p.ranges = make([]float64, len(p.m.Rows))
		p.hasRng = make([]bool, len(p.m.Rows))
	}
	for k := 0; k+1 < len(kv); k += 2 {
		i, ok := p.rowIdx[kv[k]]
		if !ok {
			return p.errAt(kv[k], "unknown row %q in RANGES (expected a row declared in ROWS)", kv[k])
		}
		v, err := p.number(kv[k+1], "range")
		if err != nil {
			return err
		}
		if i < 0 {
			continue // ranges on N rows mean nothing
		}
		p.ranges[i], p.hasRng[i] = v, true
	}
	return nil
}

func (p *parser) bound(raw string) error {
	f := p.fields(raw)
	var kind, col, val string
	if p.format == Fixed {
		if len(f) < 3 {
			return p.errf("BOUNDS line needs a type, a set name and a column")
		}
		kind, col = f[0], f[2]
		// A blank field 2 continues the current bound vector.
		if !p.haveBnd {
			p.haveBnd, p.bndSet = true, f[1]
		} else if f[1] != p.bndSet && f[1] != "" {
			return nil
		}
		if len(f) > 3 {
			val = f[3]
		}
	} else {
		if len(f) < 2 || len(f) > 4 {
			return p.errf("BOUNDS line needs a type, an optional set name, a column and a value")
		}
		kind = f[0]
		needsValue := map[string]bool{"UP": true, "LO": true, "FX": true, "LI": true, "UI": true, "SC": true}[strings.ToUpper(kind)]
		set := ""
		switch {
		case len(f) == 4:
			set, col, val = f[1], f[2], f[3]
		case len(f) == 2:
			col = f[1]
		case needsValue:
			_, first := p.colIdx[f[1]]
			if _, second := p.colIdx[f[2]]; second && !first {
				return p.errAt(f[2], "%s bound on column %q needs a value (expected a number after the column name)", strings.ToUpper(kind), f[2])
			}
			col, val = f[1], f[2]
		default: // FR/MI/PL/BV with three fields: set+column, or column+value
			if _, ok := p.colIdx[f[2]]; ok {
				set, col = f[1], f[2]
			} else {
				col, val = f[1], f[2]
			}
		}
		// An omitted vector name continues the current one.
		if !p.haveBnd {
			p.haveBnd, p.bndSet = true, set
		} else if set != p.bndSet && set != "" {
			return nil
		}
	}
	j, ok := p.colIdx[col]
	if !ok {
		return p.errAt(col, "unknown column %q in BOUNDS (expected a column declared in COLUMNS)", col)
	}
	v := &p.m.Vars[j]
	if p.binDefault[j] {
		// The first line for a marker column starts from [0, +Inf).
		delete(p.binDefault, j)
		v.Hi = lp.Inf
	}
	var x float64
	field := kind // as written, to locate errors
	kind = strings.ToUpper(kind)
	switch kind {
	case "UP", "LO", "FX", "LI", "UI":
		if val == "" {
			return p.errAt(col, "%s bound on column %q needs a value (expected a number after the column name)", kind, col)
		}
		var err error
		if x, err = p.number(val, "bound"); err != nil {
			return err
		}
	case "BV":
		if val != "" {
			var err error
			if x, err = p.number(val, "bound"); err != nil {
				return err
			}
			if x != 1 && x != 0 {
				return p.errAt(val, "BV bound on column %q with value %s (expected 0 or 1)", col, val)
			}
		}
	}
	switch kind {
	case "UP", "UI":
		v.Hi = x
		if x < 0 && v.Lo == 0 {
			v.Lo = math.Inf(-1)
		}
		v.Integer = v.Integer || kind == "UI"
	case "LO", "LI":
		v.Lo = x
		v.Integer = v.Integer || kind == "LI"
	case "FX":
		v.Lo, v.Hi = x, x
	case "FR":
		v.Lo, v.Hi = math.Inf(-1), math.Inf(1)
	case "MI":
		v.Lo = math.Inf(-1)
	case "PL":
		v.Hi = math.Inf(1)
	case "BV":
		v.Lo, v.Hi, v.Integer = 0, 1, true
	case "SC":
		return p.errAt(field, "semi-continuous bound (SC) on column %q is not supported (expected %s)", col, boundsExpected)
	default:
		return p.errAt(field, "unknown bound type %q (expected %s)", field, boundsExpected)
	}
	return nil
}

// finishRows turns row types, right-hand sides and ranges into bounds.
func (p *parser) finishRows() {
	for i := range p.m.Rows {
		b := p.rhs[i]
		r := &p.m.Rows[i]
		switch p.kinds[i] {
		case 'E':
			r.Lo, r.Hi = b, b
		case 'L':
			r.Lo, r.Hi = math.Inf(-1), b
		case 'G':
			r.Lo, r.Hi = b, math.Inf(1)
		}
		if p.hasRng == nil || !p.hasRng[i] {
			continue
		}
		rg := p.ranges[i]
		switch p.kinds[i] {
		case 'E':
			if rg >= 0 {
				r.Hi = b + rg
			} else {
				r.Lo = b + rg
			}
		case 'L':
			r.Lo = b - math.Abs(rg)
		case 'G':
			r.Hi = b + math.Abs(rg)
		}
	}
}
