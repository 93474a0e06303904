// Package backoff computes exponential back-off delays: the wait before a
// retry starts at a base delay and doubles with each further retry, up to
// a maximum.
package backoff

import "time"

// Delay returns the wait before retry number attempt (1-based) of an
// operation that keeps failing: zero for attempt 0 or less, base for the
// first retry, then twice the previous delay for each further retry, never
// more than max. A base of zero or less gives zero; a max below base caps
// every delay at max. The result never overflows, however large attempt is.
//
// For example, with base 100ms and max 1s, attempts 1 to 6 wait 100ms,
// 200ms, 400ms, 800ms, 1s and 1s.
func Delay(base, max time.Duration, attempt int) time.Duration {
	if attempt <= 0 || base <= 0 || max <= 0 {
		return 0
	}
	d := min(base, max)
	for i := 1; i < attempt && d < max; i++ {
		if d > max/2 {
			return max
		}
		d *= 2
	}
	return d
}
