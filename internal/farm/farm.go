// Package farm runs a set of stages from a topology in one process, with a
// shared /metrics and /healthz server. Both `nsqfarm up` and `nsqfarm
// consume` are built on it.
package farm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/handler"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// Overrides replace topology values for one deployment; zero values keep
// the topology's.
type Overrides struct {
	Concurrency                 int
	MaxInFlight                 int
	LookupdHTTPAddresses        []string
	NSQDTCPAddresses            []string
	DestinationNSQDTCPAddresses []string
	// MaxMsgSize is the destination nsqds' --max-msg-size.
	MaxMsgSize int
}

// Options configure a Farm.
type Options struct {
	// Topology is the validated topics.yaml.
	Topology *topology.Topology
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
}

// Farm is a set of stages ready to run.
type Farm struct {
	opts    Options
	stages  []*stage.Stage
	reg     *metrics.Registry
	metrics *metrics.Server
}

// New builds every requested stage (checking each handler's options, and
// its size options against the topology's max_msg_size) and binds the
// metrics address, unless it is "".
func New(opts Options) (*Farm, error) {
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
	maxMsgSize := t.MaxMsgSize()
	if opts.Overrides.MaxMsgSize > 0 {
		maxMsgSize = opts.Overrides.MaxMsgSize
	}
	for _, name := range names {
		st, err := t.Stage(name)
		if err != nil {
			return nil, err
		}
		h, err := consumers.NewHandler(st.Handler, st.Options)
		if err != nil {
			return nil, fmt.Errorf("%s: stages.%s.options: %w", t.File, name, err)
		}
		if sl, ok := h.(handler.MessageSizeLimited); ok {
			if err := sl.CheckMaxMsgSize(maxMsgSize); err != nil {
				return nil, fmt.Errorf("%s: stages.%s.options: %w", t.File, name, err)
			}
		}
		cfg := stage.FromTopology(t, st)
		o := opts.Overrides
		if o.Concurrency > 0 {
			cfg.Settings.Concurrency = o.Concurrency
		}
		if o.MaxInFlight > 0 {
			cfg.Settings.MaxInFlight = o.MaxInFlight
		}
		if len(o.LookupdHTTPAddresses) > 0 || len(o.NSQDTCPAddresses) > 0 {
			cfg.LookupdHTTPAddresses = o.LookupdHTTPAddresses
			cfg.NSQDTCPAddresses = o.NSQDTCPAddresses
		}
		if len(o.DestinationNSQDTCPAddresses) > 0 {
			cfg.DestinationNSQDTCPAddresses = o.DestinationNSQDTCPAddresses
		}
		cfg.MaxMsgSize = maxMsgSize
		cfg.DrainTimeout = opts.DrainTimeout
		cfg.Logger = opts.Logger
		cfg.Metrics = f.reg
		s, err := stage.New(cfg, h)
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
func (f *Farm) Stages() []*stage.Stage { return f.stages }

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
