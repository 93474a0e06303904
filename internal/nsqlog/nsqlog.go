// Package nsqlog routes the logs of NSQ's packages (nsqd, nsqlookupd,
// nsqadmin, go-nsq) to log/slog.
package nsqlog

import (
	"context"
	"log/slog"
	"strings"
)

// Logger implements the Output(calldepth, s) logger interface of the NSQ
// packages on top of a slog.Logger.
type Logger struct {
	l *slog.Logger
}

// New returns a Logger writing to l (slog.Default() when nil).
func New(l *slog.Logger) Logger {
	if l == nil {
		l = slog.Default()
	}
	return Logger{l: l}
}

// Output logs s at the level Parse finds in it.
func (n Logger) Output(_ int, s string) error {
	lvl, msg := Parse(s)
	n.l.Log(context.Background(), lvl, msg)
	return nil
}

// levelTag is a level tag of a log line and its slog level.
type levelTag struct {
	tag   string
	level slog.Level
}

// goNSQTags start go-nsq's lines: "INF    1 (127.0.0.1:4150) connecting
// to nsqd".
var goNSQTags = []levelTag{
	{"DBG ", slog.LevelDebug},
	{"INF ", slog.LevelInfo},
	{"WRN ", slog.LevelWarn},
	{"ERR ", slog.LevelError},
}

// serverTags are the tags of nsqd, nsqlookupd and nsqadmin, most severe
// first: "INFO: TCP: listening on [::]:4150".
var serverTags = []levelTag{
	{"FATAL: ", slog.LevelError},
	{"ERROR: ", slog.LevelError},
	{"WARNING: ", slog.LevelWarn},
	{"INFO: ", slog.LevelInfo},
	{"DEBUG: ", slog.LevelDebug},
}

// routine lists what NSQ logs as a warning or an error on every clean
// shutdown: nsqd closing its clients, go-nsq closing its last connection.
// Such lines are logged at debug level.
var routine = []string{
	"use of closed network connection",
	"connections left alive",
}

// Parse returns the slog level of one log line of an NSQ package and the
// line without its level tag. A line that does not start with a tag, such
// as the "[nsqd] 2006/01/02 15:04:05.000000 INFO: ..." lines of the nsqd
// executables, keeps its text and takes the level of the most severe
// server tag it contains; a line with no tag is at info level.
func Parse(s string) (slog.Level, string) {
	s = strings.TrimSpace(s)
	lvl, msg := levelOf(s)
	for _, r := range routine {
		if strings.Contains(s, r) {
			return slog.LevelDebug, msg
		}
	}
	return lvl, msg
}

// levelOf returns the level of the trimmed line s and its message.
func levelOf(s string) (slog.Level, string) {
	for _, tags := range [][]levelTag{goNSQTags, serverTags} {
		for _, t := range tags {
			if rest, ok := strings.CutPrefix(s, t.tag); ok {
				return t.level, strings.TrimSpace(rest)
			}
		}
	}
	for _, t := range serverTags {
		if strings.Contains(s, t.tag) {
			return t.level, s
		}
	}
	return slog.LevelInfo, s
}
