package stage

import (
	"bytes"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"
)

// DeadLetter is the record published to a stage's dead-letter topic.
type DeadLetter struct {
	// Stage, Topic and Channel say where the input was consumed.
	Stage   string `json:"stage"`
	Topic   string `json:"topic"`
	Channel string `json:"channel"`
	// Error says why the input could not be processed.
	Error string `json:"error"`
	// Attempts is the delivery count when the input was given up.
	Attempts int `json:"attempts"`
	// InputID is the NSQ message ID of the input.
	InputID string `json:"input_id"`
	// Time is when the input was dead-lettered (RFC 3339, UTC).
	Time string `json:"time"`
	// Body is the original body: verbatim when it is valid JSON, else a
	// JSON string when it is valid UTF-8, else absent (see BodyBase64).
	Body json.RawMessage `json:"body,omitempty"`
	// BodyBase64 holds a body that is not valid UTF-8.
	BodyBase64 []byte `json:"body_base64,omitempty"`
}

// encodeDeadLetter builds the dead-letter record of an input. A JSON body
// is spliced in byte for byte (an encoder would re-format it).
func encodeDeadLetter(c *Config, id string, attempts uint16, body []byte, reason error, now time.Time) ([]byte, error) {
	d := DeadLetter{
		Stage:    c.Name,
		Topic:    c.Topic,
		Channel:  c.Channel,
		Error:    reason.Error(),
		Attempts: int(attempts),
		InputID:  id,
		Time:     now.UTC().Format(time.RFC3339Nano),
	}
	raw := bytes.TrimSpace(body)
	switch {
	case len(raw) > 0 && json.Valid(raw):
	case utf8.Valid(body):
		s, err := json.Marshal(string(body))
		if err != nil {
			return nil, fmt.Errorf("encode dead-letter body: %w", err)
		}
		raw = s
	default:
		d.BodyBase64 = body
		raw = nil
	}
	rec, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode dead letter: %w", err)
	}
	if raw == nil {
		return rec, nil
	}
	out := make([]byte, 0, len(rec)+len(raw)+9)
	out = append(out, rec[:len(rec)-1]...)
	out = append(out, `,"body":`...)
	out = append(out, raw...)
	return append(out, '}'), nil
}
