package template

import (
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-json"
)

// TestDocExample keeps the example file of the package documentation
// valid: it is extracted from doc.go and instantiated.
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	const intro = "// A model file (NAME.yaml or NAME.yml) looks like this:\n//\n"
	_, rest, ok := strings.Cut(string(src), intro)
	if !ok {
		t.Fatal("example not found in doc.go")
	}
	var example strings.Builder
	for _, line := range strings.Split(rest, "\n") {
		code, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			break
		}
		example.WriteString(code + "\n")
	}
	tmpl, err := Parse("wyndor.yaml", []byte(example.String()))
	if err != nil {
		t.Fatalf("doc example: %v\n%s", err, example.String())
	}
	m, err := tmpl.Instantiate(map[string]json.Number{"door_profit": "300"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Vars) != 2 || len(m.Rows) != 4 || m.Vars[1].Hi != 6 || m.Rows[3].Hi != 36 {
		t.Errorf("doc example instantiated to %+v", m)
	}
}
