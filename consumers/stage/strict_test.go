package stage_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/lpsolve"
	"github.com/nsqfarm/nsqfarm/consumers/primality"
	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// strictSamples returns dead-letter records of every body of
// deadLetterBodies, and the outputs of the primality and lpsolve handlers
// for those bodies and for inputs with non-ASCII text and escapes.
func strictSamples(t *testing.T) [][]byte {
	samples := stage.DeadLetterSamples(t)
	prime, err := primality.New(primality.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	solver, err := lpsolve.New(lpsolve.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	inputs := [][]byte{
		[]byte("{\"number\":97,\"a\":\"\u00a0\u2028\u2029<>&\U0001F600\"}"),
		[]byte(`{"number":"561","\ud83d\ude00":"\\ud800","b":` + string(stage.Nested(stage.MaxJSONDepth-1)) + `}`),
		[]byte(`{"id":"\u00e9\ud83d\ude00 \\ud800 <>&\u2028","model":"wyndor"}`),
		[]byte("{\"id\":\"\u00a0\",\"format\":\"lp\",\"text\":\"max\\n \u00e9: x\\nst\\n c\u00a0: x <= 1\\nend\"}"),
	}
	inputs = append(inputs, stage.DeadLetterBodies()...)
	records := len(samples)
	for _, h := range []stage.Handler{prime, solver} {
		for _, body := range inputs {
			var outs stage.Outputs
			if h.Handle(context.Background(), &stage.Input{ID: "id-1", Body: body, Attempt: 1}, &outs) == nil {
				samples = append(samples, outs.All()[0].Body)
			}
		}
	}
	if outputs := len(samples) - records; outputs < 4 { // the four inputs above are valid
		t.Fatalf("only %d handler outputs", outputs)
	}
	return samples
}

// TestStrictParserPython has Python's json module, a strict parser, read
// dead-letter records and handler outputs: it must decode each as UTF-8,
// parse it, and find no lone surrogate in it.
func TestStrictParserPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	for _, bad := range []string{`["\ud800"]`, "[\"\xff\"]", "\f1", strings.Repeat("[", 1000) + strings.Repeat("]", 1000)} {
		if err := pythonReads(python, [][]byte{[]byte(bad)}); err == nil {
			t.Errorf("python3 accepted %.20q: the check is not strict", bad)
		}
	}
	if err := pythonReads(python, strictSamples(t)); err != nil {
		t.Fatal(err)
	}
}

// pythonReads has python decode each sample as UTF-8, parse it as JSON
// and encode what it read back to UTF-8, which fails on lone surrogates.
func pythonReads(python string, samples [][]byte) error {
	const script = `
import base64, json, sys
n = 0
for line in sys.stdin:
    value = json.loads(base64.b64decode(line).decode("utf-8"))
    json.dumps(value, ensure_ascii=False).encode("utf-8")
    n += 1
print(n)
`
	var in bytes.Buffer
	for _, b := range samples {
		fmt.Fprintln(&in, base64.StdEncoding.EncodeToString(b))
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("python3: %w\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != fmt.Sprint(len(samples)) {
		return fmt.Errorf("python3 read %s of %d samples", got, len(samples))
	}
	return nil
}
