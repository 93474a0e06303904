package primality

import (
	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/primes"
)

// Options configures a Handler: the options of a primality stage in
// topics.yaml, each documented by its doc tag. Start from DefaultOptions.
type Options struct {
	MaxDigits    int           `yaml:"max_digits" doc:"most decimal digits accepted in \"number\"; longer numbers are dead-lettered (a test costs about digits³)"`
	FactorBudget primes.Budget `yaml:"factor_budget" doc:"bounds the factoring of composites of 2^64 and above (trial_limit: trial division by primes below it; rho_steps: Pollard–Brent iterations in all); smaller numbers are always factored completely"`
}

// DefaultOptions returns the default options: numbers of up to 10000
// digits and primes.DefaultBudget for factoring.
func DefaultOptions() Options {
	return Options{MaxDigits: 10000, FactorBudget: primes.DefaultBudget()}
}

// Validate reports every invalid option.
func (o Options) Validate() error {
	if o.MaxDigits < 1 {
		return stage.OptionErrorf("max_digits", "must be at least 1, got %d", o.MaxDigits)
	}
	if o.FactorBudget.RhoSteps < 0 {
		return stage.OptionErrorf("factor_budget.rho_steps", "must not be negative, got %d", o.FactorBudget.RhoSteps)
	}
	return nil
}
