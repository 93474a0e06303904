package primality

import (
	"context"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

func TestHandleBadInput(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty body", ``, "not valid JSON"},
		{"not JSON", `number=5`, "not valid JSON"},
		{"truncated", `{"number":5`, "not valid JSON"},
		{"trailing data", `{"number":5} {}`, "not valid JSON"},
		{"bare string", `"97"`, "body is a string"},
		{"bare null", `null`, "body is null"},
		{"bare boolean", `true`, "body is a boolean"},
		{"bare array", `[97]`, "body is an array"},
		{"bare negative", `-97`, "body is negative: -97"},
		{"bare fraction", `9.7`, "body is not an integer: 9.7"},
		{"bare exponent", `97e0`, "body is in exponent notation: 97e0"},
		{"empty object", `{ }`, `no "number" field`},
		{"missing number", `{"numbers":5,"x":{"number":5}}`, `no "number" field`},
		{"repeated number", `{"number":5,"number":7}`, `more than one "number" field`},
		{"negative", `{"number":-5}`, `"number" is negative: -5`},
		{"negative zero", `{"number":-0}`, `"number" is negative: -0`},
		{"fraction", `{"number":1.5}`, `"number" is not an integer: 1.5`},
		{"integral fraction", `{"number":1.0}`, `"number" is not an integer: 1.0`},
		{"exponent", `{"number":1e3}`, `"number" is in exponent notation: 1e3`},
		{"exponent upper case", `{"number":1E+3}`, `"number" is in exponent notation: 1E+3`},
		{"null", `{"number":null}`, `"number" is null`},
		{"true", `{"number":true}`, `"number" is a boolean`},
		{"false", `{"number":false}`, `"number" is a boolean`},
		{"object", `{"number":{"value":5}}`, `"number" is an object`},
		{"array", `{"number":[5]}`, `"number" is an array`},
		{"empty string", `{"number":""}`, `"number" is an empty string`},
		{"letters", `{"number":"12a"}`, `"number" string "12a" is not a decimal integer`},
		{"spaces", `{"number":" 12"}`, `"number" string " 12" is not a decimal integer`},
		{"plus sign", `{"number":"+12"}`, `"number" string "+12" is not a decimal integer`},
		{"fraction string", `{"number":"1.5"}`, `"number" string "1.5" is not a decimal integer`},
		{"escaped digit", `{"number":"\u0031"}`, `"number" string "\u0031" is not a decimal integer`},
		{"negative string", `{"number":"-12"}`, `"number" is negative: "-12"`},
		{"leading zeros", `{"number":"007"}`, `"number" string "007" has leading zeros`},
		{"too many digits", `{"number":123456}`, `"number" has 6 digits; the limit is 5`},
		{"too many digits in string", `{"number":"123456"}`, `"number" has 6 digits; the limit is 5`},
		{"too many digits in bare body", `123456`, `body has 6 digits; the limit is 5`},
		{"long value shortened at a character", `{"number":"` + strings.Repeat("9", 38) + `é"}`, `"` + strings.Repeat("9", 38) + `... is not a decimal integer`},
		{"invalid UTF-8 in a string", "{\"number\":5,\"a\":\"\xff\"}", "input is not valid UTF-8 JSON: invalid UTF-8"},
		{"invalid UTF-8 in a name", "{\"\xc3\":1,\"number\":5}", "input is not valid UTF-8 JSON: invalid UTF-8"},
		{"lone high surrogate", `{"number":5,"a":"\ud800"}`, `input is not valid UTF-8 JSON: escape \ud800 is an unpaired surrogate`},
		{"lone low surrogate in a name", `{"\uDC00":1,"number":5}`, `escape \uDC00 is an unpaired surrogate`},
		{"surrogates in the wrong order", `{"number":5,"a":["\udc00\ud800"]}`, `escape \udc00 is an unpaired surrogate`},
		{"high surrogate then text", `{"number":5,"a":"\ud83dx"}`, `escape \ud83d is an unpaired surrogate`},
		{"nested 513 deep", `{"number":5,"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, "input is not valid UTF-8 JSON: nested more than 512 deep"},
		{"nested 10000 deep", `{"number":5,"a":` + strings.Repeat(`{"a":`, 9998) + "1" + strings.Repeat("}", 9998) + `}`, "nested more than 512 deep"},
		{"nested 10001 deep", `{"number":5,"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, "not valid JSON"},
		{"long value shortened", `{"number":"` + strings.Repeat("9", 50) + `x"}`, `"` + strings.Repeat("9", 39) + `... is not a decimal integer`},
	}
	opts := DefaultOptions()
	opts.MaxDigits = 5
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var outs stage.Outputs
			in := &stage.Input{ID: "msg-7", Body: []byte(tt.body)}
			err := h.Handle(context.Background(), in, &outs)
			if !stage.IsPermanent(err) {
				t.Fatalf("Handle(%s) = %v, want a permanent error", tt.body, err)
			}
			if outs.Len() != 0 {
				t.Errorf("Handle(%s) emitted %d outputs", tt.body, outs.Len())
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "primality: message msg-7: ") {
				t.Errorf("Handle(%s) error %q, want it to contain %q", tt.body, msg, tt.want)
			}
		})
	}
}

func TestHandleMaxDigitsBoundary(t *testing.T) {
	opts := DefaultOptions()
	opts.MaxDigits = 5
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := handle(t, h, `{"number":"99991"}`); err != nil {
		t.Errorf("5 digits with MaxDigits 5: %v", err)
	}
}

func TestHandleStrictJSONBoundaries(t *testing.T) {
	h := newTestHandler(t)
	for _, body := range []string{
		`{"number":5,"a":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`,
		`{"number":5,"a":"\ud83d\ude00","\uD83D\uDE00":"\\ud800"}`,
		"{\"number\":5,\"a\":\"\u00a0\u2028\U0001F600\"}",
	} {
		if _, out, err := handle(t, h, body); err != nil || !strings.HasPrefix(out, body[:len(body)-1]) {
			t.Errorf("Handle(%.60s) = %.60s, %v; want the input copied", body, out, err)
		}
	}
}
