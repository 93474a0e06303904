// Command nsqfarm-bench measures nsqfarm beside NSQ's own tools, and
// writes the generated models its MIP benchmark times. It is kept out of
// the nsqfarm binary: it starts nsqd, nsq_to_nsq and nsqfarm as child
// processes and compares them.
//
// Usage:
//
//	nsqfarm-bench hop [flags]
//	nsqfarm-bench models DIR
//
// hop measures one pipeline hop (the primality stage) against nsq_to_nsq
// on a fresh nsqd and prints the table to stdout (see internal/hopbench).
// Unless --max-in-flight is given, the stage's max_in_flight is read from
// the topology and nsq_to_nsq runs twice: with its defaults, then with the
// same max in flight. scripts/bench-hop.sh builds every binary and runs it.
//
// models writes the integer models of lptest.BenchFamilies (set covering,
// multi-knapsack, facility location, generalised assignment and lot
// sizing, two sizes each) to DIR as LP files, for scripts/bench-mip.sh
// SET=families to time with nsqfarm, glpsol and cbc.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/internal/hopbench"
	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

const usage = `nsqfarm-bench: nsqfarm measured beside NSQ's own tools

Usage:
  nsqfarm-bench hop [flags]   one pipeline hop's throughput beside nsq_to_nsq on the same nsqd
  nsqfarm-bench models DIR    write the generated integer models that
                              scripts/bench-mip.sh SET=families times to DIR

Run 'nsqfarm-bench hop -h' for its flags.
`

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one benchmark until it finishes or ctx is done and returns
// the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "hop":
		err = hop(ctx, args[1:], stdout, stderr)
	case "models":
		err = models(args[1:], stdout)
	default:
		fmt.Fprintf(stderr, "nsqfarm-bench: unknown benchmark %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "nsqfarm-bench %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "nsqfarm-bench %s: %v\n", args[0], err)
		return 1
	}
}

// models writes the models of lptest.BenchFamilies (seed 1) to the
// directory args names, as NAME.lp, and lists the files on stdout.
func models(args []string, stdout io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%w: want one directory, got %q", errUsage, args)
	}
	dir := args[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	for _, f := range lptest.BenchFamilies {
		path := filepath.Join(dir, f.Name+".lp")
		if err := lptest.WriteLP(path, f.Model(1)); err != nil {
			return fmt.Errorf("models: %s: %w", f.Name, err)
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}

// hop runs the hop benchmark with the options given in args.
func hop(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := hopOptions(args, stderr)
	if err != nil {
		return err
	}
	_, err = hopbench.Run(ctx, opts, stdout)
	return err
}

// hopOptions parses and checks the flags of hop. Binaries not given are
// looked up on $PATH; the stage's max in flight, when not given, is read
// from the topology.
func hopOptions(args []string, stderr io.Writer) (hopbench.Options, error) {
	fs := flag.NewFlagSet("hop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: nsqfarm-bench hop [--messages N] [--nsqd-bin P] [--nsq-to-nsq-bin P] [--nsqfarm-bin P] [flags]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	messages := fs.Int("messages", hopbench.DefaultMessages, "messages each consumer drains")
	nsqdBin := fs.String("nsqd-bin", "", "nsqd executable (default: nsqd on $PATH)")
	relayBin := fs.String("nsq-to-nsq-bin", "", "nsq_to_nsq executable (default: nsq_to_nsq on $PATH)")
	farmBin := fs.String("nsqfarm-bin", "", "nsqfarm executable measured (default: nsqfarm on $PATH)")
	config := fs.String("config", envOr("NSQFARM_CONFIG", topology.DefaultFile), "topology file given to the stage (env NSQFARM_CONFIG)")
	maxInFlight := fs.Int("max-in-flight", 0, "the stage's max in flight, also given to the matched nsq_to_nsq run (default: the stage's, from the topology)")
	timeout := fs.Duration("timeout", hopbench.DefaultTimeout, "give up after this long")
	dir := fs.String("dir", "", "keep nsqd's data and the logs of every process here (default: a temporary directory, removed)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return hopbench.Options{}, err
		}
		return hopbench.Options{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return hopbench.Options{}, fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	case *messages <= 0:
		return hopbench.Options{}, fmt.Errorf("%w: --messages must be positive, got %d", errUsage, *messages)
	case *maxInFlight < 0:
		return hopbench.Options{}, fmt.Errorf("%w: --max-in-flight must not be negative, got %d", errUsage, *maxInFlight)
	case *timeout <= 0:
		return hopbench.Options{}, fmt.Errorf("%w: --timeout must be positive, got %v", errUsage, *timeout)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return hopbench.Options{}, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, *logLevel)
	}
	opts := hopbench.Options{
		Config:      *config,
		Messages:    *messages,
		MaxInFlight: *maxInFlight,
		Timeout:     *timeout,
		Dir:         *dir,
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	bins := []struct {
		dst        *string
		path, name string
		flag       string
	}{
		{&opts.NSQDBin, *nsqdBin, "nsqd", "--nsqd-bin"},
		{&opts.NSQToNSQBin, *relayBin, "nsq_to_nsq", "--nsq-to-nsq-bin"},
		{&opts.NSQFarmBin, *farmBin, "nsqfarm", "--nsqfarm-bin"},
	}
	for _, b := range bins {
		p, err := lookBin(b.path, b.name, b.flag)
		if err != nil {
			return hopbench.Options{}, err
		}
		*b.dst = p
	}
	if opts.MaxInFlight == 0 {
		mif, err := stageMaxInFlight(*config)
		if err != nil {
			return hopbench.Options{}, err
		}
		opts.MaxInFlight = mif
	}
	return opts, nil
}

// stageMaxInFlight returns the max in flight of the measured stage in the
// topology file at path.
func stageMaxInFlight(path string) (int, error) {
	t, err := topology.Load(path, topology.LoadOptions{Handlers: consumers.Catalogue})
	if err != nil {
		return 0, err
	}
	st, err := t.Stage(hopbench.Stage)
	if err != nil {
		return 0, err
	}
	return t.Settings(st).MaxInFlight, nil
}

// lookBin returns path, or name's location on $PATH when path is empty.
func lookBin(path, name, flag string) (string, error) {
	if path != "" {
		return path, nil
	}
	p, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%w: %s not found on $PATH: give %s, or run scripts/bench-hop.sh, which builds it", errUsage, name, flag)
	}
	if err != nil {
		return "", fmt.Errorf("locate %s: %w", name, err)
	}
	return p, nil
}

// envOr returns the environment variable name, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
