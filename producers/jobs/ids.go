package jobs

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/goccy/go-json"
)

// MaxIDLength is the longest job id a client may give.
const MaxIDLength = 200

// idRE matches the job ids a client may give, compiled on first use.
var idRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9._:=,+@~-]{1,200}$`)
})

// NewID returns a new id made of prefix, "-", the time in hexadecimal
// milliseconds and 8 random hex digits: ids generated later sort after.
func NewID(prefix string) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s-%011x%s", prefix, time.Now().UnixMilli(), hex.EncodeToString(r[:]))
}

// NewJobID returns a new id for a job submitted alone ("j-...").
func NewJobID() string { return NewID("j") }

// NewSweepID returns a new id for a sweep ("s-...").
func NewSweepID() string { return NewID("s") }

// CheckID reports whether id may name a job: 1 to MaxIDLength letters,
// digits and ._:=,+@~-.
func CheckID(id string) error {
	if !idRE().MatchString(id) {
		return fmt.Errorf("id %q: want 1 to %d letters, digits and ._:=,+@~-", id, MaxIDLength)
	}
	return nil
}

// errNoObject is the reason of a body that is not a JSON object.
var errNoObject = errors.New("the job is not a JSON object")

// WithID returns the id of a job and its body with that id: a body with
// an "id" (a JSON string, or a number kept as its digits) keeps it; one
// without gets newID() as its first field. A bare integer (a numbers
// message) becomes {"number":N,"id":...}. The rest of the body is kept
// byte for byte.
func WithID(body []byte, newID func() string) (string, []byte, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && (body[0] == '-' || '0' <= body[0] && body[0] <= '9') {
		if _, err := strconv.ParseFloat(string(body), 64); err != nil && !isDigits(body) {
			return "", nil, errNoObject
		}
		id := newID()
		out := append([]byte(`{"number":`), body...)
		return id, append(append(append(out, `,"id":"`...), id...), `"}`...), nil
	}
	if len(body) == 0 || body[0] != '{' {
		return "", nil, errNoObject
	}
	var fields struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(body, &fields); err != nil {
		return "", nil, fmt.Errorf("the job is not a valid JSON object: %w", err)
	}
	raw := fields.ID
	switch {
	case len(raw) == 0:
		id := newID()
		rest := bytes.TrimSpace(body[1:])
		out := make([]byte, 0, len(body)+len(id)+8)
		out = append(out, `{"id":"`...)
		out = append(out, id...)
		out = append(out, '"')
		if len(rest) > 0 && rest[0] != '}' {
			out = append(out, ',')
		}
		return id, append(out, rest...), nil
	case raw[0] == '"':
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", nil, fmt.Errorf(`"id": %w`, err)
		}
		return id, body, CheckID(id)
	case raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9':
		return string(raw), body, CheckID(string(raw))
	}
	return "", nil, fmt.Errorf(`"id" must be a string or a number, got %.40s`, raw)
}

// isDigits reports whether b is an optional minus sign and decimal digits.
func isDigits(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
