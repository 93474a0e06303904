package jsonmodel

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

var inf = math.Inf(1)

const wyndor = `{
  "name": "wyndor",
  "sense": "max",
  "objective_name": "profit",
  "objective": {"Doors": 300, "Windows": 500},
  "objective_constant": 0,
  "variables": [
    {"name": "Doors", "lo": 0, "hi": null, "integer": false},
    {"name": "Windows"}
  ],
  "constraints": [
    {"name": "plant1", "coefs": {"Doors": 1}, "lo": null, "hi": 4},
    {"name": "plant2", "coefs": {"Windows": 2}, "<=": 12},
    {"name": "plant3", "coefs": {"Doors": 3, "Windows": 2}, "<=": 18}
  ]
}`

func TestDecodeWyndor(t *testing.T) {
	got, err := Decode([]byte(wyndor))
	if err != nil {
		t.Fatal(err)
	}
	want := &lp.Model{
		Name: "wyndor", Sense: lp.Maximize, ObjName: "profit",
		Vars: []lp.Var{{Name: "Doors", Hi: inf, Obj: 300}, {Name: "Windows", Hi: inf, Obj: 500}},
		Rows: []lp.Row{{Name: "plant1", Lo: -inf, Hi: 4}, {Name: "plant2", Lo: -inf, Hi: 12},
			{Name: "plant3", Lo: -inf, Hi: 18}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 2},
			{Row: 2, Col: 0, Val: 3}, {Row: 2, Col: 1, Val: 2}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Decode mismatch\n got %+v\nwant %+v", got, want)
	}
}

func TestDecodeBounds(t *testing.T) {
	doc := `{"sense":"MINIMISE","objective":{"x":1},"objective_constant":2.5e0,
	  "variables":[{"name":"x","lo":"-inf","hi":"Infinity","integer":true},{"name":"y","lo":null,"hi":3}],
	  "constraints":[
	    {"coefs":{"x":1,"y":0},">=":1},
	    {"name":"eq","coefs":{"y":1},"=":2},
	    {"name":"range","coefs":{"x":1},"lo":-5,"<=":10},
	    {"name":"free","coefs":{"x":1},"lo":null,"hi":"+inf"},
	    {"name":"hi","coefs":{"x":1},"hi":1e-3}]}`
	got, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := &lp.Model{
		ObjConst: 2.5,
		Vars:     []lp.Var{{Name: "x", Lo: -inf, Hi: inf, Obj: 1, Integer: true}, {Name: "y", Lo: -inf, Hi: 3}},
		Rows: []lp.Row{{Name: "c1", Lo: 1, Hi: inf}, {Name: "eq", Lo: 2, Hi: 2}, {Name: "range", Lo: -5, Hi: 10},
			{Name: "free", Lo: -inf, Hi: inf}, {Name: "hi", Lo: -inf, Hi: 1e-3}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 1}, {Row: 2, Col: 0, Val: 1},
			{Row: 3, Col: 0, Val: 1}, {Row: 4, Col: 0, Val: 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Decode mismatch\n got %+v\nwant %+v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	const vars = `"variables":[{"name":"x"},{"name":"y"}]`
	tests := []struct {
		name, doc, msg string
	}{
		{"not json", `{"variables":`, "model JSON: line 1, column 14: unexpected end of input"},
		{"not an object", `[1,2]`, "model JSON: line 1, column 1: expected an object, found an array"},
		{"trailing data", `{` + vars + `} {}`, "unexpected data after the model"},
		{"unknown field", `{` + vars + `,"constraint":[]}`, "constraint"},
		{"no variables", `{"sense":"max"}`, `"variables" is missing or empty`},
		{"bad sense", `{"sense":"up",` + vars + `}`, `sense "up"`},
		{"unnamed variable", `{"variables":[{"lo":1}]}`, "variable 1 has no name"},
		{"duplicate variable", `{"variables":[{"name":"x"},{"name":"x"}]}`, `variable "x" is declared twice`},
		{"unknown in objective", `{"objective":{"z":1},` + vars + `}`, `objective: unknown variable "z"`},
		{"unknown in constraint", `{` + vars + `,"constraints":[{"name":"cap","coefs":{"x":1,"Dors":2},"<=":4}]}`,
			`constraint "cap": unknown variable "Dors"`},
		{"string coefficient", `{` + vars + `,"constraints":[{"name":"cap","coefs":{"x":"NaN"},"<=":4}]}`,
			`coefficient of "x" is the string "NaN", not a number`},
		{"huge coefficient", `{"objective":{"x":1e999},` + vars + `}`, `coefficient of "x": 1e999 is out of range`},
		{"duplicate coefficient", `{` + vars + `,"constraints":[{"coefs":{"x":1,"x":2},"<=":4}]}`, `variable "x" appears twice`},
		{"NaN constant", `{"objective_constant":"NaN",` + vars + `}`, `objective_constant: "NaN" is not a finite number`},
		{"no bound", `{` + vars + `,"constraints":[{"name":"c","coefs":{"x":1}}]}`, `constraint "c": no bound`},
		{"eq with lo", `{` + vars + `,"constraints":[{"name":"c","coefs":{"x":1},"=":1,"lo":0}]}`, `"=" cannot be combined`},
		{"lo twice", `{` + vars + `,"constraints":[{"name":"c","coefs":{"x":1},"lo":1,">=":0}]}`, `either "lo" or ">="`},
		{"infinite eq", `{` + vars + `,"constraints":[{"name":"c","coefs":{"x":1},"=":"inf"}]}`, `"=": must be a finite number`},
		{"bad bound string", `{"variables":[{"name":"x","hi":"lots"}]}`, `variable "x": hi: "lots" is not a number`},
		{"wrong infinity", `{"variables":[{"name":"x","lo":"inf"}]}`, "infinite on the wrong side"},
		{"duplicate constraint", `{` + vars + `,"constraints":[{"coefs":{"x":1},"<=":1},{"name":"c1","coefs":{"x":1},"<=":1}]}`,
			`constraint "c1" is declared twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Decode = %v, want error containing %q", err, tt.msg)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	m := &lp.Model{
		Name: "kinds", Sense: lp.Maximize, ObjName: "z", ObjConst: -1.5,
		Vars: []lp.Var{
			{Name: "free", Lo: -inf, Hi: inf, Obj: -1},
			{Name: "fixed", Lo: 3, Hi: 3},
			{Name: "box", Lo: -3, Hi: 5, Obj: 0.1, Integer: true},
			{Name: "tiny", Hi: inf, Obj: 1.2345678901234567e-300},
		},
		Rows: []lp.Row{{Name: "le", Lo: -inf, Hi: 1e21}, {Name: "ge", Lo: -4, Hi: inf}, {Name: "eq", Lo: 0, Hi: 0},
			{Name: "range", Lo: 0.1, Hi: 0.3}, {Name: "freerow", Lo: -inf, Hi: inf}, {Name: "empty", Lo: -inf, Hi: 3}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 2, Val: -1}, {Row: 1, Col: 3, Val: 2},
			{Row: 2, Col: 1, Val: 7}, {Row: 3, Col: 2, Val: 0.3}, {Row: 4, Col: 0, Val: 1}},
	}
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip mismatch\n got %+v\nwant %+v\n%s", got, m, data)
	}
}

func TestEncodeMergesDuplicates(t *testing.T) {
	m := &lp.Model{
		Vars:  []lp.Var{{Name: "x", Hi: inf}, {Name: "y", Hi: inf}},
		Rows:  []lp.Row{{Name: "r", Lo: 1, Hi: inf}},
		Coefs: []lp.Coef{{Row: 0, Col: 1, Val: 1}, {Row: 0, Col: 0, Val: 2}, {Row: 0, Col: 1, Val: 3}, {Row: 0, Col: 0, Val: -2}},
	}
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := []lp.Coef{{Row: 0, Col: 1, Val: 4}}; !reflect.DeepEqual(got.Coefs, want) {
		t.Errorf("coefficients %v, want %v\n%s", got.Coefs, want, data)
	}
}

// TestDecodeErrorMessages checks whole messages: each gives the line and
// column of the offending token, names it and says what was expected.
func TestDecodeErrorMessages(t *testing.T) {
	const vars = `"variables": [{"name": "x"}, {"name": "y"}]`
	tests := []struct{ name, doc, want string }{
		{"syntax error", "{\n  \"sense\": nop}",
			"model JSON: line 2, column 13: invalid character 'o' in literal null (expecting 'u')"},
		{"missing value", "{\"variables\": [\n  {\"name\": \"x\"},\n]}",
			"model JSON: line 3, column 1: invalid character ']' looking for beginning of value (expected a value)"},
		{"missing colon", `{"sense" "max"}`,
			"model JSON: line 1, column 10: invalid character '\"' after object key (expected ':')"},
		{"missing comma", `{"sense": "max" "variables": []}`,
			`model JSON: line 1, column 17: invalid character '"' after object key:value pair (expected ',' or '}')`},
		{"truncated", "{\"variables\": [\n  {\"name\": \"x\"",
			"model JSON: line 2, column 15: unexpected end of input (expected the rest of the JSON value)"},
		{"empty", "  ", "model JSON: line 1, column 3: no JSON value (expected a JSON value)"},
		{"wrong type", "{\"variables\": [\n  {\"name\": \"x\", \"integer\": \"yes\"}]}",
			`model JSON: line 2, column 28: "variables[0].integer": expected true or false, found a string`},
		{"unknown field", "{" + vars + ",\n \"constraint\": []}",
			`model JSON: line 2, column 2: unknown field "constraint" (expected name, sense, objective_name, objective, objective_constant, variables or constraints)`},
		{"unknown variable field", "{\"variables\": [{\"name\": \"x\", \"up\": 3}]}",
			`model JSON: line 1, column 30: "variables[0]": unknown field "up" (expected name, lo, hi or integer)`},
		{"trailing data", "{" + vars + "}\n x", "model JSON: line 2, column 2: unexpected data after the model (expected the end of the document)"},
		{"unknown variable", "{" + vars + ",\n \"constraints\": [{\"name\": \"cap\", \"coefs\": {\"x\": 1, \"z\": 2}, \"<=\": 4}]}",
			`model JSON: line 2, column 52: constraint "cap": unknown variable "z" (expected a variable of "variables")`},
		{"string coefficient", "{" + vars + ",\n \"objective\": {\"x\": 1, \"y\": \"NaN\"}}",
			`model JSON: line 2, column 29: coefficient of "y" is the string "NaN", not a number (expected a JSON number)`},
		{"duplicate coefficient", "{" + vars + ",\n \"objective\": {\"x\": 1, \"x\": 2}}",
			`model JSON: line 2, column 24: variable "x" appears twice (expected each variable once)`},
		{"coefficients not an object", "{" + vars + ",\n \"constraints\": [{\"coefs\": [1], \"<=\": 1}]}",
			`model JSON: line 2, column 28: constraint "c1": expected an object of variable names to numbers, found an array`},
		{"huge coefficient", "{" + vars + ",\n \"objective\": {\"y\": 1e999}}",
			`model JSON: line 2, column 21: objective: coefficient of "y": 1e999 is out of range (expected a finite number, at most about 1.8e308 in magnitude)`},
		{"bad bound", "{\"variables\": [{\"name\": \"x\", \"hi\": \"lots\"}]}",
			`model JSON: line 1, column 36: variable "x": hi: "lots" is not a number or an infinity (expected a number, null, "inf" or "-inf")`},
		{"duplicate variable", "{\"variables\": [{\"name\": \"x\"},\n {\"name\": \"x\"}]}",
			`model JSON: line 2, column 11: variable "x" is declared twice (expected each name once)`},
		{"bound given twice", "{" + vars + ",\n \"constraints\": [{\"name\": \"c\", \"coefs\": {\"x\": 1}, \"lo\": 1, \">=\": 0}]}",
			`model JSON: line 2, column 60: constraint "c": give either "lo" or ">=", not both (expected one of them)`},
		{"no bound", "{" + vars + ",\n \"constraints\": [{\"coefs\": {\"x\": 1}}]}",
			`model JSON: line 2, column 18: constraint "c1": no bound (expected "lo", "hi", "<=", ">=" or "=")`},
		{"bad sense", `{"sense": "up", ` + vars + `}`,
			`model JSON: line 1, column 11: sense "up" is neither "min" nor "max" (expected "min" or "max")`},
		{"no variables", `{"variables": []}`,
			`model JSON: line 1, column 15: "variables" is missing or empty (expected an array of at least one variable)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.doc))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Decode = %v\nwant %s", err, tt.want)
			}
		})
	}
}
