package producers

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestAppendLineBody(t *testing.T) {
	tests := []struct {
		line    string
		want    string
		wantErr error
	}{
		{"97", `{"number":97}`, nil},
		{"100109100129100151", `{"number":100109100129100151}`, nil},
		{"123456789012345678901234567890", `{"number":123456789012345678901234567890}`, nil},
		{`"100109100129100151"`, `{"number":100109100129100151}`, nil},
		{"007", `{"number":7}`, nil},
		{"0", `{"number":0}`, nil},
		{"-0", `{"number":0}`, nil},
		{"-12", `{"number":-12}`, nil},
		{`{"number": 97, "tag": "x"}`, `{"number": 97, "tag": "x"}`, nil},
		{`{}`, `{}`, nil},
		{`{"number": 1`, "", ErrInvalidJSONObject},
		{`{"a":1} {"b":2}`, "", ErrInvalidJSONObject},
		{`[1,2]`, "", ErrNotIntegerOrObject},
		{"1.5", "", ErrNotIntegerOrObject},
		{"1e3", "", ErrNotIntegerOrObject},
		{"+5", "", ErrNotIntegerOrObject},
		{"-", "", ErrNotIntegerOrObject},
		{`"12`, "", ErrNotIntegerOrObject},
		{`"1 2"`, "", ErrNotIntegerOrObject},
		{`""`, "", ErrNotIntegerOrObject},
		{"abc", "", ErrNotIntegerOrObject},
		{"true", "", ErrNotIntegerOrObject},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := AppendLineBody(nil, []byte(tt.line))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name        string
		input       string
		opts        LineOptions
		want        []string
		wantSkipped int64
		wantErrLine int
		wantErrText string
	}{
		{
			name:  "good lines, blanks, CRLF and BOM",
			input: "\xef\xbb\xbf1\r\n\r\n  2  \n\"3\"\n{\"number\":4,\"k\":\"v\"}\n\n",
			want:  []string{`{"number":1}`, `{"number":2}`, `{"number":3}`, `{"number":4,"k":"v"}`},
		},
		{
			name:  "no final newline",
			input: "5\n6",
			want:  []string{`{"number":5}`, `{"number":6}`},
		},
		{
			name:        "bad line fails with its number",
			input:       "1\n2\n\nnot a number\n5\n",
			opts:        LineOptions{Name: "nums.txt"},
			want:        []string{`{"number":1}`, `{"number":2}`},
			wantErrLine: 4,
			wantErrText: `nums.txt:4: not an integer or a JSON object: "not a number"`,
		},
		{
			name:        "bad JSON object",
			input:       "{\"number\": 1}\n{\"number\": }\n",
			want:        []string{`{"number": 1}`},
			wantErrLine: 2,
			wantErrText: "line 2: invalid JSON object",
		},
		{
			name:        "skip invalid counts",
			input:       "1\nx\n2\n1.5\n{bad\n3\n",
			opts:        LineOptions{SkipInvalid: true, Logger: discardLogger()},
			want:        []string{`{"number":1}`, `{"number":2}`, `{"number":3}`},
			wantSkipped: 3,
		},
		{
			name:        "line too long",
			input:       "1\n" + strings.Repeat("9", 100) + "\n",
			opts:        LineOptions{MaxLineBytes: 50},
			want:        []string{`{"number":1}`},
			wantErrLine: 2,
			wantErrText: "line too long",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLines(strings.NewReader(tt.input), tt.opts)
			got, err := collect(l.Bodies())
			if !slices.Equal(got, tt.want) {
				t.Fatalf("bodies %q, want %q", got, tt.want)
			}
			if l.Skipped() != tt.wantSkipped {
				t.Fatalf("skipped %d, want %d", l.Skipped(), tt.wantSkipped)
			}
			if tt.wantErrLine == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var le *LineError
			if !errors.As(err, &le) || le.Line != tt.wantErrLine {
				t.Fatalf("err = %v, want LineError at line %d", err, tt.wantErrLine)
			}
			if !strings.Contains(err.Error(), tt.wantErrText) {
				t.Fatalf("err = %q, want it to contain %q", err, tt.wantErrText)
			}
		})
	}
}
