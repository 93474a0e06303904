// Package primality is the primality stage: for each message it decides
// whether a number is prime and, if not, factors it.
//
// # Input
//
// A message body is a JSON object with a "number" field, for example
// {"number": 97, "job": "a"}, or a bare JSON integer such as 97. The number
// is a non-negative integer of any size (up to Options.MaxDigits digits),
// written either as a JSON integer or as a JSON string of the decimal digits
// 0-9: no sign, spaces, escapes or leading zeros. It is never converted to
// floating point. Anything else (invalid JSON, other JSON values, a missing
// or repeated "number", negative numbers, fractions such as 1.5, exponent
// forms such as 1e3, other strings, null, booleans, too many digits) is
// rejected with a [stage.Permanent] error that says why. So is a body that
// encoding/json accepts but strict parsers do not, or that is nested
// deeper than MaxDepth: invalid UTF-8 inside strings, \u escapes of
// unpaired surrogates ("input is not valid UTF-8 JSON: ..."). Every output
// is therefore valid UTF-8 JSON that strict parsers read.
//
// # Output
//
// The output is the input object, byte for byte, with these fields added
// before its closing brace (a bare integer N becomes {"number":N,...}):
//
//   - "prime": true or false. Above 2^64 this is the Baillie–PSW test, for
//     which no counterexample is known; below it is exact.
//   - "factors" (composites only): the prime factors as decimal strings, in
//     ascending order with multiplicity. 0 and 1 have "factors": [].
//   - "factors_complete" (composites of 2^64 and above only): whether the
//     factoring, bounded by Options.FactorBudget, found every factor.
//   - "cofactor" (only when "factors_complete" is false): the unfactored
//     composite part, as a decimal string; the product of "factors" and
//     "cofactor" is the number.
//   - "input_id": the input's id (stage.Input.ID), for deduplication
//     downstream.
//
// Input members named like one of these fields are not copied: the
// handler's value replaces them. Whitespace around the input object is
// dropped. Primes go to port "prime", everything else to "composite".
package primality

import (
	"context"
	"fmt"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/primes"
)

// Output port names (see Spec).
const (
	PortPrime     = "prime"
	PortComposite = "composite"
)

// Spec declares the primality handler: its ports, its Options and New.
var Spec = stage.NewSpec("primality",
	"decides whether each number is prime and factors the others",
	[]stage.Port{
		{Name: PortPrime, Doc: `primes: the input object plus "prime": true`},
		{Name: PortComposite, Doc: `0, 1 and composites: the input object plus "prime": false and "factors"`},
	},
	DefaultOptions, New)

// Handler is the primality stage's stage.Handler. It is safe for
// concurrent use.
type Handler struct {
	opts Options
}

var _ stage.Handler = (*Handler)(nil)

// New returns a Handler with the given options.
func New(opts Options) (*Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("primality: invalid options: %w", err)
	}
	return &Handler{opts: opts}, nil
}

// Handle classifies the number in one message and emits the result on
// PortPrime or PortComposite. Bad input yields a stage.Permanent error.
// Only numbers of 2^64 and above watch ctx, as only their work can take
// long; when ctx is done first, Handle returns an error wrapping ctx's,
// not marked permanent, so the message is retried.
func (h *Handler) Handle(ctx context.Context, in *stage.Input, out *stage.Outputs) error {
	msg, err := parseMessage(in.Body, h.opts.MaxDigits)
	if err != nil {
		return stage.Permanent(fmt.Errorf("primality: message %s: %w", in.ID, err))
	}
	var body []byte
	var prime bool
	if msg.n.big == nil {
		body, prime = encodeSmall(&msg, in.ID)
	} else {
		body, prime, err = h.encodeBig(ctx, &msg, in.ID)
		if err != nil {
			return fmt.Errorf("primality: message %s: %w", in.ID, err)
		}
	}
	port := PortComposite
	if prime {
		port = PortPrime
	}
	out.Emit(port, body)
	return nil
}

// fieldsSize estimates the bytes the output adds besides the factors.
const fieldsSize = len(`{"number":,"prime":false,"factors":[],"factors_complete":false,"cofactor":"","input_id":""}`)

// encodeSmall returns the output for a number below 2^64 and whether it is
// prime.
func encodeSmall(msg *message, id string) ([]byte, bool) {
	n := msg.n.small
	prime := primes.IsPrime64(n)
	var buf [64]uint64 // a uint64 has at most 64 prime factors
	var factors []uint64
	if !prime {
		factors = primes.AppendFactors64(buf[:0], n)
	}
	size := len(msg.obj) + len(msg.raw) + len(id) + fieldsSize + len(factors)*len(`"18446744073709551615",`)
	dst := msg.appendHead(make([]byte, 0, size))
	dst = appendPrime(dst, prime)
	if !prime {
		dst = appendFactors64(dst, factors)
	}
	return appendTail(dst, id), prime
}

// encodeBig returns the output for a number of 2^64 or more and whether it
// is prime.
func (h *Handler) encodeBig(ctx context.Context, msg *message, id string) ([]byte, bool, error) {
	n := msg.n.big
	prime, err := primes.IsProbablePrimeContext(ctx, n)
	if err != nil {
		return nil, false, err
	}
	var f primes.Factorization
	if !prime {
		if f, err = primes.FactorBounded(ctx, n, h.opts.FactorBudget); err != nil {
			return nil, false, err
		}
	}
	size := len(msg.obj) + len(msg.raw) + len(id) + fieldsSize + 2*len(msg.raw)
	dst := msg.appendHead(make([]byte, 0, size))
	dst = appendPrime(dst, prime)
	if !prime {
		dst = appendFactorsBig(dst, f.Factors, f.Cofactor)
	}
	return appendTail(dst, id), prime, nil
}
