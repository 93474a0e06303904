package chaos

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
)

// These tests check the suite's own accounting and generators; they need
// no cluster and run in every `go test`.

func TestMembers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []member
		ok   bool
	}{
		{"empty object", ` { } `, nil, true},
		{"scalars", `{"a":1,"b" : "x\"}" ,"c":null}`, []member{{"a", []byte("1")}, {"b", []byte(`"x\"}"`)}, {"c", []byte("null")}}, true},
		{"nested", `{"a":[1,{"b":"]"}],"c":{"d":[]}}`, []member{{"a", []byte(`[1,{"b":"]"}]`)}, {"c", []byte(`{"d":[]}`)}}, true},
		{"repeated names", `{"id":1,"id":2}`, []member{{"id", []byte("1")}, {"id", []byte("2")}}, true},
		{"escaped name kept raw", `{"numb\u0065r":5}`, []member{{`numb\u0065r`, []byte("5")}}, true},
		{"deep", `{"x":` + nested(20000) + `}`, []member{{"x", []byte(nested(20000))}}, true},
		{"array", `[1]`, nil, false},
		{"number", `97`, nil, false},
		{"truncated", `{"a":1`, nil, false},
		{"unterminated string", `{"a":"x}`, nil, false},
		{"missing colon", `{"a" 1}`, nil, false},
		{"empty value", `{"a":}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := members([]byte(tt.in))
			if ok != tt.ok {
				t.Fatalf("members(%.40q) ok = %v, want %v", tt.in, ok, tt.ok)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b member) bool { return a.name == b.name && bytes.Equal(a.value, b.value) }) {
				t.Errorf("members(%.40q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func nested(depth int) string {
	return string(bytes.Repeat([]byte("["), depth)) + "1" + string(bytes.Repeat([]byte("]"), depth))
}

func TestLedgerMatchesRecords(t *testing.T) {
	bodies := []string{
		`{"number":5,"seq":1}`,             // 0
		"abc",                              // 1: text
		"\xff\x00",                         // 2: binary
		`"x"`,                              // 3: a JSON string
		" 97\n",                            // 4: a bare number
		`{"id":"j1","model":"wyndor"}`,     // 5: an LP job
		"\v12",                             // 6: JSON behind a vertical tab
		`{"id":"a","model":"w","id":"b"}`,  // 7: repeated id
		`{"number":-5,"seq":2}`,            // 8
		`{"number":"7","seq":3,"pad":"x"}`, // 9: stands for a record too big to keep its body
	}
	l := newLedger()
	for _, b := range bodies {
		if !l.add([]byte(b)) {
			t.Fatalf("add(%q) refused", b)
		}
	}
	for _, b := range []string{"x", `{"number":5,"seq":1}`, "97"} {
		if l.add([]byte(b)) {
			t.Errorf("add(%q) accepted a body whose records would be ambiguous", b)
		}
	}
	records := []struct {
		kind recordKind
		body string
	}{
		{kindNumberOut, `{"number":5,"seq":1,"prime":true,"input_id":"a"}`},
		{kindDead, `{"stage":"primality","error":"e","input_id":"b","body":"abc"}`},
		{kindDead, `{"stage":"primality","input_id":"c","body_base64":"/wA="}`},
		{kindDead, `{"stage":"primality","input_id":"d","body":"x"}`},
		{kindNumberOut, `{"number":97,"prime":true,"input_id":"e"}`},
		{kindSolution, `{"id":"j1","input_id":"f","status":"optimal"}`},
		{kindDead, `{"input_id":"g","body":12}`},
		{kindSolution, `{"id":"b","input_id":"h","status":"error"}`},
		{kindDead, `{"input_id":"i","body_encoding":"json","body":{"number":-5,"seq":2}}`},
		{kindDead, `{"input_id":"j","error":"record over the message size limit"}`},
		// Again: duplicates, including the other dead-letter encodings.
		{kindDead, `{"input_id":"b","body_encoding":"utf-8","body":"abc"}`},
		{kindDead, `{"input_id":"c","body_encoding":"base64","body":"/wA="}`},
		{kindNumberOut, `{"number":5,"seq":1,"prime":true,"input_id":"a"}`},
		// Matching nothing.
		{kindNumberOut, `{"number":5,"seq":999,"prime":true}`},
		{kindSolution, `{"status":"optimal"}`},
		// Torn by a SIGKILLed nsqd: a frame's tail and the next's header.
		{kindNumberOut, "90664,\"seq\":90664,\"prime\":false}\x00\x00\x00\x9b\x18"},
	}
	for _, r := range records {
		l.record(r.kind, []byte(r.body))
	}
	got := l.tally()
	want := tally{inputs: 10, accounted: 10, outputs: 4, dead: 5, dups: 3, unidentified: 1, unmatched: 2, torn: 1, unmarkedSeen: 9}
	got.samples = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tally = %+v\nwant    %+v", got, want)
	}
	if m := l.missing(5); !slices.Equal(m, []int{9}) {
		t.Errorf("missing = %v, want [9]", m)
	}
}

func TestGeneratorsAreDeterministic(t *testing.T) {
	gens := []struct {
		name string
		make func(seed uint64) *inputs
		n    int
	}{
		{"numbers", func(seed uint64) *inputs { return fuzzNumbers(3000, seed) }, 3000},
		{"lp_params", func(seed uint64) *inputs { return fuzzLP(300, seed) }, 300},
		{"poison", func(seed uint64) *inputs { in, _ := withPoison(200, 1, seed); return in }, 200 + len(poisonKinds)},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			a, b, c := g.make(7), g.make(7), g.make(8)
			if len(a.bodies) != g.n {
				t.Fatalf("%d bodies, want %d", len(a.bodies), g.n)
			}
			if !slices.EqualFunc(a.bodies, b.bodies, bytes.Equal) {
				t.Error("the same seed gave different bodies")
			}
			if slices.EqualFunc(a.bodies, c.bodies, bytes.Equal) {
				t.Error("different seeds gave the same bodies")
			}
			for i, body := range a.bodies {
				if len(body) == 0 || len(body) > maxMsgSize {
					t.Errorf("body %d has %d bytes: nsqd would refuse it", i, len(body))
				}
			}
		})
	}
}

func TestPoisonSizes(t *testing.T) {
	in, n := withPoison(10, 1, 1)
	if n != len(poisonKinds) || in.ledger.tally().marked != n {
		t.Fatalf("%d poison inputs, %d marked, want %d", n, in.ledger.tally().marked, len(poisonKinds))
	}
	var sizes []int
	for _, b := range in.bodies {
		if len(b) > 1000 {
			sizes = append(sizes, len(b))
		}
	}
	if !slices.Contains(sizes, maxMsgSize) || !slices.Contains(sizes, maxMsgSize-16) {
		t.Errorf("poison sizes %v: want bodies at the limit and 16 bytes under it", sizes)
	}
}

func TestReadSettings(t *testing.T) {
	tests := []struct {
		scale, seed string
		want        settings
		wantErr     bool
	}{
		{"", "", settings{scale: 1, seed: 1}, false},
		{"0.01", "42", settings{scale: 0.01, seed: 42}, false},
		{"0", "", settings{}, true},
		{"-1", "", settings{}, true},
		{"NaN", "", settings{}, true},
		{"x", "", settings{}, true},
		{"", "-3", settings{}, true},
	}
	for _, tt := range tests {
		t.Setenv(envScale, tt.scale)
		t.Setenv(envSeed, tt.seed)
		t.Setenv(envSoak, "")
		t.Setenv(envKeep, "")
		got, err := readSettings()
		if (err != nil) != tt.wantErr {
			t.Errorf("scale %q seed %q: err = %v, want error %v", tt.scale, tt.seed, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("scale %q seed %q: %+v, want %+v", tt.scale, tt.seed, got, tt.want)
		}
	}
	if got := (settings{scale: 0.001}).count(100_000, 1000); got != 1000 {
		t.Errorf("count below the minimum = %d, want 1000", got)
	}
}
