package producers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/goccy/go-json"
)

// DefaultMaxLineBytes is the default longest accepted input line: nsqd's
// default --max-msg-size.
const DefaultMaxLineBytes = 1 << 20

// LineOptions configures a Lines source. The zero value fails on the first
// invalid line.
type LineOptions struct {
	// Name names the input in errors and logs ("stdin", a file path).
	Name string
	// SkipInvalid skips lines that are neither an integer nor a JSON object
	// (counting them, see Lines.Skipped, and logging each at Warn level)
	// instead of failing on the first one.
	SkipInvalid bool
	// MaxLineBytes is the longest accepted line (default 1 MiB). A longer
	// line is always an error, even with SkipInvalid.
	MaxLineBytes int
	// Logger receives the warnings for skipped lines; nil means
	// slog.Default().
	Logger *slog.Logger
}

// LineError is the error for an input line that is neither an integer nor
// a JSON object.
type LineError struct {
	Name string // the input's name, may be empty
	Line int    // 1-based line number
	Text string // the offending line, cut to 80 bytes
	Err  error
}

// Error returns "NAME:LINE: ERR: TEXT" (or "line LINE: ..." without a name).
func (e *LineError) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.Name != "" {
		where = fmt.Sprintf("%s:%d", e.Name, e.Line)
	}
	if e.Text == "" {
		return fmt.Sprintf("%s: %v", where, e.Err)
	}
	return fmt.Sprintf("%s: %v: %q", where, e.Err, e.Text)
}

// Unwrap returns the cause.
func (e *LineError) Unwrap() error { return e.Err }

// Errors wrapped by LineError.
var (
	ErrNotIntegerOrObject = errors.New("not an integer or a JSON object")
	ErrInvalidJSONObject  = errors.New("invalid JSON object")
	ErrLineTooLong        = errors.New("line too long")
)

// Lines is a Source of message bodies read line by line from a reader
// (a file, stdin). Each non-empty line (surrounding white space ignored)
// is either
//   - an integer: digits with an optional leading '-', optionally
//     JSON-quoted ("123"); it becomes {"number":N} with the same digits
//     (leading zeros dropped, never converted through float64); or
//   - a JSON object, passed through verbatim once checked to be valid JSON.
//
// Anything else is a *LineError naming the line number, or is skipped and
// counted with SkipInvalid. Only one line is in memory at a time.
type Lines struct {
	r       io.Reader
	opts    LineOptions
	skipped atomic.Int64
}

// NewLines returns a Lines source reading r.
func NewLines(r io.Reader, opts LineOptions) *Lines {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Lines{r: r, opts: opts}
}

// Skipped returns the number of invalid lines skipped so far (only with
// SkipInvalid).
func (l *Lines) Skipped() int64 { return l.skipped.Load() }

// Bodies returns the source. It reads the reader once: iterate it once.
func (l *Lines) Bodies() Source {
	return func(yield func([]byte, error) bool) {
		sc := bufio.NewScanner(l.r)
		// The limit is the larger of the max and the initial capacity.
		sc.Buffer(make([]byte, 0, min(64<<10, l.opts.MaxLineBytes+1)), l.opts.MaxLineBytes+1)
		var buf []byte
		lineNo := 0
		for sc.Scan() {
			lineNo++
			line := sc.Bytes()
			if lineNo == 1 {
				line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // UTF-8 BOM
			}
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			var err error
			buf, err = AppendLineBody(buf[:0], line)
			if err != nil {
				lerr := &LineError{Name: l.opts.Name, Line: lineNo, Text: cut(line, 80), Err: err}
				if l.opts.SkipInvalid {
					l.skipped.Add(1)
					l.opts.Logger.Warn("skipping invalid line", "input", l.opts.Name, "line", lineNo, "err", err)
					continue
				}
				yield(nil, lerr)
				return
			}
			if !yield(buf, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("%w (limit %d bytes)", ErrLineTooLong, l.opts.MaxLineBytes)
			}
			yield(nil, &LineError{Name: l.opts.Name, Line: lineNo + 1, Err: err})
		}
	}
}

func cut(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// AppendLineBody appends to dst the message body for one trimmed,
// non-empty input line (see Lines for the accepted forms).
func AppendLineBody(dst, line []byte) ([]byte, error) {
	if len(line) == 0 {
		return dst, ErrNotIntegerOrObject
	}
	switch line[0] {
	case '{':
		if !json.Valid(line) {
			return dst, ErrInvalidJSONObject
		}
		return append(dst, line...), nil
	case '"':
		if len(line) < 2 || line[len(line)-1] != '"' {
			return dst, ErrNotIntegerOrObject
		}
		line = line[1 : len(line)-1]
	}
	digits, neg, ok := canonicalInteger(line)
	if !ok {
		return dst, ErrNotIntegerOrObject
	}
	dst = append(dst, `{"number":`...)
	if neg {
		dst = append(dst, '-')
	}
	dst = append(dst, digits...)
	return append(dst, '}'), nil
}

// canonicalInteger checks that s is an optional '-' followed by ASCII
// digits and returns the digits without leading zeros ("0" for zero, which
// is never negative).
func canonicalInteger(s []byte) (digits []byte, neg bool, ok bool) {
	if len(s) > 0 && s[0] == '-' {
		neg = true
		s = s[1:]
	}
	if len(s) == 0 {
		return nil, false, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return nil, false, false
		}
	}
	i := 0
	for i < len(s)-1 && s[i] == '0' {
		i++
	}
	s = s[i:]
	if len(s) == 1 && s[0] == '0' {
		neg = false
	}
	return s, neg, true
}
