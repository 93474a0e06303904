package primality

import (
	"errors"

	"github.com/nsqfarm/nsqfarm/internal/primes"
)

// Options configures a Handler; the yaml tags are the keys of the stage's
// options in topics.yaml. Start from DefaultOptions.
type Options struct {
	// MaxDigits is the most decimal digits accepted in "number"; longer
	// numbers are dead-lettered. It bounds the work per message: the
	// primality test costs roughly the cube of the length.
	MaxDigits int `yaml:"max_digits"`
	// FactorBudget bounds the factoring of composites of 2^64 and above.
	// Smaller numbers are always factored completely.
	FactorBudget primes.Budget `yaml:"factor_budget"`
}

// DefaultOptions returns the default options: numbers of up to 10000
// digits and primes.DefaultBudget for factoring.
func DefaultOptions() Options {
	return Options{MaxDigits: 10000, FactorBudget: primes.DefaultBudget()}
}

// validate reports the first invalid option.
func (o Options) validate() error {
	if o.MaxDigits < 1 {
		return errors.New("MaxDigits must be at least 1")
	}
	if o.FactorBudget.RhoSteps < 0 {
		return errors.New("FactorBudget.RhoSteps must not be negative")
	}
	return nil
}
