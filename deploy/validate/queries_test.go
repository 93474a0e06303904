package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	yamlv3 "go.yaml.in/yaml/v3"
)

// served maps each metric name a farm serves (histogram series by their
// _bucket, _sum and _count names) to its label names.
type served map[string]map[string]bool

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the nsqfarm binary with args until the test ends.
func start(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(out.Name())
			t.Logf("nsqfarm %s:\n%s", args[0], b)
		}
	})
}

// scrape reads the metrics at url.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("%s: %s: %s", url, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// runningFarm builds nsqfarm, runs `nsqfarm up` (the stages and its
// nsqd's queue metrics) and `nsqfarm exporter` (through up's nsqlookupd),
// publishes work to every stage until each has processed some, and
// returns what the two /metrics serve.
func runningFarm(t *testing.T) served {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nsqfarm")
	build := exec.Command("go", "build", "-o", bin, "./cmd/nsqfarm")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build nsqfarm: %v\n%s", err, out)
	}
	nsqdHTTP, lookupdHTTP, upMetrics, exporterMetrics := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	start(t, bin, "up", "--config", filepath.Join(repo, "topics.yaml"), "--data-dir", filepath.Join(dir, "data"),
		"--nsqd.tcp-address", freeAddr(t), "--nsqd.http-address", nsqdHTTP,
		"--nsqlookupd.tcp-address", freeAddr(t), "--nsqlookupd.http-address", lookupdHTTP,
		"--nsqadmin.http-address", "off", "--metrics-address", upMetrics, "--web-address", freeAddr(t), "--log-level", "warn")
	start(t, bin, "exporter", "--lookupd-http-address", lookupdHTTP, "--metrics-address", exporterMetrics, "--log-level", "warn")
	waitFor(t, 30*time.Second, "up's /healthz", func() bool {
		resp, err := http.Get("http://" + upMetrics + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	for _, p := range []struct{ topic, body string }{
		{"numbers", `{"number": 97}`},
		{"numbers", `{"number": 91}`},
		{"numbers", `not a number`},
		{"lp_params", `{"id": "w1", "model": "wyndor", "params": {"profit_rate_windows": 500}}`},
	} {
		resp, err := http.Post("http://"+nsqdHTTP+"/pub?topic="+p.topic, "application/json", strings.NewReader(p.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("publish to %s: %s", p.topic, resp.Status)
		}
	}
	got := served{}
	waitFor(t, 30*time.Second, "every stage to process its inputs and the exporter to see the nsqd", func() bool {
		up, err := scrape(t, "http://"+upMetrics+"/metrics")
		if err != nil {
			return false
		}
		ex, err := scrape(t, "http://"+exporterMetrics+"/metrics")
		if err != nil {
			return false
		}
		got = served{}
		got.add(up)
		got.add(ex)
		processed := 0
		if f := up["nsqfarm_messages_processed_total"]; f != nil {
			for _, m := range f.GetMetric() {
				if m.GetCounter().GetValue() > 0 {
					processed++
				}
			}
		}
		// primality, lpsolve and store (which records their results)
		return processed == 3 && got["nsqfarm_lookupd_up"] != nil && got["nsqfarm_nsq_channel_depth"] != nil
	})
	return got
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s served) add(fams map[string]*dto.MetricFamily) {
	for name, f := range fams {
		names := []string{name}
		if f.GetType() == dto.MetricType_HISTOGRAM {
			names = []string{name + "_bucket", name + "_sum", name + "_count"}
		}
		for _, n := range names {
			if s[n] == nil {
				s[n] = map[string]bool{}
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					s[n][l.GetName()] = true
				}
			}
		}
		if f.GetType() == dto.MetricType_HISTOGRAM {
			s[name+"_bucket"]["le"] = true
		}
	}
}

// grafanaVars replaces the dashboard's variables by values PromQL parses.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h", "$stage", ".*", "$topic", ".*")

// checkQuery reports, through t, the problems queryProblems finds in
// expr.
func checkQuery(t *testing.T, where, expr string, s served) {
	t.Helper()
	for _, p := range queryProblems(expr, s) {
		t.Errorf("%s: %q: %s", where, expr, p)
	}
}

// queryProblems parses expr and checks that every metric it selects is
// served, with every label it matches or groups by.
func queryProblems(expr string, s served) []string {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	var names []string
	labels := map[string]bool{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch v := n.(type) {
		case *parser.VectorSelector:
			names = append(names, v.Name)
			for _, m := range v.LabelMatchers {
				if m.Name != model.MetricNameLabel {
					labels[m.Name] = true
				}
			}
		case *parser.AggregateExpr:
			for _, g := range v.Grouping {
				labels[g] = true
			}
		}
		return nil
	})
	if len(names) == 0 {
		problems = append(problems, "selects no metric")
	}
	for _, n := range names {
		if s[n] == nil {
			problems = append(problems, fmt.Sprintf("uses %s, which the farm does not serve", n))
		}
	}
	for _, l := range slices.Sorted(maps.Keys(labels)) {
		if !slices.ContainsFunc(names, func(n string) bool { return s[n][l] }) {
			problems = append(problems, fmt.Sprintf("uses label %q, which none of its metrics %v has", l, names))
		}
	}
	return problems
}

// dashboard is the part of a Grafana dashboard that holds queries.
type dashboard struct {
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query struct {
				Query string `json:"query"`
			} `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// labelValues matches a Grafana label_values(metric, label) query.
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

func TestDashboardAndAlertQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a farm")
	}
	s := runningFarm(t)

	t.Run("dashboard", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(repo, "deploy/grafana/nsqfarm.json"))
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("deploy/grafana/nsqfarm.json: %v", err)
		}
		queries := 0
		var walk func(ps []panel)
		walk = func(ps []panel) {
			for _, p := range ps {
				for i, tg := range p.Targets {
					queries++
					checkQuery(t, fmt.Sprintf("panel %q target %d", p.Title, i+1), tg.Expr, s)
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
		for _, v := range d.Templating.List {
			m := labelValues.FindStringSubmatch(v.Query.Query)
			if m == nil {
				t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, v.Query.Query)
				continue
			}
			queries++
			checkQuery(t, "variable "+v.Name, fmt.Sprintf("count by (%s) (%s)", m[2], m[1]), s)
		}
		if queries < 10 {
			t.Errorf("only %d queries in the dashboard", queries)
		}
	})

	t.Run("alerts", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(repo, "deploy/prometheus/alerts.yml"))
		if err != nil {
			t.Fatal(err)
		}
		var rules struct {
			Groups []struct {
				Rules []struct {
					Alert string `yaml:"alert"`
					Expr  string `yaml:"expr"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yamlv3.Unmarshal(b, &rules); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				n++
				checkQuery(t, "alert "+r.Alert, r.Expr, s)
			}
		}
		if n == 0 {
			t.Error("no alert rules")
		}
	})
}

// TestCheckQueryRejects checks that checkQuery catches a metric the farm
// does not serve, a label it does not have and a query that does not
// parse.
func TestCheckQueryRejects(t *testing.T) {
	s := served{"nsqfarm_x_total": {"stage": true}}
	for _, expr := range []string{
		`rate(nsqfarm_y_total[5m])`,
		`sum by (topic) (rate(nsqfarm_x_total[5m]))`,
		`nsqfarm_x_total{channel="c"}`,
		`sum(rate(nsqfarm_x_total[5m])`,
	} {
		if len(queryProblems(expr, s)) == 0 {
			t.Errorf("%q: accepted", expr)
		}
	}
	checkQuery(t, "test", `sum by (stage) (rate(nsqfarm_x_total{stage=~"$stage"}[$__rate_interval]))`, s)
}
