package template

import (
	"errors"
	"io/fs"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

var inf = math.Inf(1)

func loadTestModels(t *testing.T) *Set {
	t.Helper()
	s, err := LoadDir("testdata/models")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadDir(t *testing.T) {
	s := loadTestModels(t)
	if got, want := s.Names(), []string{"mix", "plain"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	mix, _ := s.Lookup("mix")
	want := []Param{
		{Name: "rate", Default: "500"},
		{Name: "hours", Default: "18", Min: "6", Max: "100", Description: "Hours in plant 3."},
		{Name: "door_profit", Min: "0"},
	}
	for i := range mix.Params {
		mix.Params[i].min, mix.Params[i].max = nil, nil
	}
	if !reflect.DeepEqual(mix.Params, want) {
		t.Errorf("Params = %+v, want %+v", mix.Params, want)
	}
}

func TestInstantiate(t *testing.T) {
	mix, _ := loadTestModels(t).Lookup("mix")
	m, err := mix.Instantiate(map[string]json.Number{"door_profit": "300", "hours": "20"})
	if err != nil {
		t.Fatal(err)
	}
	want := &lp.Model{
		Name: "mix", Sense: lp.Maximize, ObjName: "profit",
		Vars: []lp.Var{{Name: "Doors", Hi: inf, Obj: 300}, {Name: "Windows", Hi: 7, Obj: 500}},
		Rows: []lp.Row{{Name: "plant2", Lo: -inf, Hi: 12}, {Name: "plant3", Lo: -inf, Hi: 20},
			{Name: "budget", Lo: -inf, Hi: 40}},
		Coefs: []lp.Coef{{Row: 0, Col: 1, Val: 2}, {Row: 1, Col: 0, Val: 3}, {Row: 1, Col: 1, Val: 2},
			{Row: 2, Col: 0, Val: 8}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Instantiate mismatch\n got %+v\nwant %+v", m, want)
	}
	vals, err := mix.Resolve(map[string]json.Number{"door_profit": "300.000000000000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	wantVals := []Value{{Name: "rate", Value: "500", Default: true}, {Name: "hours", Value: "18", Default: true},
		{Name: "door_profit", Value: "300.000000000000000000001"}}
	if !reflect.DeepEqual(vals, wantVals) {
		t.Errorf("Resolve = %+v, want %+v", vals, wantVals)
	}
}

func TestInstantiateErrors(t *testing.T) {
	mix, _ := loadTestModels(t).Lookup("mix")
	tests := []struct {
		name   string
		params map[string]json.Number
		msg    string
	}{
		{"unknown", map[string]json.Number{"door_profit": "1", "rat": "2", "x": "1"},
			`model "mix": unknown parameter "rat", "x" (it has parameters rate, hours, door_profit)`},
		{"missing", map[string]json.Number{}, `missing parameter "door_profit" (it has no default)`},
		{"below min", map[string]json.Number{"door_profit": "1", "hours": "5.99999999999999999999"},
			`parameter "hours" = 5.99999999999999999999 is below its minimum 6`},
		{"above max", map[string]json.Number{"door_profit": "1", "hours": "100.00000000000000000001"},
			`parameter "hours" = 100.00000000000000000001 is above its maximum 100`},
		{"not a number", map[string]json.Number{"door_profit": "12abc"}, `"12abc" is not a JSON number`},
		{"huge exponent", map[string]json.Number{"door_profit": "1e999999999"}, "out of range"},
		{"float overflow", map[string]json.Number{"door_profit": "1e309"}, "out of range"},
		{"division by zero", map[string]json.Number{"door_profit": "1", "hours": "6"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mix.Instantiate(tt.params)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Instantiate = %v, want error containing %q", err, tt.msg)
			}
		})
	}
}

func TestBodyErrorLines(t *testing.T) {
	text := "name: x\nparams:\n  p: {default: 0}\nmodel: |\n  max\n    obj: 1 / p y\n"
	_, err := Parse("models/x.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "models/x.yaml:6: division by zero") {
		t.Errorf("Parse = %v, want the division by zero located at models/x.yaml:6", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text, msg string }{
		{"empty", "", "x.yaml: empty file"},
		{"not yaml", "model: [", "x.yaml: yaml:"},
		{"not a mapping", "- 1\n", "x.yaml:1: expected a mapping"},
		{"unknown key", "name: x\nmodle: |\n  min\n", `x.yaml:2: unknown key "modle"`},
		{"no model", "name: x\n", `missing key "model"`},
		{"duplicate key", "model: min\nmodel: max\n", `x.yaml:2: key "model" appears twice`},
		{"bad name", "name: a b\nmodel: min\n", `x.yaml:1: name "a b" may only contain`},
		{"bad param name", "params:\n  2x: 1\nmodel: min\n", `x.yaml:2: parameter name "2x"`},
		{"reserved param", "params:\n  free: 1\nmodel: min\n", `parameter name "free" is reserved`},
		{"duplicate param", "params:\n  a: 1\n  a: 2\nmodel: min\n", `x.yaml:3: parameter "a" is declared twice`},
		{"hex number", "params:\n  a: 0x10\nmodel: min\n", `x.yaml:2: "0x10" is not a JSON number`},
		{"quoted number", "params:\n  a: {default: \"5\"}\nmodel: min\n", `x.yaml:2: expected a number, found "5"`},
		{"inf number", "params:\n  a: {max: .inf}\nmodel: min\n", `x.yaml:2: ".inf" is not a JSON number`},
		{"unknown spec key", "params:\n  a: {defualt: 1}\nmodel: min\n", `unknown key "defualt"`},
		{"min above max", "params:\n  a: {min: 2, max: 1}\nmodel: min\n", "min 2 exceeds max 1"},
		{"default out of range", "params:\n  a: {default: 0, min: 1}\nmodel: min\n", `default: parameter "a" = 0 is below its minimum 1`},
		{"body syntax", "params:\n  a: 1\nmodel: |\n  max\n    obj: a x\n  st\n    c: x + y\n", "x.yaml:7: expected constraint operator"},
		{"param as variable", "params:\n  a: 1\nmodel: |\n  max\n    obj: 3 a\n", "x.yaml:5: expected + or - or a section keyword"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse = %v, want error containing %q", err, tt.msg)
			}
		})
	}
}

func TestLoadFSAndMerge(t *testing.T) {
	fsys := fstest.MapFS{
		"models/plain.yaml": {Data: []byte("description: embedded\nmodel: min\n")},
		"models/only.yaml":  {Data: []byte("model: max\n")},
	}
	s, err := LoadFS(fsys, "models")
	if err != nil {
		t.Fatal(err)
	}
	s.Merge(loadTestModels(t))
	if got, want := s.Names(), []string{"mix", "only", "plain"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if p, _ := s.Lookup("plain"); p.Description != "" {
		t.Errorf("plain was not replaced by the directory's version")
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := LoadDir("testdata/dup"); err == nil || !strings.Contains(err.Error(), `testdata/dup/b.yaml: model "a" is already defined in testdata/dup/a.yaml`) {
		t.Errorf("LoadDir(dup) = %v, want duplicate model error", err)
	}
	if _, err := LoadDir("testdata/missing"); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadDir(missing) = %v, want not-exist error", err)
	}
}
