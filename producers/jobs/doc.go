// Package jobs is the job API of the farm: an HTTP server that records
// jobs in the results store (package store) before it publishes them to
// nsqd, answers what became of them from the store, streams their changes
// as Server-Sent Events, and runs the reconciler that republishes the
// jobs whose messages nsqd lost.
//
// The guarantee (principle 10 of the design): a job the API answered 202
// for is in the store; it is published at once when an nsqd takes it, and
// otherwise, or when nsqd loses it (a SIGKILL before nsqd synced its
// queue), the reconciler publishes it again, with the same body and id,
// every deadline until a result is recorded for it. The store stage records
// a job's result once, whatever the number of publishes.
//
// Decisions:
//
//   - Job ids given by a client are 1 to 200 characters among letters,
//     digits and ._:=,+@~- (so that they fit a URL path segment as they
//     are); a JSON number id is kept as its digits. Generated ids are
//     "j-" followed by the submission time in hexadecimal milliseconds and
//     random hex digits, so that they sort by submission time.
//   - A sweep's jobs are "<sweep>-<n>", n from 1 in the order of the
//     cartesian product (the last parameter varies fastest); listings and
//     downloads follow the store's order of ids, so "-10" comes before
//     "-2".
//   - A job is validated by the code of the stage that will read it
//     (lpsolve.Handler.Check, primality.Handler.Check, with the stage's
//     options from the topology): what the stage would dead-letter as
//     malformed is a 400 here, with the stage's reason. A sweep is
//     checked through its two extreme jobs (every parameter at its lowest,
//     and at its highest value), as `nsqfarm publish lp` does.
//   - When no nsqd takes a submitted job, the API still answers 202 with
//     "published": false: the job is recorded and the reconciler publishes
//     it once an nsqd is back.
//   - A cancelled lp job is announced on the control topic (lp_control)
//     so that an lpsolve consumer drops it or stops its solve; a number
//     job is only cancelled in the ledger (its result, if one comes, is
//     kept with the job, which stays cancelled).
//   - Server-Sent Events come from one poller of store.Changes shared by
//     every subscriber. A subscriber that does not keep up is disconnected
//     rather than allowed to slow the others; its client reconnects with
//     Last-Event-ID and misses nothing.
package jobs
