package modelfile

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/jsonmodel"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
	"github.com/nsqfarm/nsqfarm/internal/lp/mps"
)

// wyndor is the Wyndor Glass model with integer doors.
func wyndor() *lp.Model {
	return &lp.Model{
		Name: "wyndor", Sense: lp.Maximize, ObjName: "profit",
		Vars:  []lp.Var{{Name: "Doors", Hi: lp.Inf, Obj: 300, Integer: true}, {Name: "Windows", Hi: lp.Inf, Obj: 500}},
		Rows:  []lp.Row{{Name: "plant1", Lo: -lp.Inf, Hi: 4}, {Name: "plant2", Lo: -lp.Inf, Hi: 12}, {Name: "plant3", Lo: -lp.Inf, Hi: 18}},
		Coefs: []lp.Coef{{Row: 0, Col: 0, Val: 1}, {Row: 1, Col: 1, Val: 2}, {Row: 2, Col: 0, Val: 3}, {Row: 2, Col: 1, Val: 2}},
	}
}

// writeFile writes data to dir/name, gzip-compressed when name ends in
// .gz (in any case), and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	if strings.EqualFold(filepath.Ext(name), ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRead(t *testing.T) {
	m := wyndor()
	var lpText, mpsText bytes.Buffer
	if err := lpformat.Write(&lpText, m); err != nil {
		t.Fatal(err)
	}
	if err := mps.Write(&mpsText, m); err != nil {
		t.Fatal(err)
	}
	jsonText, err := jsonmodel.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[Format][]byte{LP: lpText.Bytes(), MPS: mpsText.Bytes(), JSON: jsonText}
	dir := t.TempDir()
	for _, name := range []string{"w.lp", "w.mps", "w.json", "w.lp.gz", "w.mps.gz", "w.json.gz", "W.LP", "W.Mps.GZ"} {
		t.Run(name, func(t *testing.T) {
			f, _, err := FormatOf(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(writeFile(t, dir, name, texts[f]))
			if err != nil {
				t.Fatal(err)
			}
			// MPS lists the coefficients by column.
			slices.SortFunc(got.Coefs, func(a, b lp.Coef) int { return cmp.Or(a.Row-b.Row, a.Col-b.Col) })
			if got.Sense != m.Sense || !reflect.DeepEqual(got.Vars, m.Vars) || !reflect.DeepEqual(got.Rows, m.Rows) ||
				!reflect.DeepEqual(got.Coefs, m.Coefs) {
				t.Errorf("read %+v\nwant %+v", got, m)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		path   string
		format Format
		gz     bool
		err    string
	}{
		{"a.mps", MPS, false, ""},
		{"dir.v2/a.LP", LP, false, ""},
		{"a.json.gz", JSON, true, ""},
		{"a.MPS.Gz", MPS, true, ""},
		{"a.txt", "", false, `unknown model format ".txt" (want .mps, .lp or .json, optionally with .gz)`},
		{"a.gz", "", false, `unknown model format ""`},
		{"a.lp.zip", "", false, `unknown model format ".zip"`},
	}
	for _, tt := range tests {
		f, gz, err := FormatOf(tt.path)
		if f != tt.format || gz != tt.gz || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("FormatOf(%q) = %q, %v, %v; want %q, %v, %q", tt.path, f, gz, err, tt.format, tt.gz, tt.err)
		}
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"bad.lp":    "max\n x\nst\n c: x <=\n",
		"bad.mps":   "NAME x\nROWS\n N obj\nCOLUMNS\n X R9 1\nENDATA\n",
		"bad.json":  "{\"variables\":\n [nop]}",
		"bad.lp.gz": "max\n x\nst\n c: x <=\n",
		"model.txt": "",
	}
	paths := map[string]string{}
	for name, text := range files {
		paths[name] = writeFile(t, dir, name, []byte(text))
	}
	// A .gz file that is not compressed.
	paths["plain.lp.gz"] = filepath.Join(dir, "plain.lp.gz")
	if err := os.WriteFile(paths["plain.lp.gz"], []byte("max\n x\nst\n c: x <= 4\nend\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		msg  string
	}{
		{filepath.Join(dir, "model.xlsx"), "no such file"},
		{paths["model.txt"], paths["model.txt"] + `: unknown model format ".txt"`},
		{paths["plain.lp.gz"], paths["plain.lp.gz"] + ": not a gzip file: gzip: invalid header"},
		{paths["bad.lp"], paths["bad.lp"] + ": line 4, column 9: expected a number, found end of input"},
		{paths["bad.lp.gz"], paths["bad.lp.gz"] + ": line 4, column 9: expected a number, found end of input"},
		{paths["bad.mps"], paths["bad.mps"] + `: mps (free): line 5, column 4: unknown row "R9" in COLUMNS`},
		{paths["bad.json"], paths["bad.json"] + `: model JSON: line 2, column 4: invalid character 'o' in literal null (expecting 'u')`},
	}
	for _, tt := range tests {
		_, err := Read(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Read(%s) = %v, want an error containing %q", filepath.Base(tt.path), err, tt.msg)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing.mps")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestDecode(t *testing.T) {
	m, err := Decode(strings.NewReader("max\n x\nst\n c: x <= 4\nend\n"), LP)
	if err != nil || len(m.Vars) != 1 || m.Rows[0].Hi != 4 {
		t.Errorf("Decode(LP) = %+v, %v", m, err)
	}
	if _, err := Decode(strings.NewReader("x"), "xls"); err == nil || !strings.Contains(err.Error(), `unknown model format "xls"`) {
		t.Errorf("Decode(xls) = %v, want an unknown format error", err)
	}
}
