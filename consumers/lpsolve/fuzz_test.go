package lpsolve

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// fuzzJobs are jobs at the edges of the input rules: each form of job,
// whitespace JSON does and does not allow, invalid UTF-8 and surrogate
// escapes in the echoed id and elsewhere, deep nesting, empty and binary
// bodies.
var fuzzJobs = []string{
	`{"id":"w1","model":"wyndor","params":{"profit_rate_windows":500}}`,
	`{"id":100109100129100151,"model":"wyndor"}`, `{"id":-1e400,"model":"wyndor"}`,
	`{"id":"i","model":{"sense":"max","objective":{"x":1},"variables":[{"name":"x","hi":4}]}}`,
	`{"id":"l","format":"lp","text":"max\n obj: x + y\nst\n c: x + 2 y <= 4\nend\n"}`,
	`{"id":"g","format":"lp","text":"max\n x + y\nst\n c: 2 x + 2 y <= 7\ngeneral\n x y\nend\n"}`,
	`{"id":"m","format":"mps","text":"NAME t\nROWS\n N obj\n L c\nCOLUMNS\n x obj 1 c 1\nRHS\n rhs c 4\nENDATA\n"}`,
	`{"id":"\u00e9\ud83d\ude00 \\ud800 <>&","model":"wyndor"}`,
	"{\"id\":\"\u00a0\u2028\u2029\",\"format\":\"lp\",\"text\":\"max\\n \u00e9: x\\nst\\n c\u00a0: x <= 1\\nend\"}",
	`{"id":"\ud800","model":"wyndor"}`, `{"id":"\udc00\ud800","model":"wyndor"}`,
	"{\"id\":\"\xff\",\"model\":\"wyndor\"}", "{\"id\":\"\xed\xa0\x80\",\"model\":\"wyndor\"}",
	`{"id":"s","format":"lp","text":"max\n \ud800x: x\nst\n c: x <= 1\nend"}`,
	"\f{\"model\":\"wyndor\"}\f", "\v{\"model\":\"wyndor\"}", "\u00a0{\"model\":\"wyndor\"}",
	"\u0085{\"model\":\"wyndor\"}", "\u2003{\"model\":\"wyndor\"}", "\x1c{\"model\":\"wyndor\"}\x1c",
	" \t\r\n{\"model\":\"wyndor\"}\n", "xxx", `"xxx"`, "", "\x00\x01\xff\xfe",
	`{"id":"d","model":` + strings.Repeat(`{"a":`, 9998) + "1" + strings.Repeat("}", 9998) + `}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
}

// fuzzHandler returns a Handler that keeps the work of any job small.
func fuzzHandler(t testing.TB) *Handler {
	return newHandler(t, func(o *Options) {
		o.MaxTimeLimitMS, o.DefaultTimeLimitMS = 50, 50
		o.MaxVariables, o.MaxConstraints, o.MaxNonzeros, o.MaxTextBytes = 20, 20, 100, 4096
	})
}

// FuzzHandle checks that Handle never panics and either fails permanently
// or emits one solution that is valid UTF-8 JSON and echoes the job's id.
func FuzzHandle(f *testing.F) {
	for _, job := range fuzzJobs {
		f.Add([]byte(job))
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var outs stage.Outputs
		err := h.Handle(context.Background(), &stage.Input{ID: "f", Body: body, Attempt: 1}, &outs)
		if err != nil {
			if !stage.IsPermanent(err) || outs.Len() != 0 {
				t.Fatalf("Handle(%q) = %v with %d outputs", body, err, outs.Len())
			}
			return
		}
		out := outs.All()[0].Body
		var sol Solution // json.Unmarshal checks json.Valid first
		if err := stdjson.Unmarshal(out, &sol); err != nil || !utf8.Valid(out) || sol.Status == "" || sol.InputID != "f" {
			t.Fatalf("Handle(%q) emitted %s (%v)", body, out, err)
		}
		// The id keeps its value: a number its digits, a string its text.
		var job struct{ ID stdjson.RawMessage }
		if stdjson.Unmarshal(body, &job) == nil && job.ID != nil && string(job.ID) != "null" {
			value := func(raw []byte) string {
				var v any
				dec := stdjson.NewDecoder(bytes.NewReader(raw))
				dec.UseNumber()
				if err := dec.Decode(&v); err != nil {
					t.Fatalf("id %s: %v", raw, err)
				}
				return fmt.Sprint(v)
			}
			if value(job.ID) != value(sol.ID) || (job.ID[0] != '"' && !bytes.Equal(job.ID, sol.ID)) {
				t.Fatalf("Handle(%q) emitted id %s for %s", body, sol.ID, job.ID)
			}
		}
	})
}
