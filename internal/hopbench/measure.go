package hopbench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// runSpec describes one measured consumer.
type runSpec struct {
	name        string   // shown in the table
	log         string   // its log file name in the work directory
	bin         string   // executable
	args        []string // its arguments
	channel     string   // input channel on InputTopic
	outputs     []string // topics whose message counts sum to its outputs
	maxInFlight int      // its max in flight, 0 when left to its configuration
}

// errExitedEarly is wrapped by the error of a run whose process exited
// before its channel was drained.
var errExitedEarly = errors.New("exited before the channel was drained")

// drainedShortGrace is how long a run may show an empty input channel with
// fewer than N outputs before it is failed. Both consumers publish an
// output before they finish its input, so the state should never be seen;
// the grace only absorbs a /stats snapshot taken between two topics.
const drainedShortGrace = time.Second

// measure runs spec until its input channel is drained, then stops it and
// returns its result.
func (b *bench) measure(ctx context.Context, spec runSpec) (Result, error) {
	n := uint64(b.opts.Messages)
	res := Result{Name: spec.name, Messages: b.opts.Messages, MaxInFlight: spec.maxInFlight}

	before, err := b.nsqd.api.stats(ctx)
	if err != nil {
		return res, err
	}
	if c := before.channel(InputTopic, spec.channel); c == nil || c.Depth != int64(n) {
		return res, fmt.Errorf("hopbench: %s: channel %s/%s does not hold the %d-message backlog", spec.name, InputTopic, spec.channel, n)
	}
	base := before.messageCount(spec.outputs...)
	nsqdCPU0, cpuOK := processCPU(b.nsqd.proc.pid())

	logPath := filepath.Join(b.dir, spec.log)
	b.log.Info("running", "run", spec.name, "log", logPath)
	p, err := startChild(spec.name, logPath, spec.bin, spec.args...)
	if err != nil {
		return res, err
	}

	type snapshot struct {
		depth, inFlight, deferred int64
		outputs                   uint64
	}
	var (
		last      snapshot
		changed   = time.Now()
		shortFrom time.Time // when the channel was first seen drained short of n
		end       time.Time
		final     channelStats
		outputs   uint64
	)
	err = b.poll(ctx, func(s *stats) (bool, error) {
		now := time.Now()
		c := s.channel(InputTopic, spec.channel)
		if c == nil {
			return false, fmt.Errorf("channel %s/%s disappeared", InputTopic, spec.channel)
		}
		out := s.messageCount(spec.outputs...) - base
		state := func() string {
			return fmt.Sprintf("channel %s/%s depth %d, in flight %d, deferred %d; %d of %d messages on %s",
				InputTopic, spec.channel, c.Depth, c.InFlightCount, c.DeferredCount, out, n, strings.Join(spec.outputs, "+"))
		}
		if c.pending() == 0 {
			if out >= n {
				end, final, outputs = now, *c, out
				return true, nil
			}
			if shortFrom.IsZero() {
				shortFrom = now
			} else if now.Sub(shortFrom) > drainedShortGrace {
				return false, fmt.Errorf("input drained but outputs are short (dead-lettered or dropped?): %s", state())
			}
		} else {
			shortFrom = time.Time{}
		}
		if p.exited() {
			return false, fmt.Errorf("%w: %s: %v", errExitedEarly, state(), p.cmd.ProcessState)
		}
		if cur := (snapshot{c.Depth, c.InFlightCount, c.DeferredCount, out}); cur != last {
			last, changed = cur, now
		} else if now.Sub(changed) > b.opts.StallTimeout {
			return false, fmt.Errorf("no progress for %v: %s", b.opts.StallTimeout, state())
		}
		return false, nil
	})
	if err != nil {
		if serr := p.stop(stopGrace); serr != nil && !errors.Is(err, errExitedEarly) {
			b.log.Warn("stopping after a failed run", "run", spec.name, "err", serr)
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("hopbench: %s: %w", spec.name, err)
		}
		return res, fmt.Errorf("hopbench: %s: %w%s", spec.name, err, p.logTail())
	}
	res.Wall = end.Sub(p.started)
	res.Outputs = outputs
	res.Requeued, res.TimedOut = final.RequeueCount, final.TimeoutCount
	if nsqdCPU1, ok := processCPU(b.nsqd.proc.pid()); cpuOK && ok {
		res.NSQDCPU = nsqdCPU1 - nsqdCPU0
		res.NSQDCPUKnown = true
	}
	if err := p.stop(stopGrace); err != nil {
		return res, fmt.Errorf("hopbench: %s after its run: %w", spec.name, err)
	}
	res.UserCPU, res.SystemCPU = p.cpu()
	b.log.Info("run done", "run", spec.name, "wall", res.Wall.Round(time.Millisecond),
		"msgs_per_s", int64(res.Rate()), "cpu", res.CPU().Round(time.Millisecond))
	return res, nil
}
