package lpsolve

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
	"github.com/nsqfarm/nsqfarm/internal/lp/template"
)

// PortSolution is the handler's only output port (see Spec).
const PortSolution = "solution"

// Spec declares the lpsolve handler: its port, its Options and New.
var Spec = stage.NewSpec("lpsolve",
	"solves linear and mixed-integer programs: named models with parameters, inline models, LP or MPS text",
	[]stage.Port{{Name: PortSolution, Doc: "one solution per job, whatever its status"}},
	DefaultOptions, New)

// Handler solves the jobs of the lp_params topic, and takes the cancels
// of the control topic (see Control). It is safe for concurrent use.
type Handler struct {
	opts      Options
	templates *template.Set
	// engine solves the models; nil means solver.Simplex.
	engine  solver.Engine
	cancels *cancels
}

var (
	_ stage.Handler    = (*Handler)(nil)
	_ stage.Controller = (*Handler)(nil)
)

// New returns a Handler with the embedded models and, if opts.ModelsDir is
// set, the models of that directory.
func New(opts Options) (*Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("lpsolve: %w", err)
	}
	set, err := template.LoadFS(embeddedModels, embeddedDir)
	if err != nil {
		return nil, fmt.Errorf("lpsolve: embedded models: %w", err)
	}
	if opts.ModelsDir != "" {
		extra, err := template.LoadDir(opts.ModelsDir)
		if err != nil {
			return nil, fmt.Errorf("lpsolve: models_dir: %w", err)
		}
		set.Merge(extra)
	}
	return &Handler{opts: opts, templates: set, cancels: newCancels(cancelCapacity, cancelMemory)}, nil
}

// Models returns the names of the models jobs can refer to.
func (h *Handler) Models() []string { return h.templates.Names() }

// Handle solves one job and emits its Solution on PortSolution. Malformed
// jobs give permanent errors; an interrupted solve (ctx done) gives ctx's
// error so that the job is retried. A job with an id that Control heard
// cancelled, before the job arrived or while it is solved, gives a
// Solution with status StatusCancelled.
func (h *Handler) Handle(ctx context.Context, in *stage.Input, out *stage.Outputs) error {
	j, err := decodeJob(in.Body)
	if err != nil {
		return stage.Permanent(err)
	}
	m, label, params, err := h.build(j)
	if err != nil {
		return stage.Permanent(err)
	}
	if err := h.opts.checkSize(m); err != nil {
		return stage.Permanent(err)
	}
	opts := solver.Options{
		Relax:         j.Relax || h.opts.RelaxIntegers,
		TimeLimit:     h.opts.timeLimit(j.timeLimit),
		MaxIterations: h.opts.MaxIterations,
		MIPGap:        j.mipGap,
		Threads:       h.opts.MIPThreads,
		Engine:        h.engine,
	}
	var run *solveRun
	if key, ok := jobKey(j.ID); ok {
		var reason string
		if run, reason, ok = h.cancels.start(key, time.Now()); ok {
			return emit(out, cancelledSolution(reason, nil, opts.TimeLimit), j, in, label, params)
		}
		defer h.cancels.finish(key, run)
		if opts.Engine == nil {
			opts.Engine = solver.Simplex{}
		}
		opts.Engine = stoppable{engine: opts.Engine, run: run}
	}
	res, err := solver.Solve(ctx, m, opts)
	if reason, ok := run.cancelled(); ok {
		// Cancelled while it ran: whatever the solve gave, the job
		// ends here (a shutdown that interrupts a job not cancelled
		// gives ctx's error below, and the job is retried).
		return emit(out, cancelledSolution(reason, res, opts.TimeLimit), j, in, label, params)
	}
	switch {
	case errors.Is(err, solver.ErrInvalidModel):
		return stage.Permanent(err)
	case err != nil:
		// Interrupted (shutdown): a transient error, the job is retried.
		return fmt.Errorf("lpsolve: %w", err)
	}
	return emit(out, NewSolution(m, res), j, in, label, params)
}

// emit completes the solution of job j, read from in, with the job's
// identity and emits it on PortSolution.
func emit(out *stage.Outputs, sol *Solution, j *job, in *stage.Input, label string, params Object[json.Number]) error {
	sol.ID, sol.InputID, sol.Model, sol.Params = j.ID, in.ID, label, params
	body, err := json.Marshal(sol)
	if err != nil {
		return fmt.Errorf("lpsolve: encode solution: %w", err)
	}
	out.Emit(PortSolution, body)
	return nil
}
