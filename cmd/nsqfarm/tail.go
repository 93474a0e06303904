package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// cmdTail prints a topic's messages, one JSON document a line.
func cmdTail(ctx context.Context, args []string, e *env) error {
	fs := newFlags("tail", e.stderr, "tail --topic TOPIC [-n N] [--channel C] [address flags]")
	config := configFlag(fs)
	var addrs addressFlags
	addrs.register(fs, false)
	topic := fs.String("topic", "", "topic to read (required)")
	channel := fs.String("channel", "", "channel to read from (default: a new ephemeral channel, so other readers are unaffected)")
	n := fs.Int("n", 0, "stop after this many messages (0: until Ctrl-C)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *topic == "" {
		return fmt.Errorf("%w: --topic is required", errUsage)
	}
	ch := *channel
	if ch == "" {
		ch = fmt.Sprintf("nsqfarm_tail%06d#ephemeral", rand.IntN(1_000_000))
	}
	if !topology.ValidName(*topic) || !topology.ValidName(ch) {
		return fmt.Errorf("%w: invalid topic %q or channel %q", errUsage, *topic, ch)
	}
	lookupd, nsqds := []string(addrs.lookupd), []string(addrs.nsqdTCP)
	if len(lookupd) == 0 && len(nsqds) == 0 {
		// Fall back to the topology's defaults when it can be read.
		if t, err := loadTopology(*config); err == nil {
			lookupd, nsqds = t.Defaults.LookupdHTTPAddresses, t.Defaults.NSQDTCPAddresses
		} else {
			nsqds = []string{"127.0.0.1:4150"}
		}
	}

	cfg := nsq.NewConfig()
	cfg.UserAgent = stage.UserAgent
	cfg.MaxInFlight = 200
	if *n > 0 {
		cfg.MaxInFlight = min(*n, 200)
	}
	consumer, err := nsq.NewConsumer(*topic, ch, cfg)
	if err != nil {
		return fmt.Errorf("tail %s: %w", *topic, err)
	}
	consumer.SetLogger(nsqlog.New(nil), nsq.LogLevelWarning)
	out := bufio.NewWriter(e.stdout)
	var (
		mu    sync.Mutex
		count int
		done  = make(chan struct{})
	)
	consumer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		mu.Lock()
		defer mu.Unlock()
		if *n > 0 && count >= *n {
			m.DisableAutoResponse()
			m.RequeueWithoutBackoff(0) // beyond -n: leave it for the channel's other readers
			return nil
		}
		out.Write(m.Body)
		out.WriteByte('\n')
		count++
		if *n > 0 && count == *n {
			close(done)
		}
		return out.Flush()
	}))
	if len(lookupd) > 0 {
		err = consumer.ConnectToNSQLookupds(lookupd)
	} else {
		err = consumer.ConnectToNSQDs(nsqds)
	}
	if err != nil {
		return fmt.Errorf("tail %s: connect: %w", *topic, err)
	}
	select {
	case <-ctx.Done():
	case <-done:
	}
	consumer.Stop()
	<-consumer.StopChan
	return nil
}
