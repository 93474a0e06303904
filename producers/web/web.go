// Package web is nsqfarm's web page: plain HTML, CSS and JavaScript (ES
// modules), embedded in the binary and served by Handler. The job API
// server mounts Handler at "/" beside its /api routes; the page talks to
// that API only (submitting jobs, sweeps, uploads and number ranges, and
// following /api/events), so it needs no build step and fetches nothing
// from elsewhere at run time.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var static embed.FS

// contentSecurityPolicy keeps the page to its own origin: scripts, styles,
// fetches and the event stream all come from the server that serves it.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the page's assets: "/" is the page itself, the other
// paths its scripts, styles and icon. Every response carries a strong
// ETag (a hash of the file) and Cache-Control: no-cache, so a browser
// revalidates and a new binary's page is seen at once. Methods other than
// GET and HEAD get 405, unknown paths 404.
func Handler() http.Handler {
	assets, err := load(static)
	if err != nil {
		// The files are embedded at build time: failing to read them is
		// a broken build, not a run-time condition.
		panic(fmt.Sprintf("web: embedded assets: %v", err))
	}
	return &handler{assets: assets}
}

// load reads every file under static/ into an asset keyed by its URL
// path; index.html is also served at "/".
func load(fsys fs.FS) (map[string]asset, error) {
	root, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, fmt.Errorf("open static: %w", err)
	}
	assets := map[string]asset{}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
		sum := sha256.Sum256(body)
		assets["/"+name] = asset{body: body, contentType: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk static: %w", err)
	}
	index, ok := assets["/index.html"]
	if !ok {
		return nil, fmt.Errorf("static/index.html is missing")
	}
	assets["/"] = index
	return assets, nil
}

type handler struct {
	assets map[string]asset
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: the page's files are read-only", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
