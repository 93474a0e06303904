package nsqtest

import (
	"net"
	"strconv"
	"testing"
)

// TestFreeAddr: the addresses are distinct, bindable, and their ports lie
// below the kernel's ephemeral range, where no client connection can
// take them.
func TestFreeAddr(t *testing.T) {
	hi := ephemeralLow()
	seen := make(map[string]bool)
	for range 50 {
		addr := FreeAddr(t)
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			t.Fatal(err)
		}
		if hi-freePortLow >= 1000 && (p < freePortLow || p >= hi) {
			t.Fatalf("port %d outside [%d, %d)", p, freePortLow, hi)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("bind %s: %v", addr, err)
		}
		ln.Close()
	}
}

// TestLoggerAfterTheTest: a line logged after the test that owns the
// logger has ended is dropped instead of panicking in t.Log.
func TestLoggerAfterTheTest(t *testing.T) {
	var l *testLogger
	t.Run("owner", func(t *testing.T) {
		l = newTestLogger(t)
		if err := l.Output(2, "while the test runs"); err != nil {
			t.Fatal(err)
		}
	})
	if err := l.Output(2, "after the test ended"); err != nil {
		t.Fatal(err)
	}
}
