// Command lpbench solves one MPS (optionally gzip-compressed) file with the
// lp package and prints the status, objective, iterations and times. It
// exists for scripts/bench-lp-vs-glpsol.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mps"
)

func main() {
	format := flag.String("format", "auto", "MPS format: auto, fixed or free")
	timeout := flag.Duration("timeout", 0, "time limit (0 for none)")
	repeat := flag.Int("repeat", 1, "solve this many times and report the fastest")
	method := flag.String("method", "auto", "simplex method: auto, primal or dual")
	pricing := flag.String("pricing", "auto", "primal pricing: auto, steepest-edge or devex")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: lpbench [flags] model.mps[.gz]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	var lpOpts lp.Options
	switch *method {
	case "auto":
	case "primal":
		lpOpts.Method = lp.MethodPrimal
	case "dual":
		lpOpts.Method = lp.MethodDual
	default:
		fmt.Fprintf(os.Stderr, "lpbench: unknown method %q\n", *method)
		os.Exit(2)
	}
	switch *pricing {
	case "auto":
	case "steepest-edge":
		lpOpts.Pricing = lp.PricingSteepestEdge
	case "devex":
		lpOpts.Pricing = lp.PricingDevex
	default:
		fmt.Fprintf(os.Stderr, "lpbench: unknown pricing %q\n", *pricing)
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *format, *timeout, *repeat, lpOpts); err != nil {
		fmt.Fprintln(os.Stderr, "lpbench:", err)
		os.Exit(1)
	}
}

func run(path, format string, timeout time.Duration, repeat int, lpOpts lp.Options) error {
	var opts mps.Options
	switch format {
	case "auto":
	case "fixed":
		opts.Format = mps.Fixed
	case "free":
		opts.Format = mps.Free
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	start := time.Now()
	m, err := mps.ReadFile(path, opts)
	if err != nil {
		return err
	}
	read := time.Since(start)
	var res *lp.Result
	best := time.Duration(1<<63 - 1)
	for range max(repeat, 1) {
		ctx := context.Background()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		t0 := time.Now()
		res, err = lp.Solve(ctx, m, lpOpts)
		if err != nil {
			return err
		}
		best = min(best, time.Since(t0))
	}
	fmt.Printf("model=%s rows=%d cols=%d status=%s objective=%.12g iterations=%d read_s=%.6f solve_s=%.6f\n",
		m.Name, len(m.Rows), len(m.Vars), res.Status, res.Objective, res.Iterations, read.Seconds(), best.Seconds())
	return nil
}
