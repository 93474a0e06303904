package stage_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

func TestInputID(t *testing.T) {
	id := nsq.MessageID([]byte("18a3b4b070669000"))
	other := nsq.MessageID([]byte("18a3b4b070669001"))
	base := stage.InputID("10.0.0.5:4150", "numbers", id)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(base) || len(base) != stage.InputIDLen {
		t.Fatalf("InputID = %q, want %d lowercase hex digits", base, stage.InputIDLen)
	}
	if again := stage.InputID("10.0.0.5:4150", "numbers", id); again != base {
		t.Fatalf("InputID is not stable: %s then %s", base, again)
	}
	differ := []struct {
		name        string
		nsqd, topic string
		id          nsq.MessageID
	}{
		{"another nsqd", "10.0.0.6:4150", "numbers", id},
		{"another port", "10.0.0.5:4151", "numbers", id},
		{"another topic", "10.0.0.5:4150", "lp_params", id},
		{"another message", "10.0.0.5:4150", "numbers", other},
		{"address and topic split elsewhere", "10.0.0.5:4150n", "umbers", id},
	}
	for _, tc := range differ {
		if got := stage.InputID(tc.nsqd, tc.topic, tc.id); got == base {
			t.Errorf("%s: same input id %s", tc.name, got)
		}
	}
}

// TestInputIDUniqueAcrossNSQDsAndTopics runs two nsqds with the same
// --node-id, which hand out the same NSQ message IDs, and puts messages
// with one NSQ ID on both and on two topics of one: every input must get
// its own input_id, the same on each delivery.
func TestInputIDUniqueAcrossNSQDsAndTopics(t *testing.T) {
	sameNode := func(o *nsqd.Options) { o.ID = 7 }
	a, b := nsqtest.NSQD(t, sameNode), nsqtest.NSQD(t, sameNode)
	aTCP, bTCP := a.RealTCPAddr().String(), b.RealTCPAddr().String()
	for _, tc := range []struct {
		n     *nsqd.NSQD
		topic string
	}{{a, "in"}, {b, "in"}, {a, "in2"}} {
		nsqtest.CreateChannel(t, tc.n.RealHTTPAddr().String(), tc.topic, "work")
	}
	out := nsqtest.Collect(t, aTCP, "out", "check")

	// The same NSQ message ID on nsqd a's "in" and "in2" and nsqd b's "in".
	shared := nsqd.MessageID([]byte("0a1b2c3d4e5f6a7b"))
	want := map[string]string{ // body -> expected input_id
		"a-in-shared":  stage.InputID(aTCP, "in", nsq.MessageID(shared)),
		"b-in-shared":  stage.InputID(bTCP, "in", nsq.MessageID(shared)),
		"a-in2-shared": stage.InputID(aTCP, "in2", nsq.MessageID(shared)),
	}
	for body, put := range map[string]*nsqd.Topic{
		"a-in-shared": a.GetTopic("in"), "b-in-shared": b.GetTopic("in"), "a-in2-shared": a.GetTopic("in2"),
	} {
		if err := put.PutMessage(nsqd.NewMessage(shared, []byte(body))); err != nil {
			t.Fatal(err)
		}
	}
	// Many more through nsqd's own ID generators, which the two share.
	total := len(want)
	for _, tc := range []struct {
		n      *nsqd.NSQD
		topic  string
		prefix string
	}{{a, "in", "a-in-"}, {b, "in", "b-in-"}, {a, "in2", "a-in2-"}} {
		var bodies [][]byte
		for i := range 100 {
			bodies = append(bodies, fmt.Appendf(nil, "%s%d", tc.prefix, i))
		}
		nsqtest.MPub(t, tc.n.RealHTTPAddr().String(), tc.topic, bodies)
		total += len(bodies)
	}

	// Every input with a 0 in its body fails its first attempt, so it is
	// delivered again; the handler records the id of each delivery.
	var mu sync.Mutex
	seen := map[string][]string{} // body -> id of each delivery
	h := stage.Func(func(_ context.Context, in *stage.Input, o *stage.Outputs) error {
		mu.Lock()
		seen[string(in.Body)] = append(seen[string(in.Body)], in.ID)
		mu.Unlock()
		if in.Attempt == 1 && (bytes.ContainsRune(in.Body, '0') || bytes.HasSuffix(in.Body, []byte("shared"))) {
			return fmt.Errorf("fail the first delivery of %s", in.Body)
		}
		o.Emit("out", []byte(in.ID+" "+string(in.Body)))
		return nil
	})
	fast := func(c *stage.Config) {
		c.Settings.RequeueDelay = topology.Duration(5 * time.Millisecond)
		c.Settings.MaxRequeueDelay = topology.Duration(20 * time.Millisecond)
	}
	runStage(t, a, h, func(c *stage.Config) {
		fast(c)
		c.NSQDTCPAddresses = []string{aTCP, bTCP}
		c.DestinationNSQDTCPAddresses = []string{aTCP}
	})
	runStage(t, a, h, func(c *stage.Config) { fast(c); c.Topic = "in2" })

	byID := map[string]string{}
	for _, rec := range out.WaitFor(t, total, 60*time.Second) {
		id, body, _ := strings.Cut(string(rec), " ")
		if prev, dup := byID[id]; dup && prev != body {
			t.Errorf("input_id %s given to %q and %q", id, prev, body)
		}
		byID[id] = body
		if w, ok := want[body]; ok && id != w {
			t.Errorf("%s: input_id %s, want %s", body, id, w)
		}
	}
	if len(byID) != total {
		t.Errorf("%d distinct input ids for %d inputs", len(byID), total)
	}
	mu.Lock()
	defer mu.Unlock()
	redelivered := 0
	for body, ids := range seen {
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Errorf("%s: input_id %s on delivery 1, %s later", body, ids[0], id)
			}
		}
		if len(ids) > 1 {
			redelivered++
		}
	}
	if redelivered < 3+3*10 {
		t.Errorf("only %d inputs were delivered twice", redelivered)
	}
}
