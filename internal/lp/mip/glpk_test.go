package mip_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
	"github.com/nsqfarm/nsqfarm/internal/raceflag"
)

// The integer models among the examples of Debian's glpk-utils, a second
// set beside the shared MIPLIB models. Nothing of GLPK is stored in the
// repository: glpsol translates each MathProg model to an LP file at run
// time and solves it, and Solve must prove the same optimum.

// glpkExamples is where Debian's glpk-utils installs its examples;
// GLPK_EXAMPLES overrides it.
const glpkExamples = "/usr/share/doc/glpk-utils/examples"

// glpkMIP is one integer example: model NAME.mod, or model with its data
// file data, solved to proven optimality in a few seconds at most (took,
// on a 2-core machine). The optimum is glpsol's, or want (with known
// set) where glpsol cannot prove one within 20 s. With maxNodes set the search stops at
// that many nodes instead, and must stop there with status NodeLimit.
type glpkMIP struct {
	model, data string
	want        float64
	known       bool // want holds the optimum
	took        time.Duration
	maxNodes    int
}

// glpkMIPs are the integer examples the test solves. Left out: numbrix,
// whose translation alone takes glpsol 2.5 s.
var glpkMIPs = map[string]glpkMIP{
	"bpp":      {took: 20 * time.Millisecond},
	"color":    {took: 60 * time.Millisecond},
	"crypto":   {took: 200 * time.Millisecond},
	"fctp":     {took: 80 * time.Millisecond},
	"food2":    {took: 300 * time.Millisecond},
	"gap":      {took: 30 * time.Millisecond},
	"graceful": {took: 70 * time.Millisecond},
	// glpsol proves no optimum in 20 s; cbc proves 0 in 1.2 s.
	"hashi":   {want: 0, known: true, took: 1500 * time.Millisecond},
	"jssp":    {took: 1500 * time.Millisecond},
	"magic":   {took: 350 * time.Millisecond},
	"maxcut":  {took: 10 * time.Millisecond},
	"mfasp":   {took: 10 * time.Millisecond},
	"mfvsp":   {took: 10 * time.Millisecond},
	"min01ks": {took: 10 * time.Millisecond},
	// glpsol proves no optimum in 20 s; cbc proves 16 in 0.9 s.
	"misp1":     {model: "misp.mod", data: "misp1.dat", want: 16, known: true, took: 1500 * time.Millisecond},
	"money":     {took: 20 * time.Millisecond},
	"mvcp":      {took: 10 * time.Millisecond},
	"pentomino": {took: 1500 * time.Millisecond},
	// With the down child first when the fractional part was below one
	// half, no feasible point in 265,000 nodes (120 s).
	"planarity": {took: time.Second},
	"queens":    {took: 20 * time.Millisecond},
	"sat":       {took: 300 * time.Millisecond},
	"shiftcov":  {took: 10 * time.Millisecond},
	"shikaku":   {took: 10 * time.Millisecond},
	"sudoku":    {took: 10 * time.Millisecond},
	// Like life_goe, its search ended with status iteration_limit (after
	// 6.8 s) until the dual simplex detected steps that undo each other.
	// glpsol proves 196 in 8.7 s, cbc in 52 s.
	"tiling": {want: 196, known: true, took: 5 * time.Second},
	"todd":   {took: 10 * time.Millisecond},
	"toto":   {took: 10 * time.Millisecond},
	// glpsol proves no optimum in 20 s; cbc proves 8.2 in 0.1 s.
	"trick":    {want: 8.2, known: true, took: 50 * time.Millisecond},
	"tsp":      {took: 3 * time.Second},
	"wolfra6d": {took: 400 * time.Millisecond},
	"zebra":    {took: 10 * time.Millisecond},
	// Its search met, at node 911, a relaxation on which the dual
	// simplex cycled through steps of the size of its tolerance until
	// the iteration limit ended the whole search (status
	// iteration_limit). The model is hard for every solver here.
	"life_goe": {took: 4 * time.Second, maxNodes: 1500},
}

// TestGLPKExampleMIPs solves each model of glpkMIPs with glpsol and with
// Solve, and checks that Solve proves glpsol's optimum with a feasible
// point. glpsol comes from Debian's glpk-utils; without it, or without
// the examples, the test is skipped. Under the race detector only the
// models that take up to miplibRaceMax are solved.
func TestGLPKExampleMIPs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs glpsol on GLPK's integer examples")
	}
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (apt-get install glpk-utils):", err)
	}
	dir := os.Getenv("GLPK_EXAMPLES")
	if dir == "" {
		dir = glpkExamples
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("GLPK examples not found (set GLPK_EXAMPLES): %v", err)
	}
	for name, c := range glpkMIPs {
		t.Run(name, func(t *testing.T) {
			if raceflag.Enabled && c.took > miplibRaceMax {
				t.Skipf("takes about %v without the race detector", c.took)
			}
			t.Parallel()
			model := c.model
			if model == "" {
				model = name + ".mod"
			}
			lpFile := filepath.Join(t.TempDir(), name+".lp")
			args := []string{"--math", model, "--check", "--wlp", lpFile}
			if c.data != "" {
				args = append(args, "--data", c.data)
			}
			glpsol(t, dir, args...)
			m, err := modelfile.Read(lpFile)
			if err != nil {
				t.Fatal(err)
			}
			res := solveChecked(t, name, m, mip.Options{RelGap: 1e-9, MaxNodes: c.maxNodes}, 60*time.Second)
			if c.maxNodes > 0 {
				if res.Status != mip.NodeLimit {
					t.Fatalf("status %s after %d nodes, want %s", res.Status, res.Nodes, mip.NodeLimit)
				}
				return
			}
			want, source := c.want, "known"
			if !c.known {
				want, source = glpsolOptimum(t, lpFile), "glpsol"
			}
			checkOptimum(t, res, want, source)
		})
	}
}

// glpsol runs glpsol with args in dir; the test fails when glpsol does.
func glpsol(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := lptest.RunGLPSOL(dir, 30*time.Second, args...); err != nil {
		t.Fatal(err)
	}
}

// glpsolOptimum solves the LP file with glpsol and returns the optimum it
// proves; the test fails when glpsol proves none within 20 s.
func glpsolOptimum(t *testing.T, lpFile string) float64 {
	t.Helper()
	report := lpFile + ".out"
	glpsol(t, filepath.Dir(lpFile), "--lp", lpFile, "--tmlim", "20", "-o", report)
	text, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	status, obj := "", ""
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[0] == "Status:":
			status = f[1] + " " + f[2]
		case len(f) >= 4 && f[0] == "Objective:" && f[2] == "=":
			obj = f[3]
		}
	}
	if status != "INTEGER OPTIMAL" {
		t.Fatalf("glpsol: status %q, want INTEGER OPTIMAL", status)
	}
	v, err := strconv.ParseFloat(obj, 64)
	if err != nil {
		t.Fatalf("glpsol objective %q: %v", obj, err)
	}
	return v
}
