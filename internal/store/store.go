// Package store is the results store: the ledger of the jobs that entered
// the farm through nsqfarm (the job API, `nsqfarm publish --store`) and the
// results that the sink stage recorded from the output and dead-letter
// topics.
//
// Two implementations share one contract and one test suite: SQLite (the
// embedded default, a file in the data directory, no C toolchain needed)
// and PostgreSQL (for a cluster). Open picks one from a URL.
//
// The contract that makes accepted jobs survive a lost nsqd:
//
//   - A job is recorded (AddJobs) before it is published, and marked
//     published (MarkPublished) after nsqd acknowledged it.
//   - The sink records every result idempotently (Record): a redelivered
//     or republished result never makes a second row, and a job has at
//     most one result. The first result recorded for a job wins.
//   - A reconciler asks for the jobs still queued whose last publish is
//     older than a deadline (Unfinished), republishes them with the same
//     id and marks them published again.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Status is the state of a job.
type Status string

// The states of a job. A job starts Queued; the first result recorded for
// it moves it to Done (an output), Dead (a dead letter) or Cancelled (a
// solution whose status is "cancelled"); Cancel moves a Queued job to
// Cancelled. Done, Dead and Cancelled are final.
const (
	Queued    Status = "queued"
	Done      Status = "done"
	Dead      Status = "dead"
	Cancelled Status = "cancelled"
)

// Final reports whether s is a final state.
func (s Status) Final() bool { return s == Done || s == Dead || s == Cancelled }

// Job is one unit of work in the ledger: one message published to one
// topic, and what became of it.
type Job struct {
	// ID is the job's id, the "id" field of its message. Unique in the store.
	ID string `json:"id"`
	// Kind says what the job is: "lp" (a message on lp_params) or
	// "number" (a message on numbers).
	Kind string `json:"kind"`
	// Topic is the topic the job is published to.
	Topic string `json:"topic"`
	// Body is the message published, byte for byte; a republish sends it
	// again.
	Body json.RawMessage `json:"body"`
	// Sweep groups the jobs submitted together (a parameter sweep, a
	// number range); empty for a job submitted alone.
	Sweep string `json:"sweep,omitempty"`
	// Status is the job's state.
	Status Status `json:"status"`
	// Result is the object recorded for the job: the message the stage
	// published (on solutions, primes or non_primes) or its dead-letter
	// record. Absent while the job is Queued, and for a job cancelled
	// before any result.
	Result json.RawMessage `json:"result,omitempty"`
	// Error is the reason of a Dead job (the dead letter's error), or of
	// a cancellation.
	Error string `json:"error,omitempty"`
	// SubmittedAt is when the job was recorded; PublishedAt when nsqd
	// last acknowledged its publish (zero until then); FinishedAt when it
	// reached a final state (zero until then).
	SubmittedAt time.Time `json:"submitted_at"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	// Publishes counts the acknowledged publishes of the job (the first,
	// then each republish by the reconciler).
	Publishes int `json:"publishes"`
	// Seq orders the changes of the store: every change of a job gives
	// it a Seq larger than any before it. Changes follows it.
	Seq int64 `json:"seq"`
}

// Result is one message the sink stage read from an output or a
// dead-letter topic.
//
// A result is recorded once under its key: the job id when the ledger
// holds a job with that id, else the input_id. (A message whose id is not
// a job of the ledger, like one published with curl, is keyed on its
// input_id, so unrelated messages that share an id are all kept.)
type Result struct {
	// JobID is the message's "id" as a string (a JSON string's content,
	// or a number's digits); empty when the message has none.
	JobID string
	// InputID is the "input_id" the stage gave its output (for a dead
	// letter, the record's input_id).
	InputID string
	// Topic is the topic the result was read from.
	Topic string
	// Status is Done for an output, Dead for a dead-letter record,
	// Cancelled for a solution whose status is "cancelled".
	Status Status
	// Error is a dead letter's error.
	Error string
	// Body is the message, byte for byte.
	Body json.RawMessage
	// Time is when the sink read it.
	Time time.Time
}

// Filter selects jobs for Jobs. Zero fields select everything.
type Filter struct {
	Status Status
	Kind   string
	Sweep  string
	// AfterID pages through the jobs in the order of their ids: only jobs
	// whose id sorts after it are returned.
	AfterID string
	// Limit bounds the number of jobs returned; 0 means 1000.
	Limit int
}

// Counts are the numbers of results recorded, per topic, and of jobs, per
// status.
type Counts struct {
	Topics map[string]int64 `json:"topics"`
	Jobs   map[Status]int64 `json:"jobs"`
}

// Errors returned by the stores, to be tested with errors.Is.
var (
	// ErrNotFound: no job has that id.
	ErrNotFound = errors.New("store: no such job")
	// ErrExists: AddJobs was given an id the store already holds.
	ErrExists = errors.New("store: a job with this id exists")
	// ErrFinal: Cancel was asked for a job that is already final.
	ErrFinal = errors.New("store: the job is already finished")
)

// Store is the results store. Its methods are safe for concurrent use, by
// any number of processes sharing one database.
type Store interface {
	// AddJobs records jobs as Queued, all or none: when one id exists
	// already it records nothing and returns an error wrapping ErrExists
	// that names the id.
	AddJobs(ctx context.Context, jobs []Job) error
	// MarkPublished records that nsqd acknowledged a publish of each of
	// ids at t: PublishedAt becomes t and Publishes grows by one. Ids that
	// are unknown or final are ignored.
	MarkPublished(ctx context.Context, ids []string, t time.Time) error
	// Cancel moves a Queued job to Cancelled with the reason and returns
	// it; ErrNotFound for an unknown id, ErrFinal (with the job) for one
	// that is already final.
	Cancel(ctx context.Context, id, reason string) (Job, error)
	// Job returns one job; ErrNotFound for an unknown id.
	Job(ctx context.Context, id string) (Job, error)
	// Jobs returns the jobs that f selects, in the order of their ids.
	Jobs(ctx context.Context, f Filter) ([]Job, error)
	// Unfinished returns up to limit Queued jobs whose last publish was
	// before t (or that were never published and were submitted before
	// t), oldest first: the reconciler's work.
	Unfinished(ctx context.Context, before time.Time, limit int) ([]Job, error)
	// Changes returns up to limit jobs whose Seq is above after, in Seq
	// order, and the largest Seq in the store (so a caller that got none
	// knows where to resume).
	Changes(ctx context.Context, after int64, limit int) ([]Job, int64, error)
	// Record records results idempotently, in one transaction: each is
	// kept once under its key (see Result), a job's first result moves
	// it to its final state (a Cancelled job stays Cancelled and keeps the
	// result), and later ones are ignored. It returns how many results
	// were new.
	Record(ctx context.Context, results []Result) (int, error)
	// Recent returns up to limit results of topic, newest first (for dead
	// letters and results that no job of the ledger owns).
	Recent(ctx context.Context, topic string, limit int) ([]Result, error)
	// Counts counts results per topic and jobs per status.
	Counts(ctx context.Context) (Counts, error)
	// Prune deletes the final jobs finished before t and the results
	// recorded before t, and returns how many rows it deleted.
	Prune(ctx context.Context, before time.Time) (int64, error)
	// Close releases the database.
	Close() error
}
