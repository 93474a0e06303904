package mps

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpdata"
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
	m, err := Read(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sample" || len(m.Vars) != 4 {
		t.Errorf("model %+v", m)
	}
}

// readFile reads the MPS file at path, gzip-compressed or not.
func readFile(path string) (*lp.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, Options{})
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
		prefix := "line " + strconv.Itoa(c.line) + ": "
		if e.Column > 0 {
			prefix = "line " + strconv.Itoa(c.line) + ", column " + strconv.Itoa(e.Column) + ": "
		}
		if !strings.Contains(err.Error(), prefix) {
			t.Errorf("%s: %q lacks the line prefix", c.name, err)
		}
	}
}

// TestReadErrorMessages checks whole messages: each names the line, the
// column of the offending field, the field and what was expected.
func TestReadErrorMessages(t *testing.T) {
	const fixedCols = "NAME          x\nROWS\n N  obj\n L  c\nCOLUMNS\n"
	tests := []struct {
		name   string
		format Format
		src    string
		want   string
	}{
		{"nan coefficient", Free, "NAME x\nROWS\n N obj\nCOLUMNS\n x obj nan\nENDATA\n",
			`mps (free): line 5, column 8: invalid coefficient "nan": NaN is not a valid coefficient (expected a finite number)`},
		{"nan right-hand side", Free, "NAME x\nROWS\n N obj\n L c\nCOLUMNS\n x obj 1 c 1\nRHS\n rhs c NaN\nENDATA\n",
			`mps (free): line 8, column 8: invalid right-hand side "NaN": NaN is not a valid right-hand side (expected a finite number)`},
		{"second pair", Free, "NAME x\nROWS\n N obj\n L c\nCOLUMNS\n x obj 1 c 1e\nENDATA\n",
			`mps (free): line 6, column 12: invalid coefficient "1e" (expected a number)`},
		{"infinite coefficient", Free, "NAME x\nROWS\n N obj\nCOLUMNS\n x obj -inf\nENDATA\n",
			`mps (free): line 5, column 8: infinite coefficient -inf for column "x" in row "obj" (expected a finite number)`},
		{"fixed columns", Fixed, fixedCols + "    x         c         1.5.1\nENDATA\n",
			`mps (fixed): line 6, column 25: invalid coefficient "1.5.1" (expected a number)`},
		{"fixed unknown row", Fixed, fixedCols + "    x         d         1\nENDATA\n",
			`mps (fixed): line 6, column 15: unknown row "d" in COLUMNS (expected a row declared in ROWS)`},
		{"bad marker", Free, "NAME x\nROWS\n N obj\nCOLUMNS\n m 'MARKER' 'INTBEGIN'\nENDATA\n",
			`mps (free): line 5, column 13: unknown marker "'INTBEGIN'" (expected 'INTORG' or 'INTEND')`},
		{"BV value", Free, "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n BV bnd x 2\nENDATA\n",
			`mps (free): line 7, column 11: BV bound on column "x" with value 2 (expected 0 or 1)`},
		{"unknown bound type", Free, "NAME x\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n up2 bnd x 2\nENDATA\n",
			`mps (free): line 7, column 2: unknown bound type "up2" (expected UP, LO, FX, FR, MI, PL, BV, LI or UI)`},
		{"objective sense", Free, "NAME x\nOBJSENSE\n    BEST\nENDATA\n",
			`mps (free): line 3: unknown objective sense "BEST" (expected MIN or MAX)`},
		{"data before sections", Free, "  x obj 1\nENDATA\n",
			`mps (free): line 1, column 3: data line "x obj 1" outside of any section (expected a section header first, such as ROWS)`},
		{"missing ENDATA", Free, "NAME x\nROWS\n N obj\n",
			"mps (free): line 3: missing ENDATA (expected ENDATA after the last section)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.src), Options{Format: tt.format})
			if err == nil || err.Error() != tt.want {
				t.Errorf("Read = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestReadSharedData parses every model of the shared test data and checks
// the sizes listed in answers.csv.
func TestReadSharedData(t *testing.T) {
	const dir = "../../../../shared/data/lp"
	answers, err := lpdata.Read(dir)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("test data not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		m, err := readFile(filepath.Join(dir, a.File))
		if err != nil {
			t.Errorf("%s: %v", a.File, err)
			continue
		}
		ints := 0
		for _, v := range m.Vars {
			if v.Integer {
				ints++
			}
		}
		for _, c := range []struct {
			what      string
			got, want int
		}{
			{"rows", len(m.Rows), a.Rows},
			{"cols", len(m.Vars), a.Cols},
			{"nonzeros", len(m.Coefs), a.Nonzeros},
			{"integer_cols", ints, a.IntegerCols},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s = %d, want %d", a.File, c.what, c.got, c.want)
			}
		}
	}
}

// TestReadDollarComments checks the "$" comments of GLPK's annotated
// examples (icecream.mps, furnace.mps): in fixed format a "$" starting
// field 3 or 5 ends the data, in free format any field but the first
// starting with "$" does.
func TestReadDollarComments(t *testing.T) {
	const fixed = `NAME          DOLLAR
ROWS
 N  COST      $ Minimum cost           $
 G  MIN.BF    $ Butterfat              lbs
 L  CAP
COLUMNS
    X         COST         2.0         $ cost per unit
    X         MIN.BF       1.0         CAP           1.0
    $Y        COST         3.0         MIN.BF        2.0
    $Y        CAP          1.0
RHS
    RHS       MIN.BF       4.0         CAP           3.0
ENDATA
`
	const free = `NAME DOLLAR
ROWS
 N COST $ Minimum cost
 G MIN.BF $Butterfat
 L CAP
COLUMNS
 X COST 2 MIN.BF 1 $ X enters both rows
 X CAP 1
 Y COST 3 MIN.BF 2 $comment
 Y CAP 1
RHS
 RHS MIN.BF 4 CAP 3 $ two pairs
ENDATA
`
	tests := []struct {
		name, src string
		format    Format
		yName     string // fields 1, 2, 4 and 6 of fixed format are never comments
	}{
		{"fixed", fixed, Fixed, "$Y"},
		{"fixed auto", fixed, Auto, "$Y"},
		{"free", free, Free, "Y"},
		{"free auto", free, Auto, "Y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(strings.NewReader(tt.src), Options{Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			want := &lp.Model{
				Name:    "DOLLAR",
				ObjName: "COST",
				Vars:    []lp.Var{{Name: "X", Obj: 2, Hi: inf}, {Name: tt.yName, Obj: 3, Hi: inf}},
				Rows:    []lp.Row{{Name: "MIN.BF", Lo: 4, Hi: inf}, {Name: "CAP", Lo: -inf, Hi: 3}},
				Coefs:   []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 2}, {Row: 1, Col: 1, Val: 1}},
			}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("got  %+v\nwant %+v", m, want)
			}
		})
	}
}

// TestReadFixedBlankField2 checks that a blank field 2 in fixed format
// repeats the previous column or vector name, as in GLPK's plan.mps; before,
// the continuation lines of RHS and BOUNDS were dropped and COLUMNS created
// a column with an empty name.
func TestReadFixedBlankField2(t *testing.T) {
	const src = `NAME          PLAN
ROWS
 N  VALUE
 E  YIELD
 L  FE
COLUMNS
    BIN1      VALUE           .03000   YIELD          1.00000
              FE              .15000
    BIN2      VALUE           .08000   YIELD          1.00000
              FE              .04000
RHS
    RHS1      YIELD       2000.00000
              FE            60.00000
RANGES
    RNG1      FE            50.00000
BOUNDS
 UP BND1      BIN1         200.00000
 LO           BIN2         400.00000
 UP           BIN2         800.00000
ENDATA
`
	want := &lp.Model{
		Name:    "PLAN",
		ObjName: "VALUE",
		Vars:    []lp.Var{{Name: "BIN1", Obj: .03, Hi: 200}, {Name: "BIN2", Obj: .08, Lo: 400, Hi: 800}},
		Rows:    []lp.Row{{Name: "YIELD", Lo: 2000, Hi: 2000}, {Name: "FE", Lo: 10, Hi: 60}},
		Coefs:   []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 0, Val: .15}, {Row: 0, Col: 1, Val: 1}, {Row: 1, Col: 1, Val: .04}},
	}
	for _, f := range []Format{Fixed, Auto} {
		t.Run(f.String(), func(t *testing.T) {
			m, err := Read(strings.NewReader(src), Options{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("got  %+v\nwant %+v", m, want)
			}
		})
	}
}

// TestReadOmittedVectorName checks that free-format RHS, RANGES and BOUNDS
// lines without a vector name belong to the current vector instead of
// being dropped as a second vector.
func TestReadOmittedVectorName(t *testing.T) {
	const src = `NAME T
ROWS
 N obj
 L c1
 L c2
COLUMNS
 x obj 1 c1 1
 y obj 1 c2 1
RHS
 RHS1 c1 4
 c2 5
RANGES
 RNG c1 1
 c2 2
BOUNDS
 UP BND x 3
 UP y 2
ENDATA
`
	m, err := Read(strings.NewReader(src), Options{Format: Free})
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []lp.Row{{Name: "c1", Lo: 3, Hi: 4}, {Name: "c2", Lo: 3, Hi: 5}}
	if !reflect.DeepEqual(m.Rows, wantRows) || m.Vars[0].Hi != 3 || m.Vars[1].Hi != 2 {
		t.Errorf("rows %+v, vars %+v; want rows %+v and upper bounds 3, 2", m.Rows, m.Vars, wantRows)
	}
}

// TestReadPuLPSense checks the "*SENSE:" comment PuLP writes in place of
// OBJSENSE, and that OBJSENSE wins over it.
func TestReadPuLPSense(t *testing.T) {
	const body = `NAME          prob
ROWS
 N  obj
 L  cap
COLUMNS
    MARK      'MARKER'                 'INTORG'
    x         cap        1.000000000000e+00
    x         obj        3.000000000000e+00
    MARK      'MARKER'                 'INTEND'
RHS
    RHS       cap        1.200000000000e+01
BOUNDS
 LO BND       x          0.000000000000e+00
ENDATA
`
	tests := []struct {
		name, src string
		want      lp.Sense
	}{
		{"maximize", "*SENSE:Maximize\n" + body, lp.Maximize},
		{"minimize", "*SENSE:Minimize\n" + body, lp.Minimize},
		{"no comment", body, lp.Minimize},
		{"other comment", "*SENSE is not a keyword here\n" + body, lp.Minimize},
		{"OBJSENSE wins", "*SENSE:Maximize\n" + strings.Replace(body, "ROWS\n", "OBJSENSE\n    MIN\nROWS\n", 1), lp.Minimize},
		{"OBJSENSE first", strings.Replace(body, "ROWS\n", "OBJSENSE MAX\n*SENSE:Minimize\nROWS\n", 1), lp.Maximize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(strings.NewReader(tt.src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Sense != tt.want || len(m.Vars) != 1 || !m.Vars[0].Integer || m.Rows[0].Hi != 12 {
				t.Errorf("got %+v, want sense %v", m, tt.want)
			}
		})
	}
}

// TestReadObjectiveConstantConvention checks the sign of an RHS entry on
// the objective row: the negative of the objective constant, as in CPLEX
// and most readers, except in files that GLPK wrote, where GLPK's writer
// and reader take it as the constant itself.
func TestReadObjectiveConstantConvention(t *testing.T) {
	const body = `NAME T
ROWS
 N obj
 G c
COLUMNS
 x obj 1 c 1
RHS
 RHS1 obj 10 c 2
ENDATA
`
	const glpkHeader = `* Problem:    T
* Class:      LP
* Rows:       1
* Columns:    1
* Non-zeros:  1
* Format:     Free MPS
*
`
	tests := []struct {
		name, src string
		want      float64
	}{
		{"plain", body, -10},
		{"written by GLPK", glpkHeader + body, 10},
		{"written by GLPK, fixed", strings.Replace(glpkHeader, "Free MPS", "Fixed MPS", 1) + body, 10},
		{"other format comment", "* Format: whatever\n" + body, -10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(strings.NewReader(tt.src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.ObjConst != tt.want {
				t.Errorf("objective constant %v, want %v", m.ObjConst, tt.want)
			}
		})
	}
}

// TestReadMarkerBounds checks the bounds of columns declared between the
// integer markers: [0, 1] when BOUNDS names them nowhere (MIPLIB's files,
// glpsol and cbc read them so), else [0, +Inf) changed by their lines.
func TestReadMarkerBounds(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name, bounds string
		lo, hi       float64
	}{
		{"no bound line", "", 0, 1},
		{"UP", " UP BND x 7\n", 0, 7},
		{"LO", " LO BND x 2\n", 2, inf},
		{"LO 0 as PuLP writes", " LO BND x 0\n", 0, inf},
		{"PL", " PL BND x\n", 0, inf},
		{"MI", " MI BND x\n", -inf, inf},
		{"FR", " FR BND x\n", -inf, inf},
		{"negative UP", " UP BND x -3\n", -inf, -3},
		{"LO then UP", " LO BND x 1\n UP BND x 9\n", 1, 9},
		{"FX", " FX BND x 4\n", 4, 4},
		{"BV", " BV BND x\n", 0, 1},
		{"bound on another column", " UP BND y 5\n", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "NAME t\nROWS\n N obj\n L c\nCOLUMNS\n" +
				"    M1 'MARKER' 'INTORG'\n    x obj -1 c 1\n    M2 'MARKER' 'INTEND'\n" +
				"    y obj 1 c 1\nRHS\n    RHS c 100\n"
			if tt.bounds != "" {
				src += "BOUNDS\n" + tt.bounds
			}
			src += "ENDATA\n"
			m, err := Read(strings.NewReader(src), Options{Format: Free})
			if err != nil {
				t.Fatal(err)
			}
			x, y := m.Vars[0], m.Vars[1]
			if !x.Integer || x.Lo != tt.lo || x.Hi != tt.hi {
				t.Errorf("x: integer %v bounds [%g, %g], want integer [%g, %g]", x.Integer, x.Lo, x.Hi, tt.lo, tt.hi)
			}
			if y.Integer || y.Lo != 0 || (y.Hi != inf && tt.name != "bound on another column") {
				t.Errorf("y (continuous, outside the markers): %+v", y)
			}
		})
	}
}
