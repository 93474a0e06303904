package lpsolve

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/mip"
	"github.com/nsqfarm/nsqfarm/internal/lp/solver"
)

func newHandler(t testing.TB, mutate func(*Options)) *Handler {
	t.Helper()
	opts := DefaultOptions()
	if mutate != nil {
		mutate(&opts)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// handle runs one job through h and decodes its solution.
func handle(t *testing.T, ctx context.Context, h *Handler, body string) (*Solution, []byte, error) {
	t.Helper()
	var out stage.Outputs
	err := h.Handle(ctx, &stage.Input{ID: "0a1b2c", Body: []byte(body), Attempt: 1}, &out)
	if err != nil {
		if out.Len() != 0 {
			t.Errorf("Handle failed but emitted %d outputs", out.Len())
		}
		return nil, nil, err
	}
	if out.Len() != 1 || out.All()[0].Port != PortSolution {
		t.Fatalf("Handle emitted %+v, want one message on %q", out.All(), PortSolution)
	}
	raw := out.All()[0].Body
	var sol Solution
	if err := json.Unmarshal(raw, &sol); err != nil {
		t.Fatalf("solution is not valid JSON: %v\n%s", err, raw)
	}
	return &sol, raw, nil
}

// lpJob wraps LP text in a job.
func lpJob(text string) string {
	b, _ := json.Marshal(map[string]string{"id": "j", "format": "lp", "text": text})
	return string(b)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-7*math.Max(1, math.Abs(b)) }

func TestHandleSolves(t *testing.T) {
	wyndorMPS, err := os.ReadFile("testdata/wyndor.mps")
	if err != nil {
		t.Fatal(err)
	}
	wyndorJSON, err := os.ReadFile("testdata/wyndor.json")
	if err != nil {
		t.Fatal(err)
	}
	mpsJob, _ := json.Marshal(map[string]string{"format": "mps", "text": string(wyndorMPS)})
	tests := []struct {
		name      string
		body      string
		model     string
		status    string
		objective float64
		vars      map[string]float64
		duals     map[string]float64
	}{
		{
			name: "wyndor 100", body: `{"id":"w100","model":"wyndor","params":{"profit_rate_windows":100}}`,
			model: "wyndor", status: "optimal", objective: 1500,
			vars: map[string]float64{"Doors": 4, "Windows": 3},
		},
		{
			name: "wyndor 500", body: `{"id":"w500","model":"wyndor","params":{"profit_rate_windows":500}}`,
			model: "wyndor", status: "optimal", objective: 3600,
			vars:  map[string]float64{"Doors": 2, "Windows": 6},
			duals: map[string]float64{"plant1": 0, "plant2": 150, "plant3": 100},
		},
		{
			name: "wyndor default", body: `{"model":"wyndor"}`,
			model: "wyndor", status: "optimal", objective: 3600,
			vars: map[string]float64{"Doors": 2, "Windows": 6},
		},
		{
			name: "inline", body: `{"id":7,"model":` + string(wyndorJSON) + `}`,
			model: "inline", status: "optimal", objective: 3600,
			vars:  map[string]float64{"Doors": 2, "Windows": 6},
			duals: map[string]float64{"plant1": 0, "plant2": 150, "plant3": 100},
		},
		{
			name:  "lp text",
			body:  lpJob("max\n obj: x + y\nst\n c1: x + 2 y <= 4\n c2: 3 x + y <= 6\nbounds\n y <= 1.5\nend"),
			model: "lp", status: "optimal", objective: 2.8,
			vars:  map[string]float64{"x": 1.6, "y": 1.2},
			duals: map[string]float64{"c1": 0.4, "c2": 0.2},
		},
		{
			name: "mps text", body: string(mpsJob),
			model: "mps", status: "optimal", objective: 3600,
			vars:  map[string]float64{"DOORS": 2, "WINDOWS": 6},
			duals: map[string]float64{"PLANT1": 0, "PLANT2": 150, "PLANT3": 100},
		},
		{
			name:  "infeasible",
			body:  lpJob("min\n x + y\nst\n c1: x + y >= 5\n c2: x + y <= 3\nend"),
			model: "lp", status: "infeasible",
		},
		{
			name:  "unbounded",
			body:  lpJob("max\n x + y\nst\n c1: x - y <= 1\nend"),
			model: "lp", status: "unbounded",
		},
	}
	h := newHandler(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, raw, err := handle(t, context.Background(), h, tt.body)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if sol.Model != tt.model || sol.Status != tt.status || sol.InputID != "0a1b2c" {
				t.Fatalf("model %q status %q input_id %q, want %q %q 0a1b2c\n%s", sol.Model, sol.Status, sol.InputID, tt.model, tt.status, raw)
			}
			if sol.Engine != (Engine{EngineName, EngineVersion}) {
				t.Errorf("engine %+v", sol.Engine)
			}
			if tt.status != "optimal" {
				if sol.Objective != nil || sol.Variables != nil {
					t.Errorf("non-optimal solution carries values:\n%s", raw)
				}
				return
			}
			if sol.Objective == nil || !near(*sol.Objective, tt.objective) {
				t.Errorf("objective %v, want %v\n%s", sol.Objective, tt.objective, raw)
			}
			for name, want := range tt.vars {
				if got, ok := sol.Variables.Get(name); !ok || !near(got, want) {
					t.Errorf("variable %s = %v, want %v", name, got, want)
				}
			}
			for name, want := range tt.duals {
				if got, ok := sol.Constraints.Get(name); !ok || got.Dual == nil || !near(*got.Dual, want) {
					t.Errorf("dual of %s = %v, want %v", name, got.Dual, want)
				}
			}
		})
	}
}

func TestHandleEcho(t *testing.T) {
	h := newHandler(t, nil)
	body := `{"id":"job-42","model":"wyndor","params":{"profit_rate_windows":500.000000000000000000001},"time_limit_ms":999999999}`
	sol, raw, err := handle(t, context.Background(), h, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"id":"job-42"`, `"input_id":"0a1b2c"`, `"model":"wyndor"`,
		`"params":{"profit_rate_windows":500.000000000000000000001}`,
		`"time_limit_ms":60000`, `"variables":{"Doors":2,"Windows":6}`,
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("solution lacks %s:\n%s", want, raw)
		}
	}
	if sol.Relaxation {
		t.Errorf("an LP is reported as a relaxation")
	}
	// Numeric ids are echoed verbatim too.
	_, raw, err = handle(t, context.Background(), h, `{"id":100109100129100151,"model":"wyndor"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`"id":100109100129100151,`)) || !bytes.Contains(raw, []byte(`"params":{"profit_rate_windows":500}`)) {
		t.Errorf("id or default parameter not echoed exactly:\n%s", raw)
	}
}

func TestHandleInteger(t *testing.T) {
	h := newHandler(t, nil)
	// The relaxation has x = 1.6, y = 1.9 (5.1); the integer optimum is
	// x = 1, y = 2.5 (4.5).
	text := "max\n obj: 2 x + y\nst\n c: 2 x + 2 y <= 7\n d: x <= 1.6\ngeneral\n x\nend"
	sol, raw, err := handle(t, context.Background(), h, lpJob(text))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "optimal" || sol.Relaxation || sol.Objective == nil || !near(*sol.Objective, 4.5) {
		t.Fatalf("got %s, want the integer optimum 4.5", raw)
	}
	if x, _ := sol.Variables.Get("x"); x != 1 {
		t.Errorf("x = %v, want 1", x)
	}
	if c, _ := sol.Constraints.Get("c"); !near(c.Activity, 7) || c.Dual != nil {
		t.Errorf("row c = %+v, want activity 7 and no dual", c)
	}
	if sol.Bound == nil || !near(*sol.Bound, 4.5) || sol.Gap == nil || *sol.Gap > 1e-4 || sol.Nodes == nil || *sol.Nodes < 1 {
		t.Errorf("bound, gap or nodes missing or wrong:\n%s", raw)
	}
	for _, absent := range []string{`"dual"`, `"reduced_costs"`, `"relaxation"`} {
		if bytes.Contains(raw, []byte(absent)) {
			t.Errorf("integer solution has %s:\n%s", absent, raw)
		}
	}
	var summary bytes.Buffer
	if err := sol.WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"objective:   4.5\n", "bound:       4.5\n", "gap:         0\n", "nodes:       "} {
		if !strings.Contains(summary.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary.String())
		}
	}

	// "relax": true asks for the linear relaxation.
	body := strings.TrimSuffix(lpJob(text), "}") + `,"relax":true}`
	sol, raw, err = handle(t, context.Background(), h, body)
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "optimal" || !sol.Relaxation || !near(*sol.Objective, 5.1) || sol.Nodes != nil {
		t.Errorf("relaxation: got %s, want 5.1", raw)
	}

	// Integer-infeasible: 2x = 1.
	sol, raw, err = handle(t, context.Background(), h, lpJob("min\n x\nst\n c: 2 x = 1\ngeneral\n x\nend"))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "infeasible" || sol.Objective != nil {
		t.Errorf("2x = 1: got %s, want infeasible", raw)
	}
}

func TestHandleIntegerRelaxOption(t *testing.T) {
	h := newHandler(t, func(o *Options) { o.RelaxIntegers = true })
	sol, raw, err := handle(t, context.Background(), h, lpJob("max\n x\nst\n c: 2 x <= 3\ngeneral\n x\nend"))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "optimal" || !sol.Relaxation || !near(*sol.Objective, 1.5) {
		t.Errorf("got %s, want the relaxation 1.5", raw)
	}
}

// hardKnapsackLP is a 60-item strongly correlated knapsack in LP format:
// rounding its relaxation gives an incumbent at once, proving optimality
// takes many nodes.
func hardKnapsackLP() string {
	var obj, row strings.Builder
	w := 1000
	for j := range 60 {
		w = (w*7919 + 17) % 1000
		fmt.Fprintf(&obj, " + %d x%d", 1000+w+100, j)
		fmt.Fprintf(&row, " + %d x%d", 1000+w, j)
	}
	return "max\n obj:" + obj.String() + "\nst\n cap:" + row.String() + " <= 30011\nbinary\n" +
		func() string {
			var b strings.Builder
			for j := range 60 {
				fmt.Fprintf(&b, " x%d", j)
			}
			return b.String()
		}() + "\nend"
}

func TestHandleIntegerTimeLimit(t *testing.T) {
	body, _ := json.Marshal(map[string]any{"format": "lp", "text": hardKnapsackLP(), "time_limit_ms": 50})
	sol, raw, err := handle(t, context.Background(), newHandler(t, nil), string(body))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "time_limit" || sol.Objective == nil || sol.Variables == nil || sol.Bound == nil || sol.Gap == nil {
		t.Fatalf("got %.400s, want time_limit with the incumbent", raw)
	}
	if *sol.Bound < *sol.Objective {
		t.Errorf("bound %v below the incumbent %v of a maximisation", *sol.Bound, *sol.Objective)
	}
}

func TestHandleMalformed(t *testing.T) {
	h := newHandler(t, func(o *Options) {
		o.MaxVariables, o.MaxConstraints, o.MaxNonzeros, o.MaxTextBytes = 3, 3, 4, 600
	})
	big := strings.Repeat(`\ padding to exceed the text limit`+"\n", 20)
	tests := []struct{ name, body, msg string }{
		{"not json", `model=wyndor`, "job is not a valid JSON object"},
		{"array", `[1]`, "job is not a valid JSON object"},
		{"trailing data", `{"model":"wyndor"} x`, "data after its JSON object"},
		{"unknown field", `{"model":"wyndor","parms":{}}`, "parms"},
		{"empty", `{}`, `job needs "model"`},
		{"bad id", `{"id":{"a":1},"model":"wyndor"}`, `"id" must be a string or a number`},
		{"invalid UTF-8 in the id", "{\"id\":\"\xff\",\"model\":\"wyndor\"}", "job is not valid UTF-8 JSON: invalid UTF-8"},
		{"invalid UTF-8 in text", "{\"format\":\"lp\",\"text\":\"min\\n \xc3x\\nend\"}", "job is not valid UTF-8 JSON: invalid UTF-8"},
		{"lone surrogate in the id", `{"id":"job-\ud800","model":"wyndor"}`, `job is not valid UTF-8 JSON: "id": escape \ud800 is an unpaired surrogate`},
		{"reversed surrogates in the id", `{"id":"\uDC00\uD800","model":"wyndor"}`, `escape \uDC00 is an unpaired surrogate`},
		{"unknown model", `{"model":"wyndorr"}`, `unknown model "wyndorr" (known: wyndor)`},
		{"model type", `{"model":[1]}`, `"model" must be a model name or an inline model object`},
		{"unknown param", `{"model":"wyndor","params":{"profit_rate_door":1}}`, `unknown parameter "profit_rate_door"`},
		{"string param", `{"model":"wyndor","params":{"profit_rate_windows":"500"}}`, `parameter "profit_rate_windows" must be a JSON number`},
		{"param below min", `{"model":"wyndor","params":{"profit_rate_windows":-1}}`, `is below its minimum 0`},
		{"param overflow", `{"model":"wyndor","params":{"profit_rate_windows":1e400}}`, "out of range"},
		{"params on inline", `{"model":{"variables":[{"name":"x"}]},"params":{"a":1}}`, `"params" only apply to named models`},
		{"model and text", `{"model":"wyndor","format":"lp","text":"min\n x\n"}`, `give either "model" or "format"`},
		{"format without text", `{"format":"lp"}`, `format "lp" needs "text"`},
		{"unknown format", `{"format":"xls","text":"x"}`, `unknown format "xls"`},
		{"lp syntax", lpJob("max\n x\nst\n c1: x\n c2: x <= 2\n"), `lp text: line 5, column 2: expected constraint operator, found name "c2"`},
		{"lp infinite coefficient", lpJob("min\n 1e999 x\n"), "lp text: line 2, column 2: number 1e999 is out of range"},
		{"mps syntax", `{"format":"mps","text":"ROWS\n N obj\n X r\nENDATA\n"}`, "mps text: mps"},
		{"inline unknown variable", `{"model":{"variables":[{"name":"x"}],"constraints":[{"name":"cap","coefs":{"y":1},"<=":1}]}}`,
			`inline model: model JSON: line 1, column 76: constraint "cap": unknown variable "y"`},
		{"inline NaN", `{"model":{"variables":[{"name":"x"}],"objective_constant":"NaN"}}`, "not a finite number"},
		{"bad time limit", `{"model":"wyndor","time_limit_ms":-5}`, `"time_limit_ms" must be a positive integer`},
		{"fractional time limit", `{"model":"wyndor","time_limit_ms":1.5}`, `"time_limit_ms" must be a positive integer`},
		{"negative mip gap", `{"model":"wyndor","mip_gap":-0.1}`, `"mip_gap" must be a number from 0 to 1, got -0.1`},
		{"mip gap above 1", `{"model":"wyndor","mip_gap":2}`, `"mip_gap" must be a number from 0 to 1, got 2`},
		{"mip gap string", `{"model":"wyndor","mip_gap":"1e-9"}`, `"mip_gap" must be a number from 0 to 1`},
		{"too many variables", lpJob("min\n a + b + c + d\nend"), "model has 4 variables, more than the limit of 3 (max_variables)"},
		{"too many nonzeros", lpJob("min\n a\nst\n c1: a + b >= 1\n c2: a + b >= 1\n c3: a + c >= 1\nend"), "model has 6 nonzeros, more than the limit of 4 (max_nonzeros)"},
		{"text too long", lpJob(big + "min\n x\n"), "more than the limit of 600 (max_text_bytes)"},
		{"inverted bounds", lpJob("min\n x\nbounds\n 3 <= x <= 1\nend"), "invalid model: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := handle(t, context.Background(), h, tt.body)
			if !stage.IsPermanent(err) {
				t.Fatalf("Handle = %v, want a permanent error", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestHandleErrorMessages checks whole messages of malformed jobs: each
// gives the line and column of the offending token, names it and says
// what was expected.
func TestHandleErrorMessages(t *testing.T) {
	h := newHandler(t, nil)
	tests := []struct{ name, body, want string }{
		{"malformed inline model", `{"id": "j", "model": {"sense": nop}}`,
			"job is not a valid JSON object: line 1, column 33: invalid character 'o' in literal null (expecting 'u')"},
		{"malformed job", "{\"id\": \"j\",\n \"model\" \"wyndor\"}",
			`job is not a valid JSON object: line 2, column 10: invalid character '"' after object key (expected ':')`},
		{"not an object", `[1]`, "job is not a valid JSON object: line 1, column 1: expected an object, found an array"},
		{"unknown field", `{"model": "wyndor", "parms": {}}`,
			`job is not a valid JSON object: line 1, column 21: unknown field "parms" (expected id, model, params, format, text, time_limit_ms, mip_gap or relax)`},
		{"wrong type", `{"model": "wyndor", "relax": "yes"}`,
			`job is not a valid JSON object: line 1, column 30: "relax": expected true or false, found a string`},
		{"trailing data", "{\"model\": \"wyndor\"}\n x", "job has data after its JSON object: line 2, column 2: expected the end of the job"},
		{"inline model error placed in the job", "{\"id\": 1,\n \"model\": {\"variables\": [{\"name\": \"x\"}],\n  \"objective\": {\"x\": \"2\"}}}",
			`inline model: model JSON: line 3, column 22: coefficient of "x" is the string "2", not a number (expected a JSON number)`},
		{"nan in LP text", lpJob("max\n obj: nan x\nst\n c: x <= 1\nend"),
			`lp text: line 2, column 7: "nan" is not a valid coefficient: NaN is not a number (expected a finite number before name "x")`},
		{"nan in MPS text", `{"format": "mps", "text": "NAME x\nROWS\n N obj\nCOLUMNS\n x obj NaN\nENDATA\n"}`,
			`mps text: mps (free): line 5, column 8: invalid coefficient "NaN": NaN is not a valid coefficient (expected a finite number)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := handle(t, context.Background(), h, tt.body)
			if !stage.IsPermanent(err) || err.Error() != tt.want {
				t.Errorf("Handle = %v\nwant %s (permanent)", err, tt.want)
			}
		})
	}
}

// TestHandleSizeLimitsInline checks that the size limits apply to inline
// models as to LP and MPS text.
func TestHandleSizeLimitsInline(t *testing.T) {
	wyndorJSON, err := os.ReadFile("testdata/wyndor.json")
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, func(o *Options) { o.MaxVariables = 1 })
	_, _, err = handle(t, context.Background(), h, `{"model":`+string(wyndorJSON)+`}`)
	if !stage.IsPermanent(err) || !strings.Contains(err.Error(), "more than the limit of 1 (max_variables)") {
		t.Errorf("Handle = %v, want a permanent error over max_variables", err)
	}
}

// netlibText returns the text of a netlib model, or skips the test.
func netlibText(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "lp", "netlib", name+".mps.gz"))
	if err != nil {
		t.Skipf("netlib model unavailable: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func TestHandleTimeLimit(t *testing.T) {
	text := netlibText(t, "25fv47")
	body, _ := json.Marshal(map[string]any{"id": "slow", "format": "mps", "text": text, "time_limit_ms": 1})
	h := newHandler(t, nil)
	sol, raw, err := handle(t, context.Background(), h, string(body))
	if err != nil {
		t.Fatal(err)
	}
	if sol.Status != "time_limit" || sol.TimeLimitMS != 1 || sol.Objective != nil {
		t.Errorf("got status %q limit %d objective %v, want time_limit 1 and no values\n%.300s", sol.Status, sol.TimeLimitMS, sol.Objective, raw)
	}
	if sol.SolveTimeMS > 1000 {
		t.Errorf("a 1 ms limit took %v ms", sol.SolveTimeMS)
	}
}

func TestHandleCancelled(t *testing.T) {
	text := netlibText(t, "25fv47")
	body, _ := json.Marshal(map[string]any{"format": "mps", "text": text})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := handle(t, ctx, newHandler(t, nil), string(body))
	if err == nil || stage.IsPermanent(err) {
		t.Errorf("Handle with a cancelled context = %v, want a transient error", err)
	}
}

func TestModelsDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"wyndor.yaml": "params:\n  profit_rate_windows: 100\nmodel: |\n  max\n    300 Doors + profit_rate_windows Windows\n  st\n    Doors <= 4\n    2 Windows <= 12\n    3 Doors + 2 Windows <= 18\n",
		"box.yml":     "params:\n  cap: {min: 1}\nmodel: |\n  max\n    x\n  st\n    c: x <= cap\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHandler(t, func(o *Options) { o.ModelsDir = dir })
	if got := strings.Join(h.Models(), ","); got != "box,wyndor" {
		t.Errorf("Models() = %s", got)
	}
	sol, _, err := handle(t, context.Background(), h, `{"model":"wyndor"}`)
	if err != nil || !near(*sol.Objective, 1500) {
		t.Errorf("overridden wyndor: %v, %v; want objective 1500", sol, err)
	}
	sol, _, err = handle(t, context.Background(), h, `{"model":"box","params":{"cap":7}}`)
	if err != nil || !near(*sol.Objective, 7) {
		t.Errorf("box: %v, %v; want objective 7", sol, err)
	}
	if _, _, err := handle(t, context.Background(), h, `{"model":"box"}`); !stage.IsPermanent(err) || !strings.Contains(err.Error(), `missing parameter "cap"`) {
		t.Errorf("box without cap: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Options)
		msg    string
	}{
		{"no max time", func(o *Options) { o.MaxTimeLimitMS = 0 }, "max_time_limit_ms: must be positive"},
		{"default above max", func(o *Options) { o.DefaultTimeLimitMS = o.MaxTimeLimitMS + 1 }, "default_time_limit_ms"},
		{"negative size", func(o *Options) { o.MaxNonzeros = -1 }, "must not be negative"},
		{"missing dir", func(o *Options) { o.ModelsDir = filepath.Join(t.TempDir(), "none") }, "models_dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			tt.mutate(&opts)
			if _, err := New(opts); err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("New = %v, want error containing %q", err, tt.msg)
			}
		})
	}
}

func TestHandleConcurrent(t *testing.T) {
	h := newHandler(t, nil)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var out stage.Outputs
			for i := range 50 {
				out.Reset()
				body := `{"model":"wyndor","params":{"profit_rate_windows":` + []string{"100", "500"}[(g+i)%2] + `}}`
				if err := h.Handle(context.Background(), &stage.Input{ID: "x", Body: []byte(body)}, &out); err != nil {
					errs <- err
					return
				}
				want := []string{`"objective":1500`, `"objective":3600`}[(g+i)%2]
				if !bytes.Contains(out.All()[0].Body, []byte(want)) {
					errs <- fmt.Errorf("job %s gave %s", body, out.All()[0].Body)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// stubEngine is a solver.Engine whose answers the test gives; a nil
// function defers to the real engine.
type stubEngine struct {
	solveLP  func(m *lp.Model) *lp.Result
	solveMIP func(m *lp.Model) *mip.Result
}

func (e stubEngine) SolveLP(ctx context.Context, m *lp.Model, opts lp.Options) (*lp.Result, error) {
	if e.solveLP == nil {
		return solver.Simplex{}.SolveLP(ctx, m, opts)
	}
	return e.solveLP(m), nil
}

func (e stubEngine) SolveMIP(ctx context.Context, m *lp.Model, opts mip.Options) (*mip.Result, error) {
	if e.solveMIP == nil {
		return solver.Simplex{}.SolveMIP(ctx, m, opts)
	}
	return e.solveMIP(m), nil
}

// optsEngine is the real engine recording the options of its last
// branch-and-bound search.
type optsEngine struct{ opts *mip.Options }

func (e optsEngine) SolveLP(ctx context.Context, m *lp.Model, opts lp.Options) (*lp.Result, error) {
	return solver.Simplex{}.SolveLP(ctx, m, opts)
}

func (e optsEngine) SolveMIP(ctx context.Context, m *lp.Model, opts mip.Options) (*mip.Result, error) {
	*e.opts = opts
	return solver.Simplex{}.SolveMIP(ctx, m, opts)
}

func TestHandleMIPGap(t *testing.T) {
	text := "max\n obj: 2 x + y\nst\n c: 2 x + 2 y <= 7\n d: x <= 1.6\ngeneral\n x\nend"
	tests := []struct {
		name  string
		field string // the job's mip_gap field, with its comma
		want  float64
	}{
		{"absent", "", 0},
		{"null", `"mip_gap":null,`, 0},
		{"exact", `"mip_gap":1e-9,`, 1e-9},
		{"loose", `"mip_gap":0.5,`, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, nil)
			got := mip.Options{RelGap: -1}
			h.engine = optsEngine{opts: &got}
			body := `{` + tt.field + lpJob(text)[1:]
			sol, raw, err := handle(t, context.Background(), h, body)
			if err != nil || sol.Status != "optimal" || sol.Objective == nil || !near(*sol.Objective, 4.5) {
				t.Fatalf("got %s, %v; want the integer optimum 4.5", raw, err)
			}
			if got.RelGap != tt.want {
				t.Errorf("engine's relative gap = %g, want %g", got.RelGap, tt.want)
			}
		})
	}
}

func TestHandleEngineFailures(t *testing.T) {
	h := newHandler(t, nil)

	h.engine = stubEngine{solveLP: func(*lp.Model) *lp.Result { panic("singular basis") }}
	sol, _, err := handle(t, context.Background(), h, `{"model":"wyndor"}`)
	if err != nil || sol.Status != StatusError || sol.Error != "engine failure: singular basis" {
		t.Errorf("engine panic: %+v, %v; want status error with the reason", sol, err)
	}

	h.engine = stubEngine{solveLP: func(m *lp.Model) *lp.Result {
		n := len(m.Vars)
		return &lp.Result{Status: lp.Optimal, Objective: math.NaN(), X: make([]float64, n), ReducedCost: make([]float64, n),
			RowActivity: make([]float64, len(m.Rows)), RowDual: make([]float64, len(m.Rows))}
	}}
	sol, raw, err := handle(t, context.Background(), h, `{"model":"wyndor"}`)
	if err != nil || sol.Status != StatusError || sol.Objective != nil {
		t.Errorf("non-finite optimum: %s, %v; want status error without values", raw, err)
	}

	h.engine = stubEngine{solveMIP: func(*lp.Model) *mip.Result { panic("bad branch") }}
	sol, _, err = handle(t, context.Background(), h, lpJob("max\n x\nst\n c: 2 x <= 3\ngeneral\n x\nend"))
	if err != nil || sol.Status != StatusError || sol.Error != "engine failure: bad branch" {
		t.Errorf("branch-and-bound panic: %+v, %v; want status error with the reason", sol, err)
	}
}
