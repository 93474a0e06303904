package lpsolve

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gzipFile writes a gzip-compressed copy of src into dir.
func gzipFile(t *testing.T, src, dir string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src)+".gz")
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestSolveFile(t *testing.T) {
	dir := t.TempDir()
	paths := []string{"testdata/wyndor.lp", "testdata/wyndor.json", "testdata/wyndor.mps"}
	for _, p := range paths[:3] {
		paths = append(paths, gzipFile(t, p, dir))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sol, err := SolveFile(context.Background(), path, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if sol.Status != "optimal" || !near(*sol.Objective, 3600) || sol.Model != filepath.Base(path) {
				t.Errorf("got %s %s %v, want optimal 3600", sol.Model, sol.Status, sol.Objective)
			}
			if sol.TimeLimitMS != DefaultOptions().DefaultTimeLimitMS {
				t.Errorf("time limit %d", sol.TimeLimitMS)
			}
		})
	}
}

func TestSolveFileNetlib(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "lp", "netlib", "afiro.mps.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	sol, err := SolveFile(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "optimal" || !near(*sol.Objective, -464.7531428571) || sol.TimeLimitMS != 0 {
		t.Errorf("afiro: %s %v (limit %d), want optimal -464.7531428571 without limit", sol.Status, sol.Objective, sol.TimeLimitMS)
	}
}

func TestSolveFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lp")
	if err := os.WriteFile(bad, []byte("max\n x\nst\n c: x <=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		opts Options
		msg  string
	}{
		{filepath.Join(dir, "model.xlsx"), Options{}, "no such file"},
		{"testdata/wyndor.json", Options{MaxVariables: 1}, "more than the limit of 1 (max_variables)"},
		{bad, Options{}, bad + ": line 4: expected a number, found end of input"},
	}
	if err := os.WriteFile(filepath.Join(dir, "model.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		path string
		opts Options
		msg  string
	}{filepath.Join(dir, "model.txt"), Options{}, `unknown model format ".txt"`})
	for _, tt := range tests {
		_, err := SolveFile(context.Background(), tt.path, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("SolveFile(%s) = %v, want error containing %q", tt.path, err, tt.msg)
		}
	}
}

func TestWriteSummary(t *testing.T) {
	h := newHandler(t, nil)
	sol, _, err := handle(t, context.Background(), h, `{"model":"wyndor","params":{"profit_rate_windows":100}}`)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sol.WriteSummary(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"model:       wyndor (profit_rate_windows=100)\n",
		"status:      optimal\n",
		"objective:   1500\n",
		"variables:   2, 2 nonzero\n",
		"  Doors      4\n",
		"  Windows    3\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, buf.String())
		}
	}

	// Long solutions list a bounded number of variables.
	many := &Solution{Model: "m", Status: "optimal", Variables: make(Object[float64], 50)}
	for i := range many.Variables {
		many.Variables[i] = Entry[float64]{Name: "x" + strings.Repeat("i", i%3), Value: float64(i % 2)}
	}
	buf.Reset()
	if err := many.WriteSummary(&buf); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines > 30 || !strings.Contains(buf.String(), "5 more") {
		t.Errorf("summary of 25 nonzero variables:\n%s", buf.String())
	}
}
