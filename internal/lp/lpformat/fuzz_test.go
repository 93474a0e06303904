package lpformat

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzRead checks that Read never panics and that every model it accepts
// with writable names survives Write and Read unchanged.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"max\n obj: 3 x + 2 y - 4\nst\n c1: x + y <= 4\n -5 <= x - y <= 10\nbounds\n x free\n y <= 3\ngeneral\n y\nend",
		"min\n x\nst\n 3 >= x\n c: 2 x + 1 >= -inf\nbinary\n b\n",
		`\* c *\ minimize obj: .5e1 x(1) \ comment` + "\nsubject to\n r: x(1) =< 1e-3\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Read(strings.NewReader(text))
		if err != nil {
			return
		}
		if checkModel(m) != nil {
			return // names or values that LP format cannot hold
		}
		var buf bytes.Buffer
		if err := Write(&buf, m); err != nil {
			t.Skipf("model not writable: %v", err)
		}
		got, err := Read(&buf)
		if err != nil {
			t.Fatalf("reading written model: %v\n%s", err, buf.String())
		}
		if want := canonical(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed the model\n got %+v\nwant %+v\n%s", got, want, buf.String())
		}
	})
}
