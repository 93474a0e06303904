package lpformat

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

var inf = math.Inf(1)

func TestReadDialects(t *testing.T) {
	tests := []struct {
		name string
		text string
		want *lp.Model
	}{
		{
			name: "glpk",
			text: `\* Problem: wyndor *\

Maximize
 obj: + 300 Doors + 500 Windows

Subject To
 r_1: + Doors <= 4
 r_2: + 2 Windows <= 12
 r_3: + 3 Doors + 2 Windows <= 18

End
`,
			want: &lp.Model{
				Sense: lp.Maximize, ObjName: "obj",
				Vars: []lp.Var{{Name: "Doors", Hi: inf, Obj: 300}, {Name: "Windows", Hi: inf, Obj: 500}},
				Rows: []lp.Row{{Name: "r_1", Lo: -inf, Hi: 4}, {Name: "r_2", Lo: -inf, Hi: 12}, {Name: "r_3", Lo: -inf, Hi: 18}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 2},
					{Row: 2, Col: 0, Val: 3}, {Row: 2, Col: 1, Val: 2}},
			},
		},
		{
			name: "glpk mathprog names and wrapped lines",
			text: `\* Problem: transport *\

Minimize
 cost: + 30 x(A,1) + 70 x(A,2)
 + 20 x(B,1)

Subject To
 r_supply(A): + x(A,1) + x(A,2) <= 800
 r_demand(1): + x(A,1) + x(B,1) >= 1000

Bounds
 0 <= x(B,1) <= 1

Generals
 x(A,1)
 x(A,2)

End
`,
			want: &lp.Model{
				ObjName: "cost",
				Vars: []lp.Var{{Name: "x(A,1)", Hi: inf, Obj: 30, Integer: true}, {Name: "x(A,2)", Hi: inf, Obj: 70, Integer: true},
					{Name: "x(B,1)", Hi: 1, Obj: 20}},
				Rows: []lp.Row{{Name: "r_supply(A)", Lo: -inf, Hi: 800}, {Name: "r_demand(1)", Lo: 1000, Hi: inf}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1},
					{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 2, Val: 1}},
			},
		},
		{
			name: "pyomo",
			text: `\* Source Pyomo model name=unknown *\

min 
x3:
+2 x(1)
+3 x(2)
+1 ONE_VAR_CONSTANT

s.t.

c_l_c1_:
+1 x(1)
+1 x(2)
>= 1

c_e_c2_:
-1 x(1)
+1 x(2)
= 0

bounds
   1 <= ONE_VAR_CONSTANT <= 1
   -inf <= x(1) <= +inf
   0 <= x(2) <= 10
end
`,
			want: &lp.Model{
				ObjName: "x3",
				Vars: []lp.Var{{Name: "x(1)", Lo: -inf, Hi: inf, Obj: 2}, {Name: "x(2)", Hi: 10, Obj: 3},
					{Name: "ONE_VAR_CONSTANT", Lo: 1, Hi: 1, Obj: 1}},
				Rows: []lp.Row{{Name: "c_l_c1_", Lo: 1, Hi: inf}, {Name: "c_e_c2_", Lo: 0, Hi: 0}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1},
					{Row: 1, Col: 0, Val: -1}, {Row: 1, Col: 1, Val: 1}},
			},
		},
		{
			name: "pulp",
			text: `\* knapsack *\
Maximize
OBJ: 5 a + 4 b + 3 c
Subject To
_C1: 2 a + 3 b + c <= 5
_C2: 4 a + b + 2 c <= 11
Bounds
a <= 1
Generals
b
Binaries
c
End
`,
			want: &lp.Model{
				Sense: lp.Maximize, ObjName: "OBJ",
				Vars: []lp.Var{{Name: "a", Hi: 1, Obj: 5}, {Name: "b", Hi: inf, Obj: 4, Integer: true},
					{Name: "c", Hi: 1, Obj: 3, Integer: true}},
				Rows: []lp.Row{{Name: "_C1", Lo: -inf, Hi: 5}, {Name: "_C2", Lo: -inf, Hi: 11}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 2}, {Row: 0, Col: 1, Val: 3}, {Row: 0, Col: 2, Val: 1},
					{Row: 1, Col: 0, Val: 4}, {Row: 1, Col: 1, Val: 1}, {Row: 1, Col: 2, Val: 2}},
			},
		},
		{
			name: "hand written",
			text: `\Problem name: demo
MAXIMUM
  3x + 2.5E-1 y
  - 4 z + 10      \ constant term, continued line
SUCH THAT
  -5 <= x + y <= 10
  cap: x + y + 2 >= 3
  10 >= z
  x - y + x =< 7
  lim: 2*x => -1e1
  rng: 8 >= x + z >= 1
BOUND
  x >= 1
  y free
  z = 3
  -3 <= w <= 5
  -inf <= v <= inf
  1 >= u
INTEGER
  v
END`,
			want: &lp.Model{
				Name: "demo", Sense: lp.Maximize, ObjConst: 10,
				Vars: []lp.Var{{Name: "x", Lo: 1, Hi: inf, Obj: 3}, {Name: "y", Lo: -inf, Hi: inf, Obj: 0.25},
					{Name: "z", Lo: 3, Hi: 3, Obj: -4}, {Name: "w", Lo: -3, Hi: 5},
					{Name: "v", Lo: -inf, Hi: inf, Integer: true}, {Name: "u", Hi: 1}},
				Rows: []lp.Row{{Name: "c1", Lo: -5, Hi: 10}, {Name: "cap", Lo: 1, Hi: inf},
					{Name: "c3", Lo: -inf, Hi: 10}, {Name: "c4", Lo: -inf, Hi: 7},
					{Name: "lim", Lo: -10, Hi: inf}, {Name: "rng", Lo: 1, Hi: 8}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 1, Val: 1},
					{Row: 1, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 1},
					{Row: 2, Col: 2, Val: 1},
					{Row: 3, Col: 0, Val: 2}, {Row: 3, Col: 1, Val: -1},
					{Row: 4, Col: 0, Val: 2},
					{Row: 5, Col: 0, Val: 1}, {Row: 5, Col: 2, Val: 1}},
			},
		},
		{
			name: "no constraints, empty objective, zero terms",
			text: "minimize\n obj:\nsubject to\n c: 0 x + y - y >= -inf\nend\n",
			want: &lp.Model{
				ObjName: "obj",
				Vars:    []lp.Var{{Name: "x", Hi: inf}, {Name: "y", Hi: inf}},
				Rows:    []lp.Row{{Name: "c", Lo: -inf, Hi: inf}},
			},
		},
		{
			name: "section keyword after a multi-line comment",
			text: "min\n x \\* spans\n lines *\\ st\n c: x >= 1\n",
			want: &lp.Model{
				Vars:  []lp.Var{{Name: "x", Hi: inf, Obj: 1}},
				Rows:  []lp.Row{{Name: "c", Lo: 1, Hi: inf}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}},
			},
		},
		{
			name: "keyword used as a constraint name",
			text: "min\n x\nst\n bounds: x >= 2\n",
			want: &lp.Model{
				Vars:  []lp.Var{{Name: "x", Hi: inf, Obj: 1}},
				Rows:  []lp.Row{{Name: "bounds", Lo: 2, Hi: inf}},
				Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.text))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read mismatch\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		msg  string
	}{
		{"no sense", "x + y\n", 1, "expected Minimize or Maximize"},
		{"missing operator", "max\n x\nst\n\n c1: x + y\n c2: x <= 3\n", 6, `expected constraint operator, found name "c2"`},
		{"two names", "max\n x\nst\n c1: x y <= 3\n", 4, `expected constraint operator, found name "y"`},
		{"bad character", "min\n x\nst\n c1: x # 2 <= 3\n", 4, `expected constraint operator, found name "#"`},
		{"unexpected character", "min\n x\nst\n c1: x <= 3\x01\n", 4, `unexpected character '\x01'`},
		{"quadratic", "min\n obj: [ x^2 ]\n", 2, "quadratic terms are not supported"},
		{"rhs variable", "min\n x\nst\n c: x >= y\n", 4, `expected a number, found name "y"`},
		{"mixed range", "min\n x\nst\n c: 1 <= x >= 3\n", 4, "ranged constraint"},
		{"no variables", "min\n x\nst\n c: 1 <= 3\n", 4, "constraint has no variables"},
		{"duplicate row", "min\n x\nst\n c: x >= 1\n c: x <= 3\n", 5, `duplicate constraint name "c"`},
		{"bad bound", "min\n x\nbounds\n x >= +inf\n", 4, `invalid bound "x" >= +Inf`},
		{"bound operator", "min\n x\nbounds\n x 3\n", 4, `expected <=, >=, = or free after "x"`},
		{"out of range", "min\n 1e999 x\n", 2, "number 1e999 is out of range"},
		{"infinite coefficient", "min\n inf x\n", 2, `coefficient of "x" is not finite`},
		{"overflowing sum", "min\n 1e308 x + 1e308 x\n", 2, `objective coefficient of "x" is not finite`},
		{"semi-continuous", "min\n x\nsemi-continuous\n x\n", 3, `section "semi" is not supported`},
		{"second objective", "min\n x\nmax\n y\n", 3, "only one objective"},
		{"after end", "min\n x\nend\n y\n", 4, `unexpected name "y" after End`},
		{"unterminated comment", "min\n x \\* never closed\n", 2, "unterminated"},
		{"line after block comment", "min\n x \\* a\n b *\\ y\n", 3, "expected + or - or a section keyword, found name \"y\""},
		{"junk after objective", "min\n x 3\n", 2, "expected + or - or a section keyword, found number 3"},
		{"inf as variable", "min\n x\ngeneral\n inf\n", 4, "expected a variable name"},
		{"star without variable", "min\n 2 * 3\n", 2, "expected a variable after *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.text))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got %q, want line %d containing %q", err, tt.line, tt.msg)
			}
		})
	}
}

func TestReadParams(t *testing.T) {
	text := `max
 profit: 300 Doors + rate Windows + (rate - 100) / 4 Extra
st
 plant2: 2*Windows <= 2 * half
 plant3: 3 Doors + 2 * Windows <= -(-18)
 cap: Extra <= rate/(2*2)
bounds
 Doors <= (half - 2)
end`
	params := map[string]float64{"rate": 500, "half": 6}
	got, err := ReadWith(strings.NewReader(text), ReadOptions{Params: params})
	if err != nil {
		t.Fatalf("ReadWith: %v", err)
	}
	want := &lp.Model{
		Sense: lp.Maximize, ObjName: "profit",
		Vars: []lp.Var{{Name: "Doors", Hi: 4, Obj: 300}, {Name: "Windows", Hi: inf, Obj: 500},
			{Name: "Extra", Hi: inf, Obj: 100}},
		Rows: []lp.Row{{Name: "plant2", Lo: -inf, Hi: 12}, {Name: "plant3", Lo: -inf, Hi: 18},
			{Name: "cap", Lo: -inf, Hi: 125}},
		Coefs: []lp.Coef{{Row: 0, Col: 1, Val: 2}, {Row: 1, Col: 0, Val: 3}, {Row: 1, Col: 1, Val: 2},
			{Row: 2, Col: 2, Val: 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadWith mismatch\n got %+v\nwant %+v", got, want)
	}

	for _, bad := range []struct{ text, msg string }{
		{"max\n x / 0 y\n", "line 2, column 4: expected + or - or a section keyword"},
		{"max\n (rate / (half - 6)) y\n", "line 2, column 8: division by zero"},
		{"max\n (rate y\n", `line 2, column 8: expected ), found name "y"`},
	} {
		_, err := ReadWith(strings.NewReader(bad.text), ReadOptions{Params: params})
		if err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("ReadWith(%q) = %v, want error containing %q", bad.text, err, bad.msg)
		}
	}
}

func TestSourceReuse(t *testing.T) {
	src, err := NewSource([]byte("max\n obj: k x\nst\n c: x <= 2 * k\nend"), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []float64{1, 3} {
		m, err := src.Read(ReadOptions{Params: map[string]float64{"k": k}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Vars[0].Obj != k || m.Rows[0].Hi != 2*k {
			t.Errorf("k=%v: objective %v, bound %v", k, m.Vars[0].Obj, m.Rows[0].Hi)
		}
	}
	if _, err := src.Read(ReadOptions{}); err == nil {
		t.Error("reading a parameter source without parameters succeeded")
	}
}

// TestReadErrorMessages checks whole messages: each names the line, the
// column, the offending token and what was expected.
func TestReadErrorMessages(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"nan coefficient", "max\n nan x\nst\n c: x <= 1\n",
			`line 2, column 2: "nan" is not a valid coefficient: NaN is not a number (expected a finite number before name "x")`},
		{"nan coefficient with star", "max\n 3 x - NaN * y\n",
			`line 2, column 8: "NaN" is not a valid coefficient: NaN is not a number (expected a finite number before "*")`},
		{"nan coefficient in a constraint", "max\n x\nst\n c: 2 x + nan y >= 1\n",
			`line 4, column 11: "nan" is not a valid coefficient: NaN is not a number (expected a finite number before name "y")`},
		{"nan right-hand side", "min\n x\nst\n c: x <= nan\n",
			`line 4, column 10: expected a number, found name "nan": NaN is not a valid number (expected a finite number or an infinity)`},
		{"nan bound", "min\n x\nbounds\n x >= -NaN\n",
			`line 4, column 8: expected a number, found name "NaN": NaN is not a valid number (expected a finite number or an infinity)`},
		{"end of input", "max\n x\nst\n c: x <=\n", "line 4, column 9: expected a number, found end of input"},
		{"junk character", "min\n x\nst\n c1: x # 2 <= 3\n", `line 4, column 8: expected constraint operator, found name "#"`},
		{"control character", "min\n x\nst\n c1: x <= 3\x01\n",
			`line 4, column 12: unexpected character '\x01' (expected a name, a number, an operator or a \ comment)`},
		{"after a block comment", "min\n x \\* a\n b *\\ y\n", `line 3, column 7: expected + or - or a section keyword, found name "y"`},
		{"unterminated comment", "min\n x \\* never closed\n", `line 2, column 4: unterminated \* comment (expected *\ to close it)`},
		{"quadratic", "min\n obj: [ x^2 ]\n", "line 2, column 7: unexpected '[': quadratic terms are not supported (expected a linear expression)"},
		{"after End", "min\n x\nend\n y\n", `line 4, column 2: unexpected name "y" after End (expected nothing: End closes the model)`},
		{"out of range", "min\n 1e999 x\n", "line 2, column 2: number 1e999 is out of range (expected a finite number, at most about 1.8e308 in magnitude)"},
		{"second objective", "min\n x\nmax\n y\n",
			`line 3, column 1: unexpected name "max": a model has only one objective (expected Subject To, Bounds, General, Binary or End)`},
		{"no variables", "min\n x\nst\n c: 1 <= 3\n", `line 4, column 2: constraint has no variables (expected a variable on one side of "<=")`},
		{"infinite bound", "min\n x\nbounds\n x >= +inf\n",
			`line 4, column 4: invalid bound "x" >= +Inf (expected a finite number, -inf for a lower bound or +inf for an upper bound)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Read = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestReadNaNVariable checks that "nan" stays a valid variable name where
// it cannot be a coefficient.
func TestReadNaNVariable(t *testing.T) {
	m, err := Read(strings.NewReader("min\n x + nan\nst\n c: nan >= 1\nend\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Vars) != 2 || m.Vars[1].Name != "nan" || m.Vars[1].Obj != 1 {
		t.Errorf("variables %+v, want x and nan", m.Vars)
	}
}
