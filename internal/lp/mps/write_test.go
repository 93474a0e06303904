package mps

import (
	"bytes"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// writeCanonical returns a copy of m with coefficients in the order Read
// produces them from Write's output (by column, then row), duplicates
// summed and zeros dropped.
func writeCanonical(m *lp.Model) *lp.Model {
	c := *m
	c.Coefs = slices.Concat(m.ColCoefs()...)
	if len(c.Coefs) == 0 {
		c.Coefs = nil
	}
	return &c
}

func writeRoundTrip(t *testing.T, m *lp.Model) *lp.Model {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()), Options{Format: Free})
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, buf.String())
	}
	return got
}

func TestWriteRoundTrip(t *testing.T) {
	inf := math.Inf(1)
	m := &lp.Model{
		Name: "every kind", Sense: lp.Maximize, ObjName: "profit", ObjConst: 12.5,
		Vars: []lp.Var{
			{Name: "free", Lo: -inf, Hi: inf, Obj: -1},
			{Name: "fixed", Lo: 3, Hi: 3},
			{Name: "upper", Lo: -inf, Hi: -1e-7, Obj: 1.2345678901234567e+300},
			{Name: "box", Lo: -3, Hi: 5, Obj: 0.1},
			{Name: "neg_up", Lo: 0, Hi: -1},
			{Name: "lower", Lo: 2, Hi: inf},
			{Name: "gen", Lo: -10, Hi: 10, Integer: true},
			{Name: "b", Lo: 0, Hi: 1, Integer: true},
			{Name: "i", Lo: 0, Hi: inf, Integer: true},
			{Name: "unused", Hi: inf},
			{Name: "int_up", Lo: 0, Hi: 7, Integer: true},
			{Name: "x(1,2)", Hi: inf, Obj: 1},
			{Name: "int_lo", Lo: 2, Hi: inf, Integer: true},
			{Name: "int_free", Lo: -inf, Hi: inf, Integer: true},
			{Name: "int_mi", Lo: -inf, Hi: 4, Integer: true},
		},
		Rows: []lp.Row{
			{Name: "le", Lo: -inf, Hi: 1e21},
			{Name: "ge", Lo: -4, Hi: inf},
			{Name: "eq", Lo: 0, Hi: 0},
			{Name: "range", Lo: -5, Hi: 10},
			{Name: "inexact", Lo: 0.1, Hi: 0.3},
			{Name: "obj", Lo: -inf, Hi: 3},
		},
		Coefs: []lp.Coef{
			{Row: 0, Col: 0, Val: 1}, {Row: 0, Col: 2, Val: -1}, {Row: 0, Col: 0, Val: 2},
			{Row: 1, Col: 3, Val: 1e-12}, {Row: 2, Col: 4, Val: 7}, {Row: 2, Col: 5, Val: -7},
			{Row: 3, Col: 6, Val: 0.3}, {Row: 3, Col: 7, Val: 1}, {Row: 4, Col: 8, Val: 1},
			{Row: 4, Col: 11, Val: 3}, {Row: 5, Col: 1, Val: 0}, {Row: 5, Col: 10, Val: 2},
			{Row: 1, Col: 12, Val: 1}, {Row: 1, Col: 13, Val: 1}, {Row: 1, Col: 14, Val: 1},
		},
	}
	got := writeRoundTrip(t, m)
	if want := writeCanonical(m); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip mismatch\n got %+v\nwant %+v", got, want)
	}
}

func TestWriteRejects(t *testing.T) {
	inf := math.Inf(1)
	base := func() *lp.Model {
		return &lp.Model{Vars: []lp.Var{{Name: "x", Hi: inf}}, Rows: []lp.Row{{Name: "r", Lo: 0, Hi: 1}}}
	}
	tests := []struct {
		name   string
		mutate func(*lp.Model)
		msg    string
	}{
		{"blank in name", func(m *lp.Model) { m.Vars[0].Name = "a b" }, `name "a b" cannot be written`},
		{"comment-like name", func(m *lp.Model) { m.Rows[0].Name = "$r" }, `name "$r" cannot be written`},
		{"empty row name", func(m *lp.Model) { m.Rows[0].Name = "" }, `name "" cannot be written`},
		{"duplicate column", func(m *lp.Model) { m.Vars = append(m.Vars, m.Vars[0]) }, `duplicate name "x"`},
		{"NaN coefficient", func(m *lp.Model) { m.Coefs = []lp.Coef{{Val: math.NaN()}} }, "is NaN"},
		{"bad index", func(m *lp.Model) { m.Coefs = []lp.Coef{{Row: 1}} }, "out of range"},
		{"inverted infinity", func(m *lp.Model) { m.Rows[0].Lo = inf }, "invalid bounds"},
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

// TestWriteRoundTripFiles writes every shared netlib and MIPLIB model and
// reads it back.
func TestWriteRoundTripFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "data", "lp")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.mps.gz"))
	if len(files) == 0 {
		t.Skipf("no models in %s", dir)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".mps.gz"), func(t *testing.T) {
			m, err := readFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := writeRoundTrip(t, m)
			want := writeCanonical(m)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the model")
			}
		})
	}
}
