package mps

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

var inf = math.Inf(1)

const freeSample = `* a free-format sample exercising every section
NAME          sample
OBJSENSE
    MAX
ROWS
 N  profit
 L  cap
 G  demand
 E  balance
 E  negrange
 N  other
COLUMNS
    x  profit  3   cap  1
    x  demand  1   other 99
    MARKER  'MARKER'  'INTORG'
    y  profit  2   cap  1
    y  balance 1
    MARKER  'MARKER'  'INTEND'
    z  profit  -1  balance -1
    z  negrange 1
    w  profit 0.5  negrange 2
RHS
    RHS  cap 10  demand 2
    RHS  balance 1  profit -7.5
    RHS  negrange 4  other 1
RANGES
    RNG  cap 4  demand -3
    RNG  balance 2  negrange -1.5
BOUNDS
 UP BND x 8
 MI BND y
 UP BND y 5
 FR BND z
 UP BND w -1
 LO BND w -6
ENDATA
`

func TestReadFree(t *testing.T) {
	m, err := Read(strings.NewReader(freeSample), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sample" || m.Sense != lp.Maximize || m.ObjName != "profit" {
		t.Errorf("header: name %q sense %s objective %q", m.Name, m.Sense, m.ObjName)
	}
	if m.ObjConst != 7.5 {
		t.Errorf("ObjConst = %g, want 7.5 (negative of the objective RHS)", m.ObjConst)
	}
	wantRows := []lp.Row{
		{Name: "cap", Lo: 6, Hi: 10},       // L: [rhs-|R|, rhs]
		{Name: "demand", Lo: 2, Hi: 5},     // G: [rhs, rhs+|R|]
		{Name: "balance", Lo: 1, Hi: 3},    // E, R > 0: [rhs, rhs+R]
		{Name: "negrange", Lo: 2.5, Hi: 4}, // E, R < 0: [rhs+R, rhs]
	}
	if len(m.Rows) != len(wantRows) {
		t.Fatalf("rows %v, want %v (the second N row dropped)", m.Rows, wantRows)
	}
	for i, r := range wantRows {
		if m.Rows[i] != r {
			t.Errorf("row %d = %+v, want %+v", i, m.Rows[i], r)
		}
	}
	wantVars := []lp.Var{
		{Name: "x", Lo: 0, Hi: 8, Obj: 3},
		{Name: "y", Lo: -inf, Hi: 5, Obj: 2, Integer: true},
		{Name: "z", Lo: -inf, Hi: inf, Obj: -1},
		{Name: "w", Lo: -6, Hi: -1, Obj: 0.5}, // UP < 0 with lower 0 makes it -Inf, then LO sets -6
	}
	for j, v := range wantVars {
		if m.Vars[j] != v {
			t.Errorf("var %d = %+v, want %+v", j, m.Vars[j], v)
		}
	}
	if len(m.Coefs) != 7 {
		t.Errorf("%d coefficients, want 7 (objective and dropped rows excluded): %v", len(m.Coefs), m.Coefs)
	}
}

// fixedSample has names containing spaces, which only fixed MPS allows.
const fixedSample = `NAME          FIXED ONE
ROWS
 N  COST
 L  LIM 1
 G  LIM 2
COLUMNS
    X ONE     COST               1.0   LIM 1              1.0
    X ONE     LIM 2              1.0
    X TWO     COST               2.0   LIM 2              1.0
RHS
    RHS       LIM 1              4.0   LIM 2              1.0
BOUNDS
 UP BND       X TWO              3.0
 BV BND       X ONE
ENDATA
`

func TestReadFixed(t *testing.T) {
	for _, f := range []Format{Auto, Fixed} {
		m, err := Read(strings.NewReader(fixedSample), Options{Format: f})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if m.Name != "FIXED ONE" || len(m.Rows) != 2 || len(m.Vars) != 2 {
			t.Fatalf("%s: model %+v", f, m)
		}
		if m.Rows[0] != (lp.Row{Name: "LIM 1", Lo: -inf, Hi: 4}) || m.Rows[1] != (lp.Row{Name: "LIM 2", Lo: 1, Hi: inf}) {
			t.Errorf("%s: rows %+v", f, m.Rows)
		}
		if m.Vars[0] != (lp.Var{Name: "X ONE", Lo: 0, Hi: 1, Obj: 1, Integer: true}) || m.Vars[1] != (lp.Var{Name: "X TWO", Lo: 0, Hi: 3, Obj: 2}) {
			t.Errorf("%s: vars %+v", f, m.Vars)
		}
	}
	if _, err := Read(strings.NewReader(fixedSample), Options{Format: Free}); err == nil {
		t.Error("free format accepted names with spaces")
	}
}

func TestReadTabsAndObjsenseInline(t *testing.T) {
	src := "NAME t\nOBJSENSE MAX\nROWS\n\tN\tobj\n\tL\tc\nCOLUMNS\n\tx\tobj\t1\tc\t1\nRHS\n\tc\t5\nENDATA\n"
	m, err := Read(strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sense != lp.Maximize || m.Rows[0].Hi != 5 || m.Vars[0].Obj != 1 {
		t.Errorf("model %+v", m)
	}
}

func TestReadGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(freeSample)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sample.mps.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sample" || len(m.Vars) != 4 {
		t.Errorf("model %+v", m)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.mps"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"unknown row", "NAME x\nROWS\n N obj\n L c\nCOLUMNS\n x obj 1 c 1\n x R9 2\nENDATA\n", 7, `unknown row "R9" in COLUMNS`},
		{"bad number", "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1.2.3\nENDATA\n", 5, `invalid coefficient "1.2.3"`},
		{"semi-continuous", "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n SC BND x 4\nENDATA\n", 7, "semi-continuous"},
		{"unknown column", "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n UP BND y 4\nENDATA\n", 7, `unknown column "y" in BOUNDS`},
		{"unknown row type", "NAME x\nROWS\n Q obj\nENDATA\n", 3, `unknown row type "Q"`},
		{"duplicate row", "NAME x\nROWS\n N obj\n L a\n G a\nENDATA\n", 5, `duplicate row "a"`},
		{"unknown section", "NAME x\nROWZ\nENDATA\n", 2, `unknown section "ROWZ"`},
		{"missing ENDATA", "NAME x\nROWS\n N obj\n", 3, "missing ENDATA"},
		{"unknown bound type", "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n XX BND x 4\nENDATA\n", 7, `unknown bound type "XX"`},
		{"rhs unknown row", "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nRHS\n RHS nope 4\nENDATA\n", 7, `unknown row "nope" in RHS`},
		{"bound needs value", "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n UP BND x\nENDATA\n", 7, "needs a value"},
	}
	for _, c := range cases {
		_, err := Read(strings.NewReader(c.src), Options{Format: Free})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v is not an *Error", c.name, err)
			continue
		}
		if e.Line != c.line || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %q, want line %d and %q", c.name, err, c.line, c.msg)
		}
		if !strings.Contains(err.Error(), "line "+strconv.Itoa(c.line)+": ") {
			t.Errorf("%s: %q lacks the line prefix", c.name, err)
		}
	}
}

// TestReadSharedData parses every model of the shared test data and checks
// the sizes listed in answers.csv.
func TestReadSharedData(t *testing.T) {
	const dir = "../../../../shared/data/lp"
	f, err := os.Open(filepath.Join(dir, "answers.csv"))
	if err != nil {
		t.Skipf("test data not available: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		m, err := ReadFile(filepath.Join(dir, r[0]), Options{})
		if err != nil {
			t.Errorf("%s: %v", r[0], err)
			continue
		}
		ints := 0
		for _, v := range m.Vars {
			if v.Integer {
				ints++
			}
		}
		got := []int{len(m.Rows), len(m.Vars), len(m.Coefs), ints}
		for k, col := range []int{3, 4, 5, 6} {
			if want, _ := strconv.Atoi(r[col]); got[k] != want {
				t.Errorf("%s: %s = %d, want %d", r[0], recs[0][col], got[k], want)
			}
		}
	}
}
