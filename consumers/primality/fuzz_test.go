package primality

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/handler"
)

// FuzzHandle checks that Handle never panics, that it either emits one
// valid JSON object or fails permanently, and that a successful output
// carries the number it was given.
func FuzzHandle(f *testing.F) {
	for _, seed := range []string{
		`{"number":97}`, `97`, `{"number":"561","x":[{"y":"}"}]}`, `{"prime":1,"number":4}`,
		`{ }`, `{"number":1.5}`, `"7"`, `{"\u006eumber":6}`, ` {"a":{},"number":0} `,
	} {
		f.Add([]byte(seed))
	}
	opts := DefaultOptions()
	opts.MaxDigits = 60 // keep the work per input small
	h, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var outs handler.Outputs
		err := h.Handle(context.Background(), &handler.Input{ID: "f", Body: body}, &outs)
		if err != nil {
			if !handler.IsPermanent(err) || outs.Len() != 0 {
				t.Fatalf("Handle(%q) = %v with %d outputs", body, err, outs.Len())
			}
			return
		}
		var got struct {
			Number json.Number `json:"number"`
			Prime  *bool       `json:"prime"`
		}
		out := outs.All()[0].Body
		if err := json.Unmarshal(out, &got); err != nil || got.Prime == nil || got.Number == "" {
			t.Fatalf("Handle(%q) emitted %s (%v)", body, out, err)
		}
	})
}
