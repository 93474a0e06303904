package primality

import (
	"context"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// TestCheckAgreesWithHandle: Check rejects exactly the messages Handle
// dead-letters, with the same reason.
func TestCheckAgreesWithHandle(t *testing.T) {
	h, err := New(Options{MaxDigits: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		body string
		bad  bool
	}{
		{`{"number": 97, "id": "x"}`, false},
		{`12345`, false},
		{`"12345"`, true},
		{`{"number": -5}`, true},
		{`{"number": 123456}`, true},
		{`{"number": 1.5}`, true},
		{`{"numbr": 3}`, true},
		{`nope`, true},
	} {
		checked := h.Check([]byte(tt.body))
		handled := h.Handle(context.Background(), &stage.Input{ID: "i", Body: []byte(tt.body), Attempt: 1}, &stage.Outputs{})
		if (checked != nil) != tt.bad || stage.IsPermanent(handled) != tt.bad {
			t.Fatalf("%s: Check = %v, Handle = %v, want bad = %v", tt.body, checked, handled, tt.bad)
		}
		if tt.bad && !strings.HasSuffix(handled.Error(), checked.Error()) {
			t.Fatalf("%s: Check says %q, Handle %q", tt.body, checked, handled)
		}
	}
}
