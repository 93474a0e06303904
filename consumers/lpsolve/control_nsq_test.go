package lpsolve_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// The shipped topology's lpsolve stage: its input, output and control
// topics.
const (
	jobs      = "lp_params"
	channel   = "lpsolve"
	solutions = "solutions"
	control   = "lp_control"
)

// slowJob is a job that runs until its 60 s time limit (endlessMIP).
func slowJob(id string) []byte { return []byte(lpsolve.EndlessJob(id)) }

func cancelMsg(id, reason string) []byte {
	b, _ := json.Marshal(map[string]string{"action": "cancel", "id": id, "reason": reason})
	return b
}

// cluster is an nsqd with the lpsolve stage's topics and a reader of its
// solutions.
type cluster struct {
	n    *nsqd.NSQD
	http string
	out  *nsqtest.Collector
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	n := nsqtest.NSQD(t)
	c := &cluster{n: n, http: n.RealHTTPAddr().String()}
	nsqtest.CreateChannel(t, c.http, jobs, channel)
	nsqtest.HTTP(t, c.http, "/topic/create?topic="+control, nil)
	c.out = nsqtest.Collect(t, n.RealTCPAddr().String(), solutions, "check")
	return c
}

// runStage runs the shipped topology's lpsolve stage, one solve at a time,
// and returns a function that stops it as SIGTERM does (draining for at
// most drain) and returns Run's error.
func (c *cluster) runStage(t *testing.T, drain time.Duration) (stop func() error) {
	t.Helper()
	top, err := topology.Default(topology.LoadOptions{Handlers: consumers.Catalogue})
	if err != nil {
		t.Fatal(err)
	}
	before := len(c.channels(control))
	f, err := stage.NewFarm(stage.FarmOptions{
		Topology: top, Catalogue: consumers.Catalogue, Stages: []string{"lpsolve"},
		Overrides:    stage.Overrides{Concurrency: 1, MaxInFlight: 1, NSQDTCPAddresses: []string{c.n.RealTCPAddr().String()}},
		DrainTimeout: drain,
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	nsqtest.Eventually(t, 10*time.Second, "the stage to read its control topic", func() bool {
		return len(c.channels(control)) > before
	})
	stopped := false
	var runErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("stage did not stop")
			}
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// channels returns the stats of topic's channels.
func (c *cluster) channels(topic string) []nsqd.ChannelStats {
	for _, tp := range c.n.GetStats(topic, "", false).Topics {
		return tp.Channels
	}
	return nil
}

// inFlight returns the number of jobs the stage's consumers hold.
func (c *cluster) inFlight() int {
	for _, ch := range c.channels(jobs) {
		if ch.ChannelName == channel {
			return ch.InFlightCount
		}
	}
	return 0
}

// waitSolving waits until the stage holds n jobs.
func (c *cluster) waitSolving(t *testing.T, n int) {
	t.Helper()
	nsqtest.Eventually(t, 10*time.Second, fmt.Sprintf("%d jobs in flight", n), func() bool { return c.inFlight() == n })
}

// finished returns, by channel of the control topic, the control
// messages its consumer has finished: the handler has taken them.
func (c *cluster) finished() map[string]uint64 {
	fins := map[string]uint64{}
	for _, tp := range c.n.GetStats(control, "", true).Topics {
		for _, ch := range tp.Channels {
			fins[ch.ChannelName] = 0
			for _, cl := range ch.Clients {
				if st, ok := cl.(nsqd.ClientV2Stats); ok {
					fins[ch.ChannelName] += st.FinishCount
				}
			}
		}
	}
	return fins
}

// cancel publishes a cancel and waits until every consumer finished it.
func (c *cluster) cancel(t *testing.T, id, reason string) {
	t.Helper()
	before := c.finished()
	nsqtest.Pub(t, c.http, control, cancelMsg(id, reason))
	nsqtest.Eventually(t, 10*time.Second, "every consumer to take the cancel of "+id, func() bool {
		for ch, n := range c.finished() {
			if n <= before[ch] {
				return false
			}
		}
		return true
	})
}

// solution decodes a message of the solutions topic.
func solution(t *testing.T, raw []byte) lpsolve.Solution {
	t.Helper()
	var s lpsolve.Solution
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("solution %s: %v", raw, err)
	}
	return s
}

func TestCancelOverNSQ(t *testing.T) {
	c := newCluster(t)
	c.runStage(t, 0)

	nsqtest.Pub(t, c.http, jobs, slowJob("slow"))
	c.waitSolving(t, 1)
	time.Sleep(300 * time.Millisecond)
	c.cancel(t, "another", "")
	time.Sleep(300 * time.Millisecond)
	if n := c.out.Len(); n != 0 || c.inFlight() != 1 {
		t.Fatalf("a cancel of another job: %d solutions, %d jobs in flight; want the job still solving", n, c.inFlight())
	}

	start := time.Now()
	nsqtest.Pub(t, c.http, control, cancelMsg("slow", "not needed"))
	got := c.out.WaitFor(t, 1, 10*time.Second)
	took := time.Since(start)
	sol := solution(t, got[0])
	if sol.Status != lpsolve.StatusCancelled || sol.Error != "not needed" || string(sol.ID) != `"slow"` ||
		sol.InputID == "" || sol.Iterations == 0 || sol.TimeLimitMS != 60000 {
		t.Fatalf("got %s, want the job cancelled with the reason and the iterations done", got[0])
	}
	if took > 5*time.Second {
		t.Errorf("the cancel took %v to stop a solve with a 60 s limit", took)
	}
	t.Logf("cancel published → cancelled solution received: %v (the solve ran %v ms, %d iterations)", took, sol.SolveTimeMS, sol.Iterations)
	nsqtest.WaitDrained(t, c.n, jobs, channel, 10*time.Second)

	// Cancelled before it is published: not solved.
	c.cancel(t, "early", "")
	nsqtest.Pub(t, c.http, jobs, slowJob("early"))
	got = c.out.WaitFor(t, 2, 10*time.Second)
	sol = solution(t, got[1])
	if sol.Status != lpsolve.StatusCancelled || sol.Error != lpsolve.DefaultCancelReason || string(sol.ID) != `"early"` || sol.Iterations != 0 {
		t.Fatalf("got %s, want the job cancelled before it was solved", got[1])
	}
	nsqtest.WaitDrained(t, c.n, jobs, channel, 10*time.Second)
}

func TestCancelHeardByEveryConsumer(t *testing.T) {
	c := newCluster(t)
	c.runStage(t, 0)
	c.runStage(t, 0)
	// One job id solved by both consumers (a job published twice): one
	// cancel must stop both.
	nsqtest.MPub(t, c.http, jobs, [][]byte{slowJob("twice"), slowJob("twice")})
	c.waitSolving(t, 2)
	nsqtest.Pub(t, c.http, control, cancelMsg("twice", "dropped"))
	got := c.out.WaitFor(t, 2, 10*time.Second)
	a, b := solution(t, got[0]), solution(t, got[1])
	for _, s := range []lpsolve.Solution{a, b} {
		if s.Status != lpsolve.StatusCancelled || s.Error != "dropped" {
			t.Errorf("got %+v, want cancelled", s)
		}
	}
	if a.InputID == b.InputID {
		t.Errorf("both solutions are of input %s, want one of each message", a.InputID)
	}
	nsqtest.WaitDrained(t, c.n, jobs, channel, 10*time.Second)
}

func TestShutdownRequeuesRunningSolve(t *testing.T) {
	c := newCluster(t)
	stop := c.runStage(t, 300*time.Millisecond)
	nsqtest.Pub(t, c.http, jobs, slowJob("slow"))
	c.waitSolving(t, 1)
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := c.out.Len(); n != 0 {
		t.Fatalf("%d solutions after the shutdown, want none: the interrupted job is retried", n)
	}
	for _, ch := range c.channels(jobs) {
		if ch.ChannelName == channel && (ch.Depth != 1 || ch.InFlightCount != 0 || ch.RequeueCount != 1) {
			t.Fatalf("channel %s: depth %d, in flight %d, requeued %d; want the interrupted job requeued",
				channel, ch.Depth, ch.InFlightCount, ch.RequeueCount)
		}
	}

	// Redelivered to a new consumer, the job can still be cancelled.
	c.runStage(t, 0)
	c.waitSolving(t, 1)
	nsqtest.Pub(t, c.http, control, cancelMsg("slow", ""))
	got := c.out.WaitFor(t, 1, 10*time.Second)
	if sol := solution(t, got[0]); sol.Status != lpsolve.StatusCancelled || sol.Iterations == 0 {
		t.Fatalf("got %s, want the redelivered job cancelled while it ran", got[0])
	}
	nsqtest.WaitDrained(t, c.n, jobs, channel, 10*time.Second)
}
