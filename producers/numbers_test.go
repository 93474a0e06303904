package producers

import (
	"context"
	"fmt"
	"math/big"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		from, to, step string
		wantCount      string
		wantErr        string
	}{
		{"1", "10", "1", "10", ""},
		{"1", "10", "3", "4", ""}, // 1 4 7 10
		{"1", "9", "3", "3", ""},  // 1 4 7
		{"5", "5", "1", "1", ""},
		{"-3", "3", "2", "4", ""},
		{"100000000000000000000", "100000000000000001000", "1", "1001", ""},
		{"0", "1" + strings.Repeat("0", 40), "1" + strings.Repeat("0", 39), "11", ""},
		{"1", "10", "0", "", "step 0 must be > 0"},
		{"1", "10", "-1", "", "must be > 0"},
		{"10", "1", "1", "", "greater than"},
		{"1.5", "10", "1", "", `from: "1.5" is not an integer`},
		{"1", "1e3", "1", "", "to:"},
		{"", "1", "1", "", "from:"},
	}
	for _, tt := range tests {
		t.Run(tt.from+":"+tt.to+":"+tt.step, func(t *testing.T) {
			r, err := ParseRange(tt.from, tt.to, tt.step)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Count().String(); got != tt.wantCount {
				t.Fatalf("Count = %s, want %s", got, tt.wantCount)
			}
			bodies, err := collect(r.Bodies())
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(len(bodies)) != tt.wantCount {
				t.Fatalf("%d bodies, want %s", len(bodies), tt.wantCount)
			}
		})
	}
}

func TestRangeBodiesExactDigits(t *testing.T) {
	r, err := ParseRange("100000000000000000000", "100000000000000001000", "250")
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(r.Bodies())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"number":100000000000000000000}`,
		`{"number":100000000000000000250}`,
		`{"number":100000000000000000500}`,
		`{"number":100000000000000000750}`,
		`{"number":100000000000000001000}`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	if _, err := collect(Range{}.Bodies()); err == nil {
		t.Fatal("zero Range yielded no error")
	}
}

func TestRangeBodiesWithIDs(t *testing.T) {
	tests := []struct {
		name, from, to, step, prefix string
		want                         []string
	}{
		{"small", "8", "10", "1", "s1", []string{
			`{"number":8,"id":"s1-1"}`, `{"number":9,"id":"s1-2"}`, `{"number":10,"id":"s1-3"}`}},
		{"negative start", "-1", "1", "2", "s2", []string{
			`{"number":-1,"id":"s2-1"}`, `{"number":1,"id":"s2-2"}`}},
		{"prefix escaped", "5", "5", "1", `q"`, []string{`{"number":5,"id":"q\"-1"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRange(tt.from, tt.to, tt.step)
			if err != nil {
				t.Fatal(err)
			}
			r.IDPrefix = tt.prefix
			got, err := collect(r.Bodies())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRangeBodiesStopEarly(t *testing.T) {
	r, _ := ParseRange("1", "1000000", "1")
	n := 0
	for range r.Bodies() {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatal(n)
	}
}

func TestPublishBigRangeToNSQD(t *testing.T) {
	addr := startNSQD(t)
	col := consume(t, addr, "numbers")
	r, err := ParseRange("100000000000000000000", "100000000000000001000", "1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPublisher(quietOptions(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	st, err := p.Publish(context.Background(), "numbers", r.Bodies())
	if err != nil || st.Acked != 1001 {
		t.Fatalf("stats %+v err %v", st, err)
	}
	got := col.wait(t, 1001)
	if len(got) != 1001 {
		t.Fatalf("received %d", len(got))
	}
	seen := map[string]bool{}
	for _, b := range got {
		seen[b] = true
	}
	base, _ := new(big.Int).SetString("100000000000000000000", 10)
	for i := int64(0); i <= 1000; i++ {
		n := new(big.Int).Add(base, big.NewInt(i))
		want := `{"number":` + n.String() + `}`
		if !seen[want] {
			t.Fatalf("missing %s", want)
		}
	}
}

func TestDecimalFastPathMatchesBigInt(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 2000; trial++ {
		from := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), uint(rng.Intn(80)+1)))
		step := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), uint(rng.Intn(80)+1)))
		step.Add(step, big.NewInt(1))
		to := new(big.Int).Mul(step, big.NewInt(int64(rng.Intn(20))))
		to.Add(to, from)
		to.Add(to, big.NewInt(int64(rng.Intn(3))))
		r := Range{From: from, To: to, Step: step}
		got, err := collect(r.Bodies())
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for n := new(big.Int).Set(from); n.Cmp(to) <= 0; n.Add(n, step) {
			want = append(want, string(AppendNumberBody(nil, n)))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("from %s to %s step %s: got %q want %q", from, to, step, got, want)
		}
	}
	// Carries across every digit, and a step longer than the value.
	for _, tc := range [][3]string{{"9", "1000", "1"}, {"999", "100000", "99999"}, {"0", "30", "7"}} {
		r, _ := ParseRange(tc[0], tc[1], tc[2])
		got, _ := collect(r.Bodies())
		if int64(len(got)) != r.Count().Int64() {
			t.Fatalf("%v: %d bodies, want %s", tc, len(got), r.Count())
		}
		last := got[len(got)-1]
		n := new(big.Int).Sub(r.Count(), big.NewInt(1))
		n.Mul(n, r.Step).Add(n, r.From)
		if last != string(AppendNumberBody(nil, n)) {
			t.Fatalf("%v: last %s, want %s", tc, last, n)
		}
	}
}
