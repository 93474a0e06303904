package lpsolve

import (
	"errors"
	"fmt"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// Options configures a Handler; the yaml tags are the keys of the stage's
// options in topics.yaml. Start from DefaultOptions.
type Options struct {
	// ModelsDir is an optional directory of model files (see package
	// template) added to the embedded models; a file there replaces the
	// embedded model of the same name.
	ModelsDir string `yaml:"models_dir"`
	// MaxTimeLimitMS caps the time limit of a job, in milliseconds. It
	// must be positive.
	MaxTimeLimitMS int64 `yaml:"max_time_limit_ms"`
	// DefaultTimeLimitMS is the time limit of jobs that give none; 0 means
	// MaxTimeLimitMS.
	DefaultTimeLimitMS int64 `yaml:"default_time_limit_ms"`
	// MaxIterations bounds the simplex iterations of one solve (of each
	// relaxation of a branch-and-bound search); 0 lets the engine choose
	// from the model size.
	MaxIterations int `yaml:"max_iterations"`
	// RelaxIntegers solves every model with integer variables as its
	// linear relaxation, as if each job said "relax": true, instead of by
	// branch and bound.
	RelaxIntegers bool `yaml:"relax_integers"`
	// MaxVariables, MaxConstraints and MaxNonzeros reject larger models as
	// malformed jobs; 0 means no limit.
	MaxVariables   int `yaml:"max_variables"`
	MaxConstraints int `yaml:"max_constraints"`
	MaxNonzeros    int `yaml:"max_nonzeros"`
	// MaxTextBytes bounds the "text" of LP and MPS jobs and the encoded size
	// of inline models; 0 means no limit.
	MaxTextBytes int `yaml:"max_text_bytes"`
}

// DefaultOptions returns the defaults: a 60 s cap and 10 s default time
// limit, up to 40000 variables, 10000 constraints, 2000000 nonzeros and
// 1000000 bytes of model text, so that jobs and solutions fit in NSQ's
// default 1 MiB message (see CheckMaxMsgSize).
func DefaultOptions() Options {
	return Options{
		MaxTimeLimitMS:     60000,
		DefaultTimeLimitMS: 10000,
		MaxVariables:       40000,
		MaxConstraints:     10000,
		MaxNonzeros:        2000000,
		MaxTextBytes:       1000000,
	}
}

// validate reports the first invalid option.
func (o Options) validate() error {
	switch {
	case o.MaxTimeLimitMS <= 0:
		return errors.New("max_time_limit_ms must be positive")
	case o.DefaultTimeLimitMS < 0 || o.DefaultTimeLimitMS > o.MaxTimeLimitMS:
		return fmt.Errorf("default_time_limit_ms must be between 0 and max_time_limit_ms (%d)", o.MaxTimeLimitMS)
	case o.MaxIterations < 0:
		return errors.New("max_iterations must not be negative")
	case o.MaxVariables < 0 || o.MaxConstraints < 0 || o.MaxNonzeros < 0 || o.MaxTextBytes < 0:
		return errors.New("max_variables, max_constraints, max_nonzeros and max_text_bytes must not be negative")
	}
	return nil
}

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
