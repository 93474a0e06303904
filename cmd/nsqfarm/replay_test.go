package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// TestReplayKilledLosesNothing dead-letters 1,000 inputs, SIGKILLs a
// replay midway and runs another: every original body is republished at
// least once and the channel ends empty.
func TestReplayKilledLosesNothing(t *testing.T) {
	n := nsqtest.NSQD(t)
	http, tcp := n.RealHTTPAddr().String(), n.RealTCPAddr().String()
	out := nsqtest.Collect(t, tcp, "numbers", "check")
	const total = 1000
	var recs [][]byte
	for i := range total {
		d := stage.DeadLetter{Stage: "primality", Topic: "numbers", Channel: "primality", Error: "handler failed",
			InputID: fmt.Sprint("in-", i), Time: time.Now().UTC().Format(time.RFC3339Nano),
			BodyEncoding: stage.BodyJSON, Body: fmt.Appendf(nil, `{"number":%d}`, i)}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, b)
	}
	// The topic has no channel yet: replay's channel takes the backlog.
	nsqtest.MPub(t, http, "numbers_dead", recs)

	args := []string{"replay", "--topic", "numbers_dead", "--nsqd-tcp-address", tcp, "--nsqd-http-address", http,
		"--msg-timeout", "2s", "--log-level", "warn"}
	p := start(t, append(args, "--rate", "300")...)
	nsqtest.Eventually(t, 20*time.Second, "the first replay to republish 300 bodies", func() bool { return out.Len() >= 300 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.wait(t, 5*time.Second)
	killedAt := out.Len()
	if killedAt >= total {
		t.Fatalf("the replay finished before it was killed (%d bodies)", killedAt)
	}

	again := start(t, append(args, "--rate", "0")...)
	if err := again.wait(t, 60*time.Second); err != nil {
		t.Fatalf("second replay: %v\n%s", err, again.Output())
	}
	seen := map[string]int{}
	for _, b := range out.WaitFor(t, total, 10*time.Second) {
		seen[string(b)]++
	}
	for i := range total {
		if seen[fmt.Sprintf(`{"number":%d}`, i)] == 0 {
			t.Fatalf("body %d was never republished (killed after %d, %d bodies in all)", i, killedAt, out.Len())
		}
	}
	if d, err := nsqtest.Depth(n, "numbers_dead", "replay"); err != nil || d != 0 {
		t.Fatalf("replay channel holds %d (%v)", d, err)
	}
	if !strings.Contains(again.Output(), "the channel holds nothing more to replay") {
		t.Errorf("second replay said:\n%s", again.Output())
	}
	t.Logf("killed after %d bodies; %d bodies republished in all (%d duplicates)", killedAt, out.Len(), out.Len()-total)
}

// TestReplayDryRunConsumesNothing: a dry run through the command prints
// each record it would send and leaves the channel as it was.
func TestReplayDryRunConsumesNothing(t *testing.T) {
	n := nsqtest.NSQD(t)
	http, tcp := n.RealHTTPAddr().String(), n.RealTCPAddr().String()
	out := nsqtest.Collect(t, tcp, "numbers", "check")
	for i := range 20 {
		d := stage.DeadLetter{Stage: "primality", Topic: "numbers", Error: fmt.Sprint("error ", i%2), InputID: fmt.Sprint("in-", i),
			Time: time.Now().UTC().Format(time.RFC3339Nano), BodyEncoding: stage.BodyJSON, Body: fmt.Appendf(nil, `{"number":%d}`, i)}
		b, _ := json.Marshal(d)
		nsqtest.Pub(t, http, "numbers_dead", b)
	}
	code, stdout, stderr := runStreams(t, "replay", "--topic", "numbers_dead", "--nsqd-tcp-address", tcp, "--nsqd-http-address", http,
		"--dry-run", "--error-regexp", "^error 1$", "--since", "1h")
	if code != 0 || strings.Count(stdout, "would replay") != 10 || !strings.Contains(stderr, "would replay 10, set aside and handed back 10 not selected") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	nsqtest.Eventually(t, 5*time.Second, "every record back in the channel", func() bool {
		d, err := nsqtest.Depth(n, "numbers_dead", "replay")
		return err == nil && d == 20
	})
	time.Sleep(200 * time.Millisecond)
	if out.Len() != 0 {
		t.Fatalf("dry run published %d bodies", out.Len())
	}
}

func TestReplayCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "--topic is required"},
		{[]string{"replay", "--topic", "x_dead", "--error", "a", "--error-regexp", "b"}, "not both"},
		{[]string{"replay", "--topic", "x_dead", "--error-regexp", "("}, "--error-regexp: error regexp"},
		{[]string{"replay", "--topic", "x_dead", "--since", "yesterday"}, "--since: \"yesterday\" is neither"},
		{[]string{"replay", "--topic", "x_dead", "--since", "1h", "--until", "2h"}, "is not before --until"},
		{[]string{"replay", "--topic", "x_dead", "--to", "bad topic"}, "invalid topic or channel name"},
		{[]string{"replay", "--topic", "x_dead", "--max-in-flight", "3000"}, "out of range, want 1 to 2500"},
	} {
		code, _, stderr := runStreams(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
