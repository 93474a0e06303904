package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nsqfarm/nsqfarm/producers/web"
)

// The widths of the screenshots: a phone and a laptop.
const (
	phoneWidth  = 390
	laptopWidth = 1366
)

// chromium returns the path of a Chromium or Chrome binary, or "" when
// none is installed. NSQFARM_CHROMIUM names one explicitly.
func chromium() string {
	if p := os.Getenv("NSQFARM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium tab, recording the page's script
// errors as test failures. Its methods fail t; on gives the same tab to a
// subtest.
type browser struct {
	t   *testing.T
	ctx context.Context
	log *problems
}

// problems are what the page reported that it should not have.
type problems struct {
	mu   sync.Mutex
	list []string
}

// on returns b for the test t: its methods then fail t.
func (b *browser) on(t *testing.T) *browser {
	return &browser{t: t, ctx: b.ctx, log: b.log}
}

// newBrowser starts headless Chromium for at most timeout, or skips the
// test when no Chromium is installed (fails instead when CI=true: CI must
// run it). Tests start it first, so that they skip before starting
// anything else.
func newBrowser(t *testing.T, timeout time.Duration) *browser {
	t.Helper()
	path := chromium()
	if path == "" {
		msg := "no Chromium installed (apt-get install chromium, or set NSQFARM_CHROMIUM): the page's browser test cannot run"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(laptopWidth, 900),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Env("LANG=en_US.UTF-8", "TZ=UTC"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, timeout)
	b := &browser{t: t, ctx: ctx, log: &problems{}}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.record(m)
		}
	}()
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		<-done
		b.log.mu.Lock()
		defer b.log.mu.Unlock()
		for _, p := range b.log.list {
			t.Errorf("the page reported: %s", p)
		}
	})
	return b
}

// record keeps what the page should never print: uncaught exceptions,
// console.error calls, and the browser's security and script errors
// (Content-Security-Policy violations among them). Failed requests
// ("network") are the API's answers, which the page shows itself.
func (b *browser) record(m chromedp.ConsoleMessage) {
	bad := m.IsException() ||
		(m.Type == chromedp.ConsoleError && m.Source == "") ||
		(m.Type == chromedp.ConsoleError && (m.Source == "security" || m.Source == "javascript"))
	if !bad {
		return
	}
	b.log.mu.Lock()
	defer b.log.mu.Unlock()
	b.log.list = append(b.log.list, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
}

// do runs actions, failing the test with what was being done.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls the JavaScript expression until it is truthy, failing the
// test after timeout with what it waited for and the text of the page
// element named by show.
func (b *browser) waitFor(what, expr string, timeout time.Duration, show string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		text := ""
		if show != "" {
			text, _ = chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, show)))
		}
		b.t.Fatalf("%s: %v\n%s shows:\n%s", what, err, show, text)
	}
}

// eval evaluates expr (awaiting a promise) and decodes its value into T.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text returns the visible text of the element matched by the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel))
}

// artefacts returns the directory for the test's screenshots:
// NSQFARM_ARTIFACTS when set, else a temporary directory of the test.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NSQFARM_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artefacts directory: %v", err)
	}
	return dir
}

// screenshots saves full-page PNGs of the page at the phone and laptop
// widths as DIR/NAME-WIDTH.png, and returns their paths.
func (b *browser) screenshots(dir, name string) []string {
	b.t.Helper()
	var paths []string
	for _, w := range []int64{phoneWidth, laptopWidth} {
		b.do("set the viewport", chromedp.EmulateViewport(w, 900))
		// Let the page redraw at the new width (the chart follows a
		// resize within 200 ms) before the capture.
		b.do("wait for the redraw", chromedp.Sleep(400*time.Millisecond))
		if sw := eval[int64](b, `document.documentElement.scrollWidth`); sw > w {
			b.t.Errorf("%s at %d px: the page is %d px wide, it scrolls sideways", name, w, sw)
		}
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s at %d px: %v", name, w, err)
		}
		p := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w))
		if err := os.WriteFile(p, png, 0o644); err != nil {
			b.t.Fatalf("save screenshot: %v", err)
		}
		paths = append(paths, p)
	}
	b.do("reset the viewport", chromedp.EmulateViewport(laptopWidth, 900))
	b.t.Logf("screenshots of %s: %s", name, strings.Join(paths, ", "))
	return paths
}

// TestPageWithoutAPI serves the page alone, with no job API behind it: the
// page must load without a script error and say, where the user looks,
// that the API does not answer.
func TestPageWithoutAPI(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	b := newBrowser(t, 60*time.Second)
	b.do("open the page", chromedp.Navigate(srv.URL))
	b.waitFor("the solve form says the models did not load",
		`document.querySelector("#solve-form .form-error").textContent.includes("could not be loaded")`, 10*time.Second, "#solve-form")
	b.waitFor("the jobs table says the jobs did not load",
		`document.querySelector("#jobs-notice").textContent.includes("could not be loaded")`, 10*time.Second, "#jobs-notice")
	b.waitFor("the stream badge says offline",
		`document.querySelector("#stream-state").textContent === "offline"`, 10*time.Second, "#stream-state")
	if got := b.text("#dead-empty"); !strings.Contains(got, "could not be loaded") {
		t.Errorf("dead letters say %q, want that they could not be loaded", got)
	}
	b.screenshots(artefacts(t), "no-api")
}

// TestPageModules runs the page's own modules in the browser: number and
// time formatting, the chart and the mapping of API errors to fields.
func TestPageModules(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	b := newBrowser(t, 60*time.Second)
	b.do("open the page", chromedp.Navigate(srv.URL+"/favicon.svg"))
	tests := []struct {
		name string
		expr string
		want string
	}{
		{"grouped integer", `import("/js/format.js").then((m) => m.formatNumber(3600))`, "3,600"},
		{"float noise", `import("/js/format.js").then((m) => m.formatNumber(2.0000000000000004))`, "2"},
		{"exact big integer", `import("/js/api.js").then((a) => import("/js/format.js").then((f) => f.formatNumber(a.parseJSON('{"n": 100109100129100151}').n)))`, "100,109,100,129,100,151"},
		{"exact decimal string", `import("/js/format.js").then((m) => m.formatNumber("340282366920938463463374607431768211457"))`, "340,282,366,920,938,463,463,374,607,431,768,211,457"},
		{"seconds ago", `import("/js/format.js").then((m) => m.ago(new Date(Date.now() - 12500)))`, "12 s ago"},
		{"minutes ago", `import("/js/format.js").then((m) => m.ago(new Date(Date.now() - 5 * 60e3 - 10)))`, "5 min ago"},
		{"just now", `import("/js/format.js").then((m) => m.ago(new Date(Date.now() + 3000)))`, "just now"},
		{"solution", `import("/js/format.js").then((m) => m.solutionText({objective: 3600, variables: {Doors: 2, Windows: 6}}))`, "3,600 at Doors = 2, Windows = 6"},
		{"factors", `import("/js/format.js").then((m) => m.primalityText({prime: false, factors: ["3", "11", "17"]}))`, "= 3 × 11 × 17"},
		{"nice ticks", `import("/js/chart.js").then((m) => m.ticks(100, 1000, 5).join(" "))`, "200 400 600 800 1000"},
		{"chart of 10 points", `import("/js/chart.js").then((m) => {
			const s = document.createElementNS("http://www.w3.org/2000/svg", "svg");
			m.drawChart(s, Array.from({length: 10}, (_, i) => ({x: 100 * (i + 1), y: 1000 + 300 * i})), {x: "p", y: "objective"});
			return String(s.querySelectorAll("circle.point").length);
		})`, "10"},
		{"empty chart", `import("/js/chart.js").then((m) => {
			const s = document.createElementNS("http://www.w3.org/2000/svg", "svg");
			m.drawChart(s, [], {x: "p", y: "objective", empty: "nothing yet"});
			return s.textContent;
		})`, "nothing yet"},
		{"field path", `import("/js/forms.js").then((m) => m.normalizeField("$.params.profit_rate_windows"))`, "params.profit_rate_windows"},
		{"field pointer", `import("/js/forms.js").then((m) => m.normalizeField("/numbers/from"))`, "numbers.from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := eval[string](b, tc.expr); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
