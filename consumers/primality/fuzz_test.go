package primality

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// fuzzSeeds are inputs at the edges of the input rules: whitespace JSON
// does and does not allow, text and JSON strings, invalid UTF-8 and
// surrogate escapes in strings, deep nesting, empty and binary bodies.
var fuzzSeeds = []string{
	`{"number":97}`, `97`, `{"number":"561","x":[{"y":"}"}]}`, `{"prime":1,"number":4}`,
	`{ }`, `{"number":1.5}`, `"7"`, `{"\u006eumber":6}`, ` {"a":{},"number":0} `,
	"\f339966391491\f", "\v97", "\u00a097", "\u008597", "\u2003{\"number\":7}", "\x1c97\x1c",
	"{\"number\":7}\x1f", " \t\r\n97\n", "xxx", `"xxx"`, "",
	"{\"number\":7,\"a\":\"\xff\"}", "{\"number\":7,\"\xc3\":1}", "{\"number\":7,\"a\":\"\xed\xa0\x80\"}",
	`{"number":7,"a":"\ud800"}`, `{"number":7,"a":"\udc00\ud800"}`, `{"number":7,"a":"\ud83d\ude00"}`,
	"{\"number\":7,\"a\":\"\u00a0\u2028\u2029<>&\"}",
	`{"number":7,"a":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`,
	`{"number":7,"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`,
	`{"number":7,"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	"\x00\x01\xff\xfe", "\xef\xbb\xbf{\"number\":7}", `{"number":7,"x":1e700}`,
}

// FuzzHandle checks that Handle never panics, that it either emits one
// object that is valid UTF-8 JSON, begins with the input object verbatim
// and carries the number, or fails permanently.
func FuzzHandle(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	opts := DefaultOptions()
	opts.MaxDigits = 60 // keep the work per input small
	h, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var outs stage.Outputs
		err := h.Handle(context.Background(), &stage.Input{ID: "f", Body: body}, &outs)
		if err != nil {
			if !stage.IsPermanent(err) || outs.Len() != 0 {
				t.Fatalf("Handle(%q) = %v with %d outputs", body, err, outs.Len())
			}
			return
		}
		out := outs.All()[0].Body
		// Numbers stay exact, beyond float64 too: decode them as such.
		var v any
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if !utf8.Valid(out) || !json.Valid(out) || dec.Decode(&v) != nil {
			t.Fatalf("Handle(%q) emitted %q, not UTF-8 JSON that encoding/json decodes", body, out)
		}
		var got struct {
			Number json.Number `json:"number"`
			Prime  *bool       `json:"prime"`
		}
		if err := json.Unmarshal(out, &got); err != nil || got.Prime == nil || got.Number == "" {
			t.Fatalf("Handle(%q) emitted %s (%v)", body, out, err)
		}
		if obj := trimSpace(body); obj[0] == '{' && !mayHaveReserved(obj) && !bytes.HasPrefix(out, obj[:len(obj)-1]) {
			t.Fatalf("Handle(%q) emitted %s, which does not begin with the input object", body, out)
		}
	})
}

// mayHaveReserved reports whether obj may have a member named like an
// output field, which the output drops.
func mayHaveReserved(obj []byte) bool {
	for _, name := range []string{`\`, "prime", "factors", "cofactor", "input_id"} {
		if bytes.Contains(obj, []byte(name)) {
			return true
		}
	}
	return false
}
