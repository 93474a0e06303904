package lpsolve

import (
	"context"
	"errors"
	"fmt"

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

// Handler solves the jobs of the lp_params topic. It is safe for
// concurrent use.
type Handler struct {
	opts      Options
	templates *template.Set
	// engine solves the models; nil means solver.Simplex.
	engine solver.Engine
}

var _ stage.Handler = (*Handler)(nil)

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
	return &Handler{opts: opts, templates: set}, nil
}

// Models returns the names of the models jobs can refer to.
func (h *Handler) Models() []string { return h.templates.Names() }

// Handle solves one job and emits its Solution on PortSolution. Malformed
// jobs give permanent errors; an interrupted solve (ctx done) gives ctx's
// error so that the job is retried.
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
	res, err := solver.Solve(ctx, m, solver.Options{
		Relax:         j.Relax || h.opts.RelaxIntegers,
		TimeLimit:     h.opts.timeLimit(j.timeLimit),
		MaxIterations: h.opts.MaxIterations,
		Engine:        h.engine,
	})
	switch {
	case errors.Is(err, solver.ErrInvalidModel):
		return stage.Permanent(err)
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
