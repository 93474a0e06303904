package stage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// Overrides replace topology values for one deployment (a command's
// flags); zero values keep the topology's. Concurrency and MaxInFlight are
// checked against the ranges of their settings.
type Overrides struct {
	Concurrency                 int
	MaxInFlight                 int
	LookupdHTTPAddresses        []string
	NSQDTCPAddresses            []string
	DestinationNSQDTCPAddresses []string
	// MaxMsgSize is the destination nsqds' --max-msg-size.
	MaxMsgSize int
}

// FarmOptions configure a Farm.
type FarmOptions struct {
	// Topology is the validated topics.yaml.
	Topology *topology.Topology
	// Catalogue holds the specs of the stages' handlers.
	Catalogue *Catalogue
	// Stages names the stages to run; empty means every stage.
	Stages []string
	// Overrides apply to every stage.
	Overrides Overrides
	// MetricsAddress serves /metrics and /healthz; "" disables it.
	MetricsAddress string
	// DrainTimeout bounds each stage's graceful stop (0: the default).
	DrainTimeout time.Duration
	// Logger receives logs; nil means slog.Default().
	Logger *slog.Logger
	// Store is the process's results store, given to the handlers that
	// write to one (Spec.NeedsStore); the caller opens and closes it.
	Store store.Store
	// CheckOnly builds the farm to check it (nsqfarm lint): a handler
	// that needs a store it was not given has its options checked
	// instead of being built. A CheckOnly farm must not be run.
	CheckOnly bool
}

// Farm is a set of stages ready to run in one process, with a shared
// /metrics and /healthz server.
type Farm struct {
	opts    FarmOptions
	stages  []*Stage
	reg     *metrics.Registry
	metrics *metrics.Server
}

// NewFarm builds every requested stage of the topology, each handler from
// its spec in the catalogue with the stage's options, checked against the
// destination nsqds' max_msg_size (errors name the option's line in the
// topology file), and binds the metrics address, unless it is "".
func NewFarm(opts FarmOptions) (*Farm, error) {
	if opts.Topology == nil || opts.Catalogue == nil {
		return nil, errors.New("stage: NewFarm needs a Topology and a Catalogue")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := opts.Topology
	names := opts.Stages
	if len(names) == 0 {
		names = t.StageNames()
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s declares no stages", t.File)
	}
	f := &Farm{opts: opts, reg: metrics.NewRegistry()}
	o := opts.Overrides
	maxMsgSize := t.MaxMsgSize()
	if o.MaxMsgSize > 0 {
		maxMsgSize = o.MaxMsgSize
	}
	for _, name := range names {
		st, err := t.Stage(name)
		if err != nil {
			return nil, err
		}
		spec, err := opts.Catalogue.Spec(st.Handler)
		if err != nil {
			return nil, fmt.Errorf("%s: stages.%s.handler: %w", t.File, name, err)
		}
		var h Handler
		switch {
		case spec.NeedsStore() && opts.Store == nil && opts.CheckOnly:
			err = spec.CheckOptions(&st.Options, maxMsgSize)
		case spec.NeedsStore() && opts.Store == nil:
			return nil, fmt.Errorf("stage %s: handler %q writes to a results store, and none was given (nsqfarm: --store URL or NSQFARM_STORE)", name, spec.Name)
		default:
			h, err = spec.New(&st.Options, maxMsgSize, opts.Store)
		}
		if err != nil {
			return nil, t.OptionsError(name, err)
		}
		set, err := t.ResolveSettings(st, topology.StageSettings{Concurrency: o.Concurrency, MaxInFlight: o.MaxInFlight})
		if err != nil {
			return nil, err
		}
		cfg := Config{
			Name:                        name,
			Topic:                       st.Topic,
			Topics:                      st.Topics,
			Channel:                     st.Channel,
			Outputs:                     st.Outputs,
			DeadLetter:                  st.DeadLetter,
			Settings:                    set,
			LookupdHTTPAddresses:        t.Defaults.LookupdHTTPAddresses,
			NSQDTCPAddresses:            t.Defaults.NSQDTCPAddresses,
			DestinationNSQDTCPAddresses: o.DestinationNSQDTCPAddresses,
			MaxMsgSize:                  maxMsgSize,
			DrainTimeout:                opts.DrainTimeout,
			Logger:                      opts.Logger,
			Metrics:                     f.reg,
		}
		if len(o.LookupdHTTPAddresses) > 0 || len(o.NSQDTCPAddresses) > 0 {
			cfg.LookupdHTTPAddresses = o.LookupdHTTPAddresses
			cfg.NSQDTCPAddresses = o.NSQDTCPAddresses
		}
		s, err := New(cfg, h)
		if err != nil {
			return nil, err
		}
		f.stages = append(f.stages, s)
	}
	if opts.MetricsAddress != "" {
		srv, err := metrics.Listen(opts.MetricsAddress, f.reg, f.Health)
		if err != nil {
			return nil, err
		}
		f.metrics = srv
	}
	return f, nil
}

// Stages returns the farm's stages.
func (f *Farm) Stages() []*Stage { return f.stages }

// MetricsAddr returns the bound metrics address, or "" when disabled.
func (f *Farm) MetricsAddr() string {
	if f.metrics == nil {
		return ""
	}
	return f.metrics.Addr().String()
}

// Health reports nil when every stage can work, with a line for each
// degraded part (a destination nsqd that is down while others are up).
func (f *Farm) Health() (detail string, err error) {
	var (
		errs  []error
		lines []string
	)
	for _, s := range f.stages {
		d, err := s.Health()
		errs = append(errs, err)
		lines = append(lines, d...)
	}
	return strings.Join(lines, "\n"), errors.Join(errs...)
}

// Run runs every stage until ctx is done, then drains them all and
// returns. If a stage fails, the others are stopped too and the error is
// returned.
func (f *Farm) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if f.metrics != nil {
		go func() {
			if err := f.metrics.Serve(); err != nil {
				f.opts.Logger.Error("metrics server stopped", "err", err)
			}
		}()
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
			defer c()
			_ = f.metrics.Shutdown(sctx)
		}()
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range f.stages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
