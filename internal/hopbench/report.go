package hopbench

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is the measurement of one consumer.
type Result struct {
	// Name identifies the run, as in the table.
	Name string
	// Messages is the size of the backlog the run consumed.
	Messages int
	// MaxInFlight is the consumer's max in flight; 0 when it was left to
	// the stage's topics.yaml setting.
	MaxInFlight int
	// Wall runs from the start of the process until nsqd showed its input
	// channel empty and Messages outputs published.
	Wall time.Duration
	// Outputs is the number of messages the run published; more than
	// Messages means redeliveries produced duplicates.
	Outputs uint64
	// Requeued and TimedOut are the input channel's requeue and timeout
	// counts at the end of the run.
	Requeued, TimedOut uint64
	// UserCPU and SystemCPU are the process's CPU times over its whole
	// life, start-up and drain included.
	UserCPU, SystemCPU time.Duration
	// NSQDCPU is the CPU time nsqd used during Wall; it is only known
	// (NSQDCPUKnown) on Linux.
	NSQDCPU      time.Duration
	NSQDCPUKnown bool
}

// Rate returns the throughput in messages per second of wall time.
func (r Result) Rate() float64 { return perSecond(r.Messages, r.Wall) }

// CPU returns the process's user plus system CPU time.
func (r Result) CPU() time.Duration { return r.UserCPU + r.SystemCPU }

// PerCPUSecond returns the messages per second of the process's CPU time.
func (r Result) PerCPUSecond() float64 { return perSecond(r.Messages, r.CPU()) }

// PerCPUSecondWithNSQD returns the messages per second of CPU time of the
// process and nsqd together, and whether nsqd's CPU time is known.
func (r Result) PerCPUSecondWithNSQD() (float64, bool) {
	return perSecond(r.Messages, r.CPU()+r.NSQDCPU), r.NSQDCPUKnown
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Report is the outcome of Run.
type Report struct {
	// Messages is the backlog every run consumed.
	Messages int
	// NSQDVersion is the version nsqd reported.
	NSQDVersion string
	// PollInterval is the period of the /stats polls that ended each run.
	PollInterval time.Duration
	// Publish is how long `nsqfarm publish` took to publish the backlog.
	Publish time.Duration
	// Relay is nsq_to_nsq with its default flags.
	Relay Result
	// RelayMatched is nsq_to_nsq with --max-in-flight matched to the
	// stage's; nil when Options.MaxInFlight was 0.
	RelayMatched *Result
	// Hop is the nsqfarm stage.
	Hop Result
}

// Runs returns the results in the order they were measured.
func (r *Report) Runs() []Result {
	runs := []Result{r.Relay}
	if r.RelayMatched != nil {
		runs = append(runs, *r.RelayMatched)
	}
	return append(runs, r.Hop)
}

// Ratio returns the stage's throughput over nsq_to_nsq's with default
// flags: above 1, the hop is faster than the relay.
func (r *Report) Ratio() float64 { return ratio(r.Hop.Rate(), r.Relay.Rate()) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteTable writes the report as a table.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "One nsqfarm hop vs nsq_to_nsq: %s messages each, one nsqd %s (default --mem-queue-size), %s/%s, %d CPUs\n",
		group(float64(r.Messages)), r.NSQDVersion, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(&b, "Backlog published by nsqfarm publish (MPUB) in %s (%s msgs/s)\n\n",
		seconds(r.Publish), group(perSecond(r.Messages, r.Publish)))

	runs := r.Runs()
	width := 0
	for _, run := range runs {
		width = max(width, len(run.Name))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Every cell ends with a tab so that the last column aligns too; names
	// are padded to one width, so right alignment keeps them flush left.
	fmt.Fprintf(tw, "%-*s\tmax-in-flight\twall\tmsgs/s\tCPU s (user+sys)\tmsgs/CPU-s\tnsqd CPU s\tmsgs/CPU-s with nsqd\toutputs\t\n", width, "run")
	for _, run := range runs {
		mif := "topics.yaml"
		if run.MaxInFlight > 0 {
			mif = strconv.Itoa(run.MaxInFlight)
		}
		nsqdCPU, withNSQD := "n/a", "n/a"
		if v, ok := run.PerCPUSecondWithNSQD(); ok {
			nsqdCPU, withNSQD = fmt.Sprintf("%.2f", run.NSQDCPU.Seconds()), group(v)
		}
		fmt.Fprintf(tw, "%-*s\t%s\t%s\t%s\t%.2f (%.2f+%.2f)\t%s\t%s\t%s\t%d\t\n",
			width, run.Name, mif, seconds(run.Wall), group(run.Rate()),
			run.CPU().Seconds(), run.UserCPU.Seconds(), run.SystemCPU.Seconds(),
			group(run.PerCPUSecond()), nsqdCPU, withNSQD, run.Outputs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	b.WriteString("\n")
	hop := r.Hop
	for _, base := range runs[:len(runs)-1] {
		fmt.Fprintf(&b, "%s / %s: %.2fx msgs/s, %.2fx msgs/CPU-s",
			hop.Name, base.Name, ratio(hop.Rate(), base.Rate()), ratio(hop.PerCPUSecond(), base.PerCPUSecond()))
		h, hok := hop.PerCPUSecondWithNSQD()
		bb, bok := base.PerCPUSecondWithNSQD()
		if hok && bok {
			fmt.Fprintf(&b, ", %.2fx msgs/CPU-s with nsqd", ratio(h, bb))
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "\nwall: process start until its input channel was empty and every output was on nsqd (polled every %v).\n", r.PollInterval)
	b.WriteString("CPU: the process's user+sys over its whole life, start-up and drain included; nsqd CPU: nsqd's during wall.\n")
	for _, run := range runs {
		if run.Outputs > uint64(run.Messages) || run.Requeued > 0 || run.TimedOut > 0 {
			fmt.Fprintf(&b, "note: %s: %d outputs for %d inputs, %d requeued, %d timed out\n",
				run.Name, run.Outputs, run.Messages, run.Requeued, run.TimedOut)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// seconds formats d as seconds with two decimals.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// group formats v, a count or rate, rounded to an integer with thousands
// separators.
func group(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	start := 0
	if s[0] == '-' {
		start = 1
	}
	out := []byte(s[:start])
	for i := start; i < len(s); i++ {
		if i > start && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
