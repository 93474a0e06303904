package jobs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// Submit records jobs in st (all or none) and then publishes them with
// pub, grouped by topic, marking each group published once nsqd
// acknowledged it. It reports whether every job was published: when no
// nsqd takes them the jobs stay recorded, unpublished, for the reconciler,
// and Submit returns false with a nil error. An error means nothing was
// recorded (errors.Is(err, store.ErrExists) for an id already taken) or
// the store failed after the publish.
func Submit(ctx context.Context, st store.Store, pub *Publisher, jobs []store.Job) (bool, error) {
	if len(jobs) == 0 {
		return true, nil
	}
	now := time.Now()
	for i := range jobs {
		jobs[i].Status = store.Queued
		if jobs[i].SubmittedAt.IsZero() {
			jobs[i].SubmittedAt = now
		}
	}
	if err := st.AddJobs(ctx, jobs); err != nil {
		return false, fmt.Errorf("record jobs: %w", err)
	}
	n, err := publishJobs(ctx, st, pub, jobs)
	return n == len(jobs), err
}

// publishJobs publishes recorded jobs, grouped by topic in their order,
// and marks each group published. It returns how many were published: a
// group that no nsqd took is left out, without an error.
func publishJobs(ctx context.Context, st store.Store, pub *Publisher, jobs []store.Job) (int, error) {
	done := 0
	for len(jobs) > 0 {
		topic := jobs[0].Topic
		n := 1
		for n < len(jobs) && jobs[n].Topic == topic {
			n++
		}
		group := jobs[:n]
		jobs = jobs[n:]
		bodies := make([][]byte, len(group))
		ids := make([]string, len(group))
		for i, j := range group {
			bodies[i], ids[i] = j.Body, j.ID
		}
		if err := pub.Publish(ctx, topic, bodies); err != nil {
			pub.log.Warn("jobs recorded but not published: the reconciler publishes them when an nsqd takes them",
				"topic", topic, "jobs", len(group), "first_id", group[0].ID, "err", err)
			continue
		}
		if err := st.MarkPublished(ctx, ids, time.Now()); err != nil {
			return done, fmt.Errorf("mark %d jobs published: %w", len(ids), err)
		}
		done += len(group)
	}
	return done, nil
}

// submitAnswer is the answer to POST /api/jobs.
type submitAnswer struct {
	ID        string       `json:"id"`
	Status    store.Status `json:"status"`
	Published bool         `json:"published"`
}

// handleSubmit is POST /api/jobs: one job, as JSON or as an uploaded
// model file.
func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	var body []byte
	var err error
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/form-data") {
		body, err = s.uploadJob(r)
	} else {
		body, err = io.ReadAll(r.Body)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	job, err := s.prepare(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	published, err := Submit(r.Context(), s.store, s.pub, []store.Job{job})
	if errors.Is(err, store.ErrExists) {
		writeError(w, http.StatusConflict, fmt.Sprintf("a job with id %q exists", job.ID), "id")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.submitted[job.Kind].Inc()
	writeJSON(w, http.StatusAccepted, submitAnswer{ID: job.ID, Status: store.Queued, Published: published})
}

// prepare validates one submitted job as the stage that reads it would,
// gives it an id if it has none, and returns it ready to record.
func (s *Server) prepare(body []byte) (store.Job, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return store.Job{}, badRequest("", "the job must be a JSON object")
	}
	var fields map[string]json.RawMessage
	kind, stage := KindLP, s.lpStage
	if json.Unmarshal(trimmed, &fields) == nil {
		if _, ok := fields["number"]; ok {
			kind, stage = KindNumber, s.numStage
		}
	}
	if stage.check == nil {
		return store.Job{}, badRequest("", "the topology has no stage for %s jobs", kind)
	}
	// The stage's own reason comes first, so that a body that is not JSON
	// is answered as its dead letter would say.
	if err := stage.check(trimmed); err != nil {
		return store.Job{}, badRequest(fieldOf(err.Error()), "%v", err)
	}
	id, withID, err := WithID(trimmed, NewJobID)
	if err != nil {
		return store.Job{}, badRequest("id", "%v", err)
	}
	return store.Job{ID: id, Kind: kind, Topic: stage.topic, Body: withID}, nil
}

// fieldRules map the reasons of the stages' checks to the JSON path of
// the field at fault, first match wins. They are compiled on first use,
// not when a command that never serves the API starts.
var fieldRules = sync.OnceValue(func() []fieldRule {
	return []fieldRule{
		{regexp.MustCompile(`^"id"|: "id": `), "id"},
		{regexp.MustCompile(`"time_limit_ms"`), "time_limit_ms"},
		{regexp.MustCompile(`parameter "([^"]+)"`), "params.$1"},
		{regexp.MustCompile(`"params"`), "params"},
		{regexp.MustCompile(`^(unknown model|inline model|"model")`), "model"},
		{regexp.MustCompile(`^unknown format|^format `), "format"},
		{regexp.MustCompile(`^(lp|mps) text|"text"`), "text"},
		{regexp.MustCompile(`"number"|^body is`), "number"},
	}
})

// fieldRule maps the reasons re matches to field ("$1" takes the first
// group).
type fieldRule struct {
	re    *regexp.Regexp
	field string
}

// fieldOf returns the field a stage's reason is about, or "".
func fieldOf(reason string) string {
	for _, r := range fieldRules() {
		if m := r.re.FindStringSubmatchIndex(reason); m != nil {
			return string(r.re.ExpandString(nil, r.field, reason, m))
		}
	}
	return ""
}

// uploadJob turns a multipart/form-data upload (a "file" field holding an
// .lp or .mps model, optionally gzipped; optional "format", "id" and
// "time_limit_ms" fields) into a job body.
func (s *Server) uploadJob(r *http.Request) ([]byte, error) {
	if err := r.ParseMultipartForm(s.opts.MaxBodyBytes); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, err
		}
		return nil, badRequest("", "cannot read the upload: %v", err)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, badRequest("file", `the upload needs a "file" field holding an .lp or .mps model`)
	}
	defer f.Close()
	name := strings.ToLower(hdr.Filename)
	gz := strings.HasSuffix(name, ".gz")
	name = strings.TrimSuffix(name, ".gz")
	format := r.FormValue("format")
	if format == "" {
		format = strings.TrimPrefix(path.Ext(name), ".")
	}
	if format != "lp" && format != "mps" {
		return nil, badRequest("format", `cannot tell the format of %q: name the file .lp or .mps (optionally .gz) or give a "format" field, lp or mps`, hdr.Filename)
	}
	var in io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, badRequest("file", "%s: %v", hdr.Filename, err)
		}
		defer zr.Close()
		in = zr
	}
	text, err := io.ReadAll(io.LimitReader(in, s.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, badRequest("file", "%s: %v", hdr.Filename, err)
	}
	if int64(len(text)) > s.opts.MaxBodyBytes {
		return nil, &http.MaxBytesError{Limit: s.opts.MaxBodyBytes}
	}
	job := struct {
		ID          string          `json:"id,omitempty"`
		Format      string          `json:"format"`
		Text        string          `json:"text"`
		TimeLimitMS json.RawMessage `json:"time_limit_ms,omitempty"`
	}{ID: r.FormValue("id"), Format: format, Text: string(text)}
	if v := strings.TrimSpace(r.FormValue("time_limit_ms")); v != "" {
		if !isDigits([]byte(v)) {
			return nil, badRequest("time_limit_ms", `"time_limit_ms" must be a positive integer number of milliseconds, got %q`, v)
		}
		job.TimeLimitMS = json.RawMessage(v)
	}
	return json.Marshal(job)
}
