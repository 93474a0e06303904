package hopbench_test

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/hopbench"
)

// buildBinaries builds nsqd, nsq_to_nsq and nsqfarm at the versions the
// module pins and returns their directory.
func buildBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir,
		"github.com/nsqio/nsq/apps/nsqd",
		"github.com/nsqio/nsq/apps/nsq_to_nsq",
		"github.com/nsqfarm/nsqfarm/cmd/nsqfarm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nsqd, nsq_to_nsq and nsqfarm and runs the whole benchmark")
	}
	bin := buildBinaries(t)
	const n = 2000
	work := t.TempDir()
	opts := hopbench.Options{
		NSQDBin:     filepath.Join(bin, "nsqd"),
		NSQToNSQBin: filepath.Join(bin, "nsq_to_nsq"),
		NSQFarmBin:  filepath.Join(bin, "nsqfarm"),
		Config:      "../../topics.yaml",
		Messages:    n,
		MaxInFlight: 64,
		Timeout:     45 * time.Second,
		Dir:         work,
		Logger:      slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	var out bytes.Buffer
	rep, err := hopbench.Run(t.Context(), opts, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())

	if rep.Messages != n || rep.NSQDVersion == "" || rep.Publish <= 0 {
		t.Errorf("report header: messages %d, nsqd version %q, publish %v", rep.Messages, rep.NSQDVersion, rep.Publish)
	}
	if rep.RelayMatched == nil {
		t.Fatal("no matched relay run although MaxInFlight was set")
	}
	if got := rep.RelayMatched.MaxInFlight; got != 64 {
		t.Errorf("matched relay max in flight = %d, want 64", got)
	}
	runs := rep.Runs()
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	for _, r := range runs {
		if r.Messages != n || r.Outputs < n {
			t.Errorf("%s: %d messages, %d outputs, want %d of each", r.Name, r.Messages, r.Outputs, n)
		}
		if r.Wall <= 0 || r.Rate() <= 0 || r.CPU() <= 0 || r.PerCPUSecond() <= 0 {
			t.Errorf("%s: wall %v, rate %.0f, CPU %v, per CPU-second %.0f: want all positive",
				r.Name, r.Wall, r.Rate(), r.CPU(), r.PerCPUSecond())
		}
	}
	if rep.Ratio() <= 0 {
		t.Errorf("ratio = %v, want > 0", rep.Ratio())
	}
	for _, want := range []string{"nsq_to_nsq (defaults)", "nsq_to_nsq --max-in-flight 64", "nsqfarm consume primality", "msgs/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
	for _, log := range []string{"nsqd.log", "publish.log", "nsq_to_nsq.log", "nsq_to_nsq-matched.log", "nsqfarm-consume.log"} {
		if _, err := os.Stat(filepath.Join(work, log)); err != nil {
			t.Errorf("log: %v", err)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	valid := hopbench.Options{NSQDBin: self, NSQToNSQBin: self, NSQFarmBin: self, Config: "../../topics.yaml"}
	for _, tc := range []struct {
		name  string
		tweak func(*hopbench.Options)
		want  string
	}{
		{"no nsqd", func(o *hopbench.Options) { o.NSQDBin = "" }, "NSQDBin is required"},
		{"missing nsq_to_nsq", func(o *hopbench.Options) { o.NSQToNSQBin = filepath.Join(t.TempDir(), "nope") }, "NSQToNSQBin"},
		{"no nsqfarm", func(o *hopbench.Options) { o.NSQFarmBin = "" }, "NSQFarmBin is required"},
		{"negative messages", func(o *hopbench.Options) { o.Messages = -1 }, "Messages"},
		{"negative max in flight", func(o *hopbench.Options) { o.MaxInFlight = -1 }, "MaxInFlight"},
		{"negative timeout", func(o *hopbench.Options) { o.Timeout = -time.Second }, "Timeout"},
		{"missing config", func(o *hopbench.Options) { o.Config = filepath.Join(t.TempDir(), "topics.yaml") }, "Config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := valid
			tc.tweak(&o)
			var out bytes.Buffer
			_, err := hopbench.Run(t.Context(), o, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: error %v, want one mentioning %q", err, tc.want)
			}
			if out.Len() > 0 {
				t.Errorf("wrote %q on a validation error", out.String())
			}
		})
	}
}
