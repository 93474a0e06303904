// Package stage is the runtime every nsqfarm stage runs on, in one place:
//
//   - the handler contract (handler.go): a Handler is a stage's pure logic,
//     a function from one Input to zero or more Outputs, which knows
//     nothing about NSQ;
//   - the stage spec (spec.go): each handler package declares one Spec,
//     with the handler's name, output ports, typed options with their
//     defaults and documentation, and its constructor; a Catalogue lists
//     the specs a binary runs (package consumers holds the list);
//   - the stage (stage.go): it consumes a topic's channel with go-nsq and
//     calls the handler for each message;
//   - the batcher (batch.go, destinations.go, pubconn.go): it republishes
//     the outputs in MPUB batches over the destination nsqds and
//     acknowledges each input only after nsqd has acknowledged every
//     output it produced;
//   - dead letters (deadletter.go): the records of inputs that can never
//     be processed;
//   - the control topic (control.go): a stage may read one, each consumer
//     on an ephemeral channel of its own so that every consumer hears
//     every message, and hands its messages to a handler that implements
//     Controller (lpsolve stops a solve this way);
//   - the farm (farm.go): it builds every stage of a validated topology
//     from a Catalogue and runs them in one process, with a shared
//     /metrics and /healthz server. `nsqfarm up` and `nsqfarm consume` are
//     built on it.
//
// Delivery is at-least-once end to end: a crash at any point means
// redelivery. Inputs that can never be processed (a handler's permanent
// error, or too many delivery attempts) are published to the stage's
// dead-letter topic with the original body, the error, the stage and the
// attempt count, and only then finished. Transient failures (an output
// nsqd that does not answer, a handler's ordinary error) requeue the input
// with exponential backoff. Nothing is dropped silently.
//
// The stage's settings (concurrency, batching, timeouts) are declared,
// defaulted and validated by package topology; the runtime takes them as
// resolved there.
package stage
