package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"

	"github.com/nsqfarm/nsqfarm/internal/progress"
	"github.com/nsqfarm/nsqfarm/producers"
)

// cmdPublish dispatches to `publish numbers` and `publish lp`.
func cmdPublish(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: publish what? numbers or lp", errUsage)
	}
	switch args[0] {
	case "numbers":
		return publishNumbers(ctx, args[1:], e)
	case "lp":
		return publishLP(ctx, args[1:], e)
	default:
		return fmt.Errorf("%w: unknown publish kind %q (want numbers or lp)", errUsage, args[0])
	}
}

// publishFlags are the flags every publish command shares.
type publishFlags struct {
	config   *string
	nsqd     stringList
	topic    *string
	rate     *float64
	batch    *int
	strategy *string
	logLevel *string
}

func (p *publishFlags) register(fs *flag.FlagSet, topic string) {
	p.config = configFlag(fs)
	p.nsqd = envList("NSQFARM_NSQD_TCP_ADDRESS")
	fs.Var(&p.nsqd, "nsqd-tcp-address", "nsqd TCP address to publish to (repeatable; default: from topics.yaml; env NSQFARM_NSQD_TCP_ADDRESS)")
	p.topic = fs.String("topic", topic, "topic to publish to")
	p.rate = fs.Float64("rate", 0, "messages per second (0: as fast as nsqd takes them)")
	p.batch = fs.Int("batch-size", producers.DefaultMaxBatchMessages, "messages per MPUB")
	p.strategy = fs.String("strategy", "failover", "with several nsqds: failover or round-robin")
	p.logLevel = fs.String("log-level", "warn", "log level: debug, info, warn, error")
}

// publish sends src to the topic with a progress bar on stderr; count is
// the number of bodies src yields, or nil when unknown.
func (p *publishFlags) publish(ctx context.Context, e *env, src producers.Source, count *big.Int) error {
	log, err := e.logger(*p.logLevel)
	if err != nil {
		return err
	}
	addrs := []string(p.nsqd)
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1:4150"}
		if t, err := loadTopology(*p.config); err == nil && len(t.Defaults.NSQDTCPAddresses) > 0 {
			addrs = t.Defaults.NSQDTCPAddresses
		}
	}
	strategy, err := producers.ParseStrategy(*p.strategy)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
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
	pub, err := producers.NewPublisher(opts)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	defer pub.Stop()
	if err := pub.Ping(); err != nil {
		return fmt.Errorf("cannot reach nsqd: %w", err)
	}
	_, err = pub.Publish(ctx, *p.topic, src)
	if ferr := bar.Finish(); err == nil {
		err = ferr
	}
	return err
}

// publishNumbers publishes a range, a file or stdin to the numbers topic.
func publishNumbers(ctx context.Context, args []string, e *env) error {
	fs := newFlags("publish numbers", e.stderr, "publish numbers [--from A --to B [--step S] | --file F | < stdin] [flags]")
	var p publishFlags
	p.register(fs, "numbers")
	from := fs.String("from", "", "first integer of a range (any size)")
	to := fs.String("to", "", "last integer of a range, inclusive")
	step := fs.String("step", "1", "range step")
	file := fs.String("file", "", `file with one integer or JSON object a line ("-": stdin, the default without --from)`)
	skip := fs.Bool("skip-invalid", false, "skip (and count) lines that are neither an integer nor a JSON object instead of stopping")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	if *from != "" || *to != "" {
		if *file != "" {
			return fmt.Errorf("%w: give a range (--from/--to) or --file, not both", errUsage)
		}
		r, err := producers.ParseRange(*from, *to, *step)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return p.publish(ctx, e, r.Bodies(), r.Count())
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
	err := p.publish(ctx, e, lines.Bodies(), nil)
	if n := lines.Skipped(); n > 0 {
		fmt.Fprintf(e.stderr, "skipped %d invalid lines\n", n)
	}
	return err
}

// publishLP publishes a parameter sweep of a named model to lp_params.
func publishLP(ctx context.Context, args []string, e *env) error {
	fs := newFlags("publish lp", e.stderr, "publish lp --model NAME [--param name=from:to:step ...] [flags]")
	var p publishFlags
	p.register(fs, "lp_params")
	model := fs.String("model", "", "model name (required)")
	var params stringList
	fs.Func("param", "parameter: name=value, name=v1,v2 or name=from:to:step (repeatable; several give their cartesian product)", func(s string) error {
		params = append(params, s)
		return nil
	})
	idPrefix := fs.String("id-prefix", "", "prefix of every job id")
	timeLimit := fs.Int64("time-limit-ms", 0, "per-job time limit in ms (0: the stage's default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *model == "" {
		return fmt.Errorf("%w: --model is required", errUsage)
	}
	ps, err := producers.ParseParams(params)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	sw := producers.Sweep{Model: *model, Params: ps, IDPrefix: *idPrefix, TimeLimitMS: *timeLimit}
	if err := sw.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return p.publish(ctx, e, sw.Jobs(), sw.Count())
}
