package lpsolve

import (
	"context"
	"errors"
	"fmt"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/handler"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
	"github.com/nsqfarm/nsqfarm/internal/lp/template"
)

// PortSolution is the handler's only output port (the solutions topic).
const PortSolution = "solution"

// Handler solves the jobs of the lp_params topic. It is safe for
// concurrent use.
type Handler struct {
	opts      Options
	templates *template.Set
	// engine solves the models; nil means solver.Simplex.
	engine solver.Engine
}

var (
	_ handler.Handler = (*Handler)(nil)
	_ handler.Ports   = (*Handler)(nil)
)

// New returns a Handler with the embedded models and, if opts.ModelsDir is
// set, the models of that directory.
func New(opts Options) (*Handler, error) {
	if err := opts.validate(); err != nil {
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
	return &Handler{opts: opts, templates: set}, nil
}

// Ports returns the single port, PortSolution.
func (h *Handler) Ports() []string { return []string{PortSolution} }

// Models returns the names of the models jobs can refer to.
func (h *Handler) Models() []string { return h.templates.Names() }

// Handle solves one job and emits its Solution on PortSolution. Malformed
// jobs give permanent errors; an interrupted solve (ctx done) gives ctx's
// error so that the job is retried.
func (h *Handler) Handle(ctx context.Context, in *handler.Input, out *handler.Outputs) error {
	j, err := decodeJob(in.Body)
	if err != nil {
		return handler.Permanent(err)
	}
	m, label, params, err := h.build(j)
	if err != nil {
		return handler.Permanent(err)
	}
	if err := h.opts.checkSize(m); err != nil {
		return handler.Permanent(err)
	}
	res, err := solver.Solve(ctx, m, solver.Options{
		Relax:         j.Relax || h.opts.RelaxIntegers,
		TimeLimit:     h.opts.timeLimit(j.timeLimit),
		MaxIterations: h.opts.MaxIterations,
		Engine:        h.engine,
	})
	switch {
	case errors.Is(err, solver.ErrInvalidModel):
		return handler.Permanent(err)
	case err != nil:
		// Interrupted (shutdown): a transient error, the job is retried.
		return fmt.Errorf("lpsolve: %w", err)
	}
	sol := NewSolution(m, res)
	sol.ID, sol.InputID, sol.Model, sol.Params = j.ID, in.ID, label, params
	body, err := json.Marshal(sol)
	if err != nil {
		return fmt.Errorf("lpsolve: encode solution: %w", err)
	}
	out.Emit(PortSolution, body)
	return nil
}
