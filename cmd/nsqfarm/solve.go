package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
)

// maxSolveThreads bounds --threads of solve.
const maxSolveThreads = 256

// cmdSolve solves one model file locally and prints a summary, or with
// --json the object the lpsolve stage publishes to solutions. Models with
// integer variables are solved by branch and bound; the model's size is
// not limited.
func cmdSolve(ctx context.Context, args []string, e *env) error {
	fs := e.flags("solve", "[--json] [--time-limit D] [--mip-gap G] [--threads N] FILE", `
Solve one model file locally and print a summary, or with --json the object
the lpsolve stage publishes to solutions. FILE is `+modelfile.Formats+`.
Models with integer variables are solved by branch and bound; the model's
size is not limited. The search stops when the incumbent is proven within
the relative gap --mip-gap of the optimum. --threads N searches the tree with
N workers; the result is the same on every run for a given N (but may differ
between values of N).`)
	asJSON := fs.Bool("json", false, "print the solutions object as JSON")
	timeLimit := durationFlag(fs, "time-limit", 0, 0, 24*time.Hour, "stop the solve after this long with status time_limit (0: none)")
	maxIter := numberFlag(fs, "max-iterations", 0, 0, maxOf[int](), "stop after this many simplex iterations (0: the engine's default)")
	mipGap := numberFlag(fs, "mip-gap", mip.DefaultRelGap, 0, 1, "relative gap at which branch and bound stops; 1e-9 for the exact optimum (0: the engine's default)")
	threads := numberFlag(fs, "threads", 1, 1, maxSolveThreads, "workers of the branch-and-bound search; results are deterministic for a given N")
	file, err := fs.parseArg(args, "FILE")
	if err != nil {
		return err
	}
	// The search keeps --threads cores busy; the runtime gets no more
	// (unless GOMAXPROCS says otherwise), so that the collector runs
	// beside the search on those cores instead of waking the others.
	if os.Getenv("GOMAXPROCS") == "" && *threads < runtime.GOMAXPROCS(0) {
		prev := runtime.GOMAXPROCS(*threads)
		if restoreProcs {
			defer runtime.GOMAXPROCS(prev)
		}
	}
	m, err := modelfile.Read(file)
	if err != nil {
		return err
	}
	// The solution gives the limit in whole milliseconds: solve under
	// exactly that limit, at least 1 ms.
	limit := *timeLimit
	if limit > 0 {
		limit = max(limit.Truncate(time.Millisecond), time.Millisecond)
	}
	res, err := solver.Solve(ctx, m, solver.Options{TimeLimit: limit, MaxIterations: *maxIter, MIPGap: *mipGap, Threads: *threads})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	sol := lpsolve.NewSolution(m, res)
	sol.Model = filepath.Base(file)
	if *asJSON {
		// encoding/json, not the stage's goccy/go-json: for one object
		// per process, goccy's first Marshal of a type (it compiles an
		// encoder) costs ~0.3 ms, a tenth of a small model's solve.
		out, err := json.Marshal(sol)
		if err != nil {
			return fmt.Errorf("encode solution: %w", err)
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", out)
		return err
	}
	return sol.WriteSummary(e.stdout)
}
