package main

import (
	"context"
	"fmt"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/topology"
	"github.com/nsqfarm/nsqfarm/producers"
)

// checkSweep checks the jobs of sw against the models of the lpsolve stage
// that reads topic (or, when none does, the topology's first lpsolve
// stage), as that stage loads them: its built-in models and its
// models_dir. It fails on an unknown model, unknown or missing parameters
// and values outside a parameter's min and max.
//
// Each parameter is bounded by an interval, so the sweep's two extreme
// jobs (Sweep.Extremes) stand for all of its jobs. Each goes through the
// stage's own handler with a context that is already done: the handler
// decodes the job and instantiates the model, rejecting a malformed job
// with a permanent error, and the solver, seeing the context done, gives
// up before its first iteration.
func checkSweep(t *topology.Topology, topic string, sw producers.Sweep) error {
	st, err := stageOf(t, lpsolveHandler, topic)
	if err != nil {
		if st, err = stageOf(t, lpsolveHandler, ""); err != nil {
			return fmt.Errorf("cannot check the jobs: %w", err)
		}
	}
	spec, err := consumers.Catalogue.Spec(st.Handler)
	if err != nil {
		return fmt.Errorf("cannot check the jobs: %w", err)
	}
	h, err := spec.New(&st.Options, t.MaxMsgSize(), nil)
	if err != nil {
		return fmt.Errorf("%s: stages.%s.options: %w", t.File, st.Name, err)
	}
	lowest, highest, err := sw.Extremes()
	if err != nil {
		return err
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, extreme := range []producers.Sweep{lowest, highest} {
		for body, err := range extreme.Jobs() {
			if err != nil {
				return err
			}
			var out stage.Outputs
			if err := h.Handle(done, &stage.Input{Body: body, Attempt: 1}, &out); stage.IsPermanent(err) {
				return fmt.Errorf("stage %s rejects the jobs: %w", st.Name, err)
			}
		}
	}
	return nil
}
