package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// runCLI runs the command line to completion and returns its exit status
// and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, out := runInProcess(context.Background(), args...)
	return <-code, out.String()
}

func TestPublishNumbersAndTail(t *testing.T) {
	n := nsqtest.NSQD(t)
	tcp, http := n.RealTCPAddr().String(), n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "numbers", "check")

	code, out := runCLI(t, "publish", "numbers", "--config", topicsFile, "--nsqd-tcp-address", tcp,
		"--from", "100000000000000000000", "--to", "100000000000000000999")
	if code != 0 || !strings.Contains(out, "published 1000 messages") {
		t.Fatalf("publish range: exit %d: %s", code, out)
	}

	file := filepath.Join(t.TempDir(), "numbers.txt")
	if err := os.WriteFile(file, []byte("7\n{\"number\": 8, \"tag\": \"t\"}\n\n\"9\"\nten\n11\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = runCLI(t, "publish", "numbers", "--config", topicsFile, "--nsqd-tcp-address", tcp, "--file", file)
	if code != 1 || !strings.Contains(out, "numbers.txt:5") || !strings.Contains(out, "3 messages confirmed") {
		t.Fatalf("publish file with a bad line 5: exit %d: %s", code, out)
	}
	code, out = runCLI(t, "publish", "numbers", "--config", topicsFile, "--nsqd-tcp-address", tcp, "--file", file, "--skip-invalid")
	if code != 0 || !strings.Contains(out, "published 4 messages") || !strings.Contains(out, "skipped 1 invalid line") {
		t.Fatalf("publish --skip-invalid: exit %d: %s", code, out)
	}
	// nsqd acknowledges a publish once the topic has it; its pump moves
	// it to the channel a moment later.
	nsqtest.Eventually(t, 5*time.Second, "the channel to hold the 1007 messages published", func() bool {
		d, _ := nsqtest.Depth(n, "numbers", "check")
		return d == 1000+3+4
	})

	code, out = runCLI(t, "tail", "--nsqd-tcp-address", tcp, "--topic", "numbers", "--channel", "check", "-n", "3")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || lines[0] != `{"number":100000000000000000000}` {
		t.Fatalf("tail -n 3: exit %d: %q", code, out)
	}
}

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"publish"}, 2, "publish what?"},
		{[]string{"publish", "numbers", "--from", "5", "--to", "1"}, 2, "from"},
		{[]string{"publish", "lp"}, 2, "--model is required"},
		{[]string{"publish", "lp", "--model", "wyndor", "--param", "x=1:0:1"}, 2, "x"},
		{[]string{"publish", "numbers", "--topic", "bad topic", "--from", "1", "--to", "2"}, 2, `--topic "bad topic" is not a valid NSQ topic name`},
		{[]string{"publish", "--from", "1", "numbers"}, 2, "give what to publish, numbers or lp, before the flags"},
		{[]string{"publish", "numbers", "--to", "9"}, 2, "a range needs both --from and --to"},
		{[]string{"publish", "numbers", "--step", "2"}, 2, "--step applies to a range"},
		{[]string{"tail"}, 2, "--topic is required"},
		{[]string{"consume"}, 2, "want exactly one STAGE"},
		{[]string{"consume", "nosuch", "--config", topicsFile}, 1, `no stage "nosuch"`},
		{[]string{"lint", "--config", "missing.yaml"}, 1, "missing.yaml"},
		{[]string{"solve", "nosuch.mps"}, 1, "nosuch.mps"},
		{[]string{"up", "--log-level", "loud"}, 2, "--log-level"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want exit %d mentioning %q", code, out, tc.code, tc.want)
			}
		})
	}
}

func TestLintAndSolve(t *testing.T) {
	code, out := runCLI(t, "lint", "--config", topicsFile)
	if code != 0 || !strings.Contains(out, "ok (9 topics, 3 stages)") {
		t.Fatalf("lint: exit %d: %s", code, out)
	}
	afiro := "../../../shared/data/lp/netlib/afiro.mps.gz"
	if _, err := os.Stat(afiro); err != nil {
		t.Skip("shared data not present")
	}
	code, out = runCLI(t, "solve", "--json", afiro)
	if code != 0 || !strings.Contains(out, `"status":"optimal","objective":-464.75314285714`) {
		t.Fatalf("solve --json afiro: exit %d: %.300s", code, out)
	}
}
