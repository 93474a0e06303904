package producers

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-json"
)

// MaxParamValues bounds the number of values of one parameter.
const MaxParamValues = 1_000_000

// Param is one swept LP parameter: a name and its values, each an exact
// JSON number in canonical decimal form ("100", "0.5", "-2.25").
type Param struct {
	Name   string
	Values []string
}

// The expressions of parameter names and values, compiled on first use
// rather than when any command starts.
var (
	paramNameRE  = lazyRegexp(`^[A-Za-z0-9_.-]+$`)
	jsonNumberRE = lazyRegexp(`^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$`)
	decimalRE    = lazyRegexp(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
)

// lazyRegexp returns a function that compiles expr on its first call.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// ParseParam parses one --param flag value:
//
//	name=value            one value
//	name=v1,v2,v3         a list of values
//	name=from:to:step     from, from+step, ... up to and including to
//
// Values are decimal numbers (1e3 and 0.25 are fine). Ranges are computed
// exactly with big.Rat, so "100:1000:100" gives exactly 100, 200, ..., 1000
// and "0.5:2:0.5" gives 0.5, 1, 1.5, 2. Step must be > 0 and from <= to.
// Names are made of letters, digits, '_', '.' and '-'.
func ParseParam(s string) (Param, error) {
	name, spec, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	spec = strings.TrimSpace(spec)
	if !ok || spec == "" {
		return Param{}, fmt.Errorf("param %q: want name=value or name=from:to:step", s)
	}
	if !paramNameRE().MatchString(name) {
		return Param{}, fmt.Errorf("param %q: invalid name %q (letters, digits, '_', '.', '-')", s, name)
	}
	p := Param{Name: name}
	if strings.Contains(spec, ":") {
		parts := strings.Split(spec, ":")
		if len(parts) != 3 {
			return Param{}, fmt.Errorf("param %q: range must be from:to:step", s)
		}
		vals, err := decimalRange(parts[0], parts[1], parts[2])
		if err != nil {
			return Param{}, fmt.Errorf("param %q: %w", s, err)
		}
		p.Values = vals
		return p, nil
	}
	for _, v := range strings.Split(spec, ",") {
		d, err := parseDecimal(v)
		if err != nil {
			return Param{}, fmt.Errorf("param %q: %w", s, err)
		}
		p.Values = append(p.Values, formatDecimal(d.r, d.scale))
	}
	return p, nil
}

// ParseParams parses several --param flag values (see ParseParam).
func ParseParams(specs []string) ([]Param, error) {
	params := make([]Param, 0, len(specs))
	for _, s := range specs {
		p, err := ParseParam(s)
		if err != nil {
			return nil, err
		}
		params = append(params, p)
	}
	return params, nil
}

type decimal struct {
	r     *big.Rat
	scale int // digits after the point needed to write r exactly
}

func parseDecimal(s string) (decimal, error) {
	s = strings.TrimSpace(s)
	m := decimalRE().FindStringSubmatch(s)
	if m == nil {
		return decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	scale := 0
	if _, frac, ok := strings.Cut(m[1], "."); ok {
		scale = len(frac)
	}
	if m[2] != "" {
		exp, err := strconv.Atoi(m[2][1:])
		if err != nil || exp > 1000 || exp < -1000 {
			return decimal{}, fmt.Errorf("%q: exponent out of range", s)
		}
		scale -= exp
	}
	return decimal{r: r, scale: max(scale, 0)}, nil
}

// formatDecimal writes r (which has at most scale fractional digits) as a
// canonical JSON number: no trailing zeros, no trailing point, "-0" as "0".
func formatDecimal(r *big.Rat, scale int) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(scale)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func decimalRange(from, to, step string) ([]string, error) {
	f, err := parseDecimal(from)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	t, err := parseDecimal(to)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	st, err := parseDecimal(step)
	if err != nil {
		return nil, fmt.Errorf("step: %w", err)
	}
	if st.r.Sign() <= 0 {
		return nil, fmt.Errorf("step %s must be > 0", step)
	}
	if f.r.Cmp(t.r) > 0 {
		return nil, fmt.Errorf("from %s is greater than to %s", from, to)
	}
	// count = floor((to-from)/step) + 1, exactly.
	q := new(big.Rat).Sub(t.r, f.r)
	q.Quo(q, st.r)
	count := new(big.Int).Quo(q.Num(), q.Denom())
	count.Add(count, big.NewInt(1))
	if !count.IsInt64() || count.Int64() > MaxParamValues {
		return nil, fmt.Errorf("%s values, more than the limit of %d", count, MaxParamValues)
	}
	scale := max(f.scale, st.scale)
	n := int(count.Int64())
	vals := make([]string, 0, n)
	v := new(big.Rat).Set(f.r)
	for i := 0; i < n; i++ {
		vals = append(vals, formatDecimal(v, scale))
		v.Add(v, st.r)
	}
	return vals, nil
}

// Sweep describes LP jobs for the lp_params topic: one job per element of
// the cartesian product of the parameters' values, in odometer order (the
// last parameter varies fastest). With no parameter it is a single job.
//
// Each job body is
//
//	{"id":"wyndor-a=1,b=0.5","model":"wyndor","params":{"a":1,"b":0.5},"time_limit_ms":1000}
//
// where the id is deterministic: the model, then "-" and the name=value
// pairs joined with ',' (just the model with no parameter), preceded by
// IDPrefix and "-" when IDPrefix is set. With Numbered, the id of the
// n-th job (n from 1, in odometer order) is IDPrefix, "-" and n instead.
// "time_limit_ms" is present only when TimeLimitMS > 0. Parameter values
// are exact JSON numbers.
type Sweep struct {
	Model       string
	Params      []Param
	IDPrefix    string
	TimeLimitMS int64
	Numbered    bool
}

// Validate checks the model name, that parameter names are unique and that
// every parameter has at least one value.
func (s Sweep) Validate() error {
	var errs []error
	if strings.TrimSpace(s.Model) == "" {
		errs = append(errs, errors.New("model is required"))
	}
	if s.TimeLimitMS < 0 {
		errs = append(errs, fmt.Errorf("time limit %d ms must be >= 0", s.TimeLimitMS))
	}
	seen := map[string]bool{}
	for _, p := range s.Params {
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("param %q given twice", p.Name))
		}
		seen[p.Name] = true
		if !paramNameRE().MatchString(p.Name) {
			errs = append(errs, fmt.Errorf("param %q: invalid name", p.Name))
		}
		if len(p.Values) == 0 {
			errs = append(errs, fmt.Errorf("param %q has no value", p.Name))
		}
		for _, v := range p.Values {
			if !jsonNumberRE().MatchString(v) {
				errs = append(errs, fmt.Errorf("param %q: value %q is not a JSON number", p.Name, v))
				break
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sweep: %w", errors.Join(errs...))
	}
	return nil
}

// Extremes returns two sweeps of one job each: every parameter at its
// smallest value, and every parameter at its largest. Every value of a
// parameter lies between the two, so a model whose parameters are each
// bounded by a minimum and a maximum accepts every job of s exactly when
// it accepts both. It fails when s is not valid.
func (s Sweep) Extremes() (lowest, highest Sweep, err error) {
	if err := s.Validate(); err != nil {
		return Sweep{}, Sweep{}, err
	}
	lowest, highest = s, s
	lowest.Params = make([]Param, len(s.Params))
	highest.Params = make([]Param, len(s.Params))
	for i, p := range s.Params {
		var lo, hi string
		var loR, hiR *big.Rat
		for _, v := range p.Values {
			r, ok := new(big.Rat).SetString(v)
			if !ok {
				return Sweep{}, Sweep{}, fmt.Errorf("sweep: param %q: value %q is not a number", p.Name, v)
			}
			if loR == nil || r.Cmp(loR) < 0 {
				lo, loR = v, r
			}
			if hiR == nil || r.Cmp(hiR) > 0 {
				hi, hiR = v, r
			}
		}
		lowest.Params[i] = Param{Name: p.Name, Values: []string{lo}}
		highest.Params[i] = Param{Name: p.Name, Values: []string{hi}}
	}
	return lowest, highest, nil
}

// Count returns the number of jobs (the product of the numbers of values).
func (s Sweep) Count() *big.Int {
	n := big.NewInt(1)
	for _, p := range s.Params {
		n.Mul(n, big.NewInt(int64(len(p.Values))))
	}
	return n
}

// Jobs yields the job bodies one at a time (the whole product is never in
// memory). An invalid sweep yields its validation error.
func (s Sweep) Jobs() Source {
	return func(yield func([]byte, error) bool) {
		if err := s.Validate(); err != nil {
			yield(nil, err)
			return
		}
		model, _ := json.Marshal(s.Model)
		names := make([][]byte, len(s.Params))
		for i, p := range s.Params {
			names[i], _ = json.Marshal(p.Name)
		}
		idx := make([]int, len(s.Params))
		var id, buf []byte
		for n := int64(1); ; n++ {
			id = id[:0]
			if s.IDPrefix != "" {
				id = append(id, s.IDPrefix...)
				id = append(id, '-')
			}
			if s.Numbered {
				id = strconv.AppendInt(id, n, 10)
			} else {
				id = s.appendNamedID(id, idx)
			}
			idJSON, err := json.Marshal(string(id))
			if err != nil {
				yield(nil, err)
				return
			}
			buf = append(buf[:0], `{"id":`...)
			buf = append(buf, idJSON...)
			buf = append(buf, `,"model":`...)
			buf = append(buf, model...)
			buf = append(buf, `,"params":{`...)
			for i, p := range s.Params {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, names[i]...)
				buf = append(buf, ':')
				buf = append(buf, p.Values[idx[i]]...)
			}
			buf = append(buf, '}')
			if s.TimeLimitMS > 0 {
				buf = append(buf, `,"time_limit_ms":`...)
				buf = strconv.AppendInt(buf, s.TimeLimitMS, 10)
			}
			buf = append(buf, '}')
			if !yield(buf, nil) {
				return
			}
			// Advance the odometer; the last parameter varies fastest.
			i := len(idx) - 1
			for ; i >= 0; i-- {
				idx[i]++
				if idx[i] < len(s.Params[i].Values) {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				return
			}
		}
	}
}

// appendNamedID appends the id of the job at odometer position idx: the
// model, then "-" and the name=value pairs joined with ','.
func (s Sweep) appendNamedID(id []byte, idx []int) []byte {
	id = append(id, s.Model...)
	for i, p := range s.Params {
		if i == 0 {
			id = append(id, '-')
		} else {
			id = append(id, ',')
		}
		id = append(id, p.Name...)
		id = append(id, '=')
		id = append(id, p.Values[idx[i]]...)
	}
	return id
}
