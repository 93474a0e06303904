package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/producers"
)

// poolSize is the number of publishers a Publisher keeps: concurrent
// submissions publish in parallel, each MPUB on its own connection.
const poolSize = 4

// Publisher publishes batches of job bodies to the first of its nsqds
// that takes them (failover), for the API, the reconciler and
// `nsqfarm publish --store`. It is safe for concurrent use.
type Publisher struct {
	free chan *producers.Publisher
	log  *slog.Logger
}

// NewPublisher returns a Publisher to the nsqds at addrs. It does not
// connect: the first publish does. cfg may be nil.
func NewPublisher(addrs []string, cfg *nsq.Config, log *slog.Logger) (*Publisher, error) {
	if log == nil {
		log = slog.Default()
	}
	p := &Publisher{free: make(chan *producers.Publisher, poolSize), log: log}
	for range poolSize {
		opts := producers.NewOptions(addrs...)
		opts.Strategy = producers.Failover
		// Every address once, and the first once more: a job that no
		// nsqd takes is left to the reconciler rather than held up.
		opts.MaxRetries = len(addrs)
		opts.RetryBackoff = 20 * time.Millisecond
		opts.MaxRetryBackoff = 200 * time.Millisecond
		opts.NSQConfig = cfg
		opts.Logger = log
		pub, err := producers.NewPublisher(opts)
		if err != nil {
			p.Stop()
			return nil, fmt.Errorf("jobs: %w", err)
		}
		p.free <- pub
	}
	return p, nil
}

// Publish sends bodies to topic in MPUB batches and returns nil once nsqd
// acknowledged every one of them.
func (p *Publisher) Publish(ctx context.Context, topic string, bodies [][]byte) error {
	var pub *producers.Publisher
	select {
	case pub = <-p.free:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { p.free <- pub }()
	_, err := pub.Publish(ctx, topic, func(yield func([]byte, error) bool) {
		for _, b := range bodies {
			if !yield(b, nil) {
				return
			}
		}
	})
	return err
}

// Stop closes every connection; call it when no Publish is running.
func (p *Publisher) Stop() {
	for {
		select {
		case pub := <-p.free:
			pub.Stop()
		default:
			return
		}
	}
}
