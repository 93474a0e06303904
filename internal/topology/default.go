package topology

import "github.com/nsqfarm/nsqfarm"

// BuiltinFile names the built-in topology in messages.
const BuiltinFile = "topics.yaml (built in)"

// Default returns the built-in topology, the topics.yaml shipped with
// nsqfarm and embedded in the binary, validated with opts. Commands use
// it when no topology file is given and none is in the working directory.
func Default(opts LoadOptions) (*Topology, error) {
	return Parse(BuiltinFile, nsqfarm.Topology, opts)
}
