package producers

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nsqio/go-nsq"
)

// Strategy chooses how a Publisher with several nsqd addresses spreads its
// batches.
type Strategy int

const (
	// Failover sends every batch to the current address and moves to the
	// next address only when a batch fails there. Order is preserved on a
	// healthy cluster and all messages land on one nsqd. It is the default.
	Failover Strategy = iota
	// RoundRobin sends each batch to the next address in turn, spreading
	// the load over all nsqds; a failed batch is retried on the following
	// address.
	RoundRobin
)

// String returns "failover" or "round-robin".
func (s Strategy) String() string {
	switch s {
	case Failover:
		return "failover"
	case RoundRobin:
		return "round-robin"
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// ParseStrategy parses "failover" or "round-robin" (also "roundrobin", "rr").
func ParseStrategy(s string) (Strategy, error) {
	switch s {
	case "failover", "":
		return Failover, nil
	case "round-robin", "roundrobin", "rr":
		return RoundRobin, nil
	}
	return 0, fmt.Errorf("unknown strategy %q (want failover or round-robin)", s)
}

// Defaults used by NewOptions.
const (
	DefaultMaxBatchMessages = 256
	DefaultMaxBatchBytes    = 1 << 20 // 1 MiB of message bodies
	DefaultFlushInterval    = 100 * time.Millisecond
	DefaultMaxRetries       = 5
	DefaultRetryBackoff     = 100 * time.Millisecond
	DefaultMaxRetryBackoff  = 5 * time.Second
)

// Options configures a Publisher. Build it with NewOptions, which fills in
// the defaults, change what you need, and pass it to NewPublisher, which
// calls Validate (as go-nsq does with its Config).
type Options struct {
	// Addrs are the nsqd TCP addresses (host:port). At least one.
	Addrs []string
	// Strategy spreads batches over Addrs (default Failover).
	Strategy Strategy

	// MaxBatchMessages bounds the number of messages in one MPUB
	// (default 256).
	MaxBatchMessages int
	// MaxBatchBytes bounds the sum of body sizes in one MPUB (default
	// 1 MiB). A single body larger than this is sent alone; nsqd rejects
	// bodies above its --max-msg-size (default 1 MiB).
	MaxBatchBytes int
	// FlushInterval bounds how long a partial batch waits for more bodies
	// from a slow source (for example stdin fed by hand) before it is sent
	// anyway (default 100 ms).
	FlushInterval time.Duration

	// Rate limits publishing to this many messages per second; 0 means
	// unlimited. When limited, batches are capped at Rate/10 messages
	// (at least 1) so that the flow is smooth at a 100 ms granularity.
	Rate float64

	// MaxRetries is how many times a failed batch is retried before
	// Publish gives up (default 5; 0 means no retry).
	MaxRetries int
	// RetryBackoff is the wait before the first retry; it doubles on each
	// further retry up to MaxRetryBackoff (defaults 100 ms and 5 s).
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration

	// NSQConfig is the go-nsq configuration for the producers (TLS, auth,
	// timeouts...). Nil means nsq.NewConfig().
	NSQConfig *nsq.Config

	// Logger receives the publisher's logs and go-nsq's (its INF lines at
	// Debug level). Nil means slog.Default().
	Logger *slog.Logger

	// OnProgress, if set, is called after each acknowledged batch with the
	// number of messages in it. It runs on the publishing goroutine and
	// must be quick (progress.Bar.Add is a good fit).
	OnProgress func(acked int)
}

// NewOptions returns Options for the given nsqd TCP addresses with every
// default filled in.
func NewOptions(addrs ...string) Options {
	return Options{
		Addrs:            addrs,
		Strategy:         Failover,
		MaxBatchMessages: DefaultMaxBatchMessages,
		MaxBatchBytes:    DefaultMaxBatchBytes,
		FlushInterval:    DefaultFlushInterval,
		MaxRetries:       DefaultMaxRetries,
		RetryBackoff:     DefaultRetryBackoff,
		MaxRetryBackoff:  DefaultMaxRetryBackoff,
	}
}

// Validate reports every invalid field at once.
func (o *Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(o.Addrs) == 0 {
		bad("Addrs: at least one nsqd TCP address is required")
	}
	for i, a := range o.Addrs {
		if a == "" {
			bad("Addrs[%d]: empty address", i)
		}
	}
	if o.Strategy != Failover && o.Strategy != RoundRobin {
		bad("Strategy: invalid value %d", int(o.Strategy))
	}
	if o.MaxBatchMessages < 1 {
		bad("MaxBatchMessages: %d, must be >= 1", o.MaxBatchMessages)
	}
	if o.MaxBatchBytes < 1 {
		bad("MaxBatchBytes: %d, must be >= 1", o.MaxBatchBytes)
	}
	if o.FlushInterval <= 0 {
		bad("FlushInterval: %s, must be > 0", o.FlushInterval)
	}
	if o.Rate < 0 || o.Rate != o.Rate { // negative or NaN
		bad("Rate: %v, must be >= 0 (0 = unlimited)", o.Rate)
	}
	if o.MaxRetries < 0 {
		bad("MaxRetries: %d, must be >= 0", o.MaxRetries)
	}
	if o.RetryBackoff < 0 {
		bad("RetryBackoff: %s, must be >= 0", o.RetryBackoff)
	}
	if o.MaxRetryBackoff < o.RetryBackoff {
		bad("MaxRetryBackoff: %s, must be >= RetryBackoff (%s)", o.MaxRetryBackoff, o.RetryBackoff)
	}
	if o.NSQConfig != nil {
		if err := o.NSQConfig.Validate(); err != nil {
			bad("NSQConfig: %w", err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("producers: invalid options: %w", errors.Join(errs...))
	}
	return nil
}

// batchLimit is the effective maximum number of messages per batch.
func (o *Options) batchLimit() int {
	n := o.MaxBatchMessages
	if o.Rate > 0 {
		if r := int(o.Rate / 10); r < n {
			n = max(r, 1)
		}
	}
	return n
}
