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
// Delivery is at-least-once: a batch whose MPUB failed on the wire may have
// been accepted by nsqd before the connection broke, and is sent again on
// retry. Every message therefore carries a stable key (the number itself,
// or the job id) that downstream sinks deduplicate on.
package producers
