package producers

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
)

// Range is the arithmetic progression From, From+Step, ... up to and
// including To (when reached exactly), with arbitrary-precision integers:
// ParseRange("100000000000000000000", "100000000000000001000", "1") works.
//
// When IDPrefix is set, the body of the n-th number (n from 1) also
// carries "id": IDPrefix, "-" and n.
type Range struct {
	From, To, Step *big.Int
	IDPrefix       string
}

// ParseRange parses decimal integers (optionally signed) into a Range and
// validates it: Step > 0 and From <= To.
func ParseRange(from, to, step string) (Range, error) {
	var r Range
	var errs []error
	parse := func(name, s string) *big.Int {
		n, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %q is not an integer", name, s))
		}
		return n
	}
	r.From = parse("from", from)
	r.To = parse("to", to)
	r.Step = parse("step", step)
	if len(errs) > 0 {
		return Range{}, fmt.Errorf("range: %w", errors.Join(errs...))
	}
	if err := r.Validate(); err != nil {
		return Range{}, err
	}
	return r, nil
}

// Validate checks that all bounds are set, Step > 0 and From <= To.
func (r Range) Validate() error {
	switch {
	case r.From == nil || r.To == nil || r.Step == nil:
		return errors.New("range: from, to and step are required")
	case r.Step.Sign() <= 0:
		return fmt.Errorf("range: step %s must be > 0", r.Step)
	case r.From.Cmp(r.To) > 0:
		return fmt.Errorf("range: from %s is greater than to %s", r.From, r.To)
	}
	return nil
}

// Count returns the number of values in the range: (To-From)/Step + 1.
func (r Range) Count() *big.Int {
	if r.Validate() != nil {
		return new(big.Int)
	}
	n := new(big.Int).Sub(r.To, r.From)
	n.Quo(n, r.Step)
	return n.Add(n, big.NewInt(1))
}

// Bodies yields {"number":N} for every N in the range, with N written as
// exact JSON integer digits. It reuses one buffer (see Source). An invalid
// range yields its validation error.
func (r Range) Bodies() Source {
	return func(yield func([]byte, error) bool) {
		if err := r.Validate(); err != nil {
			yield(nil, err)
			return
		}
		buf := make([]byte, 0, 64)
		var prefix []byte // ,"id":"IDPrefix-
		if r.IDPrefix != "" {
			q, err := json.Marshal(r.IDPrefix + "-")
			if err != nil {
				yield(nil, fmt.Errorf("range: id prefix: %w", err))
				return
			}
			prefix = append([]byte(`,"id":`), q[:len(q)-1]...)
		}
		seq := int64(0)
		end := func(buf []byte) []byte {
			if prefix != nil {
				seq++
				buf = append(buf, prefix...)
				buf = strconv.AppendInt(buf, seq, 10)
				buf = append(buf, '"')
			}
			return append(buf, '}')
		}
		if r.From.Sign() >= 0 {
			// Fast path: count in decimal digits, no allocation per value.
			n := []byte(r.From.String())
			step := []byte(r.Step.String())
			to := []byte(r.To.String())
			for decimalLE(n, to) {
				buf = append(buf[:0], `{"number":`...)
				buf = end(append(buf, n...))
				if !yield(buf, nil) {
					return
				}
				n = decimalAdd(n, step)
			}
			return
		}
		n := new(big.Int).Set(r.From)
		for n.Cmp(r.To) <= 0 {
			buf = append(buf[:0], `{"number":`...)
			buf = end(n.Append(buf, 10))
			if !yield(buf, nil) {
				return
			}
			n.Add(n, r.Step)
		}
	}
}

// decimalLE reports a <= b for canonical non-negative decimal digit strings.
func decimalLE(a, b []byte) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return string(a) <= string(b)
}

// decimalAdd adds the canonical non-negative decimal b to a in place
// (growing a by one digit on a final carry) and returns a.
func decimalAdd(a, b []byte) []byte {
	if len(b) > len(a) {
		pad := len(b) - len(a)
		na := make([]byte, len(b), len(b)+1)
		for i := range pad {
			na[i] = '0'
		}
		copy(na[pad:], a)
		a = na
	}
	carry := byte(0)
	i, j := len(a)-1, len(b)-1
	for ; i >= 0; i-- {
		d := a[i] - '0' + carry
		if j >= 0 {
			d += b[j] - '0'
			j--
		} else if carry == 0 {
			break
		}
		carry = d / 10
		a[i] = d%10 + '0'
	}
	if carry > 0 {
		a = append(a, 0)
		copy(a[1:], a)
		a[0] = '1'
	}
	return a
}

// AppendNumberBody appends the numbers message {"number":N} to dst.
func AppendNumberBody(dst []byte, n *big.Int) []byte {
	dst = append(dst, `{"number":`...)
	dst = n.Append(dst, 10)
	return append(dst, '}')
}
