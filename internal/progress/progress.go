// Package progress draws a one-line progress indicator for long-running
// publishers and prints a final summary.
//
// Counting is a single atomic add, so Add may be called from the hot path of
// any number of goroutines. On a terminal the line is redrawn in place at
// most every Interval (default 100 ms, i.e. ~10 redraws per second) by a
// background goroutine; on anything else (a pipe, a file, a bytes.Buffer)
// nothing is written while running, so logs stay clean. Finish always writes
// one summary line:
//
//	published 1000 messages in 1.25s (800 msg/s)
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// TTYMode says whether the live progress line is drawn.
type TTYMode int

const (
	// Auto draws the live line only when the writer is a terminal.
	Auto TTYMode = iota
	// Always draws the live line whatever the writer is.
	Always
	// Never draws no live line; only the final summary is written.
	Never
)

// DefaultInterval is the default minimum time between two redraws.
const DefaultInterval = 100 * time.Millisecond

// Config configures a Bar. The zero value is usable: unknown total, Auto TTY
// detection, 100 ms redraw interval, verb "published", noun "messages".
type Config struct {
	// Total is the expected number of items; 0 or negative means unknown,
	// in which case no percentage or ETA is shown.
	Total int64
	// TTY selects whether the live line is drawn (default Auto).
	TTY TTYMode
	// Interval is the minimum time between redraws (default 100 ms).
	Interval time.Duration
	// Verb and Noun build the summary "<verb> N <noun> in T (R msg/s)".
	// Defaults: "published" and "messages".
	Verb, Noun string
}

// Bar counts completed items and renders progress to a writer. Create it
// with New, call Add as items complete and Finish once at the end.
type Bar struct {
	w        io.Writer
	cfg      Config
	tty      bool
	now      func() time.Time
	start    time.Time
	count    atomic.Int64
	total    atomic.Int64
	mu       sync.Mutex // serialises writes to w
	lastLen  int
	stop     chan struct{}
	done     chan struct{}
	finished atomic.Bool
}

// IsTerminal reports whether w is an *os.File open on a terminal. Other
// character devices, such as /dev/null, are not terminals.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}

// New returns a started Bar writing to w. On a terminal (or with
// TTY: Always) a background goroutine redraws the line until Finish.
func New(w io.Writer, cfg Config) *Bar {
	return newBar(w, cfg, time.Now)
}

func newBar(w io.Writer, cfg Config, now func() time.Time) *Bar {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Verb == "" {
		cfg.Verb = "published"
	}
	if cfg.Noun == "" {
		cfg.Noun = "messages"
	}
	b := &Bar{w: w, cfg: cfg, now: now, start: now()}
	b.total.Store(cfg.Total)
	switch cfg.TTY {
	case Always:
		b.tty = true
	case Never:
		b.tty = false
	default:
		b.tty = IsTerminal(w)
	}
	if b.tty {
		b.stop = make(chan struct{})
		b.done = make(chan struct{})
		go b.loop()
	}
	return b
}

// Add records n more completed items. It is safe for concurrent use and
// costs one atomic add.
func (b *Bar) Add(n int64) { b.count.Add(n) }

// SetTotal changes the expected total (0 or negative: unknown).
func (b *Bar) SetTotal(total int64) { b.total.Store(total) }

// Count returns the number of items recorded so far.
func (b *Bar) Count() int64 { return b.count.Load() }

func (b *Bar) loop() {
	defer close(b.done)
	t := time.NewTicker(b.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.draw()
		}
	}
}

func (b *Bar) draw() {
	line := b.Line()
	b.mu.Lock()
	defer b.mu.Unlock()
	pad := ""
	if n := b.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.lastLen = len(line)
}

// Line returns the live progress line for the current state, for example
// "1200/5000 (24.0%)  800 msg/s  ETA 5s" or, with an unknown total,
// "1200  800 msg/s".
func (b *Bar) Line() string {
	n := b.count.Load()
	total := b.total.Load()
	elapsed := b.now().Sub(b.start)
	rate := rateOf(n, elapsed)
	var sb strings.Builder
	if total > 0 {
		pct := 100 * float64(n) / float64(total)
		fmt.Fprintf(&sb, "%d/%d (%.1f%%)  %s msg/s", n, total, pct, formatRate(rate))
		switch {
		case n >= total:
			sb.WriteString("  ETA 0s")
		case rate > 0:
			eta := time.Duration(float64(total-n) / rate * float64(time.Second))
			fmt.Fprintf(&sb, "  ETA %s", roundDuration(eta))
		default:
			sb.WriteString("  ETA ?")
		}
	} else {
		fmt.Fprintf(&sb, "%d  %s msg/s", n, formatRate(rate))
	}
	return sb.String()
}

// Finish stops redrawing and writes the final summary line
// "published N messages in T (R msg/s)". It is idempotent: only the first
// call writes. It returns the write error, if any.
func (b *Bar) Finish() error {
	if !b.finished.CompareAndSwap(false, true) {
		return nil
	}
	if b.tty {
		close(b.stop)
		<-b.done
	}
	n := b.count.Load()
	elapsed := b.now().Sub(b.start)
	summary := fmt.Sprintf("%s %d %s in %s (%s msg/s)", b.cfg.Verb, n, b.cfg.Noun,
		roundDuration(elapsed), formatRate(rateOf(n, elapsed)))
	b.mu.Lock()
	defer b.mu.Unlock()
	var err error
	if b.tty {
		// Erase the live line before writing the summary in its place.
		_, err = fmt.Fprintf(b.w, "\r%s\r%s\n", strings.Repeat(" ", b.lastLen), summary)
	} else {
		_, err = fmt.Fprintln(b.w, summary)
	}
	return err
}

func rateOf(n int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}

// formatRate prints rates without spurious precision: integers from 100 up,
// one decimal below.
func formatRate(r float64) string {
	if r >= 100 || r == 0 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

// roundDuration keeps durations readable: ms precision below 10s, 100 ms
// below a minute, whole seconds above.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < 10*time.Second:
		return d.Round(time.Millisecond)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Second)
	}
}
