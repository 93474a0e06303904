// Package replay sends dead letters back to the topic they came from:
// it reads the records of a dead-letter topic on a channel of its own,
// selects them with a Filter, and republishes each record's original body,
// finishing the record only once nsqd has acknowledged the republish.
package replay

import (
	"fmt"
	"regexp"
	"time"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// Filter selects dead-letter records; its zero value selects every one.
type Filter struct {
	// Stage, when set, is the stage the record must come from.
	Stage string
	// Error, when set, must match the record's error text.
	Error *regexp.Regexp
	// Since and Until, when set, bound the time the input was
	// dead-lettered: Since <= time < Until.
	Since, Until time.Time
}

// Match reports whether the record d is selected. A record whose time
// does not parse is selected only when no time bound is set.
func (f *Filter) Match(d *stage.DeadLetter) bool {
	if f.Stage != "" && d.Stage != f.Stage {
		return false
	}
	if f.Error != nil && !f.Error.MatchString(d.Error) {
		return false
	}
	if f.Since.IsZero() && f.Until.IsZero() {
		return true
	}
	t, err := time.Parse(time.RFC3339Nano, d.Time)
	if err != nil {
		return false
	}
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || t.Before(f.Until))
}

// ParseTime reads a time bound: an RFC 3339 time, or a duration meaning
// that long before now ("90m", "24h").
func ParseTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2006-01-02T15:04:05Z) nor a duration before now (90m, 24h)", s)
}

// ErrorPattern compiles the error filter: text is a substring, or with
// isRegexp a regular expression.
func ErrorPattern(text string, isRegexp bool) (*regexp.Regexp, error) {
	if !isRegexp {
		return regexp.MustCompile(regexp.QuoteMeta(text)), nil
	}
	re, err := regexp.Compile(text)
	if err != nil {
		return nil, fmt.Errorf("error regexp: %w", err)
	}
	return re, nil
}
