// Package producers publishes work to NSQ: numbers for the primality stage
// and LP parameter sweeps for the lpsolve stage.
//
// The pieces are independent:
//
//   - Source (an iter.Seq2[[]byte, error]) yields message bodies one at a
//     time without loading its input in memory: Range for arithmetic
//     progressions of arbitrary-precision integers, Lines for a file or
//     stdin of integers and JSON objects, and Sweep for the cartesian
//     product of LP parameters.
//   - Publisher takes bodies from a Source and publishes them to nsqd in
//     MPUB batches with the synchronous go-nsq MultiPublish, optionally rate
//     limited, retrying failed batches with backoff, and always reports
//     exactly how many messages nsqd acknowledged.
//
// Decisions, for the CLI and its users:
//
//   - Several nsqd addresses: Failover (default) keeps sending to one nsqd
//     and moves on only when a batch fails there; RoundRobin spreads
//     batches. Either way a failed batch is retried on the next address.
//   - A source error (a bad input line) stops publishing, but only after
//     the bodies read before it were published: input is streamed, so it
//     cannot be validated as a whole first. The error names the line and
//     the PublishError says how many messages were confirmed.
//   - Cancellation never abandons an MPUB on the wire: its outcome is
//     awaited, then Publish returns the exact acknowledged count.
//   - A rate limit starts with an empty bucket (N messages at R/s take
//     about N/R seconds) and caps batches at R/10 messages so the flow is
//     smooth.
//   - Numbers are written as exact JSON integers ({"number":N}), never
//     through float64; LP parameter values are exact decimals (big.Rat).
//
// Delivery is at-least-once: a batch whose MPUB failed on the wire may have
// been accepted by nsqd before the connection broke, and is sent again on
// retry. Every message therefore carries a stable key (the number itself,
// or the job id) that downstream sinks deduplicate on.
package producers
