package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
	"github.com/nsqfarm/nsqfarm/internal/syncbuf"
)

// upCluster is `nsqfarm up` running in this process on free ports.
type upCluster struct {
	nsqdTCP, nsqdHTTP, metrics, web string
	out                             *syncbuf.Buffer
}

// startUp runs up on free ports with data in dataDir and more flags in
// extra.
func startUp(t *testing.T, dataDir string, extra ...string) (*upCluster, func() int) {
	t.Helper()
	c := &upCluster{nsqdTCP: nsqtest.FreeAddr(t), nsqdHTTP: nsqtest.FreeAddr(t), metrics: nsqtest.FreeAddr(t), web: nsqtest.FreeAddr(t)}
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"up", "--config", topicsFile, "--data-dir", dataDir,
		"--nsqd.tcp-address", c.nsqdTCP, "--nsqd.http-address", c.nsqdHTTP,
		"--nsqlookupd.tcp-address", nsqtest.FreeAddr(t), "--nsqlookupd.http-address", nsqtest.FreeAddr(t),
		"--nsqadmin.http-address", nsqtest.FreeAddr(t), "--metrics-address", c.metrics, "--web-address", c.web,
		"--log-level", "warn"}, extra...)
	code, out := runInProcess(ctx, args...)
	c.out = out
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(40 * time.Second):
			t.Fatalf("up did not stop; output:\n%s", out)
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
		if t.Failed() {
			t.Logf("up output:\n%s", out)
		}
	})
	waitOK(t, "http://"+c.metrics+"/healthz", 20*time.Second)
	return c, stop
}

// TestUpServesJobAPI: up serves the job API, says where, and publishes a
// submitted job to its nsqd.
func TestUpServesJobAPI(t *testing.T) {
	c, _ := startUp(t, t.TempDir())
	waitOK(t, "http://"+c.web+"/healthz", 20*time.Second)
	if want := "  web         http://" + c.web + "/\n"; !strings.Contains(c.out.String(), want) {
		t.Fatalf("banner without %q:\n%s", want, c.out)
	}
	col := nsqtest.Collect(t, c.nsqdTCP, "numbers", "check")
	resp, err := http.Post("http://"+c.web+"/api/jobs", "application/json", strings.NewReader(`{"id": "up1", "number": 91}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/jobs: %s", resp.Status)
	}
	if got := col.WaitFor(t, 1, 10*time.Second); string(got[0]) != `{"id": "up1", "number": 91}` {
		t.Fatalf("published %s", got[0])
	}
}

// TestUpPrimalityEndToEnd runs the embedded farm and publishes over nsqd's
// HTTP API: 10,000 numbers with /pub and /mpub, the shared test vectors,
// and malformed inputs, and checks every answer and dead letter.
func TestUpPrimalityEndToEnd(t *testing.T) {
	c, stop := startUp(t, t.TempDir())
	primes := nsqtest.Collect(t, c.nsqdTCP, "primes", "check")
	nonPrimes := nsqtest.Collect(t, c.nsqdTCP, "non_primes", "check")
	dead := nsqtest.Collect(t, c.nsqdTCP, "numbers_dead", "check")
	results := func() [][]byte { return append(primes.Bodies(), nonPrimes.Bodies()...) }
	waitResults := func(t *testing.T, n int) [][]byte {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for primes.Len()+nonPrimes.Len() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d results after 60s", primes.Len()+nonPrimes.Len(), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return results()
	}

	t.Run("10000 numbers over /pub and /mpub", func(t *testing.T) {
		const total = 10000
		// 1..2000 one /pub each, as JSON objects with a passenger field.
		for i := 1; i <= 2000; i++ {
			nsqtest.Pub(t, c.nsqdHTTP, "numbers", fmt.Appendf(nil, `{"number": %d, "run": "range", "seq": %d}`, i, i))
		}
		// 2001..10000 in /mpub batches of 500: objects, decimal strings and
		// bare integers.
		for lo := 2001; lo <= total; lo += 500 {
			var batch [][]byte
			for i := lo; i < lo+500; i++ {
				switch i % 3 {
				case 0:
					batch = append(batch, fmt.Appendf(nil, `{"number": %d, "run": "range", "seq": %d}`, i, i))
				case 1:
					batch = append(batch, fmt.Appendf(nil, `{"number": "%d", "run": "range", "seq": %d}`, i, i))
				default:
					batch = append(batch, []byte(strconv.Itoa(i)))
				}
			}
			nsqtest.MPub(t, c.nsqdHTTP, "numbers", batch)
		}
		got := waitResults(t, total)
		seen := make(map[string]int, total)
		for _, body := range got {
			r := decodeResult(t, body)
			checkAnswer(t, body, r)
			seen[strings.Trim(string(r.Number), `"`)]++
			if r.Run == "range" && r.Seq == 0 {
				t.Fatalf("passenger field lost in %s", body)
			}
		}
		for i := 1; i <= total; i++ {
			if seen[strconv.Itoa(i)] == 0 {
				t.Fatalf("no result for %d", i)
			}
		}
		for _, body := range primes.Bodies() {
			if !bytes.Contains(body, []byte(`"prime":true`)) {
				t.Fatalf("non-prime on primes: %s", body)
			}
		}
		for _, body := range nonPrimes.Bodies() {
			if !bytes.Contains(body, []byte(`"prime":false`)) {
				t.Fatalf("prime on non_primes: %s", body)
			}
		}
		// Fields are kept verbatim, including the original spacing.
		if !bytes.Contains(bytes.Join(got, nil), []byte(`{"number": 7, "run": "range", "seq": 7,"prime":true`)) {
			t.Fatal("input object not preserved verbatim")
		}
	})

	t.Run("shared vectors", func(t *testing.T) {
		f, err := os.Open("../../../shared/data/primes/vectors.jsonl")
		if err != nil {
			t.Skip("shared vectors not present:", err)
		}
		defer f.Close()
		type vector struct {
			Number  string   `json:"number"`
			Prime   bool     `json:"prime"`
			Factors []string `json:"factors"`
		}
		want := map[string]vector{}
		var batch [][]byte
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var v vector
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			want[v.Number] = v
			// Half as decimal strings, half as exact JSON integers.
			if len(want)%2 == 0 {
				batch = append(batch, fmt.Appendf(nil, `{"number": "%s", "run": "vectors"}`, v.Number))
			} else {
				batch = append(batch, fmt.Appendf(nil, `{"number": %s, "run": "vectors"}`, v.Number))
			}
		}
		before := len(results())
		nsqtest.MPub(t, c.nsqdHTTP, "numbers", batch)
		got := waitResults(t, before+len(batch))
		checked := 0
		for _, body := range got {
			r := decodeResult(t, body)
			if r.Run != "vectors" {
				continue
			}
			v := want[strings.Trim(string(r.Number), `"`)]
			if *r.Prime != v.Prime {
				t.Errorf("%s: prime=%v, want %v", v.Number, *r.Prime, v.Prime)
			}
			if v.Factors != nil && strings.Join(r.Factors, ",") != strings.Join(v.Factors, ",") {
				t.Errorf("%s: factors %v, want %v", v.Number, r.Factors, v.Factors)
			}
			checked++
		}
		if checked < len(want) {
			t.Fatalf("checked %d of %d vectors", checked, len(want))
		}
	})

	t.Run("malformed inputs are dead-lettered", func(t *testing.T) {
		bad := map[string]string{
			`{"number": -5}`:     "negative",
			`{"number": 1.5}`:    "",
			`{"number": 1e3}`:    "",
			`{"number": "12a"}`:  "",
			`not json at all`:    "",
			`{"count": 3}`:       "number",
			`{"number": null}`:   "",
			`[1, 2]`:             "",
			`{"number": true}`:   "",
			`{"number": ""}`:     "",
			`{"number": "0x1F"}`: "",
		}
		for body := range bad {
			nsqtest.Pub(t, c.nsqdHTTP, "numbers", []byte(body))
		}
		expectDeadLetters(t, dead, "primality", bad)
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get("http://" + c.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, want := range []string{
			`nsqfarm_messages_dead_lettered_total{stage="primality"} 11`,
			`nsqfarm_handler_duration_seconds_count{stage="primality"}`,
			`nsqfarm_messages_in_flight{stage="primality"}`,
			// The queue metrics of up's nsqd.
			`nsqfarm_nsqd_up{nsqd="` + c.nsqdHTTP + `"} 1`,
			`nsqfarm_nsq_channel_depth{nsqd="` + c.nsqdHTTP + `",topic="numbers",channel="primality"} 0`,
			`nsqfarm_nsq_channel_clients{nsqd="` + c.nsqdHTTP + `",topic="numbers",channel="primality"} 1`,
			`nsqfarm_nsq_topic_depth{nsqd="` + c.nsqdHTTP + `",topic="numbers_dead"}`,
		} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("metrics lack %q:\n%s", want, body)
			}
		}
	})

	if code := stop(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
}

// TestUpKeepsDataAcrossRestarts publishes while the farm is down (it is
// kept by nsqd on disk) and checks the next `up` processes it. It runs the
// primality stage alone: the store stage would read primes on a channel
// of its own.
func TestUpKeepsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c, stop := startUp(t, dir, "--stage", "primality")
	// Stop the farm's consumer side by stopping up, after queueing numbers
	// for a channel that nobody reads: "primes" results of the first run.
	nsqtest.Pub(t, c.nsqdHTTP, "numbers", []byte(`{"number": 101}`))
	time.Sleep(500 * time.Millisecond)
	if code := stop(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
	c2, stop2 := startUp(t, dir, "--stage", "primality")
	primes := nsqtest.Collect(t, c2.nsqdTCP, "primes", "check")
	got := primes.WaitFor(t, 1, 20*time.Second)
	if !bytes.Contains(got[0], []byte(`"number": 101`)) {
		t.Fatalf("got %s", got[0])
	}
	if code := stop2(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
}

// TestUpNodeIDAndMaxMsgSize checks that --nsqd.node-id reaches nsqd's
// message IDs and --nsqd.max-msg-size its limit on a message, and that
// values nsqd cannot take are usage errors naming them.
func TestUpNodeIDAndMaxMsgSize(t *testing.T) {
	// The stages take nsqd's limit too: lpsolve's size options do not fit
	// in 300 bytes, so only primality runs.
	c, stop := startUp(t, t.TempDir(), "--nsqd.node-id", "37", "--nsqd.max-msg-size", "300", "--stage", "primality")
	for _, tc := range []struct {
		size int
		want int
	}{{300, http.StatusOK}, {301, http.StatusRequestEntityTooLarge}} {
		resp, err := http.Post("http://"+c.nsqdHTTP+"/pub?topic=ids", "text/plain", bytes.NewReader(bytes.Repeat([]byte("7"), tc.size)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Fatalf("/pub of %d bytes with --nsqd.max-msg-size 300: %s, want %d", tc.size, resp.Status, tc.want)
		}
	}
	ids := make(chan nsq.MessageID, 1)
	consumer, err := nsq.NewConsumer("ids", "check", nsq.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	consumer.SetLogger(nil, nsq.LogLevelError)
	consumer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		select {
		case ids <- m.ID:
		default:
		}
		return nil
	}))
	if err := consumer.ConnectToNSQD(c.nsqdTCP); err != nil {
		t.Fatal(err)
	}
	defer consumer.Stop()
	select {
	case id := <-ids:
		// nsqd's message ID: 64 bits in hex, the node ID in bits 12 to 21.
		v, err := strconv.ParseUint(string(id[:]), 16, 64)
		if err != nil {
			t.Fatalf("message ID %q: %v", id, err)
		}
		if node := v >> 12 & 1023; node != 37 {
			t.Fatalf("message ID %s carries node %d, want 37", id[:], node)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no message on topic ids")
	}
	if code := stop(); code != 0 {
		t.Fatalf("up exited %d", code)
	}

	for _, tc := range []struct {
		flag, value, want string
	}{
		{"--nsqd.node-id", "1024", "--nsqd.node-id 1024: out of range, want 0 to 1023"},
		{"--nsqd.node-id", "-1", "--nsqd.node-id -1: out of range, want 0 to 1023"},
		{"--nsqd.max-msg-size", "-1", "--nsqd.max-msg-size -1: out of range, want 0 or more"},
	} {
		code, out := runInProcess(context.Background(), "up", "--config", topicsFile, "--data-dir", t.TempDir(),
			"--nsqd.tcp-address", nsqtest.FreeAddr(t), "--nsqd.http-address", nsqtest.FreeAddr(t),
			"--nsqlookupd.tcp-address", nsqtest.FreeAddr(t), "--nsqlookupd.http-address", nsqtest.FreeAddr(t),
			"--nsqadmin.http-address", "off", "--metrics-address", "off", tc.flag, tc.value)
		select {
		case got := <-code:
			if got != 2 || !strings.Contains(out.String(), tc.want) {
				t.Errorf("up %s %s: exit %d, output %q; want exit 2 and %q", tc.flag, tc.value, got, out, tc.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("up %s %s did not stop", tc.flag, tc.value)
		}
	}

	// Every stage takes nsqd's limit: lpsolve's options do not fit 300
	// bytes.
	code, out := runInProcess(context.Background(), "up", "--config", topicsFile, "--data-dir", t.TempDir(),
		"--nsqd.tcp-address", nsqtest.FreeAddr(t), "--nsqd.http-address", nsqtest.FreeAddr(t),
		"--nsqlookupd.tcp-address", nsqtest.FreeAddr(t), "--nsqlookupd.http-address", nsqtest.FreeAddr(t),
		"--nsqadmin.http-address", "off", "--metrics-address", "off", "--nsqd.max-msg-size", "300")
	select {
	case got := <-code:
		if got != 1 || !strings.Contains(out.String(), "stages.lpsolve.options.max_text_bytes: max_text_bytes (1000000) must be set and at most max_msg_size (300)") {
			t.Errorf("up --nsqd.max-msg-size 300 with lpsolve: exit %d, output %q", got, out)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("up --nsqd.max-msg-size 300 did not stop")
	}
}

// expectDeadLetters waits for one dead letter per key of bad (an original
// body) and checks each names the stage and gives a reason mentioning the
// body's value in bad.
func expectDeadLetters(t *testing.T, dead *nsqtest.Collector, stageName string, bad map[string]string) {
	t.Helper()
	pending := maps.Clone(bad)
	for _, b := range dead.WaitFor(t, len(bad), 30*time.Second) {
		var rec stage.DeadLetter
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		var original string
		if err := json.Unmarshal(rec.Body, &original); err != nil {
			original = string(rec.Body) // a JSON body is embedded as is
		}
		hint, ok := pending[original]
		if !ok {
			t.Fatalf("unexpected dead letter %s", b)
		}
		if rec.Stage != stageName || rec.Attempts != 1 || rec.Error == "" || !strings.Contains(rec.Error, hint) {
			t.Errorf("dead letter for %s: %s (want stage %s, attempt 1, a reason mentioning %q)", original, b, stageName, hint)
		}
		delete(pending, original)
	}
	if len(pending) > 0 {
		t.Errorf("not dead-lettered: %v", pending)
	}
}

// TestUpRecordsResultsInItsStore checks that up's store stage records
// results and dead letters in store.db in the data directory, and that
// they are still there, once each, after a restart.
func TestUpRecordsResultsInItsStore(t *testing.T) {
	dir := t.TempDir()
	c, stop := startUp(t, dir)
	nsqtest.Pub(t, c.nsqdHTTP, "numbers", []byte(`{"number": 101}`))
	nsqtest.Pub(t, c.nsqdHTTP, "numbers", []byte(`{"number": 100}`))
	nsqtest.Pub(t, c.nsqdHTTP, "numbers", []byte(`{"number": -1}`))
	st := storetest.Open(t, "sqlite:"+filepath.Join(dir, "store.db"))
	want := map[string]int64{"primes": 1, "non_primes": 1, "numbers_dead": 1}
	waitCounts(t, st, want, 30*time.Second)
	if code := stop(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
	_, stop2 := startUp(t, dir)
	waitCounts(t, st, want, 5*time.Second)
	if code := stop2(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
}
