// Package nsqfarm holds what the module embeds from its root: the shipped
// topology, which internal/topology serves as the built-in default.
package nsqfarm

import _ "embed"

// Topology is the content of topics.yaml as shipped with this module.
//
//go:embed topics.yaml
var Topology []byte
