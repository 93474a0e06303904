package lpsolve_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/jsonmodel"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
	"github.com/nsqfarm/nsqfarm/internal/lp/mps"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
)

// This file checks the LP and MPS readers, the writers and the engine
// against GLPK on the example models that ship with GLPK (Debian's
// glpk-utils). Nothing of GLPK is stored in the repository: every model
// file is generated at run time by glpsol, in the form users send them
// (glpsol --wlp / --wfreemps), and solved both by glpsol and by solveFile,
// which reads and solves a file as `nsqfarm solve` does.

// glpkExamplesEnv names the environment variable that overrides
// defaultGLPKExamples.
const glpkExamplesEnv = "GLPK_EXAMPLES"

// defaultGLPKExamples is where Debian's glpk-utils installs the examples.
const defaultGLPKExamples = "/usr/share/doc/glpk-utils/examples"

// glpkSkip gives, for the examples (by subtest name) that TestGLPKExamples
// does not check, the reason why. Times were measured on a 2-core
// development machine.
var glpkSkip = map[string]string{
	"huge.mod":            "glpsol needs more than 5 s to translate it",
	"numbrix.mod":         "glpsol needs about 2.5 s to translate it (1 MB LP file)",
	"tas.mod":             "glpsol needs about 3 s to translate it",
	"tiling.mod":          "glpsol needs about 3 s to translate it",
	"cal.mod":             "no variables or constraints (it only prints a calendar): glpsol cannot read back the LP file it writes",
	"graph.mod":           "no variables or constraints (it only draws a graph): glpsol cannot read back the LP file it writes",
	"sorting.mod":         "no variables or constraints (it only sorts numbers): glpsol cannot read back the LP file it writes",
	"sudoku_mysql.mod":    "reads its data from a MySQL database",
	"sudoku_odbc.mod":     "reads its data from an ODBC database",
	"transp_mysql.mod":    "reads its data from a MySQL database",
	"transp_odbc.mod":     "reads its data from an ODBC database",
	"pbn.mod+bucks.dat":   "large (0.7 MB LP): glpsol needs about 6.5 s for the relaxation",
	"pbn.mod+disney.dat":  "large (5.9 MB LP): glpsol needs more than 30 s for the relaxation",
	"pbn.mod+forever.dat": "large (0.6 MB LP): glpsol needs about 1.7 s and nsqfarm about 3.5 s for the relaxation",
	"pbn.mod+knot.dat":    "large (1.9 MB LP): glpsol needs about 12 s for the relaxation",
	"pbn.mod+light.dat":   "large (2.5 MB LP): glpsol needs about 12 s for the relaxation",
	"pbn.mod+mum.dat":     "large (2 MB LP): glpsol needs more than 30 s for the relaxation",
	"pbn.mod+petro.dat":   "large (2.1 MB LP): glpsol needs more than 30 s for the relaxation",
	"pbn.mod+swing.dat":   "large (3.5 MB LP): glpsol needs more than 30 s for the relaxation",
}

// glpkData lists the data files (globs relative to the examples
// directory) of the models whose data is not simply NAME.dat next to
// NAME.mod. Each data file makes a separate case.
var glpkData = map[string][]string{
	"misp": {"misp1.dat", "misp2.dat"},
	"pbn":  {"pbn/*.dat"},
}

// glpkOwnModels are small MathProg models of our own, checked like the
// examples, for what the examples lack: infeasible models, ranged
// constraints, free, fixed and negative-bounded variables.
var glpkOwnModels = map[string]string{
	"infeasible_rows": `
var x >= 0;
var y >= 0;
minimize z: x + y;
s.t. a: x + y <= 1;
s.t. b: x + 2*y >= 3;
end;
`,
	"infeasible_bounds": `
var x >= 2, <= 5;
var y >= -1, <= 1;
maximize z: x - y;
s.t. c: x + y <= 0.5;
end;
`,
	"unbounded": `
var x >= 0;
var y;
maximize z: x + y;
s.t. c: x - y <= 1;
end;
`,
	"ranges_free": `
var x;
var y >= -10, <= -1;
var w = 3;
var u <= 4;
var n integer >= -3, <= 7;
minimize cost: 2*x - 3*y + w - u + n + 7;
s.t. r1: -5 <= x - y <= 5;
s.t. r2: x + y + u >= -20;
s.t. r3: x + w = 4 + u;
s.t. r4: u >= -2;
s.t. r5: -1.5 <= n - u <= 2.5;
end;
`,
}

// glpkKnownFailures lists cases (by subtest name) that fail because of the
// engine rather than the readers, with the reason; they are skipped.
var glpkKnownFailures = map[string]string{}

// glpsolLimit is the time glpsol may take to translate or solve one model
// before the case fails: glpkSkip keeps the slow ones out.
const glpsolLimit = 20 * time.Second

// glpkRaceMaxBytes is the size of the largest LP file checked under the
// race detector.
const glpkRaceMaxBytes = 100 << 10

// glpkSolveLimit bounds each of our solves.
const glpkSolveLimit = 20 * time.Second

// glpkCase is one model: a MathProg model with an optional data file, or
// an MPS or LP file used as is.
type glpkCase struct {
	name string // subtest name
	src  string // absolute path of the .mod, .mps or .lp file
	data string // absolute path of the .dat file, or ""
}

// glpkFile is a model file in a format both glpsol and modelfile.Read read.
type glpkFile struct {
	path   string
	format string // glpsol's option for reading it: --lp, --mps or --freemps
	label  string // how failures name it
	want   glpkResult
}

// glpkResult is glpsol's answer for one file.
type glpkResult struct {
	status    lp.Status
	objective float64
	mip       bool // the model has integer columns
}

// TestGLPKExamples solves every GLPK example (except those listed in
// glpkSkip) and the models of glpkOwnModels with glpsol and with
// solveFile, from the LP and free MPS files glpsol writes and from
// the example's own MPS or LP file, and compares the status and objective.
// Each model is also checked with the opposite objective sense. Integer
// models are compared as LP relaxations (glpsol --nomip). It also checks
// that lpformat.Write and mps.Write of each model read back to a model with
// the same optimum, and so does jsonmodel.Encode.
//
// glpsol comes from Debian's glpk-utils package; without it the test is
// skipped. Under the race detector only models up to glpkRaceMaxBytes are
// checked.
func TestGLPKExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs glpsol on every GLPK example")
	}
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (apt-get install glpk-utils):", err)
	}
	dir := os.Getenv(glpkExamplesEnv)
	if dir == "" {
		dir = defaultGLPKExamples
	}
	dir, err := filepath.Abs(dir) // glpsol runs in the model's directory
	if err != nil {
		t.Fatal(err)
	}
	var cases []glpkCase
	if _, err := os.Stat(dir); err != nil {
		// Some images drop /usr/share/doc; our own models still run.
		t.Logf("GLPK examples not found (set %s): %v", glpkExamplesEnv, err)
	} else if cases, err = glpkCases(dir); err != nil {
		t.Fatal(err)
	}
	own := t.TempDir()
	for name, text := range glpkOwnModels {
		path := filepath.Join(own, name+".mod")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, glpkCase{name: "own-" + name + ".mod", src: path})
	}
	var tally glpkTally
	t.Cleanup(func() { t.Log(tally.String()) })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if t.Skipped() {
					tally.add("models skipped")
				}
			}()
			if why, ok := glpkSkip[c.name]; ok {
				t.Skip(why)
			}
			if why, ok := glpkKnownFailures[c.name]; ok {
				t.Skip("known engine failure: " + why)
			}
			t.Parallel()
			statuses := checkGLPKCase(t, c)
			tally.add("models checked")
			for _, st := range statuses {
				tally.add("files " + string(st))
			}
		})
	}
}

// glpkTally counts the outcomes of the checked files for the test log.
type glpkTally struct {
	mu     sync.Mutex
	counts map[string]int
}

func (g *glpkTally) add(outcome string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.counts == nil {
		g.counts = make(map[string]int)
	}
	g.counts[outcome]++
}

func (g *glpkTally) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := make([]string, 0, len(g.counts))
	for k := range g.counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("GLPK examples:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s %d;", k, g.counts[k])
	}
	return b.String()
}

// glpkCases lists the examples of dir: every .mod file (with each of its
// data files), .mps file and .lp file, in dir and its subdirectories.
func glpkCases(dir string) ([]glpkCase, error) {
	var cases []glpkCase
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		base := strings.TrimSuffix(d.Name(), ext)
		switch ext {
		case ".mps", ".lp":
			cases = append(cases, glpkCase{name: d.Name(), src: path})
		case ".mod":
			data, err := glpkDataFiles(dir, path, base)
			if err != nil {
				return err
			}
			if len(data) == 0 {
				cases = append(cases, glpkCase{name: d.Name(), src: path})
			}
			for _, dat := range data {
				name := d.Name()
				if len(data) > 1 {
					name += "+" + filepath.Base(dat)
				}
				cases = append(cases, glpkCase{name: name, src: path, data: dat})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list GLPK examples: %w", err)
	}
	return cases, nil
}

// glpkDataFiles returns the data files of the model at path.
func glpkDataFiles(dir, path, base string) ([]string, error) {
	globs, ok := glpkData[base]
	if !ok {
		dat := strings.TrimSuffix(path, ".mod") + ".dat"
		if _, err := os.Stat(dat); err != nil {
			return nil, nil
		}
		return []string{dat}, nil
	}
	var files []string
	for _, g := range globs {
		m, err := filepath.Glob(filepath.Join(dir, g))
		if err != nil {
			return nil, fmt.Errorf("data of %s: %w", base, err)
		}
		files = append(files, m...)
	}
	return files, nil
}

// checkGLPKCase checks c twice: as written, and, unless the objective is
// zero, with the opposite sense (glpsol --min or --max), which turns most
// models into unbounded ones or gives another optimum. It returns glpsol's status for
// each file checked.
func checkGLPKCase(t *testing.T, c glpkCase) []lp.Status {
	var in []string
	var originals []glpkFile
	switch filepath.Ext(c.src) {
	case ".mod":
		in = []string{"--math", c.src}
		if c.data != "" {
			in = append(in, "--data", c.data)
		}
	case ".mps":
		// The GLPK examples are in fixed MPS; modelfile.Read detects it.
		in = []string{"--mps", c.src}
		originals = []glpkFile{{path: c.src, format: "--mps", label: filepath.Base(c.src)}}
	case ".lp":
		in = []string{"--lp", c.src}
		originals = []glpkFile{{path: c.src, format: "--lp", label: filepath.Base(c.src)}}
	}
	files, maximize := glpkTranslate(t, c, in)
	if raceflag.Enabled {
		// The race detector slows the engine down about eightfold and
		// adds nothing to these single-goroutine solves.
		if fi, err := os.Stat(files[0].path); err == nil && fi.Size() > glpkRaceMaxBytes {
			t.Skipf("LP file of %d bytes: too large to solve under the race detector; run without -race", fi.Size())
		}
	}
	files = append(files, originals...)
	statuses := checkGLPKFiles(t, "", files)
	// Round trips through our writers, from every file: our readers see
	// each differently (GLPK's LP files encode ranged rows as auxiliary
	// columns, its MPS files as RANGES).
	for _, f := range files {
		checkRoundTrips(t, f)
	}
	if m, err := modelfile.Read(files[0].path); err == nil && !slices.ContainsFunc(m.Vars, func(v lp.Var) bool { return v.Obj != 0 }) {
		return statuses // a feasibility problem: the opposite sense is the same problem
	}
	flip := "--max"
	if maximize {
		flip = "--min"
	}
	files, _ = glpkTranslate(t, c, append(in, flip))
	return append(statuses, checkGLPKFiles(t, flip+" ", files)...)
}

// glpkTranslate has glpsol read the model with the options in and write it
// in LP and free MPS formats. It returns the two files and whether the
// model maximises.
func glpkTranslate(t *testing.T, c glpkCase, in []string) (files []glpkFile, maximize bool) {
	t.Helper()
	tmp := t.TempDir()
	lpPath := filepath.Join(tmp, "model.lp")
	mpsPath := filepath.Join(tmp, "model.mps")
	args := append(slices.Clip(in), "--check", "--wlp", lpPath, "--wfreemps", mpsPath)
	if _, err := lptest.RunGLPSOL(filepath.Dir(c.src), glpsolLimit, args...); err != nil {
		t.Fatalf("glpsol cannot translate the model: %v", err)
	}
	text, err := os.ReadFile(lpPath)
	if err != nil {
		t.Fatal(err)
	}
	maximize = bytes.Contains(text, []byte("\nMaximize\n"))
	return []glpkFile{
		{path: lpPath, format: "--lp", label: "glpsol --wlp output"},
		{path: mpsPath, format: "--freemps", label: "glpsol --wfreemps output"},
	}, maximize
}

// checkGLPKFiles solves each file with glpsol and with solveFile and
// compares the answers, which it stores in files[i].want. Files of
// integer models must be solved as relaxations; glpsol's free MPS output,
// which comes first, says whether the model is one. It returns glpsol's
// statuses.
func checkGLPKFiles(t *testing.T, prefix string, files []glpkFile) []lp.Status {
	t.Helper()
	mip := glpkIsMIP(t, files[1].path)
	var statuses []lp.Status
	for i := range files {
		f := &files[i]
		want, err := glpkSolve(t.TempDir(), *f)
		if err != nil {
			t.Fatal(err)
		}
		want.mip = mip
		statuses = append(statuses, want.status)
		f.label = prefix + f.label
		f.want = want
		checkSolveFile(t, f)
	}
	return statuses
}

// checkSolveFile solves f with solveFile and compares with f.want.
func checkSolveFile(t *testing.T, f *glpkFile) {
	t.Helper()
	label, path, want := f.label, f.path, f.want
	start := time.Now()
	sol, err := solveFile(path)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Logf("%s: slow solve: %v, %d iterations", label, d.Round(time.Millisecond), sol.Iterations)
	}
	if sol.Relaxation != want.mip {
		t.Errorf("%s: relaxation = %v, glpsol says the model is a MIP: %v", label, sol.Relaxation, want.mip)
	}
	if err := compareGLPK(sol, want); err != nil {
		t.Errorf("%s: %v", label, err)
	}
}

// checkRoundTrips reads f, writes it with lpformat.Write, mps.Write and
// jsonmodel.Encode, and solves the written files: they must have glpsol's
// answer for f.
func checkRoundTrips(t *testing.T, f glpkFile) {
	t.Helper()
	label, path, want := f.label, f.path, f.want
	m, err := modelfile.Read(path)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	writers := []struct {
		ext   string
		write func(*bytes.Buffer, *lp.Model) error
	}{
		{".lp", func(b *bytes.Buffer, m *lp.Model) error { return lpformat.Write(b, m) }},
		{".mps", func(b *bytes.Buffer, m *lp.Model) error { return mps.Write(b, m) }},
		{".json", func(b *bytes.Buffer, m *lp.Model) error {
			data, err := jsonmodel.Encode(m)
			b.Write(data)
			return err
		}},
	}
	for _, w := range writers {
		var buf bytes.Buffer
		if err := w.write(&buf, m); err != nil {
			// GLPK's MPS names such as x[1,2] are not valid in LP format,
			// and Write refuses them; write the model under generic names,
			// as glpsol --wlp does with names it cannot write.
			t.Logf("%s: write %s: %v; retrying with generic names", label, w.ext, err)
			buf.Reset()
			if err := w.write(&buf, genericNames(m)); err != nil {
				t.Errorf("%s: write %s with generic names: %v", label, w.ext, err)
				continue
			}
		}
		out := filepath.Join(t.TempDir(), "roundtrip"+w.ext)
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		sol, err := solveFile(out)
		if err != nil {
			t.Errorf("%s, rewritten as %s: %v", label, w.ext, err)
			continue
		}
		if err := compareGLPK(sol, want); err != nil {
			t.Errorf("%s, rewritten as %s: %v", label, w.ext, err)
		}
	}
}

// solveFile reads the model file at path and solves it as a linear
// relaxation under glpkSolveLimit.
func solveFile(path string) (*lpsolve.Solution, error) {
	m, err := modelfile.Read(path)
	if err != nil {
		return nil, err
	}
	res, err := solver.Solve(context.Background(), m, solver.Options{Relax: true, TimeLimit: glpkSolveLimit})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lpsolve.NewSolution(m, res), nil
}

// genericNames returns a copy of m whose variables are named x1, x2, ...
// and whose rows r1, r2, ...
func genericNames(m *lp.Model) *lp.Model {
	g := *m
	g.ObjName = "obj"
	g.Vars = slices.Clone(m.Vars)
	for j := range g.Vars {
		g.Vars[j].Name = "x" + strconv.Itoa(j+1)
	}
	g.Rows = slices.Clone(m.Rows)
	for i := range g.Rows {
		g.Rows[i].Name = "r" + strconv.Itoa(i+1)
	}
	return &g
}

// compareGLPK checks a solution against glpsol's: same status and, when
// optimal, the same objective to 1e-6 relative (absolute near zero).
func compareGLPK(sol *lpsolve.Solution, want glpkResult) error {
	if sol.Status != string(want.status) {
		return fmt.Errorf("status %s (%s), glpsol %s (objective %g)", sol.Status, sol.Error, want.status, want.objective)
	}
	if want.status != lp.Optimal {
		return nil
	}
	got := *sol.Objective
	if math.Abs(got-want.objective) > 1e-6*math.Max(1, math.Abs(want.objective)) {
		return fmt.Errorf("objective %.12g, glpsol %.12g", got, want.objective)
	}
	return nil
}

// glpkIsMIP reports whether the MPS file glpsol wrote declares integer
// columns: glpsol writes "* Class: MIP" in its header.
func glpkIsMIP(t *testing.T, path string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "*") {
			break
		}
		if f := strings.Fields(strings.TrimPrefix(line, "*")); len(f) == 2 && f[0] == "Class:" {
			return f[1] == "MIP"
		}
	}
	t.Fatalf("%s: glpsol's MPS header has no Class line", path)
	return false
}

// glpkSolve solves the LP relaxation of f with glpsol's primal simplex,
// without presolve so that infeasible and unbounded models get a definite
// status, and reads the solution file it writes into the directory tmp.
func glpkSolve(tmp string, f glpkFile) (glpkResult, error) {
	out := filepath.Join(tmp, "glpsol.sol")
	if _, err := lptest.RunGLPSOL(tmp, glpsolLimit, f.format, f.path, "--nomip", "--nopresol", "-w", out); err != nil {
		return glpkResult{}, fmt.Errorf("glpsol cannot solve %s: %w", f.path, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return glpkResult{}, fmt.Errorf("glpsol solution: %w", err)
	}
	res, err := parseGLPKSolution(data)
	if err != nil {
		return glpkResult{}, fmt.Errorf("glpsol solution of %s: %w", f.path, err)
	}
	return res, nil
}

// parseGLPKSolution reads the status and objective of a basic solution in
// GLPK's plain text format (glpsol -w): the line "s bas ROWS COLS PST DST
// OBJ", where PST and DST are the primal and dual statuses (f feasible,
// n no feasible solution, i infeasible, u undefined).
func parseGLPKSolution(data []byte) (glpkResult, error) {
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 7 || f[0] != "s" || f[1] != "bas" {
			continue
		}
		obj, err := strconv.ParseFloat(f[6], 64)
		if err != nil {
			return glpkResult{}, fmt.Errorf("objective %q: %w", f[6], err)
		}
		switch pst, dst := f[4], f[5]; {
		case pst == "f" && dst == "f":
			return glpkResult{status: lp.Optimal, objective: obj}, nil
		case pst == "n" || pst == "i":
			return glpkResult{status: lp.Infeasible, objective: obj}, nil
		case pst == "f" && dst == "n":
			return glpkResult{status: lp.Unbounded, objective: obj}, nil
		default:
			return glpkResult{}, fmt.Errorf("undecided solution (primal %s, dual %s)", pst, dst)
		}
	}
	return glpkResult{}, errors.New(`no "s bas" line`)
}
