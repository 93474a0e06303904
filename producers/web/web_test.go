package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	tests := []struct {
		name     string
		method   string
		path     string
		status   int
		ctype    string
		contains string
	}{
		{"page", http.MethodGet, "/", http.StatusOK, "text/html; charset=utf-8", `<script type="module" src="/js/app.js">`},
		{"page by name", http.MethodGet, "/index.html", http.StatusOK, "text/html; charset=utf-8", "<title>nsqfarm</title>"},
		{"module", http.MethodGet, "/js/app.js", http.StatusOK, "text/javascript; charset=utf-8", "import"},
		{"style", http.MethodGet, "/style.css", http.StatusOK, "text/css; charset=utf-8", ":root"},
		{"icon", http.MethodGet, "/favicon.svg", http.StatusOK, "image/svg+xml", `id="mark"`},
		{"head", http.MethodHead, "/", http.StatusOK, "text/html; charset=utf-8", ""},
		{"unknown file", http.MethodGet, "/js/missing.js", http.StatusNotFound, "text/plain; charset=utf-8", "404"},
		{"directory", http.MethodGet, "/js/", http.StatusNotFound, "text/plain; charset=utf-8", "404"},
		{"post", http.MethodPost, "/", http.StatusMethodNotAllowed, "text/plain; charset=utf-8", "read-only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tc.status, body)
			}
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body does not contain %q:\n%.300s", tc.contains, body)
			}
			if tc.status == http.StatusOK && res.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}

// TestHandlerRevalidates checks that a browser's conditional GET is
// answered 304 while the file is unchanged.
func TestHandlerRevalidates(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/js/app.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	etag := res.Header.Get("ETag")
	if etag == "" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q: want an ETag and no-cache", etag, res.Header.Get("Cache-Control"))
	}
	for _, tc := range []struct {
		ifNoneMatch string
		status      int
	}{
		{etag, http.StatusNotModified},
		{`"stale"`, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/js/app.js", nil)
		req.Header.Set("If-None-Match", tc.ifNoneMatch)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("If-None-Match %s: status %d, want %d", tc.ifNoneMatch, res.StatusCode, tc.status)
		}
	}
}
