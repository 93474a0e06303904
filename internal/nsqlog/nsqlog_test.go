package nsqlog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, line string
		level      slog.Level
		msg        string
	}{
		{"go-nsq debug", "DBG    1 [numbers/primality] (127.0.0.1:4150) heartbeat received", slog.LevelDebug, "1 [numbers/primality] (127.0.0.1:4150) heartbeat received"},
		{"go-nsq info", "INF    1 (127.0.0.1:4150) connecting to nsqd", slog.LevelInfo, "1 (127.0.0.1:4150) connecting to nsqd"},
		{"go-nsq warning", "WRN    2 [numbers/primality] backing off for 1s", slog.LevelWarn, "2 [numbers/primality] backing off for 1s"},
		{"go-nsq error", "ERR    1 (127.0.0.1:4150) IO error - EOF\n", slog.LevelError, "1 (127.0.0.1:4150) IO error - EOF"},
		{"conn error", "ERR publish (127.0.0.1:4150) error sending command MPUB", slog.LevelError, "publish (127.0.0.1:4150) error sending command MPUB"},
		{"nsqd debug", "DEBUG: PROTOCOL(V2): [127.0.0.1:5000] [FIN]", slog.LevelDebug, "PROTOCOL(V2): [127.0.0.1:5000] [FIN]"},
		{"nsqd info", "INFO: TCP: listening on 127.0.0.1:4150", slog.LevelInfo, "TCP: listening on 127.0.0.1:4150"},
		{"nsqd warning", "WARNING: TOPIC(numbers): empty", slog.LevelWarn, "TOPIC(numbers): empty"},
		{"nsqd error", "ERROR: failed to persist metadata", slog.LevelError, "failed to persist metadata"},
		{"nsqd fatal", "FATAL: listen tcp 127.0.0.1:4150: bind: address already in use", slog.LevelError, "listen tcp 127.0.0.1:4150: bind: address already in use"},
		{"executable line", "[nsqd] 2024/01/02 15:04:05.000000 WARNING: disk full", slog.LevelWarn, "[nsqd] 2024/01/02 15:04:05.000000 WARNING: disk full"},
		{"most severe tag wins", "[nsqd] 2024/01/02 15:04:05.000000 INFO: client said ERROR: boom", slog.LevelError, "[nsqd] 2024/01/02 15:04:05.000000 INFO: client said ERROR: boom"},
		{"tag only at the start", "INFO: got ERR from client", slog.LevelInfo, "got ERR from client"},
		{"no tag", "  something happened  ", slog.LevelInfo, "something happened"},
		{"tag word without separator", "ERRATIC behaviour", slog.LevelInfo, "ERRATIC behaviour"},
		{"closed connection on shutdown", "ERROR: client(127.0.0.1:5000) - read tcp: use of closed network connection", slog.LevelDebug, "client(127.0.0.1:5000) - read tcp: use of closed network connection"},
		{"last connection closing", "WRN    1 [numbers/primality] there are 1 connections left alive", slog.LevelDebug, "1 [numbers/primality] there are 1 connections left alive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level, msg := Parse(tt.line)
			if level != tt.level || msg != tt.msg {
				t.Errorf("Parse(%q) = %v, %q; want %v, %q", tt.line, level, msg, tt.level, tt.msg)
			}
		})
	}
}

func TestLoggerOutput(t *testing.T) {
	var buf bytes.Buffer
	l := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})).With("nsqd", "127.0.0.1:4150"))
	for _, line := range []string{
		"INF    1 (127.0.0.1:4150) connecting to nsqd",
		"ERR    1 (127.0.0.1:4150) IO error - EOF",
		"DBG    1 (127.0.0.1:4150) heartbeat received",
	} {
		if err := l.Output(2, line); err != nil {
			t.Fatal(err)
		}
	}
	got := buf.String()
	if strings.Count(got, "\n") != 1 {
		t.Fatalf("logged %q, want only the error line at warn level", got)
	}
	for _, want := range []string{"level=ERROR", `msg="1 (127.0.0.1:4150) IO error - EOF"`, "nsqd=127.0.0.1:4150"} {
		if !strings.Contains(got, want) {
			t.Errorf("logged %q, want %q in it", got, want)
		}
	}
}

func TestNewNilUsesDefault(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	if err := New(nil).Output(2, "WARNING: through the default logger"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `level=WARN msg="through the default logger"`) {
		t.Errorf("default logger got %q", buf.String())
	}
}
