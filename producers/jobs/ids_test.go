package jobs

import (
	"strings"
	"testing"
)

func TestWithID(t *testing.T) {
	gen := func() string { return "j-new" }
	tests := []struct {
		body, id, out, err string
	}{
		{`{"model": "wyndor"}`, "j-new", `{"id":"j-new","model": "wyndor"}`, ""},
		{` { }`, "j-new", `{"id":"j-new"}`, ""},
		{`{"number": 5, "id": "mine"}`, "mine", `{"number": 5, "id": "mine"}`, ""},
		{`{"id": 12, "model": "m"}`, "12", `{"id": 12, "model": "m"}`, ""},
		{`97`, "j-new", `{"number":97,"id":"j-new"}`, ""},
		{`100109100129100151100109100129100151`, "j-new", `{"number":100109100129100151100109100129100151,"id":"j-new"}`, ""},
		{`{"id": "a b"}`, "", "", "letters, digits"},
		{`{"id": "` + strings.Repeat("x", 201) + `"}`, "", "", "1 to 200"},
		{`{"id": null}`, "", "", "must be a string or a number"},
		{`{"id": [1]}`, "", "", "must be a string or a number"},
		{`[1]`, "", "", "not a JSON object"},
		{`{"id": `, "", "", "not a valid JSON object"},
		{`12abc`, "", "", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			id, out, err := WithID([]byte(tt.body), gen)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || id != tt.id || string(out) != tt.out {
				t.Fatalf("WithID = %q, %s, %v; want %q, %s", id, out, err, tt.id, tt.out)
			}
		})
	}
	a, b := NewJobID(), NewJobID()
	if a == b || !strings.HasPrefix(a, "j-") || CheckID(a) != nil || CheckID(NewSweepID()+"-1000000") != nil {
		t.Fatalf("generated ids %q %q", a, b)
	}
}
