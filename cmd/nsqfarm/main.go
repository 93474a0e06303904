// Command nsqfarm runs a compute farm on NSQ: an embedded cluster with every
// stage (up), one stage against an existing cluster (consume), producers
// (publish), a Prometheus exporter of NSQ's queue stats (exporter), a
// subscriber (tail), a dead-letter replay (replay), a local LP solver
// (solve) and a topology linter (lint).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one nsqfarm command.
type command struct {
	name    string
	args    string // synopsis of the arguments, for the overview
	summary string
	run     func(ctx context.Context, args []string, e *env) error
}

// commands lists the commands in the order the overview shows them.
var commands = []command{
	{"up", "[flags]", "start nsqlookupd, nsqd, nsqadmin and every stage in one process", cmdUp},
	{"consume", "STAGE [flags]", "run one stage against an existing cluster (start more to scale)", cmdConsume},
	{"web", "--store URL [flags]", "serve the job API and the web page against an existing cluster", cmdWeb},
	{"publish", "numbers|lp [flags]", "publish integers, or an LP parameter sweep, to a stage's input topic", cmdPublish},
	{"exporter", "[flags]", "serve the nsqds' queue stats (depth, in flight, requeues …) as Prometheus metrics", cmdExporter},
	{"tail", "--topic T [-n N]", "print a topic's messages as JSON lines (--from-start, --channel C)", cmdTail},
	{"replay", "--topic X_dead", "republish dead letters to their topic (filters, --dry-run, --rate)", cmdReplay},
	{"solve", "FILE [--json]", "solve an LP/MPS/JSON model locally", cmdSolve},
	{"lint", "[FILE]", "validate a topology file (default ./topics.yaml)", cmdLint},
	{"version", "", "print the versions of nsqfarm, NSQ and go-nsq", cmdVersion},
}

// overview is the top-level usage.
func overview() string {
	var b strings.Builder
	b.WriteString("nsqfarm: a compute farm on NSQ\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  nsqfarm %-8s %-19s %s\n", c.name, c.args, c.summary)
	}
	b.WriteString(`
Run 'nsqfarm COMMAND --help' for a command's flags, 'nsqfarm --version' for
the versions. Commands that need a topology read --config FILE, else
./topics.yaml, else the built-in one. Address flags also read NSQFARM_*
environment variables (for example NSQFARM_LOOKUPD_HTTP_ADDRESS).
`)
	return b.String()
}

// restoreProcs makes solve give the runtime its processors back when it
// returns, for the commands that follow it in the same process (the
// tests'). main clears it: the process ends with its one command, and
// growing the runtime again costs a stop of the world, ~2 ms of a small
// model's whole-process solve.
var restoreProcs = true

func main() {
	restoreProcs = false
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command until it finishes or ctx is done (SIGINT or
// SIGTERM) and returns the process exit status: 0 on success and for
// --help, 1 when the command fails, 2 for a usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, overview())
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, overview())
		return 0
	case "help":
		if len(rest) == 0 {
			fmt.Fprint(stdout, overview())
			return 0
		}
		// "help CMD ..." is "CMD ... --help".
		name, rest = rest[0], append(rest[1:len(rest):len(rest)], "--help")
	case "-version", "--version":
		name = "version"
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	var err error
	if c := lookupCommand(name); c != nil {
		err = c.run(ctx, rest, e)
	} else {
		err = usagef("", "unknown command %q", name)
	}
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue) && ue.cmd == "":
		fmt.Fprintf(stderr, "nsqfarm: %s\n\n%s", ue.msg, overview())
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "nsqfarm %s: %s\nRun 'nsqfarm %[1]s --help' for usage.\n", ue.cmd, ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "nsqfarm %s: %v\n", name, err)
		return 1
	}
}

// lookupCommand returns the command called name, or nil.
func lookupCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// env is what a command may use of its process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// flags returns the flag set of the command cmd, printing its help on
// stdout.
func (e *env) flags(cmd, synopsis, about string) *flagSet {
	return newFlagSet(cmd, synopsis, about, e.stdout)
}
