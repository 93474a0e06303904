package jobs

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/consumers/primality"
	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// stageInfo is what the server needs of one stage of the topology.
type stageInfo struct {
	topic string
	check func([]byte) error
}

// Server is the job API. Build it with New, serve it with Run (or mount
// Handler in a server of your own and run the reconciler with
// Server.Reconciler).
type Server struct {
	opts  Options
	log   *slog.Logger
	store store.Store
	pub   *Publisher

	lp         *lpsolve.Handler // nil when the topology has no lpsolve stage
	lpStage    stageInfo
	numStage   stageInfo // check nil when the topology has no primality stage
	deadTopics []string

	events *broker
	rec    *Reconciler
	mux    *http.ServeMux

	reg       *metrics.Registry
	submitted map[string]*metrics.Counter // by kind

	mu sync.Mutex // guards ln
	ln net.Listener
}

// New checks opts, loads the stages' handlers from the topology to
// validate jobs with, and returns a Server. It does not listen.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, store: opts.Store, reg: metrics.NewRegistry()}
	if err := s.loadStages(opts.Topology); err != nil {
		return nil, err
	}
	pub, err := NewPublisher(opts.NSQDTCPAddresses, opts.NSQConfig, opts.Logger)
	if err != nil {
		return nil, err
	}
	s.pub = pub
	s.submitted = map[string]*metrics.Counter{}
	for _, kind := range []string{KindLP, KindNumber} {
		s.submitted[kind] = s.reg.Counter("nsqfarm_api_jobs_submitted_total", "jobs recorded by the job API", "kind", kind)
	}
	s.events = newBroker(opts.Store, opts.EventsInterval, opts.Logger)
	s.rec = NewReconciler(ReconcilerOptions{
		Store:     opts.Store,
		Publisher: pub,
		Deadlines: map[string]time.Duration{KindLP: opts.LPDeadline, KindNumber: opts.NumberDeadline},
		Interval:  opts.ReconcileInterval,
		Metrics:   s.reg,
		Logger:    opts.Logger,
	})
	s.routes()
	return s, nil
}

// loadStages finds the lpsolve and primality stages of t and builds
// their handlers with the stages' options, as the stages do.
func (s *Server) loadStages(t *topology.Topology) error {
	seen := map[string]bool{}
	for _, name := range t.StageNames() {
		st := t.Stages[name]
		if st.DeadLetter != "" && !seen[st.DeadLetter] {
			seen[st.DeadLetter] = true
			s.deadTopics = append(s.deadTopics, st.DeadLetter)
		}
		if st.Handler != lpsolve.Spec.Name && st.Handler != primality.Spec.Name {
			continue
		}
		spec, err := consumers.Catalogue.Spec(st.Handler)
		if err != nil {
			return fmt.Errorf("jobs: %s: stages.%s.handler: %w", t.File, name, err)
		}
		h, err := spec.New(&st.Options, t.MaxMsgSize(), s.store)
		if err != nil {
			return fmt.Errorf("jobs: %w", t.OptionsError(name, err))
		}
		switch h := h.(type) {
		case *lpsolve.Handler:
			if s.lp == nil {
				s.lp, s.lpStage = h, stageInfo{topic: st.Topic, check: h.Check}
			}
		case *primality.Handler:
			if s.numStage.check == nil {
				s.numStage = stageInfo{topic: st.Topic, check: h.Check}
			}
		}
	}
	if s.lp == nil && s.numStage.check == nil {
		return fmt.Errorf("jobs: %s has neither an lpsolve nor a primality stage", t.File)
	}
	return nil
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Reconciler returns the server's reconciler (Run runs it).
func (s *Server) Reconciler() *Reconciler { return s.rec }

// Listen binds Options.Address, if not done yet, and returns the bound
// address (useful with port 0).
func (s *Server) Listen() (net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		ln, err := net.Listen("tcp", s.opts.Address)
		if err != nil {
			return nil, fmt.Errorf("jobs: listen: %w", err)
		}
		s.ln = ln
	}
	return s.ln.Addr(), nil
}

// Run serves the API on Options.Address (see Listen) and runs the
// reconciler until ctx is done, then shuts the server down, letting
// requests in progress finish for up to 5 s, and closes the publishers.
func (s *Server) Run(ctx context.Context) error {
	if _, err := s.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	var wg sync.WaitGroup
	s.events.start(ctx)
	if s.opts.ReconcileInterval > 0 {
		wg.Go(func() { s.rec.Run(ctx) })
	}
	if s.opts.Retention > 0 {
		wg.Go(func() { prune(ctx, s.opts.Store, s.opts.Retention, pruneInterval, s.log) })
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(s.ln) }()
	s.log.Info("job API listening", "address", s.ln.Addr().String())
	var err error
	select {
	case err = <-served:
		cancel()
	case <-ctx.Done():
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(sctx)
		scancel()
		<-served
	}
	wg.Wait()
	s.pub.Stop()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// routes registers every endpoint.
func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /api/jobs", s.handleSubmit)
	m.HandleFunc("GET /api/jobs", s.handleList)
	m.HandleFunc("GET /api/jobs/{id}", s.handleJob)
	m.HandleFunc("POST /api/jobs/{id}/cancel", s.handleCancel)
	m.HandleFunc("DELETE /api/jobs/{id}", s.handleCancel)
	m.HandleFunc("POST /api/sweeps", s.handleSweep)
	m.HandleFunc("GET /api/sweeps/{sweep}", s.handleSweepSummary)
	m.HandleFunc("GET /api/sweeps/{sweep}/results.csv", s.handleSweepCSV)
	m.HandleFunc("GET /api/sweeps/{sweep}/results.json", s.handleSweepJSON)
	m.HandleFunc("GET /api/events", s.handleEvents)
	m.HandleFunc("GET /api/counts", s.handleCounts)
	m.HandleFunc("GET /api/dead", s.handleDead)
	m.HandleFunc("GET /api/models", s.handleModels)
	m.HandleFunc("GET /api/openapi.json", handleOpenAPI)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path), "")
	})
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = s.reg.WriteTo(w)
	})
	if s.opts.Page != nil {
		m.Handle("/", s.opts.Page)
	}
	s.mux = http.NewServeMux()
	s.mux.Handle("/", s.authorize(m))
}

// authorize requires the bearer token, when one is set, on every request
// that changes something (any method but GET, HEAD and OPTIONS).
func (s *Server) authorize(next http.Handler) http.Handler {
	if s.opts.Token == "" {
		return next
	}
	want := []byte("Bearer " + s.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="nsqfarm"`)
				writeError(w, http.StatusUnauthorized, "this request needs the API token: Authorization: Bearer TOKEN", "")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// handleHealth answers 200 "ok" when the store answers and an nsqd
// accepts a connection, else 503 with the reasons.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	if _, _, err := s.store.Changes(ctx, 0, 1); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	var nsqdErrs []string
	for _, addr := range s.opts.NSQDTCPAddresses {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			nsqdErrs = append(nsqdErrs, err.Error())
			continue
		}
		c.Close()
		nsqdErrs = nil
		break
	}
	if len(nsqdErrs) > 0 {
		problems = append(problems, "no nsqd reachable: "+strings.Join(nsqdErrs, "; "))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(problems, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// apiError is an error answered to the client.
type apiError struct {
	status int
	msg    string
	field  string
}

func (e *apiError) Error() string { return e.msg }

// badRequest returns a 400 about field ("" when no one field is at fault).
func badRequest(field, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...), field: field}
}

// writeError answers {"error": msg, "field": field}.
func writeError(w http.ResponseWriter, status int, msg, field string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
		Field string `json:"field,omitempty"`
	}{msg, field})
}

// fail answers err: an *apiError as it is, a *http.MaxBytesError as 413,
// anything else as a 500 (logged).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae.status, ae.msg, ae.field)
	case errors.As(err, &mb):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is larger than the limit of %d bytes", mb.Limit), "")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error(), "")
	default:
		s.log.Error("job API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error(), "")
	}
}

// reply answers v with 200, or err when it is not nil.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
