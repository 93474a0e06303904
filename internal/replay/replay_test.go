package replay_test

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/replay"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// record returns a whole dead-letter record of body.
func record(t *testing.T, stageName, errText string, at time.Time, id string, body []byte) []byte {
	t.Helper()
	d := stage.DeadLetter{Stage: stageName, Topic: "numbers", Channel: stageName, Error: errText, Attempts: 1,
		InputID: id, Time: at.Format(time.RFC3339Nano), BodyEncoding: stage.BodyBase64, BodyBase64: body}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parts returns the records of body split in n parts.
func parts(t *testing.T, id string, body []byte, n int) [][]byte {
	t.Helper()
	var recs [][]byte
	size := (len(body) + n - 1) / n
	for i := range n {
		d := stage.DeadLetter{Stage: "primality", Topic: "numbers", Channel: "primality", Error: "bad input", InputID: id,
			Time: t0.Format(time.RFC3339Nano), Part: i + 1, Parts: n, BodyEncoding: stage.BodyBase64,
			BodyBase64: body[i*size : min((i+1)*size, len(body))]}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, b)
	}
	return recs
}

func TestFilter(t *testing.T) {
	rec := stage.DeadLetter{Stage: "primality", Error: "number too large: 5000 digits", Time: t0.Format(time.RFC3339Nano)}
	tests := []struct {
		name string
		f    replay.Filter
		want bool
	}{
		{"everything", replay.Filter{}, true},
		{"stage", replay.Filter{Stage: "primality"}, true},
		{"other stage", replay.Filter{Stage: "lpsolve"}, false},
		{"substring", replay.Filter{Error: regexp.MustCompile(regexp.QuoteMeta("too large"))}, true},
		{"regexp", replay.Filter{Error: regexp.MustCompile(`\d+ digits$`)}, true},
		{"regexp no match", replay.Filter{Error: regexp.MustCompile(`^bad`)}, false},
		{"since before", replay.Filter{Since: t0.Add(-time.Second)}, true},
		{"since equal", replay.Filter{Since: t0}, true},
		{"since after", replay.Filter{Since: t0.Add(time.Second)}, false},
		{"until after", replay.Filter{Until: t0.Add(time.Second)}, true},
		{"until equal", replay.Filter{Until: t0}, false},
	}
	for _, tc := range tests {
		if got := tc.f.Match(&rec); got != tc.want {
			t.Errorf("%s: Match %v, want %v", tc.name, got, tc.want)
		}
	}
	bad := stage.DeadLetter{Time: "yesterday"}
	if (&replay.Filter{Since: t0}).Match(&bad) || !(&replay.Filter{}).Match(&bad) {
		t.Error("a record without a valid time: selected only without a time bound")
	}
}

func TestParseTime(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-03-01T11:00:00Z", t0.Add(-time.Hour), true},
		{"90m", t0.Add(-90 * time.Minute), true},
		{"-1h", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	} {
		got, err := replay.ParseTime(tc.in, now)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v", tc.in, got, err)
		}
	}
	if _, err := replay.ErrorPattern("(", true); err == nil {
		t.Error("no error for a bad regexp")
	}
	if re, _ := replay.ErrorPattern("a.b", false); re.MatchString("axb") {
		t.Error("--error text is a regexp")
	}
}

// channelState returns the depth plus in-flight and deferred counts of the
// replay channel.
func channelState(t *testing.T, n *nsqd.NSQD) int64 {
	t.Helper()
	d, err := nsqtest.Depth(n, "numbers_dead", replay.DefaultChannel)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReplay(t *testing.T) {
	n := nsqtest.NSQD(t)
	http, tcp := n.RealHTTPAddr().String(), n.RealTCPAddr().String()
	nsqtest.CreateChannel(t, http, "numbers_dead", replay.DefaultChannel)
	out := nsqtest.Collect(t, tcp, "numbers", "check")
	other := nsqtest.Collect(t, tcp, "elsewhere", "check")

	large := bytes.Repeat([]byte("0123456789"), 100)
	var recs [][]byte
	for i := range 5 {
		recs = append(recs, record(t, "primality", "bad input", t0.Add(time.Duration(i)*time.Hour), fmt.Sprint("bad-", i), fmt.Appendf(nil, `{"number": "b%d"}`, i)))
	}
	recs = append(recs,
		record(t, "primality", "number too large", t0, "large-0", []byte(`{"number": "l0"}`)),
		record(t, "lpsolve", "bad input", t0, "lp-0", []byte(`{"model": "x"}`)),
		[]byte("not a dead letter"))
	recs = append(recs, parts(t, "split-0", large, 3)...)
	nsqtest.MPub(t, http, "numbers_dead", recs)
	total := int64(len(recs))

	run := func(t *testing.T, o replay.Options) replay.Result {
		t.Helper()
		o.Topic = "numbers_dead"
		o.NSQDs = []replay.NSQD{{TCP: tcp, HTTP: http}}
		o.PollInterval = 50 * time.Millisecond
		var buf bytes.Buffer
		o.Out = &buf
		res, err := replay.Run(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v\n%s", res, buf.String())
		return res
	}

	// A dry run sends and consumes nothing.
	res := run(t, replay.Options{DryRun: true, Filter: replay.Filter{Stage: "primality"}})
	if res.Replayed != 7 || res.Unmatched != 1 || res.Invalid != 1 {
		t.Errorf("dry run: %+v, want 7 to replay (6 whole records and 1 split), 1 not selected, 1 invalid", res)
	}
	nsqtest.Eventually(t, 5*time.Second, "the channel to hold every record again", func() bool { return channelState(t, n) == total })
	if out.Len() != 0 {
		t.Fatalf("dry run published %d messages", out.Len())
	}

	// Stage, error text and time: bad-1 and bad-2.
	re, _ := replay.ErrorPattern("bad", false)
	res = run(t, replay.Options{Filter: replay.Filter{Stage: "primality", Error: re, Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}})
	if res.Replayed != 2 {
		t.Errorf("filtered run: %+v, want 2 replayed", res)
	}
	got := out.WaitFor(t, 2, 5*time.Second)
	slices.SortFunc(got, bytes.Compare)
	if string(got[0]) != `{"number": "b1"}` || string(got[1]) != `{"number": "b2"}` {
		t.Errorf("republished %q", got)
	}
	nsqtest.Eventually(t, 5*time.Second, "the others back in the channel", func() bool { return channelState(t, n) == total-2 })

	// --max, then the rest: the split record is reassembled.
	res = run(t, replay.Options{Max: 2, Filter: replay.Filter{Stage: "primality"}})
	if res.Replayed != 2 {
		t.Errorf("--max 2: %+v", res)
	}
	res = run(t, replay.Options{Filter: replay.Filter{Stage: "primality"}, Rate: 1000})
	if res.Replayed != 3 {
		t.Errorf("the rest of primality: %+v, want 3", res)
	}
	got = out.WaitFor(t, 7, 5*time.Second)
	if !slices.ContainsFunc(got, func(b []byte) bool { return bytes.Equal(b, large) }) {
		t.Error("the split record was not reassembled")
	}

	// --to, and --drop-unmatched: the record of lpsolve goes elsewhere,
	// the invalid message is dropped.
	res = run(t, replay.Options{To: "elsewhere", DropUnmatched: true, Filter: replay.Filter{Stage: "lpsolve"}})
	if res.Replayed != 1 || res.Invalid != 1 {
		t.Errorf("--to: %+v", res)
	}
	if got := other.WaitFor(t, 1, 5*time.Second); string(got[0]) != `{"model": "x"}` {
		t.Errorf("--to published %q", got)
	}
	nsqtest.Eventually(t, 5*time.Second, "an empty channel", func() bool { return channelState(t, n) == 0 })
	if out.Len() != 7 {
		t.Errorf("%d messages on numbers, want 7", out.Len())
	}
}

// TestReplaySetsAsideBeyondWindow: with more unmatched records than the
// window, the oldest go back with a delay and the run still reaches the
// records behind them.
func TestReplaySetsAsideBeyondWindow(t *testing.T) {
	n := nsqtest.NSQD(t)
	http, tcp := n.RealHTTPAddr().String(), n.RealTCPAddr().String()
	nsqtest.CreateChannel(t, http, "numbers_dead", replay.DefaultChannel)
	out := nsqtest.Collect(t, tcp, "numbers", "check")
	var recs [][]byte
	for i := range 30 {
		recs = append(recs, record(t, "other", "x", t0, fmt.Sprint("o-", i), []byte("other")))
	}
	recs = append(recs, record(t, "primality", "x", t0, "p", []byte("mine")))
	nsqtest.MPub(t, http, "numbers_dead", recs)
	res, err := replay.Run(t.Context(), replay.Options{Topic: "numbers_dead", NSQDs: []replay.NSQD{{TCP: tcp, HTTP: http}},
		Filter: replay.Filter{Stage: "primality"}, MaxInFlight: 5, UnmatchedDelay: time.Hour, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != 1 || res.Unmatched != 30 || res.Deferred == 0 {
		t.Fatalf("result %+v", res)
	}
	if got := out.WaitFor(t, 1, 5*time.Second); string(got[0]) != "mine" {
		t.Fatalf("published %q", got)
	}
	if d := channelState(t, n); d != 30 {
		t.Fatalf("channel holds %d, want the 30 set aside", d)
	}
	if !strings.Contains(res.Stopped, "nothing more") {
		t.Errorf("stopped: %s", res.Stopped)
	}
}
