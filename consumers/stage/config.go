// Package stage is the runtime every nsqfarm stage runs on: it consumes a
// topic's channel with go-nsq, calls a pure handler.Handler for each
// message, republishes the outputs in MPUB batches and acknowledges each
// input only after nsqd has acknowledged every output it produced.
//
// Delivery is at-least-once end to end: a crash at any point means
// redelivery. Inputs that can never be processed (a handler's permanent
// error, or too many delivery attempts) are published to the stage's
// dead-letter topic with the original body, the error, the stage and the
// attempt count, and only then finished. Transient failures (an output
// nsqd that does not answer, a handler's ordinary error) requeue the input
// with exponential backoff. Nothing is dropped silently.
package stage

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// DefaultDrainTimeout is how long a stopping stage waits for in-flight
// handlers before cancelling them (their inputs are then requeued).
// go-nsq closes a stopping consumer's connections after 30s regardless.
const DefaultDrainTimeout = 20 * time.Second

// Config describes one stage instance.
type Config struct {
	// Name is the stage name, used in logs, metrics and dead letters.
	Name string
	// Topic and Channel are the input.
	Topic, Channel string
	// Outputs maps each handler port to a topic.
	Outputs map[string]string
	// DeadLetter is the dead-letter topic.
	DeadLetter string
	// Settings are the resolved tunables (see topology.StageSettings).
	Settings topology.StageSettings

	// LookupdHTTPAddresses are used to discover nsqd instances. When empty
	// the stage connects straight to NSQDTCPAddresses.
	LookupdHTTPAddresses []string
	// NSQDTCPAddresses are the nsqd instances to consume from directly.
	NSQDTCPAddresses []string
	// DestinationNSQDTCPAddresses receive the outputs; batches go round
	// robin over the ones that are up, and a batch that fails on one is
	// published on another. When empty, the stage publishes to the nsqds
	// it reads from: NSQDTCPAddresses, or with nsqlookupd every nsqd an
	// input came from, preferring that input's own nsqd.
	DestinationNSQDTCPAddresses []string
	// MaxMsgSize is the largest message body the destination nsqds accept
	// (nsqd's --max-msg-size); 0 means NSQ's default, 1 MiB. An output
	// over it is dead-lettered without being sent, and a dead-letter
	// record over it is split into parts.
	MaxMsgSize int

	// DrainTimeout bounds a graceful stop; 0 means DefaultDrainTimeout.
	DrainTimeout time.Duration
	// Logger receives the stage's logs; nil means slog.Default().
	Logger *slog.Logger
	// Metrics receives the stage's metrics; nil means a private registry.
	Metrics *metrics.Registry
}

// FromTopology builds the Config of stage s of topology t with t's
// default addresses.
func FromTopology(t *topology.Topology, s *topology.Stage) Config {
	return Config{
		Name:                 s.Name,
		Topic:                s.Topic,
		Channel:              s.Channel,
		Outputs:              s.Outputs,
		DeadLetter:           s.DeadLetter,
		Settings:             t.Settings(s),
		MaxMsgSize:           t.MaxMsgSize(),
		LookupdHTTPAddresses: t.Defaults.LookupdHTTPAddresses,
		NSQDTCPAddresses:     t.Defaults.NSQDTCPAddresses,
	}
}

// validate checks c and fills defaults.
func (c *Config) validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	for what, name := range map[string]string{"topic": c.Topic, "channel": c.Channel, "dead-letter topic": c.DeadLetter} {
		if !topology.ValidName(name) {
			errs = append(errs, fmt.Errorf("invalid %s %q", what, name))
		}
	}
	if len(c.Outputs) == 0 {
		errs = append(errs, errors.New("no outputs"))
	}
	for port, topic := range c.Outputs {
		if !topology.ValidName(topic) {
			errs = append(errs, fmt.Errorf("output %q: invalid topic %q", port, topic))
		}
	}
	c.Settings = c.Settings.WithBuiltins()
	c.Settings.Check(func(field, msg string) { errs = append(errs, fmt.Errorf("%s: %s", field, msg)) })
	if len(c.LookupdHTTPAddresses) == 0 && len(c.NSQDTCPAddresses) == 0 {
		errs = append(errs, errors.New("no --lookupd-http-address and no --nsqd-tcp-address to consume from"))
	}
	if len(c.DestinationNSQDTCPAddresses) == 0 && len(c.LookupdHTTPAddresses) == 0 {
		c.DestinationNSQDTCPAddresses = c.NSQDTCPAddresses
	}
	if c.MaxMsgSize == 0 {
		c.MaxMsgSize = topology.DefaultMaxMsgSize
	}
	if c.MaxMsgSize < 0 {
		errs = append(errs, fmt.Errorf("max message size must be >= 0, got %d", c.MaxMsgSize))
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = metrics.NewRegistry()
	}
	if len(errs) > 0 {
		return fmt.Errorf("stage %q config: %w", c.Name, errors.Join(errs...))
	}
	return nil
}

// backoff returns the requeue delay after the given failed attempt.
func (c *Config) backoff(attempt uint16) time.Duration {
	d := c.Settings.RequeueDelay.D()
	maxD := c.Settings.MaxRequeueDelay.D()
	for i := uint16(1); i < attempt && d < maxD; i++ {
		d *= 2
	}
	return min(d, maxD)
}
