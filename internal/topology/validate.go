package topology

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strings"
)

const (
	// DefaultMaxMsgSize is nsqd's default --max-msg-size, the largest
	// message when defaults.max_msg_size is not set.
	DefaultMaxMsgSize = 1 << 20
	// mpubOverhead is what an MPUB body adds to its messages: a count,
	// then a size before each.
	mpubOverhead = 8
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

// Settings returns the resolved settings of stage s: its own values, then
// the defaults section's, then the built-in defaults.
func (t *Topology) Settings(s *Stage) StageSettings {
	return s.StageSettings.Merge(t.Defaults.Stage).WithDefaults()
}

// ResolveSettings returns the resolved settings of stage s under the
// non-zero values of override (a deployment's flags), which come first.
// It rejects an override out of range.
func (t *Topology) ResolveSettings(s *Stage, override StageSettings) (StageSettings, error) {
	if err := override.Validate(); err != nil {
		return StageSettings{}, fmt.Errorf("stage %s: %w", s.Name, err)
	}
	return override.Merge(s.StageSettings).Merge(t.Defaults.Stage).WithDefaults(), nil
}

// validate checks the whole topology and returns every problem found,
// ordered by line.
func (t *Topology) validate(opts LoadOptions) error {
	var errs []*FieldError
	bad := func(msg string, path ...string) { errs = append(errs, t.fieldError(msg, path...)) }

	if len(t.Topics) == 0 {
		bad("at least one topic must be declared", "topics")
	}
	for _, name := range t.loc.keys("topics") {
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
	if m, limit := t.Defaults.MaxMsgSize, int(setting("batch_bytes").max)-mpubOverhead; m < 0 || m > limit {
		bad(fmt.Sprintf("must be between 1 and %d (one message must fit in an MPUB under nsqd's default --max-body-size), got %d", limit, m), "defaults", "max_msg_size")
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
		switch {
		case s.Topic != "" && len(s.Topics) > 0:
			bad("set topic (one input) or topics (several), not both", p("topics")...)
		case len(s.Topics) > 0:
			for i, topic := range s.Topics {
				declared(topic, p("topics")...)
				if slices.Contains(s.Topics[:i], topic) {
					bad(fmt.Sprintf("topic %q is listed twice", topic), p("topics")...)
				}
			}
		default:
			declared(s.Topic, p("topic")...)
		}
		inputs := s.Inputs()
		if s.Channel == "" {
			bad("is required", p("channel")...)
		} else if !ValidName(s.Channel) {
			bad(fmt.Sprintf("invalid channel name %q (1-64 of [.a-zA-Z0-9_-], optional #ephemeral)", s.Channel), p("channel")...)
		}
		declared(s.DeadLetter, p("dead_letter")...)
		if s.DeadLetter != "" && slices.Contains(inputs, s.DeadLetter) {
			bad("must differ from the input topics", p("dead_letter")...)
		}
		// A stage maps exactly its handler's ports (checkHandler): a
		// handler without ports, like the results-store sink, has no
		// outputs.
		ports := slices.Sorted(maps.Keys(s.Outputs))
		for _, port := range ports {
			topic := s.Outputs[port]
			declared(topic, p("outputs", port)...)
			if slices.Contains(inputs, topic) {
				bad(fmt.Sprintf("output topic %q is an input topic of the stage (a loop)", topic), p("outputs", port)...)
			}
		}
		if s.Handler == "" {
			bad("is required", p("handler")...)
		} else if opts.Handlers != nil {
			errs = append(errs, t.checkHandler(s, opts.Handlers, ports)...)
		}
		s.StageSettings.Check(func(field, msg string) { bad(msg, p(field)...) })
	}
	return joinFieldErrors(errs)
}

// checkHandler checks stage s against its handler's spec: the handler
// exists, every port it emits on is mapped to a topic and nothing else
// is, and its options decode and validate.
func (t *Topology) checkHandler(s *Stage, handlers Handlers, ports []string) []*FieldError {
	var errs []*FieldError
	bad := func(msg string, path ...string) {
		errs = append(errs, t.fieldError(msg, append([]string{"stages", s.Name}, path...)...))
	}
	spec, ok := handlers.HandlerSpec(s.Handler)
	if !ok {
		bad(fmt.Sprintf("unknown handler %q (known: %v)", s.Handler, handlers.HandlerNames()), "handler")
		return errs
	}
	known := spec.PortNames()
	for _, port := range ports {
		if !slices.Contains(known, port) {
			bad(fmt.Sprintf("handler %q has no output port %q (ports: %v)", s.Handler, port, known), "outputs", port)
		}
	}
	for _, port := range known {
		if _, ok := s.Outputs[port]; !ok {
			bad(fmt.Sprintf("handler %q output port %q is not mapped to a topic", s.Handler, port), "outputs")
		}
	}
	return append(errs, t.optionErrors(s.Name, spec.CheckOptions(&s.Options, t.MaxMsgSize()))...)
}

// fieldError locates a problem with the key at path (or the nearest key
// above it that the file holds).
func (t *Topology) fieldError(msg string, path ...string) *FieldError {
	return &FieldError{File: t.fileName(), Line: t.loc.line(path...), Field: strings.Join(path, "."), Msg: msg}
}

// joinFieldErrors orders errs by line and joins them; nil when empty.
func joinFieldErrors(errs []*FieldError) error {
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
