package primality

import (
	"context"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/primes"
)

// newTestHandler returns a Handler with the default options.
func newTestHandler(t testing.TB) *Handler {
	t.Helper()
	h, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// handle runs one message through h and returns its single output.
func handle(t testing.TB, h *Handler, body string) (port, out string, err error) {
	t.Helper()
	var outs stage.Outputs
	err = h.Handle(context.Background(), &stage.Input{ID: "id-1", Body: []byte(body), Attempt: 1}, &outs)
	if err != nil {
		if outs.Len() != 0 {
			t.Fatalf("Handle(%s) failed with %d outputs", body, outs.Len())
		}
		return "", "", err
	}
	if outs.Len() != 1 {
		t.Fatalf("Handle(%s) emitted %d outputs, want 1", body, outs.Len())
	}
	o := outs.All()[0]
	if !json.Valid(o.Body) {
		t.Fatalf("Handle(%s) emitted invalid JSON %s", body, o.Body)
	}
	return o.Port, string(o.Body), nil
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name, body, port, want string
	}{
		{
			"prime", `{"number": 97}`, PortPrime,
			`{"number": 97,"prime":true,"input_id":"id-1"}`,
		},
		{
			"composite", `{"number":561}`, PortComposite,
			`{"number":561,"prime":false,"factors":["3","11","17"],"input_id":"id-1"}`,
		},
		{
			"zero", `{"number":0}`, PortComposite,
			`{"number":0,"prime":false,"factors":[],"input_id":"id-1"}`,
		},
		{
			"one as string", `{"number":"1"}`, PortComposite,
			`{"number":"1","prime":false,"factors":[],"input_id":"id-1"}`,
		},
		{
			"2^64-1 as integer", `{"number":18446744073709551615}`, PortComposite,
			`{"number":18446744073709551615,"prime":false,"factors":["3","5","17","257","641","65537","6700417"],"input_id":"id-1"}`,
		},
		{
			"2^64-59 as string", `{"number":"18446744073709551557"}`, PortPrime,
			`{"number":"18446744073709551557","prime":true,"input_id":"id-1"}`,
		},
		{
			"big prime as integer", `{"number":170141183460469231731687303715884105727}`, PortPrime,
			`{"number":170141183460469231731687303715884105727,"prime":true,"input_id":"id-1"}`,
		},
		{
			"2^64 factored", `{"number":18446744073709551616}`, PortComposite,
			`{"number":18446744073709551616,"prime":false,"factors":[` + strings.Repeat(`"2",`, 63) + `"2"],"factors_complete":true,"input_id":"id-1"}`,
		},
		{
			"big composite, incomplete", `{"number":"340282366920938463463374607431768211457"}`, PortComposite,
			`{"number":"340282366920938463463374607431768211457","prime":false,"factors":[],"factors_complete":false,"cofactor":"340282366920938463463374607431768211457","input_id":"id-1"}`,
		},
		{
			"fields preserved", "{ \"a\" : [1, {\"b\": \"}\\\"\"}],\n\t\"number\" : \"12\", \"ü\": \"日本\", \"n\":null, \"x\": {\"number\": 5} \n}", PortComposite,
			"{ \"a\" : [1, {\"b\": \"}\\\"\"}],\n\t\"number\" : \"12\", \"ü\": \"日本\", \"n\":null, \"x\": {\"number\": 5} \n" + `,"prime":false,"factors":["2","2","3"],"input_id":"id-1"}`,
		},
		{
			"surrounding whitespace", " \n{\"number\":7 }\r\n", PortPrime,
			`{"number":7 ,"prime":true,"input_id":"id-1"}`,
		},
		{
			"bare integer", " 97\n", PortPrime,
			`{"number":97,"prime":true,"input_id":"id-1"}`,
		},
		{
			"bare big integer", `340282366920938463463374607431768211456`, PortComposite,
			`{"number":340282366920938463463374607431768211456,"prime":false,"factors":[` + strings.Repeat(`"2",`, 127) + `"2"],"factors_complete":true,"input_id":"id-1"}`,
		},
		{
			"reserved fields replaced", `{"prime":true,"number":4,"factors":["4"],"input_id":"old", "cofactor":"1","factors_complete":true}`, PortComposite,
			`{"number":4,"prime":false,"factors":["2","2"],"input_id":"id-1"}`,
		},
		{
			"reserved field last", `{"number":5, "input_id": "old" }`, PortPrime,
			`{"number":5,"prime":true,"input_id":"id-1"}`,
		},
		{
			"escaped reserved key", `{"number":5,"\u0070rime":false}`, PortPrime,
			`{"number":5,"prime":true,"input_id":"id-1"}`,
		},
		{
			"escaped number key", `{"\u006eumber":6}`, PortComposite,
			`{"\u006eumber":6,"prime":false,"factors":["2","3"],"input_id":"id-1"}`,
		},
	}
	h := newTestHandler(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port, out, err := handle(t, h, tt.body)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if port != tt.port || out != tt.want {
				t.Errorf("Handle(%s)\n got %s: %s\nwant %s: %s", tt.body, port, out, tt.port, tt.want)
			}
		})
	}
}

func TestHandleEscapesInputID(t *testing.T) {
	var outs stage.Outputs
	in := &stage.Input{ID: "a\"b\\c\n\x01\xffé", Body: []byte(`7`)}
	if err := newTestHandler(t).Handle(context.Background(), in, &outs); err != nil {
		t.Fatal(err)
	}
	var got struct {
		InputID string `json:"input_id"`
	}
	if err := json.Unmarshal(outs.All()[0].Body, &got); err != nil {
		t.Fatalf("output %s: %v", outs.All()[0].Body, err)
	}
	if want := "a\"b\\c\n\x01\ufffdé"; got.InputID != want {
		t.Errorf("input_id = %q, want %q", got.InputID, want)
	}
}

func TestHandleBigFactors(t *testing.T) {
	// (2^31-1)·(2^32-5)·(2^89-1) splits within the default budget.
	n := new(big.Int).Mul(big.NewInt(2147483647), big.NewInt(4294967291))
	n.Mul(n, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 89), big.NewInt(1)))
	port, out, err := handle(t, newTestHandler(t), `{"number":"`+n.String()+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	want := `,"prime":false,"factors":["2147483647","4294967291","618970019642690137449562111"],"factors_complete":true,"input_id":"id-1"}`
	if port != PortComposite || !strings.HasSuffix(out, want) {
		t.Errorf("got %s: %s, want suffix %s", port, out, want)
	}
}

func TestHandleCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var outs stage.Outputs
	// A composite above 2^64 without small factors needs Pollard–Brent.
	in := &stage.Input{ID: "x", Body: []byte(`{"number":"340282366920938463463374607431768211457"}`)}
	err := newTestHandler(t).Handle(ctx, in, &outs)
	if err == nil || stage.IsPermanent(err) || outs.Len() != 0 {
		t.Errorf("Handle with a canceled context = %v with %d outputs, want a transient error", err, outs.Len())
	}
}

func TestNew(t *testing.T) {
	bad := []Options{
		{},
		{MaxDigits: -1},
		{MaxDigits: 10, FactorBudget: primes.Budget{RhoSteps: -1}},
	}
	for _, opts := range bad {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%+v) succeeded", opts)
		}
	}
}

func TestPorts(t *testing.T) {
	if got := Spec.PortNames(); !slices.Equal(got, []string{"prime", "composite"}) {
		t.Errorf("Spec.PortNames() = %v", got)
	}
}
