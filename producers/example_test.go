package producers_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/progress"
	"github.com/nsqfarm/nsqfarm/producers"
)

func ExampleParseRange() {
	r, err := producers.ParseRange("100000000000000000000", "100000000000000001000", "500")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Count(), "messages")
	for body := range r.Bodies() {
		fmt.Println(string(body))
	}
	// Output:
	// 3 messages
	// {"number":100000000000000000000}
	// {"number":100000000000000000500}
	// {"number":100000000000000001000}
}

func ExampleSweep() {
	params, err := producers.ParseParams([]string{"profit_rate_windows=100:300:100", "x=0.5"})
	if err != nil {
		panic(err)
	}
	sw := producers.Sweep{Model: "wyndor", Params: params, TimeLimitMS: 1000}
	for body, err := range sw.Jobs() {
		if err != nil {
			panic(err)
		}
		fmt.Println(string(body))
	}
	// Output:
	// {"id":"wyndor-profit_rate_windows=100,x=0.5","model":"wyndor","params":{"profit_rate_windows":100,"x":0.5},"time_limit_ms":1000}
	// {"id":"wyndor-profit_rate_windows=200,x=0.5","model":"wyndor","params":{"profit_rate_windows":200,"x":0.5},"time_limit_ms":1000}
	// {"id":"wyndor-profit_rate_windows=300,x=0.5","model":"wyndor","params":{"profit_rate_windows":300,"x":0.5},"time_limit_ms":1000}
}

func ExampleNewLines() {
	in := "97\n\"100109100129100151\"\n{\"number\": 7, \"tag\": \"a\"}\nseven\n"
	lines := producers.NewLines(strings.NewReader(in), producers.LineOptions{Name: "stdin"})
	for body, err := range lines.Bodies() {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(string(body))
	}
	// Output:
	// {"number":97}
	// {"number":100109100129100151}
	// {"number": 7, "tag": "a"}
	// error: stdin:4: not an integer or a JSON object: "seven"
}

// Example_cli shows how a command wires a source, a Publisher and a
// progress bar (not run: it needs an nsqd on 127.0.0.1:4150).
func Example_cli() {
	ctx := context.Background() // in a CLI: signal.NotifyContext(ctx, os.Interrupt)
	r, err := producers.ParseRange("1", "1000000", "1")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	bar := progress.New(os.Stderr, progress.Config{Total: r.Count().Int64()})
	opts := producers.NewOptions("127.0.0.1:4150")
	opts.Rate = 0 // unlimited
	opts.OnProgress = func(n int) { bar.Add(int64(n)) }
	p, err := producers.NewPublisher(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer p.Stop()
	_, err = p.Publish(ctx, "numbers", r.Bodies())
	bar.Finish() // "published N messages in T (R msg/s)", also after an error
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // says how many messages were confirmed
	}
}
