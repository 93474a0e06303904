package producers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/syncbuf"
)

func numberBodies(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"number":%d}`, i)
	}
	return out
}

func TestPublishAllMessagesArrive(t *testing.T) {
	addr := startNSQD(t)
	tests := []struct {
		name        string
		n           int
		maxMsgs     int
		maxBytes    int
		wantBatches int64
	}{
		{"empty", 0, 256, 1 << 20, 0},
		{"one", 1, 256, 1 << 20, 1},
		{"defaults", 1000, 256, 1 << 20, 4},
		{"small batches", 1000, 7, 1 << 20, 143},
		{"bounded by bytes", 100, 256, 3 * len(`{"number":10}`), 34}, // 3 two-digit bodies per batch
		{"batch of one", 20, 1, 1 << 20, 20},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topic := fmt.Sprintf("all_arrive_%d", i)
			col := consume(t, addr, topic)
			opts := quietOptions(addr)
			opts.MaxBatchMessages = tt.maxMsgs
			opts.MaxBatchBytes = tt.maxBytes
			opts.FlushInterval = time.Minute // only full batches are sent early
			var progress int
			opts.OnProgress = func(n int) { progress += n }
			p, err := NewPublisher(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			want := numberBodies(tt.n)
			if tt.name == "bounded by bytes" {
				for j := range want {
					want[j] = fmt.Sprintf(`{"number":%d}`, 10+j%90)
				}
			}
			st, err := p.Publish(context.Background(), topic, sliceSource(want))
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if st.Acked != int64(tt.n) || st.Read != int64(tt.n) || progress != tt.n {
				t.Fatalf("stats %+v, progress %d, want %d acked", st, progress, tt.n)
			}
			if st.Batches != tt.wantBatches {
				t.Fatalf("batches = %d, want %d", st.Batches, tt.wantBatches)
			}
			if tt.n == 0 {
				return
			}
			got := col.wait(t, tt.n)
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Fatalf("received bodies differ from published ones (%d vs %d)", len(got), len(want))
			}
		})
	}
}

func TestPublishFlushesPartialBatchAfterInterval(t *testing.T) {
	addr := startNSQD(t)
	col := consume(t, addr, "slow_source")
	opts := quietOptions(addr)
	opts.FlushInterval = 10 * time.Millisecond
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// A source that produces 3 bodies then stalls until the first has been
	// received downstream: only the flush interval can get them out.
	src := func(yield func([]byte, error) bool) {
		for _, b := range []string{"a", "b", "c"} {
			if !yield([]byte(b), nil) {
				return
			}
		}
		col.wait(t, 3)
	}
	st, err := p.Publish(context.Background(), "slow_source", src)
	if err != nil || st.Acked != 3 || st.Batches != 1 {
		t.Fatalf("stats %+v, err %v", st, err)
	}
}

// deadAddr returns a loopback address on which nothing listens.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestPublishSeveralAddresses(t *testing.T) {
	a1, a2 := startNSQD(t), startNSQD(t)
	tests := []struct {
		name           string
		addrs          []string
		strategy       Strategy
		want1, want2   int
		minimumRetries int64
	}{
		{"failover sticks to first", []string{a1, a2}, Failover, 100, 0, 0},
		{"round robin spreads batches", []string{a1, a2}, RoundRobin, 50, 50, 0},
		{"failover skips dead nsqd", []string{deadAddr(t), a2}, Failover, 0, 100, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topic := fmt.Sprintf("several_%d", i)
			c1, c2 := consume(t, a1, topic), consume(t, a2, topic)
			opts := quietOptions(tt.addrs...)
			opts.Strategy = tt.strategy
			opts.MaxBatchMessages = 10
			opts.RetryBackoff = time.Millisecond
			p, err := NewPublisher(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			st, err := p.Publish(context.Background(), topic, sliceSource(numberBodies(100)))
			if err != nil {
				t.Fatal(err)
			}
			if st.Acked != 100 || st.Retries < tt.minimumRetries {
				t.Fatalf("stats %+v", st)
			}
			if tt.want1 > 0 {
				if got := len(c1.wait(t, tt.want1)); got != tt.want1 {
					t.Fatalf("nsqd 1 got %d, want %d", got, tt.want1)
				}
			}
			if tt.want2 > 0 {
				if got := len(c2.wait(t, tt.want2)); got != tt.want2 {
					t.Fatalf("nsqd 2 got %d, want %d", got, tt.want2)
				}
			}
			if tt.want1 == 0 && len(c1.wait(t, 0)) != 0 {
				t.Fatal("nsqd 1 got messages")
			}
			if tt.want2 == 0 && len(c2.wait(t, 0)) != 0 {
				t.Fatal("nsqd 2 got messages")
			}
		})
	}
}

func TestPublishGivesUpAfterRetries(t *testing.T) {
	opts := quietOptions(deadAddr(t))
	opts.MaxRetries = 2
	opts.RetryBackoff = time.Millisecond
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	st, err := p.Publish(context.Background(), "nowhere", sliceSource(numberBodies(5)))
	var pe *PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PublishError", err)
	}
	if st.Acked != 0 || pe.Stats.Acked != 0 || st.Retries != 2 {
		t.Fatalf("stats %+v", st)
	}
	if msg := err.Error(); !strings.Contains(msg, "0 messages confirmed") || !strings.Contains(msg, "after 3 attempts") {
		t.Fatalf("error message %q", msg)
	}
}

func TestPublishReportsAckedWhenNSQDDies(t *testing.T) {
	addr, stop := startStoppableNSQD(t)
	opts := quietOptions(addr)
	opts.MaxBatchMessages = 10
	opts.MaxRetries = 1
	opts.RetryBackoff = time.Millisecond
	batches := 0
	opts.OnProgress = func(int) {
		batches++
		if batches == 2 {
			stop() // every later batch fails
		}
	}
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	st, err := p.Publish(context.Background(), "dies", sliceSource(numberBodies(100)))
	var pe *PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PublishError", err)
	}
	if st.Acked != 20 || pe.Stats.Acked != 20 || st.Batches != 2 {
		t.Fatalf("stats %+v, want 20 acked in 2 batches", st)
	}
	if !strings.Contains(err.Error(), "20 messages confirmed") {
		t.Fatalf("error message %q", err)
	}
}

func TestPublishCancellationReportsAcked(t *testing.T) {
	addr := startNSQD(t)
	col := consume(t, addr, "cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := quietOptions(addr)
	opts.MaxBatchMessages = 10
	acked := 0
	opts.OnProgress = func(n int) {
		acked += n
		if acked == 30 {
			cancel()
		}
	}
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// An endless source: only cancellation ends it.
	endless := func(yield func([]byte, error) bool) {
		for i := 0; ; i++ {
			if !yield(fmt.Appendf(nil, `{"number":%d}`, i), nil) {
				return
			}
		}
	}
	st, err := p.Publish(ctx, "cancelled", endless)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st.Acked != 30 || st.Batches != 3 {
		t.Fatalf("stats %+v, want 30 acked", st)
	}
	if got := col.wait(t, 30); len(got) != 30 {
		t.Fatalf("nsqd received %d messages, want exactly the 30 acknowledged", len(got))
	}
}

func TestPublishSourceErrorAfterGoodLines(t *testing.T) {
	addr := startNSQD(t)
	col := consume(t, addr, "bad_line")
	var in strings.Builder
	for i := 1; i <= 24; i++ {
		fmt.Fprintf(&in, "%d\n", i)
	}
	in.WriteString("twenty-five\n26\n")
	opts := quietOptions(addr)
	opts.MaxBatchMessages = 10
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	st, err := p.Publish(context.Background(), "bad_line",
		NewLines(strings.NewReader(in.String()), LineOptions{Name: "in.txt"}).Bodies())
	var le *LineError
	if !errors.As(err, &le) || le.Line != 25 {
		t.Fatalf("err = %v, want a LineError at line 25", err)
	}
	if !strings.Contains(err.Error(), "in.txt:25") || !strings.Contains(err.Error(), "24 messages confirmed") {
		t.Fatalf("error message %q", err)
	}
	if st.Acked != 24 {
		t.Fatalf("acked %d, want 24", st.Acked)
	}
	if got := col.wait(t, 24); len(got) != 24 {
		t.Fatalf("received %d", len(got))
	}
}

func TestPublishRateLimit(t *testing.T) {
	addr := startNSQD(t)
	tests := []struct {
		n       int
		rate    float64
		minimum time.Duration
	}{
		{50, 1000, 40 * time.Millisecond},
		{20, 200, 80 * time.Millisecond},
		{3, 20, 120 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d@%v", tt.n, tt.rate), func(t *testing.T) {
			opts := quietOptions(addr)
			opts.Rate = tt.rate
			p, err := NewPublisher(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			start := time.Now()
			st, err := p.Publish(context.Background(), "rate", sliceSource(numberBodies(tt.n)))
			elapsed := time.Since(start)
			if err != nil || st.Acked != int64(tt.n) {
				t.Fatalf("stats %+v err %v", st, err)
			}
			if elapsed < tt.minimum {
				t.Fatalf("%d messages at %v/s took %v, want at least %v", tt.n, tt.rate, elapsed, tt.minimum)
			}
		})
	}
}

func TestPublishRateLimitOutlastingDeadline(t *testing.T) {
	// No nsqd: the limiter gives up before anything is sent (a Publisher
	// connects on its first MPUB).
	opts := quietOptions("127.0.0.1:1")
	opts.Rate = 1 // the first message is due in a second
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	st, err := p.Publish(ctx, "rate_deadline", sliceSource(numberBodies(5)))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want one that is context.DeadlineExceeded", err)
	}
	if st.Acked != 0 {
		t.Errorf("acked %d before the first message was due", st.Acked)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("returned after %v, want before the first message was due", elapsed)
	}
}

func TestPublishOversizedMessageIsNotRetried(t *testing.T) {
	addr := startNSQD(t)
	opts := quietOptions(addr)
	opts.RetryBackoff = time.Second // a retry would make the test slow
	p, err := NewPublisher(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	huge := strings.Repeat("x", 2<<20) // above nsqd's default 1 MiB max-msg-size
	st, err := p.Publish(context.Background(), "huge", sliceSource([]string{"small", huge}))
	var pe nsq.ErrProtocol
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want nsq.ErrProtocol", err)
	}
	if st.Retries != 0 || st.Acked != 1 {
		t.Fatalf("stats %+v, want 1 acked (the small one, sent alone) and no retry", st)
	}
}

func TestPublishInvalidTopic(t *testing.T) {
	p, err := NewPublisher(quietOptions("127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if _, err := p.Publish(context.Background(), "bad topic!", sliceSource(nil)); err == nil {
		t.Fatal("invalid topic accepted")
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{"defaults", func(*Options) {}, ""},
		{"no address", func(o *Options) { o.Addrs = nil }, "Addrs"},
		{"empty address", func(o *Options) { o.Addrs = []string{""} }, "Addrs[0]"},
		{"zero batch", func(o *Options) { o.MaxBatchMessages = 0 }, "MaxBatchMessages"},
		{"zero bytes", func(o *Options) { o.MaxBatchBytes = 0 }, "MaxBatchBytes"},
		{"zero flush", func(o *Options) { o.FlushInterval = 0 }, "FlushInterval"},
		{"negative rate", func(o *Options) { o.Rate = -1 }, "Rate"},
		{"negative retries", func(o *Options) { o.MaxRetries = -1 }, "MaxRetries"},
		{"backoff order", func(o *Options) { o.MaxRetryBackoff = time.Millisecond }, "MaxRetryBackoff"},
		{"bad strategy", func(o *Options) { o.Strategy = 7 }, "Strategy"},
		{"bad nsq config", func(o *Options) { o.NSQConfig = nsq.NewConfig(); o.NSQConfig.MaxInFlight = -1 }, "NSQConfig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOptions("127.0.0.1:4150")
			tt.mutate(&o)
			err := o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want mention of %s", err, tt.wantErr)
			}
			if _, err := NewPublisher(o); err == nil {
				t.Fatal("NewPublisher accepted invalid options")
			}
		})
	}
}

func TestParseStrategy(t *testing.T) {
	for in, want := range map[string]Strategy{"": Failover, "failover": Failover, "round-robin": RoundRobin, "rr": RoundRobin} {
		got, err := ParseStrategy(in)
		if err != nil || got != want {
			t.Fatalf("ParseStrategy(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseStrategy("random"); err == nil {
		t.Fatal("unknown strategy accepted")
	}
}

func TestGoNSQLogLevels(t *testing.T) {
	addr := startNSQD(t)
	tests := []struct {
		name          string
		level         slog.Level
		wantConnectOn bool
	}{
		{"debug shows go-nsq's info lines", slog.LevelDebug, true},
		{"info keeps them quiet", slog.LevelInfo, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf syncbuf.Buffer
			opts := NewOptions(addr)
			opts.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))
			p, err := NewPublisher(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Publish(context.Background(), "log_levels", sliceSource(numberBodies(3))); err != nil {
				t.Fatal(err)
			}
			p.Stop()
			logged := buf.String()
			line := regexp.MustCompile(`level=INFO msg="\d+ \(` + regexp.QuoteMeta(addr) + `\) connecting to nsqd" nsqd=` +
				regexp.QuoteMeta(addr) + ` component=go-nsq`)
			if got := line.MatchString(logged); got != tt.wantConnectOn {
				t.Errorf("line %v logged: %v, want %v; log:\n%s", line, got, tt.wantConnectOn, logged)
			}
		})
	}
}
