package lpdata

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	csv := "file,kind,sense,rows,cols,nonzeros,integer_cols,optimum,note\n" +
		"netlib/afiro.mps.gz,LP,min,27,32,83,0,-4.6475314286E+02,\n" +
		`miplib/p0033.mps.gz,MIP,min,16,33,98,33,3089,"a, note"` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "answers.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Answer{
		{File: "netlib/afiro.mps.gz", Kind: "LP", Sense: "min", Rows: 27, Cols: 32, Nonzeros: 83, Optimum: -464.75314286},
		{File: "miplib/p0033.mps.gz", Kind: "MIP", Sense: "min", Rows: 16, Cols: 33, Nonzeros: 98, IntegerCols: 33, Optimum: 3089, Note: "a, note"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d answers, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("answer %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[1].Name() != "p0033" {
		t.Errorf("Name() = %q, want p0033", got[1].Name())
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	dir := t.TempDir()
	bad := "file,kind,sense,rows,cols,nonzeros,integer_cols,optimum,note\nx.mps.gz,LP,min,many,1,1,0,1,\n"
	if err := os.WriteFile(filepath.Join(dir, "answers.csv"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "x.mps.gz: rows") {
		t.Errorf("bad rows: %v", err)
	}
}
