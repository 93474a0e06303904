// Package topology loads and validates topics.yaml, the one file that
// declares a farm's topics, stages and default addresses.
package topology

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultFile is the topology file name looked up when none is given.
const DefaultFile = "topics.yaml"

// Topology is a validated topics.yaml.
type Topology struct {
	// Defaults are the addresses and stage settings used when a stage or a
	// command line does not override them.
	Defaults Defaults `yaml:"defaults"`
	// Topics declares every topic the farm reads or writes, by name.
	Topics map[string]Topic `yaml:"topics"`
	// Stages declares the consumer stages, by name.
	Stages map[string]*Stage `yaml:"stages"`

	// File is the path the topology was read from ("" when parsed from
	// bytes without a name).
	File string `yaml:"-"`
	// stageOrder keeps stages in file order for stable listings.
	stageOrder []string
	// loc finds the line of a key in the file.
	loc locator
}

// Defaults holds deployment-wide settings.
type Defaults struct {
	// NSQDTCPAddresses are the nsqd TCP addresses consumers read from, and
	// publish to, when no lookupd is configured.
	NSQDTCPAddresses []string `yaml:"nsqd_tcp_addresses"`
	// NSQDHTTPAddress is the nsqd HTTP address used for administration.
	NSQDHTTPAddress string `yaml:"nsqd_http_address"`
	// LookupdHTTPAddresses are the nsqlookupd HTTP addresses consumers use
	// to discover nsqd instances.
	LookupdHTTPAddresses []string `yaml:"lookupd_http_addresses"`
	// MetricsAddress is where a consumer process serves /metrics and
	// /healthz ("" disables it).
	MetricsAddress string `yaml:"metrics_address"`
	// MaxMsgSize is the largest message nsqd accepts (nsqd's
	// --max-msg-size); 0 means NSQ's default, DefaultMaxMsgSize. `up`
	// gives it to its embedded nsqd, stages dead-letter outputs over it
	// without sending them and split dead-letter records to fit it.
	MaxMsgSize int `yaml:"max_msg_size"`
	// Stage holds the settings every stage inherits unless it sets its own.
	Stage StageSettings `yaml:"stage"`
}

// Topic describes one topic.
type Topic struct {
	// Description says what the topic carries.
	Description string `yaml:"description"`
}

// Stage declares one consumer stage.
type Stage struct {
	// Name is the stage's key in the stages map.
	Name string `yaml:"-"`
	// Handler names the handler implementation, a spec of the catalogue
	// (see package consumers).
	Handler string `yaml:"handler"`
	// Topic is the input topic.
	Topic string `yaml:"topic"`
	// Topics, instead of Topic, are the input topics of a stage that
	// reads several: one consumer each, on the same channel, calling the
	// same handler.
	Topics []string `yaml:"topics"`
	// Channel is the NSQ channel the stage's consumers share.
	Channel string `yaml:"channel"`
	// Outputs maps each handler output port to a topic.
	Outputs map[string]string `yaml:"outputs"`
	// DeadLetter is the topic that receives inputs that cannot be processed.
	DeadLetter string `yaml:"dead_letter"`
	// StageSettings are this stage's tunables; zero values inherit.
	StageSettings `yaml:",inline"`
	// Options are the handler's options, as written in the file: the
	// handler's spec decodes them (see DecodeOptions), so that every error
	// names its line. Kind is 0 when the stage has no options.
	Options yaml.Node `yaml:"options"`

	// line is the line of the stage's key in the file.
	line int
}

// Inputs returns the stage's input topics: Topics, or Topic alone.
func (s *Stage) Inputs() []string {
	if len(s.Topics) > 0 {
		return append([]string(nil), s.Topics...)
	}
	return []string{s.Topic}
}

// Line returns the line of the stage's declaration in its file.
func (s *Stage) Line() int { return s.line }

// StageNames returns the stage names in the order of the file.
func (t *Topology) StageNames() []string { return append([]string(nil), t.stageOrder...) }

// Stage returns the named stage or an error listing the known ones.
func (t *Topology) Stage(name string) (*Stage, error) {
	s, ok := t.Stages[name]
	if !ok {
		return nil, fmt.Errorf("%s: no stage %q (stages: %v)", t.fileName(), name, t.stageOrder)
	}
	return s, nil
}

// InputTopics returns, in file order, the topics stages consume.
func (t *Topology) InputTopics() []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range t.stageOrder {
		for _, tp := range t.Stages[n].Inputs() {
			if !seen[tp] {
				seen[tp] = true
				out = append(out, tp)
			}
		}
	}
	return out
}

func (t *Topology) fileName() string {
	if t.File == "" {
		return DefaultFile
	}
	return t.File
}

// Duration is a time.Duration written in YAML as a Go duration string
// ("60s", "5ms").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }
