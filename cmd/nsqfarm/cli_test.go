package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// runStreams runs the command line to completion and returns its exit
// status, stdout and stderr.
func runStreams(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// writeTopology writes a copy of the shipped topology to dir/name with
// each old string of replace (old, new pairs) replaced, and returns its
// path.
func writeTopology(t *testing.T, dir, name string, replace ...string) string {
	t.Helper()
	src, err := os.ReadFile(topicsFile)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(replace); i += 2 {
		if !bytes.Contains(src, []byte(replace[i])) {
			t.Fatalf("%s has no %q to replace", topicsFile, replace[i])
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.NewReplacer(replace...).Replace(string(src))), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// offers reports whether help has a line for the flag name.
func offers(help, name string) bool {
	return regexp.MustCompile(`\n  ` + regexp.QuoteMeta(name) + `[ \n]`).MatchString(help)
}

func TestTopLevel(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		stdout     string // "" means nothing on stdout
		stderr     string // "" means nothing on stderr
		stderrWant string
	}{
		{args: nil, code: 2, stderrWant: "Usage:\n  nsqfarm up"},
		{args: []string{"frobnicate"}, code: 2, stderrWant: `nsqfarm: unknown command "frobnicate"`},
		{args: []string{"--frobnicate"}, code: 2, stderrWant: `unknown command "--frobnicate"`},
		{args: []string{"help"}, code: 0, stdout: "Usage:\n  nsqfarm up"},
		{args: []string{"-h"}, code: 0, stdout: "Usage:\n  nsqfarm up"},
		{args: []string{"--help"}, code: 0, stdout: "nsqfarm version"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runStreams(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stdout %q, stderr %q", code, tc.code, stdout, stderr)
			}
			if (tc.stdout == "") != (stdout == "") || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout %q, want %q", stdout, tc.stdout)
			}
			if (tc.stderrWant == "") != (stderr == "") || !strings.Contains(stderr, tc.stderrWant) {
				t.Errorf("stderr %q, want %q", stderr, tc.stderrWant)
			}
		})
	}
}

// TestHelp asks every command and subcommand for its help, and checks that
// each offers the flags it uses and no other.
func TestHelp(t *testing.T) {
	tests := []struct {
		args  []string
		usage string
		want  []string // flags, or text, the help must have
		not   []string // flags the help must not offer
	}{
		{[]string{"up", "--help"}, "nsqfarm up", []string{
			"--nsqd.tcp-address", "--nsqd.http-address", "--nsqlookupd.tcp-address",
			"--nsqlookupd.http-address", "--nsqadmin.http-address", "--nsqd.node-id",
			"--nsqd.max-msg-size", "--metrics-address", "--nsqd.tcp-address is\nthe address nsqd --tcp-address listens on",
		}, []string{
			"--nsqd-tcp-address", "--lookupd-http-address", "--node-id",
			"--destination-nsqd-tcp-address", "--topic",
		}},
		{[]string{"up", "-h"}, "nsqfarm up", []string{"--stage"}, nil},
		{[]string{"help", "up"}, "nsqfarm up", []string{"--data-dir"}, nil},
		{[]string{"consume", "--help"}, "nsqfarm consume STAGE", []string{
			"--lookupd-http-address", "--nsqd-tcp-address", "--destination-nsqd-tcp-address",
			"--nsqd-http-address", "--concurrency", "--max-in-flight", "--max-msg-size",
		}, []string{"--topic", "--nsqd.tcp-address", "--rate"}},
		{[]string{"consume", "primality", "-h"}, "nsqfarm consume STAGE", nil, nil},
		{[]string{"publish", "--help"}, "nsqfarm publish numbers|lp", []string{"numbers", "lp"}, nil},
		{[]string{"publish", "-h"}, "nsqfarm publish numbers|lp", nil, nil},
		{[]string{"publish", "numbers", "--help"}, "nsqfarm publish numbers", []string{
			"--from", "--to", "--step", "--file", "--rate",
			"--nsqd-tcp-address", "--topic",
		}, []string{"--model", "--lookupd-http-address", "--destination-nsqd-tcp-address"}},
		{[]string{"publish", "lp", "-h"}, "nsqfarm publish lp", []string{"--model", "--param", "--time-limit-ms"},
			[]string{"--from", "--destination-nsqd-tcp-address"}},
		{[]string{"tail", "--help"}, "nsqfarm tail", []string{
			"--topic", "-n", "--channel", "--from-start",
			"--lookupd-http-address", "--nsqd-tcp-address", "--nsqd-http-address",
		}, []string{"--destination-nsqd-tcp-address", "--metrics-address", "--concurrency", "--log-level"}},
		{[]string{"tail", "--topic", "primes", "-h"}, "nsqfarm tail", nil, nil},
		{[]string{"solve", "--help"}, "nsqfarm solve", []string{"--json", "--time-limit", "--max-iterations", "--threads"},
			[]string{"--config", "--nsqd-tcp-address"}},
		{[]string{"exporter", "--help"}, "nsqfarm exporter", []string{
			"--lookupd-http-address", "--nsqd-http-address", "--metrics-address", "--timeout",
		}, []string{"--nsqd-tcp-address", "--topic", "--concurrency"}},
		{[]string{"lint", "-h"}, "nsqfarm lint [FILE]", []string{"--config"}, []string{"--nsqd-tcp-address"}},
		{[]string{"version", "--help"}, "nsqfarm version", nil, []string{"\nFlags:"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runStreams(t, tc.args...)
			if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: "+tc.usage) {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit 0 and the usage of %q on stdout only", code, stderr, stdout, tc.usage)
			}
			for _, w := range tc.want {
				if !offers(stdout, w) && !strings.Contains(stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, stdout)
				}
			}
			for _, n := range tc.not {
				if offers(stdout, n) {
					t.Errorf("help offers %q:\n%s", n, stdout)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	pinned := func(module string) string {
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + ` (v\S+)`).FindSubmatch(mod)
		if m == nil {
			t.Fatalf("go.mod does not require %s", module)
		}
		return string(m[1])
	}
	want := []string{
		"nsqfarm ",
		"\nnsq     " + pinned(nsqModule) + " (" + nsqModule + ")\n",
		"\ngo-nsq  " + pinned(goNSQModule) + " (" + goNSQModule + ")\n",
		"\ngo      go1.",
	}
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		t.Run(args[0], func(t *testing.T) {
			code, stdout, stderr := runStreams(t, args...)
			if code != 0 || stderr != "" || !strings.HasPrefix(stdout, want[0]) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			for _, w := range want[1:] {
				if !strings.Contains(stdout, w) {
					t.Errorf("version lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
	if code, _, stderr := runStreams(t, "version", "extra"); code != 2 || !strings.Contains(stderr, "unexpected arguments") {
		t.Errorf("version extra: exit %d, stderr %q", code, stderr)
	}
}

// TestFlagRanges gives every command's numeric flags values out of their
// range: each is a usage error naming the flag and the allowed range,
// reported before anything is started or read.
func TestFlagRanges(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"tail", "--topic", "primes", "-n", "-3"}, "-n -3: out of range, want 0 or more"},
		{[]string{"tail", "--topic", "primes", "-n", "ten"}, "-n ten: not an integer"},
		{[]string{"tail", "--topic", "primes", "-n", "99999999999999999999"}, "-n 99999999999999999999: out of range, want 0 or more"},
		{[]string{"consume", "primality", "--concurrency", "-1"}, "--concurrency: must be >= 0"},
		{[]string{"consume", "primality", "--max-in-flight", "2501"}, "--max-in-flight: must be between 0 and 2500"},
		{[]string{"consume", "primality", "--max-in-flight", "-1"}, "--max-in-flight: must be between 0 and 2500"},
		{[]string{"consume", "primality", "--max-msg-size", "-1"}, "--max-msg-size -1: out of range, want 0 or more"},
		{[]string{"up", "--concurrency", "-2"}, "--concurrency: must be >= 0"},
		{[]string{"up", "--max-in-flight", "3000"}, "--max-in-flight: must be between 0 and 2500"},
		{[]string{"up", "--nsqd.mem-queue-size", "-1"}, "--nsqd.mem-queue-size -1: out of range, want 0 or more"},
		{[]string{"up", "--nsqd.sync-every", "0"}, "--nsqd.sync-every 0: out of range, want 1 or more"},
		{[]string{"up", "--nsqd.node-id", "1024"}, "--nsqd.node-id 1024: out of range, want 0 to 1023"},
		{[]string{"up", "--log-level", "loud"}, "--log-level loud: want one of debug, info, warn, error"},
		{[]string{"publish", "numbers", "--rate", "-1"}, "--rate -1: out of range, want 0 or more"},
		{[]string{"publish", "numbers", "--rate", "NaN"}, "--rate NaN: not a number"},
		{[]string{"publish", "numbers", "--rate", "Inf"}, "--rate Inf: not a number"},
		{[]string{"publish", "numbers", "--batch-size", "0"}, "--batch-size 0: out of range, want 1 or more"},
		{[]string{"publish", "numbers", "--from", "1", "--to", "9", "--step", "0"}, "--step 0: out of range, want 1 or more"},
		{[]string{"publish", "numbers", "--from", "-5", "--to", "9"}, "--from -5: out of range, want 0 or more"},
		{[]string{"publish", "numbers", "--from", "1e3", "--to", "9"}, "--from 1e3: not an integer"},
		{[]string{"publish", "numbers", "--strategy", "random"}, "--strategy random: want one of failover, round-robin"},
		{[]string{"publish", "lp", "--model", "wyndor", "--time-limit-ms", "-1"}, "--time-limit-ms -1: out of range, want 0 or more"},
		{[]string{"solve", "model.lp", "--max-iterations", "-1"}, "--max-iterations -1: out of range, want 0 or more"},
		{[]string{"solve", "model.lp", "--time-limit", "-1s"}, "--time-limit -1s: out of range, want 0s to 24h0m0s"},
		{[]string{"solve", "model.lp", "--time-limit", "soon"}, "--time-limit soon: not a duration"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runStreams(t, tc.args...)
			cmd := tc.args[0]
			if cmd == "publish" {
				cmd += " " + tc.args[1]
			}
			hint := "\nRun 'nsqfarm " + cmd + " --help' for usage.\n"
			if code != 2 || stdout != "" || !strings.Contains(stderr, "nsqfarm "+cmd+": "+tc.want) || !strings.HasSuffix(stderr, hint) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

// TestUpListenFlags checks that up's former listen-address flags, and
// nsqd's flags without the daemon's name, are usage errors that name
// what replaced them.
func TestUpListenFlags(t *testing.T) {
	tests := []struct{ old, want string }{
		{"--nsqd-tcp-address", "in NSQ's tools this is an address to connect to; the address up's nsqd listens on is --nsqd.tcp-address"},
		{"--lookupd-http-address", "the address up's nsqlookupd listens on is --nsqlookupd.http-address"},
		{"--nsqd-http-address", "--nsqd.http-address"},
		{"--lookupd-tcp-address", "--nsqlookupd.tcp-address"},
		{"--nsqadmin-http-address", "--nsqadmin.http-address"},
		{"--broadcast-address", "--nsqd.broadcast-address"},
		{"--mem-queue-size", "--nsqd.mem-queue-size"},
		{"--sync-every", "--nsqd.sync-every"},
		{"--node-id", "--nsqd.node-id"},
		{"--max-msg-size", "--nsqd.max-msg-size"},
	}
	for _, tc := range tests {
		t.Run(tc.old, func(t *testing.T) {
			code, _, stderr := runStreams(t, "up", tc.old, "1")
			if code != 2 || !strings.Contains(stderr, "nsqfarm up: "+tc.old+": ") || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

// TestLintFile checks that lint reads the file it is given.
func TestLintFile(t *testing.T) {
	dir := t.TempDir()
	good := writeTopology(t, dir, "good.yaml")
	bad := writeTopology(t, dir, "bad.yaml", "prime: primes", "prime: primez")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lint", bad}, 1, bad + `:36: stages.primality.outputs.prime: topic "primez" is not declared under topics`},
		{[]string{"lint", good}, 0, good + ": ok (9 topics, 3 stages)"},
		{[]string{"lint", "--config", bad}, 1, bad + ":36:"},
		{[]string{"lint", "--config", good}, 0, good + ": ok"},
		{[]string{"lint", good, "--config", good}, 0, good + ": ok"},
		{[]string{"lint", bad, "--config", good}, 2, "give the file as FILE or with --config, not both"},
		{[]string{"lint", good, bad}, 2, "want exactly one FILE"},
		{[]string{"lint", filepath.Join(dir, "missing.yaml")}, 1, "missing.yaml: no such file"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			code, out := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want exit %d and %q", code, out, tc.code, tc.want)
			}
		})
	}
}

// TestTopologyFallback checks where commands find the topology when no
// --config is given: ./topics.yaml, else the built-in one.
func TestTopologyFallback(t *testing.T) {
	t.Setenv("NSQFARM_CONFIG", "")
	withFile := t.TempDir()
	writeTopology(t, withFile, "topics.yaml")
	t.Run("./topics.yaml", func(t *testing.T) {
		t.Chdir(withFile)
		if code, out := runCLI(t, "lint"); code != 0 || !strings.HasSuffix(out, "\ntopics.yaml: ok (9 topics, 3 stages)\n") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	t.Run("built-in", func(t *testing.T) {
		t.Chdir(t.TempDir())
		code, out := runCLI(t, "lint")
		if code != 0 || !strings.Contains(out, "\n"+builtinName+": ok (") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
}

// TestPublishLPChecksTheModel checks that publish lp sends nothing when
// the model or a parameter is wrong, against the built-in models and
// those of the stage's models_dir.
func TestPublishLPChecksTheModel(t *testing.T) {
	n := nsqtest.NSQD(t)
	models := t.TempDir()
	plant := "name: plant\nparams:\n  capacity: {min: 1, max: 100}\n  price: 5\nmodel: |\n  maximize\n    obj: price x\n  subject to\n    c1: x <= capacity\n  end\n"
	if err := os.WriteFile(filepath.Join(models, "plant.yaml"), []byte(plant), 0o644); err != nil {
		t.Fatal(err)
	}
	config := writeTopology(t, t.TempDir(), "topics.yaml",
		"      mip_threads: 1\n", "      mip_threads: 1\n      models_dir: "+models+"\n",
		"127.0.0.1:4150", n.RealTCPAddr().String())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--model", "nosuch"}, `stage lpsolve rejects the jobs: unknown model "nosuch" (known: plant, wyndor); nothing was published`},
		{[]string{"--model", "wyndor", "--param", "profit_rate_windows=-5"}, `model "wyndor": parameter "profit_rate_windows" = -5 is below its minimum 0`},
		{[]string{"--model", "wyndor", "--param", "profit_rate_windows=100,-0.5,200"}, `parameter "profit_rate_windows" = -0.5 is below its minimum 0`},
		{[]string{"--model", "wyndor", "--param", "bogus=1"}, `model "wyndor": unknown parameter "bogus" (it has parameters profit_rate_windows)`},
		{[]string{"--model", "plant"}, `model "plant": missing parameter "capacity" (it has no default)`},
		{[]string{"--model", "plant", "--param", "capacity=1:101:10"}, `parameter "capacity" = 101 is above its maximum 100`},
		{[]string{"--model", "plant", "--param", "capacity=0:50:10"}, `parameter "capacity" = 0 is below its minimum 1`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out := runCLI(t, append([]string{"publish", "lp", "--config", config}, tc.args...)...)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want exit 1 and %q", code, out, tc.want)
			}
		})
	}
	if _, _, ok := topicState(n, "lp_params"); ok {
		t.Fatal("a rejected sweep created topic lp_params")
	}
	code, out := runCLI(t, "publish", "lp", "--config", config, "--model", "plant", "--param", "capacity=1:100:11", "--param", "price=2,3")
	if code != 0 || !strings.Contains(out, "published 20 messages") {
		t.Fatalf("valid sweep: exit %d: %s", code, out)
	}
	if depth, _, _ := topicState(n, "lp_params"); depth != 20 {
		t.Fatalf("lp_params holds %d jobs, want 20", depth)
	}
}

// TestPublishTopicFromTopology checks that publish numbers sends to the
// input topic of the topology's primality stage, at its nsqd.
func TestPublishTopicFromTopology(t *testing.T) {
	n := nsqtest.NSQD(t)
	config := writeTopology(t, t.TempDir(), "topics.yaml", "numbers", "integers", "127.0.0.1:4150", n.RealTCPAddr().String())
	code, out := runCLI(t, "publish", "numbers", "--config", config, "--from", "1", "--to", "5")
	if code != 0 || !strings.Contains(out, "published 5 messages") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if depth, _, _ := topicState(n, "integers"); depth != 5 {
		t.Fatalf("topic integers holds %d messages, want 5", depth)
	}
	if _, _, ok := topicState(n, "numbers"); ok {
		t.Fatal("publish wrote to topic numbers, which the topology does not declare")
	}
}

// TestUpUsesTopology runs up with the addresses, the metrics address and
// the topic names of a topology, and no address flag but nsqlookupd's TCP
// one, then reads a result with tail, which finds nsqlookupd there too.
func TestUpUsesTopology(t *testing.T) {
	nsqdTCP, nsqdHTTP, lookupdHTTP, metrics := nsqtest.FreeAddr(t), nsqtest.FreeAddr(t), nsqtest.FreeAddr(t), nsqtest.FreeAddr(t)
	config := writeTopology(t, t.TempDir(), "topics.yaml", "numbers", "integers",
		"127.0.0.1:4150", nsqdTCP, "127.0.0.1:4151", nsqdHTTP, "127.0.0.1:4161", lookupdHTTP, "127.0.0.1:9150", metrics)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The primality stage alone: primes keeps its backlog for tail's
	// --from-start (the store stage would read it on a channel of its own).
	code, out := runInProcess(ctx, "up", "--config", config, "--data-dir", t.TempDir(), "--stage", "primality",
		"--nsqlookupd.tcp-address", nsqtest.FreeAddr(t), "--nsqadmin.http-address", "off", "--web-address", "off", "--log-level", "warn")
	waitOK(t, "http://"+metrics+"/healthz", 20*time.Second)
	if want := "'http://" + nsqdHTTP + "/pub?topic=integers'"; !strings.Contains(out.String(), want) {
		t.Errorf("up's output lacks %q:\n%s", want, out)
	}
	nsqtest.Pub(t, nsqdHTTP, "integers", []byte(`{"number": 97}`))
	tail := startTail(t, nil, "--config", config, "--topic", "primes", "--from-start", "-n", "1")
	if c := tail.exit(t, 30*time.Second); c != 0 || len(tail.lines()) != 1 || !strings.Contains(tail.lines()[0], `{"number": 97,"prime":true`) {
		t.Fatalf("tail: exit %d, lines %q", c, tail.lines())
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("up exited %d:\n%s", c, out)
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("up did not stop:\n%s", out)
	}
}

func TestVersionRelease(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/nsqfarm/nsqfarm", Version: "(devel)"}}
	for _, tc := range []struct{ release, want string }{
		{"", "nsqfarm (devel)\n"},
		{"0.1.0", "nsqfarm 0.1.0\n"},
	} {
		version = tc.release
		var b strings.Builder
		writeVersion(&b, info)
		version = ""
		if !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("release %q: %q, want it to start with %q", tc.release, b.String(), tc.want)
		}
	}
}
