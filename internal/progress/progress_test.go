package progress

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/syncbuf"
)

// fakeClock is a manually advanced clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestNonTTYPrintsOnlySummary(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		add     int64
		elapsed time.Duration
		want    string
	}{
		{"known total", 1000, 1000, 2 * time.Second, "published 1000 messages in 2s (500 msg/s)\n"},
		{"unknown total", 0, 42, 4 * time.Second, "published 42 messages in 4s (10.5 msg/s)\n"},
		{"nothing", 10, 0, time.Second, "published 0 messages in 1s (0 msg/s)\n"},
		{"zero elapsed", 10, 10, 0, "published 10 messages in 0s (0 msg/s)\n"},
		{"long run", 0, 600000, 90*time.Minute + 400*time.Millisecond, "published 600000 messages in 1h30m0s (111 msg/s)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			clk := &fakeClock{t: time.Unix(1000, 0)}
			b := newBar(&buf, Config{Total: tt.total}, clk.Now)
			for i := int64(0); i < tt.add; i++ {
				b.Add(1)
			}
			if buf.Len() != 0 {
				t.Fatalf("non-TTY wrote while running: %q", buf.String())
			}
			clk.Advance(tt.elapsed)
			if err := b.Finish(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Fatalf("summary = %q, want %q", got, tt.want)
			}
			// Finish is idempotent.
			_ = b.Finish()
			if got := buf.String(); got != tt.want {
				t.Fatalf("second Finish wrote: %q", got)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		count   int64
		elapsed time.Duration
		want    string
	}{
		{"eta", 5000, 1200, 1500 * time.Millisecond, "1200/5000 (24.0%)  800 msg/s  ETA 4.75s"},
		{"done", 100, 100, time.Second, "100/100 (100.0%)  100 msg/s  ETA 0s"},
		{"no rate yet", 100, 0, 0, "0/100 (0.0%)  0 msg/s  ETA ?"},
		{"unknown total", -1, 7, 2 * time.Second, "7  3.5 msg/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(0, 0)}
			b := newBar(&bytes.Buffer{}, Config{Total: tt.total, TTY: Never}, clk.Now)
			b.Add(tt.count)
			clk.Advance(tt.elapsed)
			if got := b.Line(); got != tt.want {
				t.Fatalf("Line() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTTYRedrawsAndClears(t *testing.T) {
	var out syncbuf.Buffer
	b := New(&out, Config{Total: 10, TTY: Always, Interval: 5 * time.Millisecond})
	b.Add(3)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "\r3/10 (30.0%)") {
		if time.Now().After(deadline) {
			t.Fatalf("no redraw seen: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Add(7)
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("output does not end with newline: %q", s)
	}
	last := s[strings.LastIndex(s, "\r")+1:]
	if !strings.HasPrefix(last, "published 10 messages in ") || !strings.HasSuffix(last, " msg/s)\n") {
		t.Fatalf("final line = %q", last)
	}
	// No redraw after Finish.
	n := len(out.String())
	time.Sleep(20 * time.Millisecond)
	if len(out.String()) != n {
		t.Fatal("bar redrew after Finish")
	}
}

func TestCustomVerbNoun(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0)}
	b := newBar(&buf, Config{Verb: "generated", Noun: "jobs"}, clk.Now)
	b.Add(10)
	clk.Advance(time.Second)
	_ = b.Finish()
	if got, want := buf.String(), "generated 10 jobs in 1s (10.0 msg/s)\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestIsTerminal(t *testing.T) {
	open := func(name string, flag int) func(t *testing.T) io.Writer {
		return func(t *testing.T) io.Writer {
			f, err := os.OpenFile(name, flag, 0)
			if err != nil {
				t.Skipf("no %s here: %v", name, err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}
	}
	tests := []struct {
		name   string
		writer func(t *testing.T) io.Writer
		want   bool
	}{
		{"bytes.Buffer", func(*testing.T) io.Writer { return &bytes.Buffer{} }, false},
		{"nil file", func(*testing.T) io.Writer { return (*os.File)(nil) }, false},
		{"regular file", func(t *testing.T) io.Writer {
			f, err := os.CreateTemp(t.TempDir(), "x")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}, false},
		{"pipe", func(t *testing.T) io.Writer {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			return w
		}, false},
		// A character device that is not a terminal.
		{"/dev/null", open(os.DevNull, os.O_WRONLY), false},
		// The master side of a new pseudo-terminal.
		{"pseudo-terminal", open("/dev/ptmx", os.O_RDWR), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTerminal(tt.writer(t)); got != tt.want {
				t.Errorf("IsTerminal = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConcurrentAdd(t *testing.T) {
	b := New(&bytes.Buffer{}, Config{TTY: Never})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				b.Add(1)
			}
		}()
	}
	wg.Wait()
	if b.Count() != 8000 {
		t.Fatalf("count = %d", b.Count())
	}
}
