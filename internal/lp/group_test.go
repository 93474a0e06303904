package lp

import (
	"reflect"
	"testing"
)

func TestRowAndColCoefs(t *testing.T) {
	m := &Model{
		Vars: make([]Var, 3),
		Rows: make([]Row, 2),
		Coefs: []Coef{
			{Row: 1, Col: 2, Val: 4},
			{Row: 0, Col: 1, Val: 1},
			{Row: 1, Col: 0, Val: 3},
			{Row: 0, Col: 1, Val: 2}, // duplicate: summed
			{Row: 0, Col: 0, Val: 5},
			{Row: 0, Col: 0, Val: -5}, // sums to zero: dropped
			{Row: 2, Col: 0, Val: 9},  // out of range: left out
		},
	}
	wantRows := [][]Coef{
		{{Row: 0, Col: 1, Val: 3}},
		{{Row: 1, Col: 0, Val: 3}, {Row: 1, Col: 2, Val: 4}},
	}
	if got := m.RowCoefs(); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("RowCoefs = %v, want %v", got, wantRows)
	}
	wantCols := [][]Coef{
		{{Row: 1, Col: 0, Val: 3}},
		{{Row: 0, Col: 1, Val: 3}},
		{{Row: 1, Col: 2, Val: 4}},
	}
	if got := m.ColCoefs(); !reflect.DeepEqual(got, wantCols) {
		t.Errorf("ColCoefs = %v, want %v", got, wantCols)
	}
	if m.Coefs[1].Val != 1 {
		t.Error("the model's coefficients were modified")
	}
}
