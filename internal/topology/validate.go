package topology

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

// Built-in stage settings, used when neither the stage nor the defaults
// section sets a value.
const (
	DefaultMaxAttempts     = 10
	DefaultMsgTimeout      = 60 * time.Second
	DefaultBatchSize       = 256
	DefaultBatchBytes      = 1 << 20
	DefaultBatchDelay      = 5 * time.Millisecond
	DefaultRequeueDelay    = time.Second
	DefaultMaxRequeueDelay = 2 * time.Minute
	maxMaxInFlight         = 2500
	maxBatchBytes          = 5 << 20 // nsqd's default --max-body-size
	// DefaultMaxMsgSize is nsqd's default --max-msg-size.
	DefaultMaxMsgSize = 1 << 20
	// mpubOverhead is what an MPUB body adds to its messages: a count,
	// then a size before each.
	mpubOverhead  = 8
	minMsgTimeout = time.Second
	maxMsgTimeout = 15 * time.Minute // nsqd's default --max-msg-timeout
)

// ValidName reports whether s is a valid NSQ topic or channel name
// (an optional "#ephemeral" suffix is allowed).
func ValidName(s string) bool {
	base, _ := strings.CutSuffix(s, "#ephemeral")
	if len(base) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(base); i++ {
		c := base[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// MaxMsgSize returns the largest message nsqd accepts: defaults.max_msg_size,
// or NSQ's default.
func (t *Topology) MaxMsgSize() int {
	if t.Defaults.MaxMsgSize > 0 {
		return t.Defaults.MaxMsgSize
	}
	return DefaultMaxMsgSize
}

// Settings returns the effective settings of stage s: its own values, then
// the defaults section's, then the built-in defaults.
func (t *Topology) Settings(s *Stage) StageSettings {
	return s.StageSettings.Merge(t.Defaults.Stage).WithBuiltins()
}

// Merge returns a copy of s in which every zero field takes the value of
// the same field in fallback.
func (s StageSettings) Merge(fallback StageSettings) StageSettings {
	pick := func(v, f int) int {
		if v == 0 {
			return f
		}
		return v
	}
	pickD := func(v, f Duration) Duration {
		if v == 0 {
			return f
		}
		return v
	}
	return StageSettings{
		Concurrency:     pick(s.Concurrency, fallback.Concurrency),
		MaxInFlight:     pick(s.MaxInFlight, fallback.MaxInFlight),
		MaxAttempts:     pick(s.MaxAttempts, fallback.MaxAttempts),
		MsgTimeout:      pickD(s.MsgTimeout, fallback.MsgTimeout),
		BatchSize:       pick(s.BatchSize, fallback.BatchSize),
		BatchBytes:      pick(s.BatchBytes, fallback.BatchBytes),
		BatchDelay:      pickD(s.BatchDelay, fallback.BatchDelay),
		RequeueDelay:    pickD(s.RequeueDelay, fallback.RequeueDelay),
		MaxRequeueDelay: pickD(s.MaxRequeueDelay, fallback.MaxRequeueDelay),
	}
}

// WithBuiltins fills every zero field with its built-in default. A zero
// Concurrency becomes the number of CPUs and a zero MaxInFlight is sized
// to keep every handler and the batcher busy.
func (s StageSettings) WithBuiltins() StageSettings {
	s = s.Merge(StageSettings{
		Concurrency:     runtime.NumCPU(),
		MaxAttempts:     DefaultMaxAttempts,
		MsgTimeout:      Duration(DefaultMsgTimeout),
		BatchSize:       DefaultBatchSize,
		BatchBytes:      DefaultBatchBytes,
		BatchDelay:      Duration(DefaultBatchDelay),
		RequeueDelay:    Duration(DefaultRequeueDelay),
		MaxRequeueDelay: Duration(DefaultMaxRequeueDelay),
	})
	if s.MaxInFlight == 0 {
		s.MaxInFlight = min(4*s.BatchSize*s.Concurrency, maxMaxInFlight)
	}
	return s
}

// Check validates the settings, calling bad for each problem with the
// YAML field name.
func (s StageSettings) Check(bad func(field, msg string)) {
	if s.Concurrency < 0 {
		bad("concurrency", fmt.Sprintf("must be >= 0 (0 means one per core), got %d", s.Concurrency))
	}
	if s.MaxInFlight < 0 || s.MaxInFlight > maxMaxInFlight {
		bad("max_in_flight", fmt.Sprintf("must be between 0 and %d (nsqd's --max-rdy-count), got %d", maxMaxInFlight, s.MaxInFlight))
	}
	if s.MaxAttempts < 0 || s.MaxAttempts > 65535 {
		bad("max_attempts", fmt.Sprintf("must be between 1 and 65535, got %d", s.MaxAttempts))
	}
	if d := s.MsgTimeout.D(); d != 0 && (d < minMsgTimeout || d > maxMsgTimeout) {
		bad("msg_timeout", fmt.Sprintf("must be between %v and %v (nsqd's --max-msg-timeout), got %v", minMsgTimeout, maxMsgTimeout, d))
	}
	if s.BatchSize < 0 {
		bad("batch_size", fmt.Sprintf("must be >= 1, got %d", s.BatchSize))
	}
	if s.BatchBytes < 0 || s.BatchBytes > maxBatchBytes {
		bad("batch_bytes", fmt.Sprintf("must be between 1 and %d (nsqd's --max-body-size), got %d", maxBatchBytes, s.BatchBytes))
	}
	if s.BatchDelay < 0 || s.BatchDelay.D() > time.Second {
		bad("batch_delay", fmt.Sprintf("must be between 0 and 1s, got %v", s.BatchDelay))
	}
	if s.RequeueDelay < 0 {
		bad("requeue_delay", fmt.Sprintf("must be >= 0, got %v", s.RequeueDelay))
	}
	if s.MaxRequeueDelay < 0 || s.MaxRequeueDelay.D() > time.Hour {
		bad("max_requeue_delay", fmt.Sprintf("must be between 0 and 1h (nsqd's --max-req-timeout), got %v", s.MaxRequeueDelay))
	}
}

// validate checks the whole topology and returns every problem found,
// ordered by line.
func (t *Topology) validate(loc locator, opts LoadOptions) error {
	var errs []*FieldError
	bad := func(msg string, path ...string) {
		field := ""
		for i, p := range path {
			if i > 0 {
				field += "."
			}
			field += p
		}
		errs = append(errs, &FieldError{File: t.fileName(), Line: loc.line(path...), Field: field, Msg: msg})
	}

	if len(t.Topics) == 0 {
		bad("at least one topic must be declared", "topics")
	}
	for _, name := range loc.keys("topics") {
		if !ValidName(name) {
			bad(fmt.Sprintf("invalid topic name %q (1-64 of [.a-zA-Z0-9_-])", name), "topics", name)
		}
	}
	checkAddr := func(addr string, path ...string) {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(fmt.Sprintf("invalid address %q (want host:port)", addr), path...)
		}
	}
	for _, a := range t.Defaults.NSQDTCPAddresses {
		checkAddr(a, "defaults", "nsqd_tcp_addresses")
	}
	for _, a := range t.Defaults.LookupdHTTPAddresses {
		checkAddr(a, "defaults", "lookupd_http_addresses")
	}
	if t.Defaults.NSQDHTTPAddress != "" {
		checkAddr(t.Defaults.NSQDHTTPAddress, "defaults", "nsqd_http_address")
	}
	if t.Defaults.MetricsAddress != "" {
		checkAddr(t.Defaults.MetricsAddress, "defaults", "metrics_address")
	}
	t.Defaults.Stage.Check(func(field, msg string) { bad(msg, "defaults", "stage", field) })
	if m := t.Defaults.MaxMsgSize; m < 0 || m > maxBatchBytes-mpubOverhead {
		bad(fmt.Sprintf("must be between 1 and %d (one message must fit in an MPUB under nsqd's default --max-body-size), got %d", maxBatchBytes-mpubOverhead, m), "defaults", "max_msg_size")
	}

	declared := func(topic string, path ...string) {
		if topic == "" {
			bad("is required", path...)
			return
		}
		if _, ok := t.Topics[topic]; !ok {
			bad(fmt.Sprintf("topic %q is not declared under topics", topic), path...)
		}
	}
	for _, name := range t.stageOrder {
		s := t.Stages[name]
		if s == nil {
			bad("empty stage", "stages", name)
			continue
		}
		p := func(f ...string) []string { return append([]string{"stages", name}, f...) }
		declared(s.Topic, p("topic")...)
		if s.Channel == "" {
			bad("is required", p("channel")...)
		} else if !ValidName(s.Channel) {
			bad(fmt.Sprintf("invalid channel name %q (1-64 of [.a-zA-Z0-9_-], optional #ephemeral)", s.Channel), p("channel")...)
		}
		declared(s.DeadLetter, p("dead_letter")...)
		if s.DeadLetter != "" && s.DeadLetter == s.Topic {
			bad("must differ from the input topic", p("dead_letter")...)
		}
		if len(s.Outputs) == 0 {
			bad("at least one output port must be mapped to a topic", p("outputs")...)
		}
		ports := slices.Sorted(maps.Keys(s.Outputs))
		for _, port := range ports {
			topic := s.Outputs[port]
			declared(topic, p("outputs", port)...)
			if topic == s.Topic {
				bad(fmt.Sprintf("output topic %q is the stage's input topic (a loop)", topic), p("outputs", port)...)
			}
		}
		if s.Handler == "" {
			bad("is required", p("handler")...)
		} else if opts.Handlers != nil {
			known, ok := opts.Handlers[s.Handler]
			if !ok {
				bad(fmt.Sprintf("unknown handler %q (known: %v)", s.Handler, slices.Sorted(maps.Keys(opts.Handlers))), p("handler")...)
			} else {
				for _, port := range ports {
					if !slices.Contains(known, port) {
						bad(fmt.Sprintf("handler %q has no output port %q (ports: %v)", s.Handler, port, known), p("outputs", port)...)
					}
				}
				for _, port := range known {
					if _, ok := s.Outputs[port]; !ok {
						bad(fmt.Sprintf("handler %q output port %q is not mapped to a topic", s.Handler, port), p("outputs")...)
					}
				}
			}
		}
		s.StageSettings.Check(func(field, msg string) { bad(msg, p(field)...) })
	}
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}
