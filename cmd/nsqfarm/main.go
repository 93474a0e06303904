// Command nsqfarm runs a compute farm on NSQ: an embedded cluster with every
// stage (up), one stage against an existing cluster (consume), producers
// (publish), a subscriber (tail), a local LP solver (solve) and a topology
// linter (lint).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `nsqfarm: a compute farm on NSQ

Usage:
  nsqfarm up        [flags]          start nsqlookupd, nsqd, nsqadmin and every stage in one process
  nsqfarm consume   STAGE [flags]    run one stage against an existing cluster (start more to scale)
  nsqfarm publish   numbers [flags]  publish integers (a range, a file or stdin) to the numbers topic
  nsqfarm publish   lp [flags]       publish an LP parameter sweep to the lp_params topic
  nsqfarm tail      --topic T [-n N] print a topic's messages as JSON lines (--from-start, --channel C)
  nsqfarm solve     FILE [--json]    solve an LP/MPS/JSON model locally
  nsqfarm lint      [--config F]     validate topics.yaml

Run 'nsqfarm COMMAND -h' for a command's flags. Address flags also read
NSQFARM_* environment variables (for example NSQFARM_LOOKUPD_HTTP_ADDRESS).
`

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command until it finishes or ctx is done (SIGINT or
// SIGTERM) and returns the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	commands := map[string]func(ctx context.Context, args []string, env *env) error{
		"up":      cmdUp,
		"consume": cmdConsume,
		"publish": cmdPublish,
		"tail":    cmdTail,
		"solve":   cmdSolve,
		"lint":    cmdLint,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nsqfarm: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	err := cmd(ctx, args[1:], e)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "nsqfarm %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "nsqfarm %s: %v\n", args[0], err)
		return 1
	}
}

// env is what a command may use of its process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// logger returns a text logger on stderr at the named level.
func (e *env) logger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, level)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}
