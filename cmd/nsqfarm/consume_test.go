package main

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// kill tests publish this many numbers and stop a consumer mid-stream.
const streamSize = 100_000

// publishStream queues streamSize numbers above 2^64 (each a real
// primality test) on the numbers topic with /mpub and returns them.
func publishStream(t *testing.T, httpAddr string) map[string]bool {
	t.Helper()
	base := new(big.Int).Lsh(big.NewInt(1), 64)
	want := make(map[string]bool, streamSize)
	var batch [][]byte
	for i := range streamSize {
		n := new(big.Int).Add(base, big.NewInt(int64(i))).String()
		want[n] = true
		batch = append(batch, fmt.Appendf(nil, `{"number": %s}`, n))
		if len(batch) == 5000 {
			nsqtest.MPub(t, httpAddr, "numbers", batch)
			batch = batch[:0]
		}
	}
	return want
}

// streamSetup starts an nsqd whose numbers/primality channel holds the
// stream, with collectors on the stage's output topics.
func streamSetup(t *testing.T) (n *nsqd.NSQD, primes, nonPrimes *nsqtest.Collector, want map[string]bool) {
	t.Helper()
	n = nsqtest.NSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 1000 })
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "numbers", "primality")
	primes = nsqtest.Collect(t, n.RealTCPAddr().String(), "primes", "check")
	nonPrimes = nsqtest.Collect(t, n.RealTCPAddr().String(), "non_primes", "check")
	return n, primes, nonPrimes, publishStream(t, http)
}

// consumeArgs runs the primality stage straight against one nsqd, with
// the shipped topology but the given message timeout (shorter than the
// default 60s, so the inputs a killed consumer held come back quickly).
func consumeArgs(t *testing.T, n *nsqd.NSQD, msgTimeout string) []string {
	t.Helper()
	src, err := os.ReadFile(topicsFile)
	if err != nil {
		t.Fatal(err)
	}
	fast := strings.Replace(string(src), "    handler: primality\n", "    handler: primality\n    msg_timeout: "+msgTimeout+"\n", 1)
	if fast == string(src) {
		t.Fatal("topics.yaml has no primality stage to give a msg_timeout")
	}
	file := filepath.Join(t.TempDir(), "topics.yaml")
	if err := os.WriteFile(file, []byte(fast), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"consume", "primality", "--config", file,
		"--nsqd-tcp-address", n.RealTCPAddr().String(), "--metrics-address", "off", "--log-level", "warn"}
}

// accounted waits until every wanted number has a result and returns the
// number of duplicates.
func accounted(t *testing.T, want map[string]bool, cols ...*nsqtest.Collector) int {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		seen := make(map[string]int, len(want))
		total := 0
		for _, c := range cols {
			for _, b := range c.Bodies() {
				r := decodeResult(t, b)
				seen[strings.Trim(string(r.Number), `"`)]++
				total++
			}
		}
		missing := 0
		for n := range want {
			if seen[n] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return total - len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d inputs never produced a result", missing, len(want))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func outputs(cols ...*nsqtest.Collector) int {
	n := 0
	for _, c := range cols {
		n += c.Len()
	}
	return n
}

func waitOutputs(t *testing.T, atLeast int, cols ...*nsqtest.Collector) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for outputs(cols...) < atLeast {
		if time.Now().After(deadline) {
			t.Fatalf("only %d outputs", outputs(cols...))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConsumerKilledLosesNothing kills a consumer with SIGKILL while
// 100,000 numbers flow, starts a new one, and checks every input produced
// a result (duplicates are allowed, losses are not).
func TestConsumerKilledLosesNothing(t *testing.T) {
	n, primes, nonPrimes, want := streamSetup(t)

	first := start(t, consumeArgs(t, n, "3s")...)
	waitOutputs(t, streamSize/10, primes, nonPrimes)
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.wait(t, 10*time.Second)
	atKill := outputs(primes, nonPrimes)
	if atKill >= streamSize {
		t.Fatalf("the consumer finished all %d inputs before it was killed", streamSize)
	}
	t.Logf("killed the first consumer after %d outputs", atKill)

	start(t, consumeArgs(t, n, "3s")...)
	dups := accounted(t, want, primes, nonPrimes)
	t.Logf("all %d inputs accounted for; %d duplicates from redelivery", streamSize, dups)
	nsqtest.WaitDrained(t, n, "numbers", "primality", 30*time.Second)
}

// TestConsumerSIGTERMDrains stops a consumer with SIGTERM mid-stream: it
// exits 0 with nothing left in flight, and a new consumer finishes the rest.
func TestConsumerSIGTERMDrains(t *testing.T) {
	n, primes, nonPrimes, want := streamSetup(t)

	first := start(t, consumeArgs(t, n, "30s")...)
	waitOutputs(t, streamSize/20, primes, nonPrimes)
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.wait(t, 30*time.Second); err != nil {
		t.Fatalf("consumer exited with %v after SIGTERM", err)
	}
	tp, _ := n.GetExistingTopic("numbers")
	ch, _ := tp.GetExistingChannel("primality")
	// The consumer wrote its last FINs before it exited; nsqd reads them
	// from the closed connection a moment later. Anything not finished
	// would stay in flight until the 30 s message timeout.
	var st nsqd.ChannelStats
	nsqtest.Eventually(t, 5*time.Second, "no message in flight after a clean stop", func() bool {
		st = nsqd.NewChannelStats(ch, nil, 0)
		return st.InFlightCount == 0
	})
	if st.RequeueCount != 0 || st.TimeoutCount != 0 {
		t.Errorf("clean stop requeued %d and timed out %d messages", st.RequeueCount, st.TimeoutCount)
	}
	time.Sleep(300 * time.Millisecond) // let the collectors catch up
	done := outputs(primes, nonPrimes)
	if int64(done)+st.Depth < streamSize {
		t.Fatalf("outputs %d + queued %d < %d inputs", done, st.Depth, streamSize)
	}
	t.Logf("SIGTERM after %d outputs; %d inputs still queued", done, st.Depth)

	start(t, consumeArgs(t, n, "30s")...)
	if dups := accounted(t, want, primes, nonPrimes); dups != 0 {
		t.Errorf("%d duplicates after a clean stop", dups)
	}
	nsqtest.WaitDrained(t, n, "numbers", "primality", 30*time.Second)
}
