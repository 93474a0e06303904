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

// Output logs s, taking the level from NSQ's "ERR"/"WRN"/"INF"/"DBG"
// prefixes (or "[name] 2006/01/02 ... LEVEL: msg" from the nsqd apps).
func (n Logger) Output(_ int, s string) error {
	s = strings.TrimSpace(s)
	lvl := slog.LevelInfo
	switch {
	case strings.Contains(s, "use of closed network connection"), strings.Contains(s, "connections left alive"):
		// Routine on shutdown: nsqd closing its clients, go-nsq closing its last connection.
		lvl = slog.LevelDebug
	case strings.HasPrefix(s, "ERR"), strings.Contains(s, "ERROR: "), strings.Contains(s, "FATAL: "):
		lvl = slog.LevelError
	case strings.HasPrefix(s, "WRN"), strings.Contains(s, "WARNING: "):
		lvl = slog.LevelWarn
	case strings.HasPrefix(s, "DBG"), strings.Contains(s, "DEBUG: "):
		lvl = slog.LevelDebug
	}
	n.l.Log(context.Background(), lvl, s)
	return nil
}
