package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nsqfarm/nsqfarm/internal/lp/lptest"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/producers/jobs"
)

// resultWait bounds the wait for results to reach the page: an idle farm
// takes well under a second for one job, and a few seconds under the race
// detector for the thousand jobs of a number range.
const resultWait = 60 * time.Second

// TestPage drives the page in headless Chromium against a farm running in
// this process, as a user would: every result must appear without a
// reload.
func TestPage(t *testing.T) {
	b := newBrowser(t, 4*time.Minute)
	f := startFarm(t)
	dir := artefacts(t)
	b.do("open the page", chromedp.Navigate(f.url))
	b.waitFor("the event stream is live", `document.querySelector("#stream-state").textContent === "live"`, 10*time.Second, "#stream-state")
	b.waitFor("the model form is built from /api/models", `!!document.getElementById("solve-param-profit_rate_windows")`, 10*time.Second, "#solve-form")
	// A reload would drop this mark: every step below checks it is there.
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	noReload := func(t *testing.T) {
		t.Helper()
		if !eval[bool](b.on(t), `window.notReloaded === true`) {
			t.Fatal("the page was reloaded")
		}
	}

	t.Run("wyndor", func(t *testing.T) {
		b := b.on(t)
		b.do("submit Wyndor with 500",
			chromedp.SetValue(chromedp.ID("solve-param-profit_rate_windows"), "500"),
			chromedp.Click(chromedp.CSS("#solve-form button[type=submit]")))
		b.waitFor("the optimum 3,600", `document.querySelector("#solve-result .objective-big")?.textContent === "3,600"`, resultWait, "#solve-result")
		if got := eval[string](b, `[...document.querySelectorAll("#solve-result .vars div")].map((d) => d.innerText.replace(/\s+/g, " ")).join(", ")`); got != "Doors 2, Windows 6" {
			t.Errorf("variables %q, want Doors 2, Windows 6", got)
		}
		if got := b.text("#solve-result .badge"); got != "optimal" {
			t.Errorf("badge %q, want optimal", got)
		}
		id := b.text("#solve-result .result-id")
		b.do("open the job", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#jobs-body tr[data-id=%q] button.job-id`, id))))
		b.waitFor("the whole job in the dialog", `document.getElementById("job-dialog").open && document.getElementById("job-dialog-body").textContent.includes('"objective": 3600')`, 10*time.Second, "#job-dialog")
		b.do("close the dialog", chromedp.Click(chromedp.CSS("#job-dialog button")))
		b.waitFor("the dialog closed", `!document.getElementById("job-dialog").open`, 5*time.Second, "")
		noReload(t)
	})

	t.Run("error beside its field", func(t *testing.T) {
		b := b.on(t)
		b.do("submit Wyndor with -5",
			chromedp.SetValue(chromedp.ID("solve-param-profit_rate_windows"), "-5"),
			chromedp.Click(chromedp.CSS("#solve-form button[type=submit]")))
		b.waitFor("the API's error beside the parameter", `document.getElementById("solve-param-profit_rate_windows-error").textContent !== ""`, 10*time.Second, "#solve-form")
		if got := eval[string](b, `document.getElementById("solve-param-profit_rate_windows").getAttribute("aria-invalid")`); got != "true" {
			t.Errorf("aria-invalid %q, want true", got)
		}
		if got := b.text("#solve-form .form-error"); got != "" {
			t.Errorf("the form's foot shows %q, want the error beside the field only", got)
		}
		b.screenshots(dir, "field-error")
		if got := b.text("#solve-param-profit_rate_windows-error"); got == "" {
			t.Error("the error went away before the field changed")
		}
		b.do("type 500 again",
			chromedp.SetValue(chromedp.ID("solve-param-profit_rate_windows"), ""),
			chromedp.SendKeys(chromedp.ID("solve-param-profit_rate_windows"), "500"))
		if got := b.text("#solve-param-profit_rate_windows-error"); got != "" {
			t.Errorf("the error %q stays beside the field after it changed", got)
		}
	})

	t.Run("sweep", func(t *testing.T) {
		b := b.on(t)
		b.do("run a 10-point sweep",
			chromedp.SetValue(chromedp.ID("sweep-from"), "100"),
			chromedp.SetValue(chromedp.ID("sweep-to"), "1000"),
			chromedp.SetValue(chromedp.ID("sweep-step"), "100"),
			chromedp.Click(chromedp.CSS("#sweep-form button[type=submit]")))
		b.waitFor("10 points in the chart", `document.querySelectorAll("#sweep-chart circle.point").length === 10`, resultWait, "#sweep-progress")
		b.waitFor("the sweep's progress", `document.querySelector("#sweep-progress").textContent.includes("10 of 10 finished: 10 done")`, 10*time.Second, "#sweep-progress")
		// profit_rate_windows 100 gives 1,500 (Doors 4, Windows 3);
		// 500 and more give Windows 6.
		if got := eval[string](b, `[...document.querySelectorAll("#sweep-chart circle.point")].map((c) => c.dataset.x + ":" + c.dataset.y).slice(0, 2).join(" ")`); got != "100:1500 200:1800" {
			t.Errorf("first points %q, want 100:1500 200:1800", got)
		}
		if !strings.Contains(eval[string](b, `location.hash`), "sweep=") {
			t.Error("the sweep is not kept in the address")
		}
		noReload(t)
	})

	t.Run("upload", func(t *testing.T) {
		b := b.on(t)
		mps, err := filepath.Abs("../../consumers/lpsolve/testdata/wyndor.mps")
		if err != nil {
			t.Fatal(err)
		}
		b.do("upload wyndor.mps",
			chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{mps}),
			chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")))
		b.waitFor("the file's optimum", `document.querySelector("#upload-result .objective-big")?.textContent === "3,600"`, resultWait, "#upload-result")
		if got := eval[string](b, `document.querySelector("#upload-result .vars").innerText.replace(/\s+/g, " ")`); got != "DOORS 2 WINDOWS 6" {
			t.Errorf("variables %q, want DOORS 2 WINDOWS 6", got)
		}
		noReload(t)
	})

	t.Run("numbers", func(t *testing.T) {
		b := b.on(t)
		// Record every value the primes count shows from now on.
		b.do("watch the counts", chromedp.Evaluate[chromedp.Void](`
			window.seen = [document.getElementById("count-primes").textContent];
			new MutationObserver(() => window.seen.push(document.getElementById("count-primes").textContent))
				.observe(document.getElementById("count-primes"), {childList: true, characterData: true, subtree: true});`))
		b.do("check 1 to 1000",
			chromedp.SetValue(chromedp.ID("numbers-from"), "1"),
			chromedp.SetValue(chromedp.ID("numbers-to"), "1000"),
			chromedp.Click(chromedp.CSS("#numbers-form button[type=submit]")))
		b.waitFor("168 primes and 832 non-primes", `document.getElementById("count-primes").textContent === "168" && document.getElementById("count-non-primes").textContent === "832"`, resultWait, "#counts")
		seen := eval[[]string](b, `window.seen.map((s) => s.replace(/,/g, ""))`)
		last := -1
		for _, s := range seen {
			var n int
			if _, err := fmt.Sscan(s, &n); err != nil {
				t.Fatalf("the count showed %q: %v", s, err)
			}
			if n < last {
				t.Fatalf("the count went down: %v", seen)
			}
			last = n
		}
		if len(seen) < 2 || seen[0] == "168" {
			t.Errorf("the count did not rise while the page watched: %v", seen)
		}
		b.waitFor("the range's progress", `document.getElementById("numbers-progress").textContent.includes("1,000 of 1,000 finished")`, 10*time.Second, "#numbers-progress")
		noReload(t)
	})

	t.Run("cancel", func(t *testing.T) {
		b := b.on(t)
		lp := filepath.Join(t.TempDir(), "market-split.lp")
		if err := os.WriteFile(lp, []byte(lptest.MarketSplit(4, 36)), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do("upload a long job",
			chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{lp}),
			chromedp.SetValue(chromedp.ID("upload-time-limit"), "30000"),
			chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")))
		b.waitFor("the job queued, with a Cancel button", `document.querySelector("#upload-result .badge")?.textContent === "queued" && !!document.querySelector("#upload-result button")`, 10*time.Second, "#upload-result")
		b.do("cancel it", chromedp.Click(chromedp.CSS("#upload-result button")))
		b.waitFor("cancelled", `document.querySelector("#upload-result .badge")?.textContent === "cancelled"`, 10*time.Second, "#upload-result")
		id := b.text("#upload-result .result-id")
		b.waitFor("cancelled in the jobs table", fmt.Sprintf(`document.querySelector('#jobs-body tr[data-id=%q] .badge')?.textContent === "cancelled"`, id), 10*time.Second, "#jobs-body")
		filter := func(status string) {
			b.do("filter the jobs by status "+status, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
				`(() => { const s = document.getElementById("filter-status"); s.value = %q; s.dispatchEvent(new Event("change")); })()`, status)))
		}
		filter("cancelled")
		b.waitFor("only the cancelled job listed", fmt.Sprintf(`(() => { const rows = [...document.querySelectorAll("#jobs-body tr")]; return rows.length === 1 && rows[0].dataset.id === %q; })()`, id), 10*time.Second, "#jobs-body")
		filter("")
		b.waitFor("every job listed again", `document.querySelectorAll("#jobs-body tr").length > 1`, 10*time.Second, "#jobs-body")
		noReload(t)
	})

	t.Run("dead letter", func(t *testing.T) {
		b := b.on(t)
		nsqtest.Pub(t, f.nsqdHTTP, "numbers", []byte(`{"number": -5, "note": "published beside the API"}`))
		b.waitFor("the dead letter and its reason", `document.getElementById("dead-list").textContent.includes("negative")`, resultWait, "#dead-list")
		noReload(t)
	})

	b.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	b.screenshots(dir, "page")

	t.Run("reload keeps the sweep", func(t *testing.T) {
		b := b.on(t)
		b.do("reload", chromedp.Reload())
		b.waitFor("the sweep's 10 points again", `document.querySelectorAll("#sweep-chart circle.point").length === 10`, resultWait, "#sweep-progress")
		b.waitFor("the jobs listed again", `document.querySelectorAll("#jobs-body tr").length > 0`, 10*time.Second, "#jobs-body")
	})
}

// TestPageToken runs the page against a job API that wants a token: the
// first submit is refused and the page asks for the token, with which the
// next submit goes through.
func TestPageToken(t *testing.T) {
	const token = "page-test-token"
	b := newBrowser(t, 2*time.Minute)
	f := startFarm(t, func(o *jobs.Options) { o.Token = token })
	b.do("open the page", chromedp.Navigate(f.url))
	b.waitFor("the model form is built from /api/models", `!!document.getElementById("solve-param-profit_rate_windows")`, 10*time.Second, "#solve-form")
	b.do("submit without a token", chromedp.Click(chromedp.CSS("#solve-form button[type=submit]")))
	b.waitFor("the page asks for the token", `document.getElementById("token-box").open && document.getElementById("token-error").textContent !== ""`, 10*time.Second, "header")
	if got := b.text("#solve-form .form-error"); got == "" {
		t.Error("the refused submit shows no error on its form")
	}
	if eval[bool](b, `!!document.querySelector("#solve-result .result-id")`) {
		t.Error("a refused job is shown as submitted")
	}
	b.screenshots(artefacts(t), "token")
	b.do("give the token and submit again",
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS("#token-form button[type=submit]")),
		chromedp.Click(chromedp.CSS("#solve-form button[type=submit]")))
	b.waitFor("the optimum 3,600", `document.querySelector("#solve-result .objective-big")?.textContent === "3,600"`, resultWait, "#solve-result")
	if eval[bool](b, `document.getElementById("token-box").open`) {
		t.Error("the token box stays open after the token was saved")
	}
}
