// Package consumers holds the stage handlers, one package each beside the
// runtime they run on (package stage), and the catalogue: the one list of
// the handlers this binary runs. A stage's handler in topics.yaml names
// one of them.
package consumers

import (
	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/consumers/primality"
	"github.com/nsqfarm/nsqfarm/consumers/sink"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// Catalogue lists every handler, by its spec. Adding a handler is adding
// its package's Spec here.
var Catalogue = stage.NewCatalogue(
	primality.Spec,
	lpsolve.Spec,
	sink.Spec,
)
