package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// Kinds of job, as recorded in store.Job.Kind.
const (
	KindLP     = "lp"
	KindNumber = "number"
)

// Defaults of Options.
const (
	DefaultAddress           = "127.0.0.1:8080"
	DefaultMaxBodyBytes      = 8 << 20
	DefaultControlTopic      = "lp_control"
	DefaultLPDeadline        = 10 * time.Minute
	DefaultNumberDeadline    = 2 * time.Minute
	DefaultReconcileInterval = 10 * time.Second
	DefaultEventsInterval    = 200 * time.Millisecond
	// DefaultRetention keeps finished jobs and results for 30 days.
	DefaultRetention = 30 * 24 * time.Hour
	// MaxSweepJobs is the most jobs one sweep may have.
	MaxSweepJobs = 1_000_000
)

// Options configure a Server. Start from NewOptions.
type Options struct {
	// Store is the results store the jobs are recorded in. Required.
	Store store.Store
	// Topology gives the topics to publish to (the input topics of its
	// lpsolve and primality stages, their dead-letter topics) and the
	// stages' options, with which jobs are validated. Required.
	Topology *topology.Topology
	// NSQDTCPAddresses are the nsqds jobs are published to, the first
	// that takes them (failover). Required.
	NSQDTCPAddresses []string
	// NSQConfig is the go-nsq configuration of the publishers (TLS,
	// auth); nil means nsq.NewConfig().
	NSQConfig *nsq.Config
	// Address is where Run serves (default 127.0.0.1:8080; port 0 takes
	// a free port).
	Address string
	// MaxBodyBytes bounds a request body, an uploaded file and its
	// decompressed content (default 8 MiB); larger ones are answered 413.
	MaxBodyBytes int64
	// Token, when set, is the bearer token POST and DELETE requests must
	// carry (Authorization: Bearer TOKEN); GET requests stay open.
	Token string
	// ControlTopic receives the cancellations of lp jobs (default
	// lp_control).
	ControlTopic string
	// LPDeadline and NumberDeadline are how long a published job may go
	// without a result before the reconciler publishes it again (defaults
	// 10 min, above the lpsolve stage's message timeout so that a slow
	// solve is not duplicated, and 2 min).
	LPDeadline     time.Duration
	NumberDeadline time.Duration
	// ReconcileInterval is how often the reconciler looks for such jobs
	// (default 10 s); negative disables the reconciler.
	ReconcileInterval time.Duration
	// EventsInterval is how often the store's changes are polled for the
	// event stream (default 200 ms).
	EventsInterval time.Duration
	// Retention, when above 0, is how long finished jobs and results are
	// kept: once an hour (and at start) the server prunes the store of
	// those older than that (store.Prune). 0 keeps everything; NewOptions
	// gives DefaultRetention.
	Retention time.Duration
	// Page is served at / (the web page); nil serves nothing there.
	Page http.Handler
	// Logger receives the logs; nil means slog.Default().
	Logger *slog.Logger
}

// NewOptions returns Options with every default filled in.
func NewOptions(st store.Store, t *topology.Topology, nsqdTCPAddresses ...string) Options {
	return Options{
		Store:             st,
		Topology:          t,
		NSQDTCPAddresses:  nsqdTCPAddresses,
		Address:           DefaultAddress,
		MaxBodyBytes:      DefaultMaxBodyBytes,
		ControlTopic:      DefaultControlTopic,
		LPDeadline:        DefaultLPDeadline,
		NumberDeadline:    DefaultNumberDeadline,
		ReconcileInterval: DefaultReconcileInterval,
		EventsInterval:    DefaultEventsInterval,
		Retention:         DefaultRetention,
	}
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	def := NewOptions(o.Store, o.Topology, o.NSQDTCPAddresses...)
	if o.Address == "" {
		o.Address = def.Address
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = def.MaxBodyBytes
	}
	if o.ControlTopic == "" {
		o.ControlTopic = def.ControlTopic
	}
	if o.LPDeadline == 0 {
		o.LPDeadline = def.LPDeadline
	}
	if o.NumberDeadline == 0 {
		o.NumberDeadline = def.NumberDeadline
	}
	if o.ReconcileInterval == 0 {
		o.ReconcileInterval = def.ReconcileInterval
	}
	if o.EventsInterval == 0 {
		o.EventsInterval = def.EventsInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// validate reports every invalid field at once.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.Store == nil {
		bad("Store is required")
	}
	if o.Topology == nil {
		bad("Topology is required")
	}
	if len(o.NSQDTCPAddresses) == 0 {
		bad("NSQDTCPAddresses: at least one nsqd TCP address is required")
	}
	if o.MaxBodyBytes < 1 {
		bad("MaxBodyBytes: %d, must be positive", o.MaxBodyBytes)
	}
	if !topology.ValidName(o.ControlTopic) {
		bad("ControlTopic: %q is not a valid topic name", o.ControlTopic)
	}
	if o.LPDeadline < 0 || o.NumberDeadline < 0 {
		bad("LPDeadline and NumberDeadline must not be negative")
	}
	if o.EventsInterval < 0 {
		bad("EventsInterval: %s, must not be negative", o.EventsInterval)
	}
	if len(errs) > 0 {
		return fmt.Errorf("jobs: invalid options: %w", errors.Join(errs...))
	}
	return nil
}
