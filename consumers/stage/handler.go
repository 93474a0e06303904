package stage

// This file is the contract between a stage's pure logic and the runtime
// that runs it on NSQ.

import (
	"context"
	"errors"
	"fmt"
)

// Input is one message given to a Handler.
type Input struct {
	// ID identifies the input message: unique across the nsqds of a
	// cluster and their topics, and the same value on every redelivery of
	// the same message. The runtime derives it from the nsqd address, the
	// topic and the NSQ message ID (see InputID). Handlers copy
	// it into their outputs (as "input_id") so downstream sinks can
	// deduplicate.
	ID string
	// Body is the raw message body. It is only valid during the call to
	// Handle; a handler that keeps it must copy it.
	Body []byte
	// Attempt is the 1-based delivery attempt of this message.
	Attempt int
	// Topic is the topic the message was read from (one of a stage's
	// topics when it reads several).
	Topic string
}

// Output is one message produced by a Handler.
type Output struct {
	// Port is the handler's logical output name (for example "prime" or
	// "composite"); the topology maps each port to a topic.
	Port string
	// Body is the encoded message. The runtime takes ownership of it.
	Body []byte
}

// Outputs collects the results of one Handle call. The runtime reuses it
// between calls, so handlers must not keep a reference to it.
type Outputs struct {
	list []Output
}

// Emit appends one output message for port.
func (o *Outputs) Emit(port string, body []byte) {
	o.list = append(o.list, Output{Port: port, Body: body})
}

// All returns the outputs emitted since the last Reset.
func (o *Outputs) All() []Output { return o.list }

// Len returns the number of outputs emitted since the last Reset.
func (o *Outputs) Len() int { return len(o.list) }

// Reset forgets all emitted outputs, keeping the allocated capacity.
func (o *Outputs) Reset() {
	clear(o.list)
	o.list = o.list[:0]
}

// Handler is the pure logic of a stage: a function from one input message
// to zero or more output messages. It knows nothing about NSQ, so it can be
// tested and benchmarked on its own.
type Handler interface {
	// Handle processes one input and emits its outputs into out.
	//
	// A nil error means every emitted output must be published before the
	// input is acknowledged. An error wrapped with Permanent means the input
	// can never be processed (malformed, inconsistent): the runtime sends it
	// to the dead-letter topic. Any other error is treated as transient and
	// the input is requeued with backoff. Handle must return promptly when
	// ctx is done.
	Handle(ctx context.Context, in *Input, out *Outputs) error
}

// Func adapts an ordinary function to the Handler interface.
type Func func(ctx context.Context, in *Input, out *Outputs) error

// Handle calls f.
func (f Func) Handle(ctx context.Context, in *Input, out *Outputs) error {
	return f(ctx, in, out)
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent: the input is bad and must be
// dead-lettered, not retried. Permanent(nil) returns nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error {
	return &permanentError{err: fmt.Errorf(format, args...)}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
