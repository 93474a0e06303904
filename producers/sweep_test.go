package producers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseParam(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		values  []string
		wantErr string
	}{
		{"profit_rate_windows=100:1000:100", "profit_rate_windows",
			[]string{"100", "200", "300", "400", "500", "600", "700", "800", "900", "1000"}, ""},
		{"x=0.5:2:0.5", "x", []string{"0.5", "1", "1.5", "2"}, ""},
		{"x=0.1:0.3:0.1", "x", []string{"0.1", "0.2", "0.3"}, ""}, // 3 values, not 2 as in float64
		{"x=0:1:0.25", "x", []string{"0", "0.25", "0.5", "0.75", "1"}, ""},
		{"x=1:10:4", "x", []string{"1", "5", "9"}, ""}, // to not reached exactly
		{"x=-1:1:1", "x", []string{"-1", "0", "1"}, ""},
		{"x=-0.5:0.5:0.5", "x", []string{"-0.5", "0", "0.5"}, ""},
		{"x=1e2:3e2:1e2", "x", []string{"100", "200", "300"}, ""},
		{"x=500", "x", []string{"500"}, ""},
		{"x=1.50", "x", []string{"1.5"}, ""},
		{"x=+2", "x", []string{"2"}, ""},
		{"x=2.5e-1", "x", []string{"0.25"}, ""},
		{"x=1,2.5,3", "x", []string{"1", "2.5", "3"}, ""},
		{" x = 7 ", "x", []string{"7"}, ""},
		{"x", "", nil, "want name=value"},
		{"x=", "", nil, "want name=value"},
		{"=5", "", nil, "invalid name"},
		{"a b=5", "", nil, "invalid name"},
		{"x=abc", "", nil, "not a decimal number"},
		{"x=1/3", "", nil, "not a decimal number"},
		{"x=1:2", "", nil, "from:to:step"},
		{"x=1:10:0", "", nil, "must be > 0"},
		{"x=10:1:1", "", nil, "greater than"},
		{"x=0:10000000:1", "", nil, "more than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParseParam(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.name || !slices.Equal(p.Values, tt.values) {
				t.Fatalf("got %s=%q, want %s=%q", p.Name, p.Values, tt.name, tt.values)
			}
		})
	}
}

func TestSweepJobs(t *testing.T) {
	mustParams := func(specs ...string) []Param {
		ps, err := ParseParams(specs)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	var tenJobs []string
	for v := 100; v <= 1000; v += 100 {
		tenJobs = append(tenJobs, fmt.Sprintf(
			`{"id":"wyndor-profit_rate_windows=%d","model":"wyndor","params":{"profit_rate_windows":%d}}`, v, v))
	}
	tests := []struct {
		name    string
		sweep   Sweep
		want    []string
		wantErr string
	}{
		{"ten values exactly", Sweep{Model: "wyndor", Params: mustParams("profit_rate_windows=100:1000:100")}, tenJobs, ""},
		{"cartesian product, prefix and time limit", Sweep{
			Model: "wyndor", Params: mustParams("a=1:2:1", "b=0.5:1:0.5"), IDPrefix: "run7", TimeLimitMS: 2500,
		}, []string{
			`{"id":"run7-wyndor-a=1,b=0.5","model":"wyndor","params":{"a":1,"b":0.5},"time_limit_ms":2500}`,
			`{"id":"run7-wyndor-a=1,b=1","model":"wyndor","params":{"a":1,"b":1},"time_limit_ms":2500}`,
			`{"id":"run7-wyndor-a=2,b=0.5","model":"wyndor","params":{"a":2,"b":0.5},"time_limit_ms":2500}`,
			`{"id":"run7-wyndor-a=2,b=1","model":"wyndor","params":{"a":2,"b":1},"time_limit_ms":2500}`,
		}, ""},
		{"numbered ids", Sweep{Model: "wyndor", Params: mustParams("a=1,2", "b=3"), IDPrefix: "s9", Numbered: true}, []string{
			`{"id":"s9-1","model":"wyndor","params":{"a":1,"b":3}}`,
			`{"id":"s9-2","model":"wyndor","params":{"a":2,"b":3}}`,
		}, ""},
		{"no params", Sweep{Model: "wyndor"}, []string{`{"id":"wyndor","model":"wyndor","params":{}}`}, ""},
		{"quotes escaped", Sweep{Model: `we"ird`}, []string{`{"id":"we\"ird","model":"we\"ird","params":{}}`}, ""},
		{"no model", Sweep{}, nil, "model is required"},
		{"duplicate param", Sweep{Model: "m", Params: mustParams("a=1", "a=2")}, nil, "given twice"},
		{"value not a number", Sweep{Model: "m", Params: []Param{{Name: "a", Values: []string{"1; drop"}}}}, nil, "not a JSON number"},
		{"empty values", Sweep{Model: "m", Params: []Param{{Name: "a"}}}, nil, "no value"},
		{"negative time limit", Sweep{Model: "m", TimeLimitMS: -1}, nil, "time limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(tt.sweep.Jobs())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if c := tt.sweep.Count(); c.Int64() != int64(len(tt.want)) {
				t.Fatalf("Count = %s, want %d", c, len(tt.want))
			}
		})
	}
}

func TestPublishSweepToNSQD(t *testing.T) {
	addr := startNSQD(t)
	col := consume(t, addr, "lp_params")
	params, err := ParseParams([]string{"profit_rate_windows=100:1000:100"})
	if err != nil {
		t.Fatal(err)
	}
	sw := Sweep{Model: "wyndor", Params: params}
	want, _ := collect(sw.Jobs())
	p, err := NewPublisher(quietOptions(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	st, err := p.Publish(context.Background(), "lp_params", sw.Jobs())
	if err != nil || st.Acked != 10 || st.Batches != 1 {
		t.Fatalf("stats %+v err %v", st, err)
	}
	if got := col.wait(t, 10); !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("received %q", got)
	}
}

func TestSweepExtremes(t *testing.T) {
	tests := []struct {
		name    string
		params  []Param
		low, hi string // the single job of each extreme
	}{
		{"no params", nil, `{"id":"m","model":"m","params":{}}`, `{"id":"m","model":"m","params":{}}`},
		{"range", []Param{{"a", []string{"100", "200", "300"}}},
			`{"id":"m-a=100","model":"m","params":{"a":100}}`, `{"id":"m-a=300","model":"m","params":{"a":300}}`},
		{"unordered list, exact decimals", []Param{{"a", []string{"0.3", "-2.5", "1e1", "0.30000000000000001"}}, {"b", []string{"7"}}},
			`{"id":"m-a=-2.5,b=7","model":"m","params":{"a":-2.5,"b":7}}`, `{"id":"m-a=1e1,b=7","model":"m","params":{"a":1e1,"b":7}}`},
		{"negative zero and zero are one value", []Param{{"a", []string{"0", "-0", "-1"}}},
			`{"id":"m-a=-1","model":"m","params":{"a":-1}}`, `{"id":"m-a=0","model":"m","params":{"a":0}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low, high, err := Sweep{Model: "m", Params: tt.params}.Extremes()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				s    Sweep
				want string
			}{{low, tt.low}, {high, tt.hi}} {
				got, err := collect(c.s.Jobs())
				if err != nil || len(got) != 1 || got[0] != c.want {
					t.Errorf("jobs %q (err %v), want [%s]", got, err, c.want)
				}
			}
		})
	}
	if _, _, err := (Sweep{Model: "m", Params: []Param{{"a", nil}}}).Extremes(); err == nil || !strings.Contains(err.Error(), `param "a" has no value`) {
		t.Errorf("invalid sweep: err = %v", err)
	}
}
