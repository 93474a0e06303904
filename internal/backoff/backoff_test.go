package backoff

import (
	"math"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name      string
		base, max time.Duration
		attempt   int
		want      time.Duration
	}{
		{"no retry yet", 100 * ms, time.Second, 0, 0},
		{"negative attempt", 100 * ms, time.Second, -3, 0},
		{"first retry", 100 * ms, time.Second, 1, 100 * ms},
		{"second retry doubles", 100 * ms, time.Second, 2, 200 * ms},
		{"fourth retry", 100 * ms, time.Second, 4, 800 * ms},
		{"capped at max", 100 * ms, time.Second, 5, time.Second},
		{"stays at max", 100 * ms, time.Second, 60, time.Second},
		{"max below base", time.Second, 100 * ms, 1, 100 * ms},
		{"max equal to base", time.Second, time.Second, 3, time.Second},
		{"zero base", 0, time.Second, 3, 0},
		{"negative base", -ms, time.Second, 3, 0},
		{"zero max", 100 * ms, 0, 3, 0},
		{"huge attempt does not overflow", time.Nanosecond, math.MaxInt64, math.MaxInt, math.MaxInt64},
		{"largest max reached exactly", 1 << 40, 1 << 62, 23, 1 << 62},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Delay(tt.base, tt.max, tt.attempt); got != tt.want {
				t.Errorf("Delay(%v, %v, %d) = %v, want %v", tt.base, tt.max, tt.attempt, got, tt.want)
			}
		})
	}
}

func TestDelayNeverDecreases(t *testing.T) {
	for _, base := range []time.Duration{1, 3, 250 * time.Millisecond, time.Hour} {
		prev := time.Duration(0)
		for attempt := 0; attempt < 100; attempt++ {
			d := Delay(base, 5*time.Second, attempt)
			if d < prev || d > 5*time.Second {
				t.Fatalf("base %v: attempt %d waits %v after %v", base, attempt, d, prev)
			}
			prev = d
		}
	}
}
