package lpsolve

import (
	"errors"
	"fmt"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Options configures a Handler: the options of an lpsolve stage in
// topics.yaml, each documented by its doc tag. Start from DefaultOptions.
type Options struct {
	ModelsDir          string `yaml:"models_dir" doc:"directory of model files (see package template) added to the embedded models; a file there replaces the embedded model of the same name"`
	MaxTimeLimitMS     int64  `yaml:"max_time_limit_ms" doc:"cap on a job's time_limit_ms, in milliseconds; positive"`
	DefaultTimeLimitMS int64  `yaml:"default_time_limit_ms" doc:"time limit of jobs that give none, in milliseconds; 0: max_time_limit_ms"`
	MaxIterations      int    `yaml:"max_iterations" doc:"simplex iterations of one solve (of each relaxation of a branch-and-bound search); 0: chosen by the engine from the model size"`
	RelaxIntegers      bool   `yaml:"relax_integers" doc:"solve every model with integer variables as its linear relaxation, as if each job said \"relax\": true"`
	MaxVariables       int    `yaml:"max_variables" doc:"larger models are malformed jobs (dead-lettered); with max_constraints, bounds the size of a solution (checked against max_msg_size)"`
	MaxConstraints     int    `yaml:"max_constraints" doc:"larger models are malformed jobs (dead-lettered); with max_variables, bounds the size of a solution (checked against max_msg_size)"`
	MaxNonzeros        int    `yaml:"max_nonzeros" doc:"larger models are malformed jobs (dead-lettered); 0: no limit"`
	MaxTextBytes       int    `yaml:"max_text_bytes" doc:"bytes of the \"text\" of LP and MPS jobs and of the encoding of inline models; at most max_msg_size"`
	// MIPThreads is 1 by default because the stage's concurrency (by
	// default one handler per core) already keeps every core busy with a
	// job of its own when jobs queue up: workers of one search on cores
	// that solve other jobs only add the rounds' overhead. One thread
	// also gives a job the same answer (point, bound, node count) on
	// every consumer, whatever its number of cores. A stage that solves
	// large integer models one at a time (concurrency: 1) should set it
	// to its cores.
	MIPThreads int `yaml:"mip_threads" doc:"workers of the branch-and-bound search of one job, 1 to 256; the result is the same on every run for a given value. Keep 1 while the stage's concurrency runs one job per core; with concurrency 1, the number of cores"`
}

// DefaultOptions returns the defaults: a 60 s cap and 10 s default time
// limit, up to 40000 variables, 10000 constraints, 2000000 nonzeros and
// 1000000 bytes of model text, so that jobs and solutions fit in NSQ's
// default 1 MiB message (see CheckMaxMsgSize), and branch and bound on
// one thread.
func DefaultOptions() Options {
	return Options{
		MaxTimeLimitMS:     60000,
		DefaultTimeLimitMS: 10000,
		MaxVariables:       40000,
		MaxConstraints:     10000,
		MaxNonzeros:        2000000,
		MaxTextBytes:       1000000,
		MIPThreads:         1,
	}
}

// Validate reports every invalid option.
func (o Options) Validate() error {
	var errs []error
	if o.MaxTimeLimitMS <= 0 {
		errs = append(errs, stage.OptionErrorf("max_time_limit_ms", "must be positive, got %d", o.MaxTimeLimitMS))
	} else if o.DefaultTimeLimitMS < 0 || o.DefaultTimeLimitMS > o.MaxTimeLimitMS {
		errs = append(errs, stage.OptionErrorf("default_time_limit_ms", "must be between 0 and max_time_limit_ms (%d), got %d", o.MaxTimeLimitMS, o.DefaultTimeLimitMS))
	}
	for _, limit := range []struct {
		name  string
		value int
	}{
		{"max_iterations", o.MaxIterations},
		{"max_variables", o.MaxVariables},
		{"max_constraints", o.MaxConstraints},
		{"max_nonzeros", o.MaxNonzeros},
		{"max_text_bytes", o.MaxTextBytes},
	} {
		if limit.value < 0 {
			errs = append(errs, stage.OptionErrorf(limit.name, "must not be negative, got %d", limit.value))
		}
	}
	if o.MIPThreads < 1 || o.MIPThreads > MaxMIPThreads {
		errs = append(errs, stage.OptionErrorf("mip_threads", "must be from 1 to %d, got %d", MaxMIPThreads, o.MIPThreads))
	}
	return errors.Join(errs...)
}

// MaxMIPThreads bounds Options.MIPThreads.
const MaxMIPThreads = 256

// timeLimit returns the time limit for a job that asked for requestedMS
// milliseconds (0 for none): the default, capped by the maximum.
func (o Options) timeLimit(requestedMS int64) time.Duration {
	ms := requestedMS
	if ms == 0 {
		ms = o.DefaultTimeLimitMS
	}
	if ms == 0 || ms > o.MaxTimeLimitMS {
		ms = o.MaxTimeLimitMS
	}
	return time.Duration(ms) * time.Millisecond
}

// checkSize rejects models over the size limits.
func (o Options) checkSize(m *lp.Model) error {
	check := func(n, limit int, what, option string) error {
		if limit > 0 && n > limit {
			return fmt.Errorf("model has %d %s, more than the limit of %d (%s)", n, what, limit, option)
		}
		return nil
	}
	return errors.Join(
		check(len(m.Vars), o.MaxVariables, "variables", "max_variables"),
		check(len(m.Rows), o.MaxConstraints, "constraints", "max_constraints"),
		check(len(m.Coefs), o.MaxNonzeros, "nonzeros", "max_nonzeros"),
	)
}

// checkText rejects model text over the size limit.
func (o Options) checkText(n int, what string) error {
	if o.MaxTextBytes > 0 && n > o.MaxTextBytes {
		return fmt.Errorf("%s is %d bytes, more than the limit of %d (max_text_bytes)", what, n, o.MaxTextBytes)
	}
	return nil
}
