package jsonutf8

import (
	stdjson "encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func nestedObject(n int) string {
	return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		maxDepth int
		want     string // "" for nil
	}{
		{"object", `{"number":97,"a":["x",{"y":null}]}`, 512, ""},
		{"number", `100109100129100151`, 512, ""},
		{"whitespace around", " \t\r\n{}\n ", 512, ""},
		{"escapes", `"\" \\ \/ \b \f \n \r \t \u00e9 \u20AC"`, 512, ""},
		{"surrogate pair", `"\ud83d\ude00"`, 512, ""},
		{"surrogate pair upper case", `"\uD83D\uDE00"`, 512, ""},
		{"escaped backslash before u", `"\\ud800"`, 512, ""},
		{"brackets in a string", `"[[[[{{{{"`, 2, ""},
		{"quote escaped in a string", `["\"[[[["]`, 1, ""},
		{"raw U+FFFD", "\"\xef\xbf\xbd\"", 512, ""},
		{"empty", ``, 512, "not valid JSON"},
		{"truncated", `{"number":5`, 512, "not valid JSON"},
		{"two values", `{} {}`, 512, "not valid JSON"},
		{"raw control character", "\"a\x01\"", 512, "not valid JSON"},
		{"invalid UTF-8 in a string", "{\"number\":5,\"a\":\"\xff\"}", 512, "invalid UTF-8"},
		{"invalid UTF-8 in a name", "{\"\xc3\":1,\"number\":5}", 512, "invalid UTF-8"},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", 512, "invalid UTF-8"},
		{"overlong encoding", "\"\xc0\xaf\"", 512, "invalid UTF-8"},
		{"lone high surrogate", `{"number":5,"a":"\ud800"}`, 512, `escape \ud800 is an unpaired surrogate`},
		{"lone low surrogate in a name", `{"\uDC00":1,"number":5}`, 512, `escape \uDC00 is an unpaired surrogate`},
		{"surrogates in the wrong order", `{"number":5,"a":["\udc00\ud800"]}`, 512, `escape \udc00 is an unpaired surrogate`},
		{"high surrogate then text", `{"number":5,"a":"\ud83dx"}`, 512, `escape \ud83d is an unpaired surrogate`},
		{"high surrogate then another escape", `"\ud83d\n"`, 512, `escape \ud83d is an unpaired surrogate`},
		{"two high surrogates", `"\ud83d\ud83d"`, 512, `escape \ud83d is an unpaired surrogate`},
		{"high surrogate at the end", `"\ud83d"`, 512, `escape \ud83d is an unpaired surrogate`},
		{"first problem named", `["\udfff","\ud800"]`, 512, `escape \udfff is an unpaired surrogate`},
		{"nested 512 deep", nested(512), 512, ""},
		{"objects nested 512 deep", nestedObject(512), 512, ""},
		{"nested 513 deep", nested(513), 512, "nested more than 512 deep"},
		{"objects nested 513 deep", nestedObject(513), 512, "nested more than 512 deep"},
		{"depth named before a later escape", `[[["\ud800"]]]`, 2, "nested more than 2 deep"},
		{"no depth limit", nested(10000), 0, ""},
		{"nested 10001 deep", nested(10001), 0, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.text), tt.maxDepth)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("Check: %v, want %q", err, tt.want)
			}
			if got := errors.Is(err, ErrSyntax); got != (tt.want == "not valid JSON") {
				t.Errorf("errors.Is(%v, ErrSyntax) = %v", err, got)
			}
		})
	}
}

func TestCheckStrictOnAValue(t *testing.T) {
	var job struct {
		ID stdjson.RawMessage `json:"id"`
	}
	for _, tt := range []struct{ body, want string }{
		{`{"id":"job-\ud83d\ude00"}`, ""},
		{`{"id":42}`, ""},
		{`{"id":"job-\ud800"}`, `escape \ud800 is an unpaired surrogate`},
		{`{"id":"\uDC00\uD800"}`, `escape \uDC00 is an unpaired surrogate`},
	} {
		if err := stdjson.Unmarshal([]byte(tt.body), &job); err != nil {
			t.Fatal(err)
		}
		err := CheckStrict(job.ID, 0)
		if got := errString(err); got != tt.want {
			t.Errorf("CheckStrict(%s) = %q, want %q", job.ID, got, tt.want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// escape matches one escape sequence of a JSON string; in valid JSON a
// backslash only occurs in strings, so scanning the whole text from the
// left finds every escape.
var escape = regexp.MustCompile(`\\(u[0-9a-fA-F]{4}|.)`)

// loneSurrogate reports, independently of CheckStrict, whether valid JSON
// text has a \u escape of a surrogate that is not in a high-low pair.
func loneSurrogate(text []byte) bool {
	locs := escape.FindAllIndex(text, -1)
	unit := func(k int) (rune, bool) {
		m := text[locs[k][0]:locs[k][1]]
		if len(m) != 6 {
			return 0, false
		}
		u, _ := strconv.ParseUint(string(m[2:]), 16, 16)
		return rune(u), true
	}
	for k := 0; k < len(locs); k++ {
		r, ok := unit(k)
		if !ok || !utf16.IsSurrogate(r) {
			continue
		}
		if k+1 < len(locs) && locs[k+1][0] == locs[k][1] {
			if low, ok := unit(k + 1); ok && utf16.DecodeRune(r, low) != utf8.RuneError {
				k++
				continue
			}
		}
		return true
	}
	return false
}

// depth returns the deepest nesting of valid JSON text, from the decoder's
// tokens.
func depth(text []byte) int {
	dec := stdjson.NewDecoder(strings.NewReader(string(text)))
	d, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case stdjson.Delim('['), stdjson.Delim('{'):
			d++
			deepest = max(deepest, d)
		case stdjson.Delim(']'), stdjson.Delim('}'):
			d--
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"number":97,"a":"\ud83d\ude00"}`, `"\ud800"`, `["\udc00\ud800"]`, "\"\xff\"",
		`[[[[1]]]]`, `{"a":{"b":{"c":[]}}}`, `"\\u0041\u0041"`, ` 1 `, `"\ud83d\u0041"`,
	} {
		f.Add([]byte(s))
	}
	const maxDepth = 3
	f.Fuzz(func(t *testing.T, text []byte) {
		err := Check(text, maxDepth)
		_ = CheckStrict(text, maxDepth) // never panics, whatever the text
		valid := stdjson.Valid(text)
		if errors.Is(err, ErrSyntax) != !valid {
			t.Fatalf("Check(%q) = %v, but encoding/json.Valid = %v", text, err, valid)
		}
		if !valid {
			return
		}
		want := utf8.Valid(text) && !loneSurrogate(text) && depth(text) <= maxDepth
		if (err == nil) != want {
			t.Fatalf("Check(%q) = %v, want an error: %v", text, err, !want)
		}
	})
}
