package lpformat

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mps"
)

// canonical returns a copy of m with coefficients sorted by row and column,
// duplicates summed and zeros dropped, as Read produces them.
func canonical(m *lp.Model) *lp.Model {
	c := *m
	c.Coefs = slices.Concat(m.RowCoefs()...)
	if len(c.Coefs) == 0 {
		c.Coefs = nil
	}
	return &c
}

func roundTrip(t *testing.T, m *lp.Model) *lp.Model {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, buf.String())
	}
	return got
}

func TestWriteRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    *lp.Model
	}{
		{"wyndor", &lp.Model{
			Name: "wyndor", Sense: lp.Maximize, ObjName: "profit",
			Vars: []lp.Var{{Name: "Doors", Hi: inf, Obj: 300}, {Name: "Windows", Hi: inf, Obj: 500}},
			Rows: []lp.Row{{Name: "plant1", Lo: -inf, Hi: 4}, {Name: "plant2", Lo: -inf, Hi: 12},
				{Name: "plant3", Lo: -inf, Hi: 18}},
			Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 2},
				{Row: 2, Col: 0, Val: 3}, {Row: 2, Col: 1, Val: 2}},
		}},
		{"every kind of row and bound", &lp.Model{
			ObjConst: -2.5,
			Vars: []lp.Var{
				{Name: "free", Lo: -inf, Hi: inf, Obj: -1}, // renamed below: "free" is reserved
				{Name: "fixed", Lo: 3, Hi: 3},
				{Name: "upper", Lo: -inf, Hi: -1e-7, Obj: 1.2345678901234567e+300},
				{Name: "box", Lo: -3, Hi: 5, Obj: 0.1},
				{Name: "neg_up", Lo: 0, Hi: -1},
				{Name: "lower", Lo: 2, Hi: inf},
				{Name: "g", Lo: -10, Hi: 10, Integer: true},
				{Name: "b", Lo: 0, Hi: 1, Integer: true},
				{Name: "i", Lo: 0, Hi: inf, Integer: true},
				{Name: "unused", Hi: inf},
				{Name: "x(1,2)", Hi: inf, Obj: 1},
			},
			Rows: []lp.Row{
				{Name: "le", Lo: -inf, Hi: 1e21},
				{Name: "ge", Lo: -4, Hi: inf},
				{Name: "eq", Lo: 0, Hi: 0},
				{Name: "range", Lo: -5, Hi: 10},
				{Name: "freerow", Lo: -inf, Hi: inf},
				{Name: "empty", Lo: -inf, Hi: 3},
			},
			Coefs: []lp.Coef{
				{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 2, Val: -1}, {Row: 0, Col: 0, Val: 2},
				{Row: 1, Col: 3, Val: 1e-12}, {Row: 2, Col: 4, Val: 7}, {Row: 2, Col: 5, Val: -7},
				{Row: 3, Col: 6, Val: 0.3}, {Row: 3, Col: 7, Val: 1}, {Row: 4, Col: 8, Val: 1},
				{Row: 4, Col: 10, Val: 3}, {Row: 5, Col: 1, Val: 0},
			},
		}},
	}
	tests[1].m.Vars[0].Name = "freevar"
	// Many variables force line wrapping.
	wide := &lp.Model{Sense: lp.Minimize}
	for j := range 200 {
		wide.Vars = append(wide.Vars, lp.Var{Name: "v" + strings.Repeat("x", j%7) + string(rune('a'+j%26)) + "_" + strconv.Itoa(j), Hi: inf, Obj: float64(j)})
		wide.Coefs = append(wide.Coefs, lp.Coef{Row: 0, Col: j, Val: float64(j%5 + 1)})
	}
	wide.Rows = []lp.Row{{Name: "all", Lo: 1, Hi: inf}}
	tests = append(tests, struct {
		name string
		m    *lp.Model
	}{"wide", wide})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, tt.m)
			if want := canonical(tt.m); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip mismatch\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// renameInvalid replaces names that LP format cannot hold (netlib has
// names such as "1G0EXP" and ".Z....") by x<j>, r<i> and obj.
func renameInvalid(m *lp.Model) {
	if m.ObjName != "" && !validName(m.ObjName) {
		m.ObjName = "obj"
	}
	for j := range m.Vars {
		if !validName(m.Vars[j].Name) {
			m.Vars[j].Name = "x" + strconv.Itoa(j)
		}
	}
	for i := range m.Rows {
		if !validName(m.Rows[i].Name) {
			m.Rows[i].Name = "r" + strconv.Itoa(i)
		}
	}
}

func TestWriteUnnamedRows(t *testing.T) {
	m := &lp.Model{
		Vars:  []lp.Var{{Name: "x", Hi: inf}},
		Rows:  []lp.Row{{Lo: 1, Hi: inf}, {Name: "c1", Lo: -inf, Hi: 4}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 0, Val: 1}},
	}
	got := roundTrip(t, m)
	if got.Rows[0].Name != "c1_" || got.Rows[1].Name != "c1" {
		t.Errorf("row names %q, %q; want default name avoiding the explicit c1", got.Rows[0].Name, got.Rows[1].Name)
	}
}

func TestWriteRejects(t *testing.T) {
	base := func() *lp.Model {
		return &lp.Model{Vars: []lp.Var{{Name: "x", Hi: inf}}, Rows: []lp.Row{{Name: "r", Lo: 0, Hi: 1}}}
	}
	tests := []struct {
		name   string
		mutate func(*lp.Model)
		msg    string
	}{
		{"space in name", func(m *lp.Model) { m.Vars[0].Name = "a b" }, `name "a b" cannot be written`},
		{"reserved name", func(m *lp.Model) { m.Vars[0].Name = "End" }, `name "End" cannot be written`},
		{"leading digit", func(m *lp.Model) { m.Rows[0].Name = "1r" }, `name "1r" cannot be written`},
		{"empty variable name", func(m *lp.Model) { m.Vars[0].Name = "" }, `name "" cannot be written`},
		{"NaN coefficient", func(m *lp.Model) { m.Coefs = []lp.Coef{{Val: math.NaN()}} }, "is NaN"},
		{"infinite objective", func(m *lp.Model) { m.Vars[0].Obj = inf }, "objective coefficient"},
		{"bad bounds", func(m *lp.Model) { m.Vars[0].Hi = -inf }, "invalid bounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.mutate(m)
			err := Write(&bytes.Buffer{}, m)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Write = %v, want error containing %q", err, tt.msg)
			}
		})
	}
}

// TestNetlibRoundTrip writes netlib models read from MPS and reads them back.
func TestNetlibRoundTrip(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "data", "lp", "netlib")
	files, _ := filepath.Glob(filepath.Join(dir, "*.mps.gz"))
	if len(files) == 0 {
		t.Skipf("no netlib models in %s", dir)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".mps.gz")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := mps.Read(f, mps.Options{}) // decompresses gzip
			if err != nil {
				t.Fatal(err)
			}
			renameInvalid(m)
			got := roundTrip(t, m)
			if want := canonical(m); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip of %s changed the model", name)
			}
		})
	}
}
