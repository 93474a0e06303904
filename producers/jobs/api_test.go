package jobs

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/syncbuf"
)

func TestSubmit(t *testing.T) {
	e := start(t)
	big := `{"id": "big", "format": "lp", "text": "` + strings.Repeat(" ", 2000) + `"}`
	small := start(t, func(o *Options) { o.MaxBodyBytes = 1000 })
	tests := []struct {
		name   string
		env    *env
		body   string
		status int
		field  string // of a 4xx
		reason string // part of a 4xx's error
		kind   string // of a 202
		id     string // of a 202, when given
	}{
		{"named model", e, `{"model": "wyndor", "params": {"profit_rate_windows": 500}}`, 202, "", "", KindLP, ""},
		{"own id", e, `{"id": "w1", "model": "wyndor"}`, 202, "", "", KindLP, "w1"},
		{"numeric id", e, `{"id": 42, "model": "wyndor"}`, 202, "", "", KindLP, "42"},
		{"inline model", e, `{"model": {"sense": "max", "objective": {"x": 1}, "variables": [{"name": "x", "hi": 4}]}}`, 202, "", "", KindLP, ""},
		{"lp text", e, `{"format": "lp", "text": "max\n obj: x\nst\n c: x <= 4\nend\n"}`, 202, "", "", KindLP, ""},
		{"number", e, `{"number": 97}`, 202, "", "", KindNumber, ""},
		{"big number as a string", e, `{"number": "100109100129100151", "id": "n1"}`, 202, "", "", KindNumber, "n1"},
		{"id taken", e, `{"id": "w1", "model": "wyndor"}`, 409, "id", "exists", "", ""},
		{"unknown model", e, `{"model": "nope"}`, 400, "model", `unknown model "nope"`, "", ""},
		{"parameter over its maximum", e, `{"model": "wyndor", "params": {"profit_rate_windows": -1}}`, 400, "params.profit_rate_windows", "below its minimum", "", ""},
		{"unknown parameter", e, `{"model": "wyndor", "params": {"p": 1}}`, 400, "params.p", "unknown parameter", "", ""},
		{"bad time limit", e, `{"model": "wyndor", "time_limit_ms": -5}`, 400, "time_limit_ms", "positive integer", "", ""},
		{"lp syntax error", e, `{"format": "lp", "text": "max\n obj: x +\nst\nend\n"}`, 400, "text", "lp text", "", ""},
		{"unknown field", e, `{"model": "wyndor", "parms": {}}`, 400, "", "parms", "", ""},
		{"not JSON", e, `{"model": `, 400, "", "not a valid JSON object", "", ""},
		{"not an object", e, `[1, 2]`, 400, "", "JSON object", "", ""},
		{"negative number", e, `{"number": -5}`, 400, "number", "negative", "", ""},
		{"id with a slash", e, `{"id": "a/b", "model": "wyndor"}`, 400, "id", "letters, digits", "", ""},
		{"id of a wrong type", e, `{"id": true, "model": "wyndor"}`, 400, "id", `"id" must be a string or a number`, "", ""},
		{"over the body limit", small, big, 413, "", "larger than the limit of 1000 bytes", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.env.do(t, "POST", "/api/jobs", []byte(tt.body))
			if a.status != tt.status {
				t.Fatalf("status %d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.status != http.StatusAccepted {
				msg, field := a.apiErr(t)
				contains(t, "error", msg, tt.reason)
				if field != tt.field {
					t.Fatalf("field %q, want %q (error %q)", field, tt.field, msg)
				}
				return
			}
			var ans submitAnswer
			a.decode(t, &ans)
			if !ans.Published || ans.Status != store.Queued || (tt.id != "" && ans.ID != tt.id) {
				t.Fatalf("answer %s", a.body)
			}
			j := tt.env.job(t, ans.ID)
			if j.Kind != tt.kind || j.Publishes != 1 || j.PublishedAt.IsZero() {
				t.Fatalf("job %+v", j)
			}
			var body struct {
				ID json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal(j.Body, &body); err != nil || strings.Trim(string(body.ID), `"`) != ans.ID {
				t.Fatalf("body %s does not carry id %s (%v)", j.Body, ans.ID, err)
			}
		})
	}
}

// TestSubmitPublishes checks the message nsqd gets: the job with its id.
func TestSubmitPublishes(t *testing.T) {
	e := start(t)
	col := nsqtest.Collect(t, e.nsqd.RealTCPAddr().String(), "numbers", "check")
	id := e.submit(t, `{"number": 561}`)
	got := col.WaitFor(t, 1, 10*time.Second)
	want := `{"id":"` + id + `","number": 561}`
	if string(got[0]) != want {
		t.Fatalf("published %s, want %s", got[0], want)
	}
}

// TestSubmitWithoutNSQD: the job is recorded, the answer says it was not
// published.
func TestSubmitWithoutNSQD(t *testing.T) {
	e := &env{store: openStore(t), topo: builtin(t)}
	opts := NewOptions(e.store, e.topo, "127.0.0.1:1")
	opts.Address = "127.0.0.1:0"
	var logs syncbuf.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, t.Output()), &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.serve(t, opts)
	a := e.do(t, "POST", "/api/jobs", []byte(`{"number": 7}`))
	var ans submitAnswer
	a.decode(t, &ans)
	if a.status != http.StatusAccepted || ans.Published {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if j := e.job(t, ans.ID); j.Status != store.Queued || j.Publishes != 0 {
		t.Fatalf("job %+v", j)
	}
	h := e.do(t, "GET", "/healthz", nil)
	if h.status != http.StatusServiceUnavailable {
		t.Fatalf("healthz %d %s", h.status, h.body)
	}
	contains(t, "healthz", string(h.body), "no nsqd reachable")
	contains(t, "log", logs.String(), "jobs recorded but not published")
	contains(t, "log", logs.String(), "first_id="+ans.ID)
}

func TestUpload(t *testing.T) {
	e := start(t)
	lp, err := os.ReadFile("../../consumers/lpsolve/testdata/wyndor.lp")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(lp)
	zw.Close()
	tests := []struct {
		name, file string
		content    []byte
		fields     map[string]string
		status     int
		field      string
	}{
		{"lp file", "wyndor.lp", lp, map[string]string{"id": "up1", "time_limit_ms": "500"}, 202, ""},
		{"gzipped", "wyndor.LP.gz", gz.Bytes(), nil, 202, ""},
		{"format given", "model.txt", lp, map[string]string{"format": "lp"}, 202, ""},
		{"unknown format", "model.txt", lp, nil, 400, "format"},
		{"mps that is not", "wyndor.mps", lp, nil, 400, "text"},
		{"bad time limit", "wyndor.lp", lp, map[string]string{"time_limit_ms": "soon"}, 400, "time_limit_ms"},
		{"not gzip", "wyndor.lp.gz", lp, nil, 400, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", tt.file)
			fw.Write(tt.content)
			for k, v := range tt.fields {
				mw.WriteField(k, v)
			}
			mw.Close()
			req, _ := http.NewRequest("POST", e.url+"/api/jobs", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct{ ID, Error, Field string }
			json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != tt.status || out.Field != tt.field {
				t.Fatalf("%d %+v, want %d field %q", resp.StatusCode, out, tt.status, tt.field)
			}
			if tt.status == 202 {
				var body struct {
					Format string `json:"format"`
					Text   string `json:"text"`
				}
				json.Unmarshal(e.job(t, out.ID).Body, &body)
				if body.Format != "lp" || body.Text != string(lp) {
					t.Fatalf("job body: format %q, text %q", body.Format, body.Text)
				}
			}
		})
	}
}

func TestToken(t *testing.T) {
	e := start(t, func(o *Options) { o.Token = "s3cret" })
	job := []byte(`{"number": 3}`)
	tests := []struct {
		name, method, path string
		body               []byte
		auth               string
		status             int
	}{
		{"no token", "POST", "/api/jobs", job, "", 401},
		{"wrong token", "POST", "/api/jobs", job, "Bearer nope", 401},
		{"token", "POST", "/api/jobs", job, "Bearer s3cret", 202},
		{"sweep without", "POST", "/api/sweeps", []byte(`{"numbers": {"from": 1, "to": 2}}`), "", 401},
		{"delete without", "DELETE", "/api/jobs/x", nil, "", 401},
		{"reading needs none", "GET", "/api/counts", nil, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			a := e.do(t, tt.method, tt.path, tt.body, hdr...)
			if a.status != tt.status {
				t.Fatalf("%d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
}

func TestGetAndList(t *testing.T) {
	e := start(t)
	for _, id := range []string{"a1", "a2", "a3"} {
		e.submit(t, `{"id": "`+id+`", "model": "wyndor"}`)
	}
	e.submit(t, `{"id": "n1", "number": 5}`)

	a := e.do(t, "GET", "/api/jobs/a2", nil)
	var j store.Job
	a.decode(t, &j)
	if a.status != 200 || j.ID != "a2" || j.Kind != KindLP || j.Status != store.Queued {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if a := e.do(t, "GET", "/api/jobs/nope", nil); a.status != 404 {
		t.Fatalf("unknown job: %d %s", a.status, a.body)
	}

	tests := []struct {
		query string
		ids   []string
		next  string
	}{
		{"", []string{"a1", "a2", "a3", "n1"}, ""},
		{"?kind=lp&limit=2", []string{"a1", "a2"}, "a2"},
		{"?kind=lp&limit=2&after=a2", []string{"a3"}, ""},
		{"?kind=number", []string{"n1"}, ""},
		{"?status=done", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			a := e.do(t, "GET", "/api/jobs"+tt.query, nil)
			var ans listAnswer
			a.decode(t, &ans)
			var ids []string
			for _, j := range ans.Jobs {
				ids = append(ids, j.ID)
			}
			if a.status != 200 || strings.Join(ids, ",") != strings.Join(tt.ids, ",") || ans.Next != tt.next {
				t.Fatalf("%d %s", a.status, a.body)
			}
		})
	}
	for _, q := range []struct{ query, field string }{
		{"?status=running", "status"}, {"?kind=x", "kind"}, {"?limit=0", "limit"}, {"?limit=5000", "limit"},
	} {
		a := e.do(t, "GET", "/api/jobs"+q.query, nil)
		if _, field := a.apiErr(t); a.status != 400 || field != q.field {
			t.Fatalf("%s: %d %s", q.query, a.status, a.body)
		}
	}
}

func TestCancel(t *testing.T) {
	e := start(t)
	control := nsqtest.Collect(t, e.nsqd.RealTCPAddr().String(), DefaultControlTopic, "check")
	e.submit(t, `{"id": "c1", "model": "wyndor"}`)
	e.submit(t, `{"id": "c2", "model": "wyndor"}`)
	e.submit(t, `{"id": "n1", "number": 9}`)

	a := e.do(t, "POST", "/api/jobs/c1/cancel", []byte(`{"reason": "changed my mind"}`))
	var j store.Job
	a.decode(t, &j)
	if a.status != 200 || j.Status != store.Cancelled || j.Error != "changed my mind" {
		t.Fatalf("%d %s", a.status, a.body)
	}
	got := control.WaitFor(t, 1, 10*time.Second)
	if want := `{"action":"cancel","id":"c1","reason":"changed my mind"}`; string(got[0]) != want {
		t.Fatalf("control message %s, want %s", got[0], want)
	}
	if a := e.do(t, "DELETE", "/api/jobs/c2?reason=late", nil); a.status != 200 {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if a := e.do(t, "DELETE", "/api/jobs/n1", nil); a.status != 200 {
		t.Fatalf("DELETE number: %d %s", a.status, a.body)
	}
	if a := e.do(t, "POST", "/api/jobs/c1/cancel", nil); a.status != 409 {
		t.Fatalf("cancel twice: %d %s", a.status, a.body)
	}
	if a := e.do(t, "POST", "/api/jobs/nope/cancel", nil); a.status != 404 {
		t.Fatalf("cancel unknown: %d %s", a.status, a.body)
	}
	if a := e.do(t, "POST", "/api/jobs/c2/cancel", []byte(`"why"`)); a.status != 400 {
		t.Fatalf("bad body: %d %s", a.status, a.body)
	}
	// Only the lp jobs were announced.
	control.WaitFor(t, 2, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	if n := control.Len(); n != 2 {
		t.Fatalf("%d control messages, want 2", n)
	}
}

func TestSweeps(t *testing.T) {
	e := start(t)
	tests := []struct {
		name   string
		body   string
		status int
		count  int64
		field  string
		first  string // the body of job 1, after "{"id":"<sweep>-1",
	}{
		{"range of a parameter", `{"model": "wyndor", "params": {"profit_rate_windows": {"from": 100, "to": 1000, "step": 100}}}`,
			202, 10, "", `"model":"wyndor","params":{"profit_rate_windows":100}}`},
		{"list and number", `{"model": "wyndor", "params": {"profit_rate_windows": [0.5, 2.25]}, "time_limit_ms": 100}`,
			202, 2, "", `"model":"wyndor","params":{"profit_rate_windows":0.5},"time_limit_ms":100}`},
		{"numbers as strings", `{"numbers": {"from": "100109100129100151", "to": "100109100129100160", "step": 3}}`,
			202, 4, "", `"number":100109100129100151,"id":`},
		{"numbers as integers", `{"numbers": {"from": 1, "to": 1000}}`, 202, 1000, "", `"number":1,"id":`},
		{"unknown model", `{"model": "nope", "params": {}}`, 400, 0, "model", ""},
		{"value out of range", `{"model": "wyndor", "params": {"profit_rate_windows": [5, -5]}}`, 400, 0, "params.profit_rate_windows", ""},
		{"bad range", `{"model": "wyndor", "params": {"profit_rate_windows": {"from": 1, "to": 0, "step": 1}}}`, 400, 0, "params.profit_rate_windows", ""},
		{"too many jobs", `{"model": "wyndor", "params": {"a": {"from": 1, "to": 1001, "step": 1}, "b": {"from": 1, "to": 1000, "step": 1}}}`, 400, 0, "params", ""},
		{"too many numbers", `{"numbers": {"from": 1, "to": 1000001}}`, 400, 0, "numbers", ""},
		{"negative numbers", `{"numbers": {"from": -3, "to": 3}}`, 400, 0, "numbers", ""},
		{"not an integer", `{"numbers": {"from": "x", "to": 3}}`, 400, 0, "numbers.from", ""},
		{"neither", `{}`, 400, 0, "model", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(t, "POST", "/api/sweeps", []byte(tt.body))
			if a.status != tt.status {
				t.Fatalf("%d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.status != 202 {
				if _, field := a.apiErr(t); field != tt.field {
					t.Fatalf("field %q, want %q: %s", field, tt.field, a.body)
				}
				return
			}
			var ans sweepAnswer
			a.decode(t, &ans)
			if ans.Count != tt.count || int64(len(ans.IDs)) != tt.count || !ans.Published || ans.IDs[0] != ans.Sweep+"-1" {
				t.Fatalf("answer %s", a.body)
			}
			j := e.job(t, ans.IDs[0])
			if j.Sweep != ans.Sweep || !strings.Contains(string(j.Body), tt.first) {
				t.Fatalf("job 1: %+v", j)
			}
			s := e.do(t, "GET", "/api/sweeps/"+ans.Sweep, nil)
			var sum sweepSummary
			s.decode(t, &sum)
			if s.status != 200 || sum.Count != tt.count || sum.ByStatus[store.Queued] != tt.count {
				t.Fatalf("summary %d %s", s.status, s.body)
			}
		})
	}
	for _, path := range []string{"/api/sweeps/nope", "/api/sweeps/nope/results.csv", "/api/sweeps/nope/results.json"} {
		if a := e.do(t, "GET", path, nil); a.status != 404 {
			t.Fatalf("%s: %d %s", path, a.status, a.body)
		}
	}
}

func TestReadEndpoints(t *testing.T) {
	e := start(t)
	e.submit(t, `{"number": 4}`)
	tests := []struct {
		path, want string
	}{
		{"/api/counts", `"queued":1`},
		{"/api/dead?limit=5", `[]`},
		{"/api/models", `"name":"wyndor"`},
		{"/api/models", `"name":"profit_rate_windows"`},
		{"/api/openapi.json", `"openapi": "3.1.0"`},
		{"/healthz", "ok"},
		{"/metrics", `nsqfarm_api_jobs_submitted_total{kind="number"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := e.do(t, "GET", tt.path, nil)
			if a.status != 200 {
				t.Fatalf("%d %s", a.status, a.body)
			}
			contains(t, tt.path, string(a.body), tt.want)
		})
	}
	var doc map[string]any
	if err := json.Unmarshal(e.do(t, "GET", "/api/openapi.json", nil).body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if a := e.do(t, "GET", "/api/nothing", nil); a.status != 404 {
		t.Fatalf("unknown endpoint: %d", a.status)
	}
	if a := e.do(t, "GET", "/api/dead?limit=x", nil); a.status != 400 {
		t.Fatalf("bad limit: %d", a.status)
	}
}

func TestStoreDownHealth(t *testing.T) {
	e := start(t)
	e.store.Close()
	a := e.do(t, "GET", "/healthz", nil)
	if a.status != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", a.status, a.body)
	}
	contains(t, "healthz", string(a.body), "store")
}
