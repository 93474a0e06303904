// Package hopbench measures the throughput of one nsqfarm pipeline hop side
// by side with NSQ's own relay, nsq_to_nsq, on the same nsqd in the same
// run (DESIGN.md, principle 8: a hop must be faster than nsq_to_nsq, which
// does one PUB per message).
//
// Run starts a standalone nsqd process on free loopback ports with a
// temporary data directory and its default --mem-queue-size, so the backlog
// spills to disk as it does in production. It creates topic numbers with one
// channel per measured consumer before publishing, so each channel receives
// the full backlog, and pre-publishes N numbers with `nsqfarm publish
// numbers`. Then, one at a time and never concurrently, it runs:
//
//   - nsq_to_nsq with its default flags, relaying channel relay to topic
//     relayed;
//   - when Options.MaxInFlight is set, nsq_to_nsq again with
//     --max-in-flight matched to the stage's, relaying channel relay_matched
//     to topic relayed_matched;
//   - `nsqfarm consume primality`, reading channel primality and publishing
//     to topics primes and non_primes.
//
// Each run is timed from the moment its process is started until nsqd's
// /stats show its input channel empty (depth, in-flight and deferred all
// zero) and at least N messages published to its output topics. The child
// is then stopped with SIGTERM and its CPU time (user+system over its whole
// life, start-up and drain included) is read from its os.ProcessState. On
// Linux, nsqd's own CPU time during the timed window is read from /proc as
// well, since a relay that publishes one message per PUB also makes nsqd
// work harder.
//
// The published numbers are 1..N, so the primality work per message is
// small and the measurement is dominated by the transport: consuming,
// republishing and acknowledging.
package hopbench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Names of the topics and channels the benchmark uses. The stage's names
// are those of the primality stage in the shipped topics.yaml.
const (
	// InputTopic is the topic every run consumes.
	InputTopic = "numbers"
	// RelayChannel and RelayTopic are the input channel and output topic
	// of the nsq_to_nsq run with default flags.
	RelayChannel = "relay"
	RelayTopic   = "relayed"
	// MatchedChannel and MatchedTopic are those of the nsq_to_nsq run
	// with --max-in-flight matched to the stage's.
	MatchedChannel = "relay_matched"
	MatchedTopic   = "relayed_matched"
	// Stage is the nsqfarm stage measured, and StageChannel its channel.
	Stage        = "primality"
	StageChannel = "primality"
)

// StageOutputs are the topics the primality stage publishes to; their
// message counts sum to the stage's outputs.
var StageOutputs = []string{"primes", "non_primes"}

// RelayDefaultMaxInFlight is nsq_to_nsq's default --max-in-flight (v1.3.0).
const RelayDefaultMaxInFlight = 200

// Defaults of Options.
const (
	DefaultMessages     = 1_000_000
	DefaultConfig       = "topics.yaml"
	DefaultTimeout      = 30 * time.Minute
	DefaultStallTimeout = time.Minute
	DefaultPollInterval = 50 * time.Millisecond
	// stopGrace is how long a child may take to exit after SIGTERM before
	// it is killed.
	stopGrace = 30 * time.Second
)

// Options configures Run. The zero value of every field but the binaries
// takes its default.
type Options struct {
	// NSQDBin, NSQToNSQBin and NSQFarmBin are paths to the nsqd,
	// nsq_to_nsq and nsqfarm executables (required).
	NSQDBin, NSQToNSQBin, NSQFarmBin string
	// Config is the topics.yaml given to `nsqfarm consume` (default
	// DefaultConfig, relative to the current directory).
	Config string
	// Messages is the number of messages published and consumed by each
	// run (default DefaultMessages).
	Messages int
	// MaxInFlight, when positive, is given as --max-in-flight to the
	// stage and to a second nsq_to_nsq run, so the relay can be compared
	// with the same number of messages in flight. Zero leaves the stage at
	// its topics.yaml setting and skips the matched relay run.
	MaxInFlight int
	// Timeout bounds the whole benchmark (default DefaultTimeout).
	Timeout time.Duration
	// StallTimeout fails a run whose input channel and output topics have
	// not changed for this long (default DefaultStallTimeout).
	StallTimeout time.Duration
	// PollInterval is the period of the /stats polls that detect the end
	// of a run (default DefaultPollInterval); it bounds the timing error.
	PollInterval time.Duration
	// Dir holds nsqd's data and every child's log. When empty, a temporary
	// directory is used and removed at the end.
	Dir string
	// Logger receives progress and warnings (default: discarded).
	Logger *slog.Logger
}

// withDefaults returns o with defaults filled in, or an error naming the
// first invalid field.
func (o Options) withDefaults() (Options, error) {
	bins := []struct{ field, path string }{
		{"NSQDBin", o.NSQDBin},
		{"NSQToNSQBin", o.NSQToNSQBin},
		{"NSQFarmBin", o.NSQFarmBin},
	}
	for _, b := range bins {
		if b.path == "" {
			return o, fmt.Errorf("hopbench: %s is required", b.field)
		}
		if _, err := exec.LookPath(b.path); err != nil {
			return o, fmt.Errorf("hopbench: %s: %w", b.field, err)
		}
	}
	switch {
	case o.Messages < 0:
		return o, fmt.Errorf("hopbench: Messages must be positive, got %d", o.Messages)
	case o.MaxInFlight < 0:
		return o, fmt.Errorf("hopbench: MaxInFlight must be >= 0, got %d", o.MaxInFlight)
	case o.Timeout < 0, o.StallTimeout < 0, o.PollInterval < 0:
		return o, fmt.Errorf("hopbench: Timeout, StallTimeout and PollInterval must be >= 0")
	}
	if o.Messages == 0 {
		o.Messages = DefaultMessages
	}
	if o.Config == "" {
		o.Config = DefaultConfig
	}
	if _, err := os.Stat(o.Config); err != nil {
		return o, fmt.Errorf("hopbench: Config: %w", err)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Run benchmarks the relay and the stage as described in the package
// documentation, writes the result table to w and returns the report.
func Run(ctx context.Context, opts Options, w io.Writer) (*Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, fmt.Errorf("hopbench: timed out after %v", o.Timeout))
	defer cancel()

	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hopbench-"); err != nil {
			return nil, fmt.Errorf("hopbench: %w", err)
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hopbench: %w", err)
	}

	d, err := startNSQD(ctx, o.NSQDBin, dir, o.Logger)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := d.proc.stop(stopGrace); err != nil {
			o.Logger.Warn("stopping nsqd", "err", err)
		}
	}()

	b := &bench{opts: o, dir: dir, nsqd: d, log: o.Logger}
	rep, err := b.run(ctx)
	if err != nil {
		return nil, err
	}
	if err := rep.WriteTable(w); err != nil {
		return rep, fmt.Errorf("hopbench: write table: %w", err)
	}
	return rep, nil
}

// bench is one benchmark in progress.
type bench struct {
	opts Options
	dir  string
	nsqd *nsqd
	log  *slog.Logger
}

// run prepares the backlog and measures every consumer in turn.
func (b *bench) run(ctx context.Context) (*Report, error) {
	n := b.opts.Messages
	rep := &Report{Messages: n, NSQDVersion: b.nsqd.version, PollInterval: b.opts.PollInterval}

	channels := []string{RelayChannel, StageChannel}
	if b.opts.MaxInFlight > 0 {
		channels = []string{RelayChannel, MatchedChannel, StageChannel}
	}
	if err := b.nsqd.api.createChannels(ctx, InputTopic, channels...); err != nil {
		return nil, err
	}

	pub, err := b.publish(ctx)
	if err != nil {
		return nil, err
	}
	rep.Publish = pub

	relayArgs := func(channel, topic string) []string {
		return []string{
			"--nsqd-tcp-address", b.nsqd.tcpAddr,
			"--topic", InputTopic,
			"--channel", channel,
			"--destination-nsqd-tcp-address", b.nsqd.tcpAddr,
			"--destination-topic", topic,
		}
	}
	rep.Relay, err = b.measure(ctx, runSpec{
		name:        "nsq_to_nsq (defaults)",
		log:         "nsq_to_nsq.log",
		bin:         b.opts.NSQToNSQBin,
		args:        relayArgs(RelayChannel, RelayTopic),
		channel:     RelayChannel,
		outputs:     []string{RelayTopic},
		maxInFlight: RelayDefaultMaxInFlight,
	})
	if err != nil {
		return nil, err
	}

	if mif := b.opts.MaxInFlight; mif > 0 {
		args := append(relayArgs(MatchedChannel, MatchedTopic), "--max-in-flight", strconv.Itoa(mif))
		r, err := b.measure(ctx, runSpec{
			name:        "nsq_to_nsq --max-in-flight " + strconv.Itoa(mif),
			log:         "nsq_to_nsq-matched.log",
			bin:         b.opts.NSQToNSQBin,
			args:        args,
			channel:     MatchedChannel,
			outputs:     []string{MatchedTopic},
			maxInFlight: mif,
		})
		if err != nil {
			return nil, err
		}
		rep.RelayMatched = &r
	}

	stageArgs := []string{
		"consume", Stage,
		"--nsqd-tcp-address", b.nsqd.tcpAddr,
		"--config", b.opts.Config,
		"--metrics-address", "off",
	}
	if mif := b.opts.MaxInFlight; mif > 0 {
		stageArgs = append(stageArgs, "--max-in-flight", strconv.Itoa(mif))
	}
	rep.Hop, err = b.measure(ctx, runSpec{
		name:        "nsqfarm consume " + Stage,
		log:         "nsqfarm-consume.log",
		bin:         b.opts.NSQFarmBin,
		args:        stageArgs,
		channel:     StageChannel,
		outputs:     StageOutputs,
		maxInFlight: b.opts.MaxInFlight,
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// publish runs `nsqfarm publish numbers --from 1 --to N` and waits until
// nsqd has copied every message to every channel of the input topic. It
// returns how long the publisher ran.
func (b *bench) publish(ctx context.Context) (time.Duration, error) {
	n := b.opts.Messages
	b.log.Info("publishing", "messages", n, "topic", InputTopic)
	p, err := startChild("nsqfarm publish", filepath.Join(b.dir, "publish.log"), b.opts.NSQFarmBin,
		"publish", "numbers",
		"--from", "1", "--to", strconv.Itoa(n),
		"--nsqd-tcp-address", b.nsqd.tcpAddr,
		"--log-level", "warn")
	if err != nil {
		return 0, err
	}
	if err := p.wait(ctx, stopGrace); err != nil {
		return 0, err
	}
	took := time.Since(p.started)
	b.log.Info("published", "messages", n, "took", took.Round(time.Millisecond))

	// The topic's message pump copies each message to every channel
	// asynchronously: wait for the copies to land before timing anything.
	err = b.poll(ctx, func(s *stats) (bool, error) {
		t := s.topic(InputTopic)
		if t == nil {
			return false, fmt.Errorf("hopbench: topic %s missing after publishing", InputTopic)
		}
		if t.Depth != 0 {
			return false, nil
		}
		for _, c := range t.Channels {
			if c.Depth != int64(n) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return 0, fmt.Errorf("hopbench: waiting for the backlog of %d messages on every channel: %w", n, err)
	}
	return took, nil
}

// poll calls done with fresh stats every poll interval until it returns
// true or an error, or ctx is done.
func (b *bench) poll(ctx context.Context, done func(*stats) (bool, error)) error {
	t := time.NewTicker(b.opts.PollInterval)
	defer t.Stop()
	for {
		s, err := b.nsqd.api.stats(ctx)
		if err != nil {
			return err
		}
		ok, err := done(s)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}
