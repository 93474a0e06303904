package stage

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/backoff"
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
	// Topics, when set, are the inputs instead of Topic: the stage reads
	// each of them on Channel with a consumer of its own (each with the
	// stage's concurrency and max_in_flight) and calls the one handler.
	Topics []string
	// Outputs maps each handler port to a topic.
	Outputs map[string]string
	// DeadLetter is the dead-letter topic.
	DeadLetter string
	// Settings are the stage's tunables, resolved by package topology
	// (Topology.Settings, StageSettings.WithDefaults): the stage takes
	// them as they are.
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

// validate checks that c wires a stage (names, outputs, somewhere to
// consume from) and fills the defaults of the fields that are not
// settings.
func (c *Config) validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	for what, name := range map[string]string{"channel": c.Channel, "dead-letter topic": c.DeadLetter} {
		if !topology.ValidName(name) {
			errs = append(errs, fmt.Errorf("invalid %s %q", what, name))
		}
	}
	if c.Topic != "" && len(c.Topics) > 0 {
		errs = append(errs, fmt.Errorf("both a topic (%q) and topics (%v)", c.Topic, c.Topics))
	}
	for _, topic := range c.Inputs() {
		if !topology.ValidName(topic) {
			errs = append(errs, fmt.Errorf("invalid topic %q", topic))
		}
	}
	for port, topic := range c.Outputs {
		if !topology.ValidName(topic) {
			errs = append(errs, fmt.Errorf("output %q: invalid topic %q", port, topic))
		}
	}
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

// Inputs returns the topics the stage reads: Topics, or Topic alone.
func (c *Config) Inputs() []string {
	if len(c.Topics) > 0 {
		return c.Topics
	}
	return []string{c.Topic}
}

// backoff returns the requeue delay after the given failed attempt.
func (c *Config) backoff(attempt uint16) time.Duration {
	return backoff.Delay(c.Settings.RequeueDelay.D(), c.Settings.MaxRequeueDelay.D(), int(max(attempt, 1)))
}
