package jobs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// Limits of the listings.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// limitParam reads the "limit" query parameter: def when absent, an error
// outside 1..maxListLimit.
func limitParam(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListLimit {
		return 0, badRequest("limit", "limit %q: want an integer from 1 to %d", v, maxListLimit)
	}
	return n, nil
}

// listAnswer is the answer to GET /api/jobs.
type listAnswer struct {
	Jobs []store.Job `json:"jobs"`
	Next string      `json:"next"`
}

// handleList is GET /api/jobs?status=&kind=&sweep=&after=&limit=.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.Filter{Status: store.Status(q.Get("status")), Kind: q.Get("kind"), Sweep: q.Get("sweep"), AfterID: q.Get("after")}
	switch f.Status {
	case "", store.Queued, store.Done, store.Dead, store.Cancelled:
	default:
		s.fail(w, r, badRequest("status", "status %q: want queued, done, dead or cancelled", f.Status))
		return
	}
	switch f.Kind {
	case "", KindLP, KindNumber:
	default:
		s.fail(w, r, badRequest("kind", "kind %q: want %s or %s", f.Kind, KindLP, KindNumber))
		return
	}
	limit, err := limitParam(r, defaultListLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit = limit
	jobs, err := s.store.Jobs(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans := listAnswer{Jobs: jobs}
	if ans.Jobs == nil {
		ans.Jobs = []store.Job{}
	}
	if len(jobs) == limit {
		ans.Next = jobs[len(jobs)-1].ID
	}
	writeJSON(w, http.StatusOK, ans)
}

// handleJob is GET /api/jobs/{id}.
func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.store.Job(r.Context(), r.PathValue("id"))
	s.reply(w, r, j, err)
}

// controlMessage is the body published on the control topic.
type controlMessage struct {
	Action string `json:"action"`
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

// handleCancel is POST /api/jobs/{id}/cancel and DELETE /api/jobs/{id}:
// the reason comes from a JSON body {"reason": "..."} or the "reason"
// query parameter.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reason := r.URL.Query().Get("reason")
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		var req struct {
			Reason string `json:"reason"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			s.fail(w, r, badRequest("reason", `the body must be {"reason": "..."}: %v`, err))
			return
		}
		reason = cmp.Or(req.Reason, reason)
	}
	if reason == "" {
		reason = "cancelled through the job API"
	}
	j, err := s.store.Cancel(r.Context(), id, reason)
	switch {
	case errors.Is(err, store.ErrFinal):
		writeError(w, http.StatusConflict, fmt.Sprintf("job %q is already %s", id, j.Status), "")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if j.Kind == KindLP {
		msg, _ := json.Marshal(controlMessage{Action: "cancel", ID: id, Reason: reason})
		if err := s.pub.Publish(r.Context(), s.opts.ControlTopic, [][]byte{msg}); err != nil {
			// The ledger has it cancelled: its result, if one comes, is
			// kept with the job, which stays cancelled.
			s.log.Warn("cannot announce a cancellation on the control topic; a consumer may still solve the job",
				"id", id, "topic", s.opts.ControlTopic, "err", err)
		}
	}
	writeJSON(w, http.StatusOK, j)
}

// handleCounts is GET /api/counts.
func (s *Server) handleCounts(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.Counts(r.Context())
	s.reply(w, r, c, err)
}

// deadLetter is one entry of GET /api/dead.
type deadLetter struct {
	Topic   string          `json:"topic"`
	InputID string          `json:"input_id"`
	Error   string          `json:"error"`
	Body    json.RawMessage `json:"body"`
	Time    time.Time       `json:"time"`
}

// handleDead is GET /api/dead?limit=: the newest dead letters of every
// dead-letter topic of the topology, newest first.
func (s *Server) handleDead(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r, defaultListLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []deadLetter{}
	for _, topic := range s.deadTopics {
		recs, err := s.store.Recent(r.Context(), topic, limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, rec := range recs {
			out = append(out, deadLetter{Topic: rec.Topic, InputID: rec.InputID, Error: rec.Error, Body: rec.Body, Time: rec.Time})
		}
	}
	slices.SortStableFunc(out, func(a, b deadLetter) int { return b.Time.Compare(a.Time) })
	writeJSON(w, http.StatusOK, out[:min(len(out), limit)])
}

// modelInfo is one entry of GET /api/models.
type modelInfo struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Params      []paramInfo `json:"params"`
}

type paramInfo struct {
	Name    string      `json:"name"`
	Default json.Number `json:"default,omitempty"`
	Min     json.Number `json:"min,omitempty"`
	Max     json.Number `json:"max,omitempty"`
	Doc     string      `json:"doc,omitempty"`
}

// handleModels is GET /api/models: the named models of the lpsolve stage.
func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	out := []modelInfo{}
	if s.lp != nil {
		for _, name := range s.lp.Models() {
			t, ok := s.lp.Template(name)
			if !ok {
				continue
			}
			m := modelInfo{Name: t.Name, Description: t.Description, Params: []paramInfo{}}
			for _, p := range t.Params {
				m.Params = append(m.Params, paramInfo{Name: p.Name, Default: p.Default, Min: p.Min, Max: p.Max, Doc: p.Description})
			}
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}
