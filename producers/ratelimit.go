package producers

import (
	"context"
	"time"
)

// tokenBucket is a small token-bucket rate limiter (no external
// dependency). Tokens accrue at rate per second up to burst; Wait(n) takes
// n tokens, going into debt if needed, and sleeps until the debt is repaid.
// The bucket starts empty, so N messages at rate R take about N/R seconds
// from the start rather than a first free burst.
type tokenBucket struct {
	rate   float64 // tokens per second
	burst  float64 // maximum stored tokens
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(max(burst, 1)), now: time.Now, last: time.Now()}
}

// wait takes n tokens and blocks until they are paid for or ctx is done.
// On cancellation the tokens stay taken: the caller does not send.
func (b *tokenBucket) wait(ctx context.Context, n int) error {
	now := b.now()
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.last = now
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return ctx.Err()
	}
	d := time.Duration(-b.tokens / b.rate * float64(time.Second))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
