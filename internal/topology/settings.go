package topology

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StageSettings are the tunables of a stage's runtime, each declared once
// here, as go-nsq declares its Config: the field's tags give its key in
// topics.yaml (yaml), its built-in default (default), its range (min and
// max, inclusive) and what it does (doc). SettingsTable lists them, the
// README's table of stage settings is generated from them, and Check
// validates them.
//
// A zero value means "not set": a stage inherits the value of the
// defaults.stage section, then the built-in default (see Merge and
// WithDefaults). The runtime takes settings resolved by WithDefaults.
type StageSettings struct {
	Concurrency     int      `yaml:"concurrency" default:"0" min:"0" doc:"handler goroutines; 0: one per core"`
	MaxInFlight     int      `yaml:"max_in_flight" default:"0" min:"0" max:"2500" doc:"messages nsqd may push to a consumer before they are finished (at most nsqd's --max-rdy-count); 0: 4 × concurrency × batch_size, at most the maximum"`
	MaxAttempts     int      `yaml:"max_attempts" default:"10" min:"1" max:"65535" doc:"deliveries after which an input is dead-lettered instead of processed again"`
	MsgTimeout      Duration `yaml:"msg_timeout" default:"60s" min:"1s" max:"15m" doc:"time nsqd waits for a FIN before redelivering (at most nsqd's --max-msg-timeout); long handlers TOUCH their message every half of it"`
	BatchSize       int      `yaml:"batch_size" default:"256" min:"1" doc:"outputs per MPUB"`
	BatchBytes      int      `yaml:"batch_bytes" default:"1048576" min:"1" max:"5242880" doc:"bytes per MPUB (at most nsqd's --max-body-size)"`
	BatchDelay      Duration `yaml:"batch_delay" default:"5ms" min:"0s" max:"1s" doc:"longest an output waits for its batch to fill"`
	RequeueDelay    Duration `yaml:"requeue_delay" default:"1s" min:"0s" doc:"first requeue delay after a transient failure, doubling with each attempt"`
	MaxRequeueDelay Duration `yaml:"max_requeue_delay" default:"2m" min:"0s" max:"1h" doc:"cap of the requeue delay (at most nsqd's --max-req-timeout)"`
}

// Setting describes one stage setting, as its StageSettings tags declare
// it.
type Setting struct {
	// Name is the setting's key in topics.yaml.
	Name string
	// Default is the built-in default, as written in topics.yaml.
	Default string
	// Min and Max bound the setting's values, inclusive; Max is "" when
	// there is no upper bound.
	Min, Max string
	// Doc says what the setting does.
	Doc string

	index          int
	def, min, max  int64
	hasMax, isTime bool
}

// SettingsTable returns every stage setting, in declaration order.
func SettingsTable() []Setting { return slices.Clone(settingsTable()) }

// settingsTable parses the tags of StageSettings once. A malformed tag is
// a programming error, caught by the package's tests.
var settingsTable = sync.OnceValue(func() []Setting {
	typ := reflect.TypeFor[StageSettings]()
	table := make([]Setting, typ.NumField())
	for i := range typ.NumField() {
		f := typ.Field(i)
		s := Setting{
			Name: f.Tag.Get("yaml"), Default: f.Tag.Get("default"),
			Min: f.Tag.Get("min"), Max: f.Tag.Get("max"), Doc: f.Tag.Get("doc"),
			index: i, isTime: f.Type == reflect.TypeFor[Duration](), hasMax: f.Tag.Get("max") != "",
		}
		var err error
		if s.def, err = s.parse(s.Default); err == nil {
			s.min, err = s.parse(s.Min)
		}
		if err == nil && s.hasMax {
			s.max, err = s.parse(s.Max)
		}
		if err != nil || s.Name == "" || s.Doc == "" || f.Type.Kind() != reflect.Int && !s.isTime {
			panic(fmt.Sprintf("topology: StageSettings.%s: malformed tags (%v)", f.Name, err))
		}
		table[i] = s
	}
	return table
})

// setting returns the table entry of the named setting.
func setting(name string) Setting {
	i := slices.IndexFunc(settingsTable(), func(s Setting) bool { return s.Name == name })
	return settingsTable()[i]
}

// parse reads a value of the setting as topics.yaml writes it.
func (s Setting) parse(v string) (int64, error) {
	if s.isTime {
		d, err := parseDuration(v)
		return int64(d), err
	}
	return strconv.ParseInt(v, 10, 64)
}

// format writes a value of the setting as topics.yaml does.
func (s Setting) format(v int64) string {
	if s.isTime {
		return time.Duration(v).String()
	}
	return strconv.FormatInt(v, 10)
}

// Range describes the setting's valid values.
func (s Setting) Range() string {
	if !s.hasMax {
		return ">= " + s.format(s.min)
	}
	return s.format(s.min) + " to " + s.format(s.max)
}

// check reports a value out of range; 0 (not set) is always valid.
func (s Setting) check(v int64) error {
	switch {
	case v == 0:
		return nil
	case s.hasMax && (v < s.min || v > s.max):
		return fmt.Errorf("must be between %s and %s, got %s", s.format(s.min), s.format(s.max), s.format(v))
	case v < s.min:
		return fmt.Errorf("must be >= %s, got %s", s.format(s.min), s.format(v))
	}
	return nil
}

func (s *StageSettings) value(i int) reflect.Value { return reflect.ValueOf(s).Elem().Field(i) }

// DefaultStageSettings returns the built-in defaults, unresolved: a zero
// Concurrency and MaxInFlight are sized by WithDefaults.
func DefaultStageSettings() StageSettings {
	var d StageSettings
	for _, st := range settingsTable() {
		d.value(st.index).SetInt(st.def)
	}
	return d
}

// Merge returns a copy of s in which every zero field takes the value of
// the same field in fallback.
func (s StageSettings) Merge(fallback StageSettings) StageSettings {
	for _, st := range settingsTable() {
		if v := s.value(st.index); v.Int() == 0 {
			v.SetInt(fallback.value(st.index).Int())
		}
	}
	return s
}

// WithDefaults resolves s: every zero field takes its built-in default, a
// zero Concurrency becomes the number of CPUs and a zero MaxInFlight is
// sized to keep every handler and the batcher busy (4 × concurrency ×
// batch size, within the range of max_in_flight).
func (s StageSettings) WithDefaults() StageSettings {
	s = s.Merge(DefaultStageSettings())
	if s.Concurrency == 0 {
		s.Concurrency = runtime.NumCPU()
	}
	if s.MaxInFlight == 0 {
		s.MaxInFlight = int(min(int64(4*s.BatchSize*s.Concurrency), setting("max_in_flight").max))
	}
	return s
}

// Check validates the settings against their ranges, calling bad for each
// problem with the setting's name. Zero values (not set) are valid.
func (s StageSettings) Check(bad func(field, msg string)) {
	for _, st := range settingsTable() {
		if err := st.check(s.value(st.index).Int()); err != nil {
			bad(st.Name, err.Error())
		}
	}
}

// Validate is Check returning every problem as one error, each line
// "name: message".
func (s StageSettings) Validate() error {
	var errs []error
	s.Check(func(field, msg string) { errs = append(errs, fmt.Errorf("%s: %s", field, msg)) })
	return errors.Join(errs...)
}

// SettingsMarkdown returns the table of stage settings as the README
// shows it.
func SettingsMarkdown() string {
	var b strings.Builder
	b.WriteString("| setting | default | range | what it does |\n|---|---|---|---|\n")
	for _, st := range settingsTable() {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", st.Name, st.Default, st.Range(), st.Doc)
	}
	return b.String()
}
