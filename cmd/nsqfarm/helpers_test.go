package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/syncbuf"
)

// binary is the nsqfarm binary built for the tests that must kill a
// process; see TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nsqfarm-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "nsqfarm")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build nsqfarm:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// topicsFile is the shipped topology.
const topicsFile = "../../topics.yaml"

// waitOK polls url until it answers 200.
func waitOK(t *testing.T, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v (last error %v)", url, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// result is the part of a primes/non_primes message the tests check.
type result struct {
	Number          json.Number `json:"number"`
	Prime           *bool       `json:"prime"`
	Factors         []string    `json:"factors"`
	FactorsComplete *bool       `json:"factors_complete"`
	Run             string      `json:"run"`
	Seq             int         `json:"seq"`
	InputID         string      `json:"input_id"`
}

func decodeResult(t *testing.T, body []byte) result {
	t.Helper()
	var r result
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if r.Prime == nil {
		t.Fatalf("no prime field in %s", body)
	}
	return r
}

// checkAnswer compares a result with an independent oracle: math/big's
// Miller-Rabin with 20 rounds plus Baillie-PSW, and the product of the
// factors.
func checkAnswer(t *testing.T, body []byte, r result) {
	t.Helper()
	n, ok := new(big.Int).SetString(strings.Trim(string(r.Number), `"`), 10)
	if !ok {
		t.Fatalf("number %q in %s", r.Number, body)
	}
	want := n.ProbablyPrime(20)
	if *r.Prime != want {
		t.Fatalf("%s: prime=%v, oracle says %v", n, *r.Prime, want)
	}
	if want {
		return
	}
	if n.BitLen() > 64 {
		return // larger composites carry what a bounded search found
	}
	prod := big.NewInt(1)
	for _, f := range r.Factors {
		fv, ok := new(big.Int).SetString(f, 10)
		if !ok || !fv.ProbablyPrime(20) {
			t.Fatalf("%s: factor %q is not a prime", n, f)
		}
		prod.Mul(prod, fv)
	}
	if n.Cmp(big.NewInt(1)) <= 0 {
		if len(r.Factors) != 0 {
			t.Fatalf("%s: factors %v, want none", n, r.Factors)
		}
		return
	}
	if prod.Cmp(n) != 0 {
		t.Fatalf("%s: factors %v multiply to %s", n, r.Factors, prod)
	}
	if !sort.SliceIsSorted(r.Factors, func(i, j int) bool {
		a, _ := new(big.Int).SetString(r.Factors[i], 10)
		b, _ := new(big.Int).SetString(r.Factors[j], 10)
		return a.Cmp(b) < 0
	}) {
		t.Fatalf("%s: factors %v not ascending", n, r.Factors)
	}
}

// process is an nsqfarm binary running in the background.
type process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	output bytes.Buffer
	done   chan error
}

// start runs the nsqfarm binary with args; it is killed when the test ends.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(binary, args...), done: make(chan error, 1)}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.output.Write(sc.Bytes())
			p.output.WriteByte('\n')
			p.mu.Unlock()
		}
	}()
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("output of nsqfarm %v:\n%s", args, p.Output())
		}
	})
	return p
}

// Output returns what the process printed so far.
func (p *process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// wait waits for the process to exit and returns its error.
func (p *process) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // keep it for Cleanup
		return err
	case <-time.After(timeout):
		t.Fatalf("process did not exit within %v", timeout)
		return nil
	}
}

// runInProcess runs the nsqfarm command line in this process until ctx is
// done and returns its exit status on the channel.
func runInProcess(ctx context.Context, args ...string) (<-chan int, *syncbuf.Buffer) {
	out := &syncbuf.Buffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, args, strings.NewReader(""), out, out) }()
	return code, out
}
