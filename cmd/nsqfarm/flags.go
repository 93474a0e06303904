package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nsqfarm/nsqfarm/consumers"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// stringList is a repeatable string flag; comma-separated values are split.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set appends one or more comma-separated values.
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

// envList returns the comma-separated values of an environment variable.
func envList(name string) stringList {
	var l stringList
	_ = l.Set(os.Getenv(name))
	return l
}

// envOr returns the environment variable name, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, out io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: nsqfarm %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, mapping flag errors to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// addressFlags are the NSQ address flags shared by commands that talk to
// an existing cluster, named as NSQ's own tools name them.
type addressFlags struct {
	lookupd     stringList
	nsqdTCP     stringList
	destination stringList
	nsqdHTTP    stringList
}

// register adds the consumer-side address flags; withHTTP adds
// --nsqd-http-address too.
func (a *addressFlags) register(fs *flag.FlagSet, withHTTP bool) {
	a.lookupd = envList("NSQFARM_LOOKUPD_HTTP_ADDRESS")
	a.nsqdTCP = envList("NSQFARM_NSQD_TCP_ADDRESS")
	a.destination = envList("NSQFARM_DESTINATION_NSQD_TCP_ADDRESS")
	fs.Var(&a.lookupd, "lookupd-http-address", "nsqlookupd HTTP address to discover nsqd through (repeatable; env NSQFARM_LOOKUPD_HTTP_ADDRESS)")
	fs.Var(&a.nsqdTCP, "nsqd-tcp-address", "nsqd TCP address to connect to directly (repeatable; env NSQFARM_NSQD_TCP_ADDRESS)")
	fs.Var(&a.destination, "destination-nsqd-tcp-address", "nsqd TCP address outputs are published to (repeatable; default: the first --nsqd-tcp-address; env NSQFARM_DESTINATION_NSQD_TCP_ADDRESS)")
	if withHTTP {
		a.nsqdHTTP = envList("NSQFARM_NSQD_HTTP_ADDRESS")
		fs.Var(&a.nsqdHTTP, "nsqd-http-address", "nsqd HTTP address on which to create the stage's topic and channel before consuming, so nothing published earlier goes to another channel (repeatable; env NSQFARM_NSQD_HTTP_ADDRESS)")
	}
}

// configFlag registers --config.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", envOr("NSQFARM_CONFIG", topology.DefaultFile), "topology file (env NSQFARM_CONFIG)")
}

// loadTopology loads and validates the topology against the registered
// handlers.
func loadTopology(path string) (*topology.Topology, error) {
	return topology.Load(path, topology.LoadOptions{Handlers: consumers.Catalogue})
}
