package stage

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-json"
	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/jsonutf8"
)

// Values of DeadLetter.BodyEncoding.
const (
	// BodyJSON: Body is the original body, byte for byte, a JSON value.
	BodyJSON = "json"
	// BodyText: Body is a JSON string whose content is the original body.
	BodyText = "text"
	// BodyBase64: BodyBase64 holds the original body, or one part of it.
	BodyBase64 = "base64"
)

// MaxJSONDepth is the deepest nesting of arrays and objects that a body
// may have to be embedded as JSON in a dead-letter record. The record
// adds one level; 513 levels stay within what common parsers decode
// (Python's json module stops near 1000, Go's encoding/json at 10000).
const MaxJSONDepth = 512

// maxErrorBytes bounds the error text of a record, so that a long error
// cannot push a record over nsqd's message size limit.
const maxErrorBytes = 4096

// DeadLetter is the record published to a stage's dead-letter topic. A
// body too large for one record is split over several records, each with
// Part and Parts and a base64 chunk; Reassemble joins them.
type DeadLetter struct {
	// Stage, Topic and Channel say where the input was consumed.
	Stage   string `json:"stage"`
	Topic   string `json:"topic"`
	Channel string `json:"channel"`
	// Error says why the input could not be processed (cut to 4 KiB, or
	// less when the stage's MaxMsgSize is small).
	Error string `json:"error"`
	// Attempts is the delivery count when the input was given up.
	Attempts int `json:"attempts"`
	// InputID is the input's id (see InputID), as in the stage's outputs.
	InputID string `json:"input_id"`
	// NSQMessageID is the input's NSQ message ID and NSQD the address of
	// the nsqd it came from, for debugging.
	NSQMessageID string `json:"nsq_message_id"`
	NSQD         string `json:"nsqd"`
	// Time is when the input was dead-lettered (RFC 3339, UTC); every
	// part of one record has the same time.
	Time string `json:"time"`
	// Part (1-based) and Parts number the records of a split body; both
	// are absent (zero) when one record holds the whole body.
	Part  int `json:"part,omitempty"`
	Parts int `json:"parts,omitempty"`
	// BodyEncoding says how the body is held: BodyJSON, BodyText or
	// BodyBase64.
	BodyEncoding string `json:"body_encoding"`
	// Body holds the body for BodyJSON (the original bytes) and BodyText
	// (a JSON string of the original bytes).
	Body json.RawMessage `json:"body,omitempty"`
	// BodyBase64 holds the body, or this part's chunk of it, for
	// BodyBase64.
	BodyBase64 []byte `json:"body_base64,omitempty"`
}

// Original returns the exact original body of a record that holds a whole
// body (Parts is 0). Use Reassemble for the parts of a split body.
func (d *DeadLetter) Original() ([]byte, error) {
	if d.Parts != 0 {
		return nil, fmt.Errorf("dead letter %s is part %d of %d: reassemble its parts", d.InputID, d.Part, d.Parts)
	}
	return d.data()
}

// data returns the bytes a record holds: the whole body or one chunk.
func (d *DeadLetter) data() ([]byte, error) {
	switch d.BodyEncoding {
	case BodyJSON:
		return bytes.Clone(d.Body), nil
	case BodyText:
		var s string
		if err := json.Unmarshal(d.Body, &s); err != nil {
			return nil, fmt.Errorf("dead letter %s: text body: %w", d.InputID, err)
		}
		return []byte(s), nil
	case BodyBase64:
		return bytes.Clone(d.BodyBase64), nil
	}
	return nil, fmt.Errorf("dead letter %s: unknown body_encoding %q", d.InputID, d.BodyEncoding)
}

// Reassemble returns the original body of one dead-lettered input from its
// records: a single whole record, or every part of a split body in any
// order. The parts must agree on input_id, time and parts.
func Reassemble(recs []DeadLetter) ([]byte, error) {
	if len(recs) == 0 {
		return nil, errors.New("no dead-letter records to reassemble")
	}
	first := &recs[0]
	if first.Parts == 0 && len(recs) == 1 {
		return first.Original()
	}
	if first.Parts != len(recs) {
		return nil, fmt.Errorf("dead letter %s: %d records for %d parts", first.InputID, len(recs), first.Parts)
	}
	sorted := make([]*DeadLetter, len(recs))
	for i := range recs {
		r := &recs[i]
		if r.InputID != first.InputID || r.Time != first.Time || r.Parts != first.Parts {
			return nil, fmt.Errorf("dead letter parts of different records: %s at %s and %s at %s", first.InputID, first.Time, r.InputID, r.Time)
		}
		if r.Part < 1 || r.Part > r.Parts || sorted[r.Part-1] != nil {
			return nil, fmt.Errorf("dead letter %s: part %d of %d is out of range or repeated", r.InputID, r.Part, r.Parts)
		}
		sorted[r.Part-1] = r
	}
	var body []byte
	for _, r := range sorted {
		chunk, err := r.data()
		if err != nil {
			return nil, err
		}
		body = append(body, chunk...)
	}
	return body, nil
}

// encodeDeadLetter builds the dead-letter records of input m, read from
// topic, each at most
// c.MaxMsgSize bytes: one record when the whole body fits, else one per
// base64 chunk of the body. A JSON body is spliced in byte for byte (an
// encoder would re-format it).
func encodeDeadLetter(c *Config, topic string, m *nsq.Message, reason error, now time.Time) ([][]byte, error) {
	d := DeadLetter{
		Stage:        c.Name,
		Topic:        topic,
		Channel:      c.Channel,
		Error:        truncate(reason.Error(), min(maxErrorBytes, c.MaxMsgSize/16)),
		Attempts:     int(m.Attempts),
		InputID:      InputID(m.NSQDAddress, topic, m.ID),
		NSQMessageID: string(m.ID[:]),
		NSQD:         m.NSQDAddress,
		Time:         now.UTC().Format(time.RFC3339Nano),
	}
	rec, err := encodeWhole(d, m.Body)
	if err != nil {
		return nil, err
	}
	if len(rec) <= c.MaxMsgSize {
		return [][]byte{rec}, nil
	}
	return encodeParts(d, m.Body, c.MaxMsgSize)
}

// encodeWhole returns the record of d holding the whole body.
func encodeWhole(d DeadLetter, body []byte) ([]byte, error) {
	var raw []byte
	switch {
	case embeddableJSON(body):
		d.BodyEncoding, raw = BodyJSON, body
	case utf8.Valid(body):
		s, err := json.Marshal(string(body))
		if err != nil {
			return nil, fmt.Errorf("encode dead-letter body: %w", err)
		}
		d.BodyEncoding, raw = BodyText, s
	default:
		d.BodyEncoding, d.BodyBase64 = BodyBase64, body
	}
	rec, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode dead letter: %w", err)
	}
	if raw == nil {
		return rec, nil
	}
	const key = `,"body":`
	out := make([]byte, 0, len(rec)+len(key)+len(raw))
	out = append(out, rec[:len(rec)-1]...)
	out = append(out, key...)
	out = append(out, raw...)
	return append(out, '}'), nil
}

// encodeParts splits body into base64 chunks, one record each, every
// record at most maxSize bytes. A body that fits one record in base64
// gets a whole record.
func encodeParts(d DeadLetter, body []byte, maxSize int) ([][]byte, error) {
	d.BodyEncoding = BodyBase64
	// Size the chunks for a record numbered with as many digits as any
	// part number can have, then again for the number of parts that
	// gives: fewer parts need no more digits, so the second size fits too.
	parts := max(len(body), 1)
	chunk := 0
	for range 2 {
		d.Part, d.Parts = parts, parts
		head, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("encode dead letter: %w", err)
		}
		room := maxSize - len(head) - len(`,"body_base64":""`)
		if chunk = room / 4 * 3; chunk <= 0 { // base64 turns 3 bytes into 4
			return nil, fmt.Errorf("dead-letter record of %d bytes without its body does not fit the %d-byte message size limit", len(head), maxSize)
		}
		parts = max((len(body)+chunk-1)/chunk, 1)
	}
	recs := make([][]byte, 0, parts)
	for part := 1; part <= parts; part++ {
		if parts > 1 {
			d.Part, d.Parts = part, parts
		} else { // a whole record, too large only as text
			d.Part, d.Parts = 0, 0
		}
		start := (part - 1) * chunk
		d.BodyBase64 = body[start:min(start+chunk, len(body))]
		rec, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("encode dead letter part %d of %d: %w", d.Part, d.Parts, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// truncate cuts s to at most n bytes on a rune boundary, saying how much
// was cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	note := " … (" + strconv.Itoa(len(s)) + " bytes, truncated)"
	keep := max(n-len(note), 0)
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + note
}

// embeddableJSON reports whether body can be spliced into a record as a
// JSON value and read back byte for byte: one JSON value with no
// whitespace around it that strict parsers accept as it is (jsonutf8.Check
// with MaxJSONDepth) and that decodes into an interface value (so every
// number in it fits a float64). Strict parsers, and decoders that read
// numbers as floats, read such a record.
func embeddableJSON(body []byte) bool {
	if len(body) == 0 || isSpace(body[0]) || isSpace(body[len(body)-1]) {
		return false
	}
	if jsonutf8.Check(body, MaxJSONDepth) != nil {
		return false
	}
	var v any
	return json.Unmarshal(body, &v) == nil
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
