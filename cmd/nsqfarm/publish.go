package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/progress"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
	"github.com/nsqfarm/nsqfarm/producers"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
)

// publishUsage is the help of `publish` itself.
const publishUsage = `Usage: nsqfarm publish numbers|lp [flags]

Publish work to a stage's input topic in MPUB batches, with a progress bar
on a terminal and a summary at the end.

  numbers   integers (a range, a file or stdin) to the input topic of the
            topology's primality stage
  lp        a parameter sweep of a named LP model to the input topic of the
            topology's lpsolve stage, checked against the model first

Run 'nsqfarm publish numbers --help' or 'nsqfarm publish lp --help' for
their flags.
`

// cmdPublish dispatches to `publish numbers` and `publish lp`.
func cmdPublish(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return usagef("publish", "publish what? numbers or lp")
	}
	switch args[0] {
	case "numbers":
		return publishNumbers(ctx, args[1:], e)
	case "lp":
		return publishLP(ctx, args[1:], e)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, publishUsage)
		return flag.ErrHelp
	}
	if strings.HasPrefix(args[0], "-") {
		return usagef("publish", "give what to publish, numbers or lp, before the flags")
	}
	return usagef("publish", "unknown publish kind %q (want numbers or lp)", args[0])
}

// publishFlags are the flags every publish command shares.
type publishFlags struct {
	fs       *flagSet
	config   *string
	nsqd     *stringList
	topic    *string
	rate     *float64
	batch    *int
	strategy *string
	logLevel *string
	store    *string
	kind     string // the kind of job in the store
	sweep    string // the id grouping the jobs in the store

	// The topology, read on first use: a command line giving the
	// addresses and the topic needs none.
	t      *topology.Topology
	source string
}

// register adds the shared flags; handler names the stage whose input
// topic is the default one.
func (p *publishFlags) register(fs *flagSet, handler string) {
	p.fs = fs
	p.config = configFlag(fs)
	p.nsqd = nsqdTCPFlag(fs, "nsqd TCP address to publish to (default: the topology's nsqd_tcp_addresses)")
	p.topic = fs.String("topic", "", "topic to publish to (default: the input topic of the topology's "+handler+" stage)")
	p.rate = numberFlag(fs, "rate", 0, 0, maxOf[float64](), "messages per second (0: as fast as nsqd takes them)")
	p.batch = numberFlag(fs, "batch-size", producers.DefaultMaxBatchMessages, 1, maxOf[int](), "messages per MPUB")
	p.strategy = choiceFlag(fs, "strategy", "failover", []string{"failover", "round-robin"}, "how to use several nsqds")
	p.logLevel = logLevelFlag(fs, "warn")
	p.store = fs.String("store", envOr("NSQFARM_STORE", ""), "results store (sqlite:PATH, a file path, or postgres://...) to record the jobs in before publishing them, under one sweep id, so that a job API's reconciler on that store republishes any that nsqd loses (env NSQFARM_STORE)")
	p.kind = jobs.KindNumber
	if handler == lpsolveHandler {
		p.kind = jobs.KindLP
	}
	p.sweep = jobs.NewSweepID()
}

// recording reports whether the jobs are recorded in a store.
func (p *publishFlags) recording() bool { return *p.store != "" }

// topology returns the topology, reading it on first use.
func (p *publishFlags) topology() (*topology.Topology, error) {
	if p.t == nil {
		t, source, err := loadConfig(*p.config)
		if err != nil {
			return nil, err
		}
		p.t, p.source = t, source
	}
	return p.t, nil
}

// target returns the topic to publish to: --topic, else the input topic of
// the topology's stage run by handler.
func (p *publishFlags) target(handler string) (string, error) {
	if *p.topic != "" {
		if !topology.ValidName(*p.topic) {
			return "", p.fs.usagef("--topic %q is not a valid NSQ topic name", *p.topic)
		}
		return *p.topic, nil
	}
	t, err := p.topology()
	if err != nil {
		return "", err
	}
	st, err := stageOf(t, handler, "")
	if err != nil {
		return "", fmt.Errorf("%w: give --topic", err)
	}
	return st.Topic, nil
}

// publish sends src to topic with a progress bar on stderr; count is the
// number of bodies src yields, or nil when unknown.
func (p *publishFlags) publish(ctx context.Context, e *env, topic string, src producers.Source, count *big.Int) error {
	log := newLogger(e.stderr, *p.logLevel)
	addrs := []string(*p.nsqd)
	if len(addrs) == 0 {
		t, err := p.topology()
		if err != nil {
			return err
		}
		if addrs = t.Defaults.NSQDTCPAddresses; len(addrs) == 0 {
			return fmt.Errorf("%s has no nsqd_tcp_addresses: give --nsqd-tcp-address", p.source)
		}
	}
	if p.t != nil {
		log.Info("topology", "source", p.source)
	}
	strategy, err := producers.ParseStrategy(*p.strategy)
	if err != nil {
		return err
	}
	var total int64 // 0: unknown
	if count != nil && count.IsInt64() {
		total = count.Int64()
	}
	bar := progress.New(e.stderr, progress.Config{Total: total})
	opts := producers.NewOptions(addrs...)
	opts.Strategy = strategy
	opts.Rate = *p.rate
	opts.MaxBatchMessages = *p.batch
	opts.Logger = log
	opts.OnProgress = func(n int) { bar.Add(int64(n)) }
	var l *ledger
	if p.recording() {
		st, err := store.Open(ctx, *p.store)
		if err != nil {
			return err
		}
		defer st.Close()
		l = &ledger{st: st, kind: p.kind, topic: topic, sweep: p.sweep}
		src = l.source(ctx, src)
		opts.OnProgress = func(n int) { bar.Add(int64(n)); l.acked(n) }
		log.Info("recording the jobs", "store", store.Describe(*p.store), "sweep", p.sweep)
	}
	pub, err := producers.NewPublisher(opts)
	if err != nil {
		return err
	}
	defer pub.Stop()
	if err := pub.Ping(); err != nil {
		return fmt.Errorf("cannot reach nsqd: %w", err)
	}
	_, err = pub.Publish(ctx, topic, src)
	if ferr := bar.Finish(); err == nil {
		err = ferr
	}
	if l != nil {
		if lerr := l.failure(); err == nil {
			err = lerr
		}
		fmt.Fprintf(e.stderr, "jobs recorded in the store under sweep %s\n", p.sweep)
	}
	return err
}

// publishNumbers publishes a range, a file or stdin to the primality
// stage's input topic.
func publishNumbers(ctx context.Context, args []string, e *env) error {
	fs := e.flags("publish numbers", "[--from A --to B [--step S] | --file F | < stdin] [flags]", `
Publish integers of any size to the input topic of the topology's primality
stage, one message each: the range --from A --to B (every --step), the lines
of --file, or stdin. A line is an integer or a JSON object.`)
	var p publishFlags
	p.register(fs, primalityHandler)
	from := bigIntFlag(fs, "from", 0, "first integer of a range")
	to := bigIntFlag(fs, "to", 0, "last integer of a range, inclusive")
	step := bigIntFlag(fs, "step", 1, "range step (default 1)")
	file := fs.String("file", "", `file with one integer or JSON object a line ("-": stdin, the default without --from)`)
	skip := fs.Bool("skip-invalid", false, "skip (and count) lines that are neither an integer nor a JSON object instead of stopping")
	if err := fs.noArgs(args); err != nil {
		return err
	}
	ranged := *from != nil || *to != nil
	switch {
	case ranged && *file != "":
		return fs.usagef("give a range (--from/--to) or --file, not both")
	case ranged && (*from == nil || *to == nil):
		return fs.usagef("a range needs both --from and --to")
	case !ranged && *step != nil:
		return fs.usagef("--step applies to a range: give --from and --to")
	}
	var r producers.Range
	if ranged {
		r = producers.Range{From: *from, To: *to, Step: *step}
		if r.Step == nil {
			r.Step = big.NewInt(1)
		}
		if err := r.Validate(); err != nil {
			return fs.usagef("%v", err)
		}
	}
	topic, err := p.target(primalityHandler)
	if err != nil {
		return err
	}
	if ranged {
		if p.recording() {
			r.IDPrefix = p.sweep
		}
		return p.publish(ctx, e, topic, r.Bodies(), r.Count())
	}
	var in io.Reader = e.stdin
	name := "stdin"
	if *file != "" && *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, *file
	}
	lines := producers.NewLines(in, producers.LineOptions{Name: name, SkipInvalid: *skip})
	err = p.publish(ctx, e, topic, lines.Bodies(), nil)
	if n := lines.Skipped(); n > 0 {
		fmt.Fprintf(e.stderr, "skipped %d invalid lines\n", n)
	}
	return err
}

// publishLP publishes a parameter sweep of a named model to the lpsolve
// stage's input topic, once the stage's model accepts it.
func publishLP(ctx context.Context, args []string, e *env) error {
	fs := e.flags("publish lp", "--model NAME [--param name=from:to:step ...] [flags]", `
Publish a parameter sweep of a named model to the input topic of the
topology's lpsolve stage: one job for each combination of the --param
values. Before anything is sent, the model name and every parameter value
are checked against the model as that stage loads it (its built-in models
and its models_dir): unknown models and parameters, missing ones and values
outside the model's min and max stop the command with status 1.`)
	var p publishFlags
	p.register(fs, lpsolveHandler)
	model := fs.String("model", "", "model name (required)")
	var params stringList
	fs.Func("param", "parameter: name=value, name=v1,v2 or name=from:to:step (repeatable; several give their cartesian product)", func(s string) error {
		params = append(params, s)
		return nil
	})
	idPrefix := fs.String("id-prefix", "", "prefix of every job id")
	timeLimit := numberFlag(fs, "time-limit-ms", 0, 0, maxOf[int64](), "per-job time limit in ms (0: the stage's default_time_limit_ms; the stage caps it at its max_time_limit_ms)")
	if err := fs.noArgs(args); err != nil {
		return err
	}
	if *model == "" {
		return fs.usagef("--model is required")
	}
	ps, err := producers.ParseParams(params)
	if err != nil {
		return fs.usagef("--param %v", err)
	}
	sw := producers.Sweep{Model: *model, Params: ps, IDPrefix: *idPrefix, TimeLimitMS: *timeLimit}
	if err := sw.Validate(); err != nil {
		return fs.usagef("%v", err)
	}
	topic, err := p.target(lpsolveHandler)
	if err != nil {
		return err
	}
	t, err := p.topology()
	if err != nil {
		return err
	}
	if p.recording() && sw.IDPrefix == "" {
		// Ids like the job API's: <sweep>-<n>.
		sw.IDPrefix, sw.Numbered = p.sweep, true
	}
	if err := checkSweep(t, topic, sw); err != nil {
		return fmt.Errorf("%w; nothing was published", err)
	}
	return p.publish(ctx, e, topic, sw.Jobs(), sw.Count())
}
