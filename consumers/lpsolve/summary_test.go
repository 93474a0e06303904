package lpsolve

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestWriteSummary(t *testing.T) {
	h := newHandler(t, nil)
	sol, _, err := handle(t, context.Background(), h, `{"model":"wyndor","params":{"profit_rate_windows":100}}`)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sol.WriteSummary(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"model:       wyndor (profit_rate_windows=100)\n",
		"status:      optimal\n",
		"objective:   1500\n",
		"variables:   2, 2 nonzero\n",
		"  Doors      4\n",
		"  Windows    3\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, buf.String())
		}
	}

	// Long solutions list a bounded number of variables.
	many := &Solution{Model: "m", Status: "optimal", Variables: make(Object[float64], 50)}
	for i := range many.Variables {
		many.Variables[i] = Entry[float64]{Name: "x" + strings.Repeat("i", i%3), Value: float64(i % 2)}
	}
	buf.Reset()
	if err := many.WriteSummary(&buf); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines > 30 || !strings.Contains(buf.String(), "5 more") {
		t.Errorf("summary of 25 nonzero variables:\n%s", buf.String())
	}
}
