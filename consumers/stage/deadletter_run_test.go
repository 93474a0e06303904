package stage_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// TestStageSplitsLargeDeadLetters runs a stage whose destination takes
// messages of up to 2 KiB: a 10 KB input is dead-lettered as several
// records that reassemble to it, and the input is finished.
func TestStageSplitsLargeDeadLetters(t *testing.T) {
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "in", "work")
	dead := nsqtest.Collect(t, n.RealTCPAddr().String(), "in_dead", "check")
	reject := stage.Func(func(context.Context, *stage.Input, *stage.Outputs) error {
		return stage.Permanentf("rejected")
	})
	runStage(t, n, reject, func(c *stage.Config) { c.MaxMsgSize = 2048 })

	large := bytes.Repeat([]byte("\xff{\"number\": 97}\n"), 640) // 10240 bytes, not UTF-8
	small := []byte(`{"number": 7}`)
	nsqtest.Pub(t, http, "in", large)
	nsqtest.Pub(t, http, "in", small)
	nsqtest.WaitDrained(t, n, "in", "work", 20*time.Second)

	// Wait for every record: the first of the large input says how many.
	var byInput map[string][]stage.DeadLetter
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		byInput = map[string][]stage.DeadLetter{}
		want := 0
		for _, rec := range dead.Bodies() {
			if len(rec) > 2048 {
				t.Fatalf("record of %d bytes", len(rec))
			}
			var d stage.DeadLetter
			if err := json.Unmarshal(rec, &d); err != nil {
				t.Fatal(err)
			}
			byInput[d.InputID] = append(byInput[d.InputID], d)
			want = max(want, d.Parts+1)
		}
		if want > 2 && dead.Len() == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records of %d inputs", dead.Len(), len(byInput))
		}
	}
	for id, recs := range byInput {
		got, err := stage.Reassemble(recs)
		if err != nil {
			t.Fatalf("input %s: %v", id, err)
		}
		switch {
		case bytes.Equal(got, small) && len(recs) == 1 && recs[0].BodyEncoding == stage.BodyJSON:
		case bytes.Equal(got, large) && len(recs) > 1:
		default:
			t.Errorf("input %s: %d records give %.40q", id, len(recs), got)
		}
	}
}
