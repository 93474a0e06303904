// Package lpdata reads answers.csv, the index of the shared LP and MIP test
// models with their sizes and known optima, for tests and benchmarks.
package lpdata

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Answer is one row of answers.csv.
type Answer struct {
	// File is the model's path relative to the data directory, for example
	// "netlib/afiro.mps.gz".
	File string
	// Kind is "LP" or "MIP"; Sense is "min" or "max".
	Kind, Sense string
	// Rows, Cols, Nonzeros and IntegerCols are the model's size.
	Rows, Cols, Nonzeros, IntegerCols int
	// Optimum is the known optimal objective value.
	Optimum float64
	// Note explains a corrected optimum.
	Note string
}

// Name returns the model's name: its file name without ".mps.gz".
func (a Answer) Name() string {
	return strings.TrimSuffix(filepath.Base(a.File), ".mps.gz")
}

// Read reads dir/answers.csv. The error wraps os.ErrNotExist when the file
// is absent, so that callers can skip.
func Read(dir string) ([]Answer, error) {
	f, err := os.Open(filepath.Join(dir, "answers.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("answers.csv: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("answers.csv: empty")
	}
	out := make([]Answer, 0, len(recs)-1)
	for _, r := range recs[1:] { // file,kind,sense,rows,cols,nonzeros,integer_cols,optimum,note
		if len(r) < 9 {
			return nil, fmt.Errorf("answers.csv: %s: %d fields, want 9", r[0], len(r))
		}
		a := Answer{File: r[0], Kind: r[1], Sense: r[2], Note: r[8]}
		for i, dst := range []*int{&a.Rows, &a.Cols, &a.Nonzeros, &a.IntegerCols} {
			if *dst, err = strconv.Atoi(r[3+i]); err != nil {
				return nil, fmt.Errorf("answers.csv: %s: %s: %w", r[0], recs[0][3+i], err)
			}
		}
		if a.Optimum, err = strconv.ParseFloat(r[7], 64); err != nil {
			return nil, fmt.Errorf("answers.csv: %s: optimum: %w", r[0], err)
		}
		out = append(out, a)
	}
	return out, nil
}
