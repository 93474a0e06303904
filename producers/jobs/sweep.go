package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strings"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/producers"
)

// sweepBatch is the number of jobs of a sweep recorded, then published, at
// a time.
const sweepBatch = 2000

// maxSweepIDs is the number of ids a sweep's answer lists.
const maxSweepIDs = 1000

// sweepRequest is the body of POST /api/sweeps.
type sweepRequest struct {
	Model       string                     `json:"model"`
	Params      map[string]json.RawMessage `json:"params"`
	TimeLimitMS int64                      `json:"time_limit_ms"`
	Numbers     *struct {
		From json.RawMessage `json:"from"`
		To   json.RawMessage `json:"to"`
		Step json.RawMessage `json:"step"`
	} `json:"numbers"`
}

// rangeSpec is a parameter given as {"from": A, "to": B, "step": S}.
type rangeSpec struct {
	From json.Number `json:"from"`
	To   json.Number `json:"to"`
	Step json.Number `json:"step"`
}

// sweepAnswer is the answer to POST /api/sweeps.
type sweepAnswer struct {
	Sweep     string   `json:"sweep"`
	Count     int64    `json:"count"`
	IDs       []string `json:"ids"`
	Published bool     `json:"published"`
}

// plannedSweep is a validated sweep: its kind, its topic and its job
// bodies.
type plannedSweep struct {
	kind, topic string
	count       int64
	bodies      producers.Source
}

// handleSweep is POST /api/sweeps.
func (s *Server) handleSweep(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req sweepRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, badRequest("", "the sweep is not a valid JSON object: %v", err))
		return
	}
	id := NewSweepID()
	var plan plannedSweep
	if req.Numbers != nil {
		plan, err = s.planNumbers(id, &req)
	} else {
		plan, err = s.planLP(id, &req)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans := sweepAnswer{Sweep: id, Count: plan.count, Published: true}
	batch := make([]store.Job, 0, min(plan.count, sweepBatch))
	flush := func() error {
		published, err := Submit(r.Context(), s.store, s.pub, batch)
		if err != nil {
			return err
		}
		s.submitted[plan.kind].Add(uint64(len(batch)))
		ans.Published = ans.Published && published
		batch = batch[:0]
		return nil
	}
	for body, err := range plan.bodies {
		if err == nil {
			var jid string
			jid, body, err = WithID(body, nil)
			if len(ans.IDs) < maxSweepIDs {
				ans.IDs = append(ans.IDs, jid)
			}
			batch = append(batch, store.Job{ID: jid, Kind: plan.kind, Topic: plan.topic, Sweep: id, Body: bytes.Clone(body)})
		}
		if err == nil && len(batch) == sweepBatch {
			err = flush()
		}
		if err != nil {
			s.fail(w, r, fmt.Errorf("sweep %s: %w", id, err))
			return
		}
	}
	if err := flush(); err != nil {
		s.fail(w, r, fmt.Errorf("sweep %s: %w", id, err))
		return
	}
	writeJSON(w, http.StatusAccepted, ans)
}

// planLP builds the jobs of a parameter sweep of a named model and checks
// its two extreme jobs with the lpsolve stage's own check.
func (s *Server) planLP(id string, req *sweepRequest) (plannedSweep, error) {
	if s.lp == nil {
		return plannedSweep{}, badRequest("", "the topology has no lpsolve stage")
	}
	if req.Model == "" {
		return plannedSweep{}, badRequest("model", `a sweep needs "model" (a model name) or "numbers"`)
	}
	names := make([]string, 0, len(req.Params))
	for name := range req.Params {
		names = append(names, name)
	}
	sort.Strings(names)
	sw := producers.Sweep{Model: req.Model, IDPrefix: id, TimeLimitMS: req.TimeLimitMS, Numbered: true}
	count := big.NewInt(1)
	for _, name := range names {
		p, err := parseSweepParam(name, req.Params[name])
		if err != nil {
			return plannedSweep{}, badRequest("params."+name, "parameter %q: %v", name, err)
		}
		sw.Params = append(sw.Params, p)
		count.Mul(count, big.NewInt(int64(len(p.Values))))
		if count.Cmp(big.NewInt(MaxSweepJobs)) > 0 {
			return plannedSweep{}, badRequest("params", "the sweep has more than %d jobs", MaxSweepJobs)
		}
	}
	if err := sw.Validate(); err != nil {
		return plannedSweep{}, badRequest("", "%v", err)
	}
	lowest, highest, err := sw.Extremes()
	if err != nil {
		return plannedSweep{}, badRequest("params", "%v", err)
	}
	for _, extreme := range []producers.Sweep{lowest, highest} {
		for body, err := range extreme.Jobs() {
			if err == nil {
				err = s.lpStage.check(body)
			}
			if err != nil {
				return plannedSweep{}, badRequest(fieldOf(err.Error()), "%v", err)
			}
		}
	}
	return plannedSweep{kind: KindLP, topic: s.lpStage.topic, count: count.Int64(), bodies: sw.Jobs()}, nil
}

// parseSweepParam reads one parameter of a sweep: a number, a list of
// numbers, or {"from", "to", "step"}; values are exact decimals.
func parseSweepParam(name string, raw json.RawMessage) (producers.Param, error) {
	raw = bytes.TrimSpace(raw)
	var spec string
	switch {
	case len(raw) == 0:
		return producers.Param{}, errors.New("no value")
	case raw[0] == '[':
		var vals []json.Number
		if err := json.Unmarshal(raw, &vals); err != nil {
			return producers.Param{}, fmt.Errorf("want a list of numbers: %w", err)
		}
		if len(vals) == 0 {
			return producers.Param{}, errors.New("an empty list")
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String()
		}
		spec = strings.Join(parts, ",")
	case raw[0] == '{':
		var rs rangeSpec
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&rs); err != nil {
			return producers.Param{}, fmt.Errorf(`want {"from": A, "to": B, "step": S}: %w`, err)
		}
		if rs.From == "" || rs.To == "" || rs.Step == "" {
			return producers.Param{}, errors.New(`a range needs "from", "to" and "step"`)
		}
		spec = string(rs.From) + ":" + string(rs.To) + ":" + string(rs.Step)
	default:
		var v json.Number
		if err := json.Unmarshal(raw, &v); err != nil {
			return producers.Param{}, fmt.Errorf("want a number, a list of numbers or a range: %w", err)
		}
		spec = v.String()
	}
	if strings.ContainsAny(spec, "=") {
		return producers.Param{}, fmt.Errorf("%s is not a number", spec)
	}
	p, err := producers.ParseParam(name + "=" + spec)
	if err != nil {
		return producers.Param{}, err
	}
	return p, nil
}

// planNumbers builds the jobs of a range of integers and checks its first
// and last numbers with the primality stage's own check.
func (s *Server) planNumbers(id string, req *sweepRequest) (plannedSweep, error) {
	if s.numStage.check == nil {
		return plannedSweep{}, badRequest("", "the topology has no primality stage")
	}
	if req.Model != "" || req.Params != nil || req.TimeLimitMS != 0 {
		return plannedSweep{}, badRequest("numbers", `give "numbers" alone, or a "model" and its "params"`)
	}
	n := req.Numbers
	var bounds [3]*big.Int
	for i, f := range []struct {
		name string
		raw  json.RawMessage
		def  int64
	}{{"from", n.From, -1}, {"to", n.To, -1}, {"step", n.Step, 1}} {
		v, err := exactInteger(f.raw)
		switch {
		case err == nil:
			bounds[i] = v
		case len(f.raw) == 0 && f.def > 0:
			bounds[i] = big.NewInt(f.def)
		default:
			return plannedSweep{}, badRequest("numbers."+f.name, "%s: %v", f.name, err)
		}
	}
	rg := producers.Range{From: bounds[0], To: bounds[1], Step: bounds[2], IDPrefix: id}
	if err := rg.Validate(); err != nil {
		return plannedSweep{}, badRequest("numbers", "%v", err)
	}
	count := rg.Count()
	if count.Cmp(big.NewInt(MaxSweepJobs)) > 0 {
		return plannedSweep{}, badRequest("numbers", "the range has %s numbers, more than %d", count, MaxSweepJobs)
	}
	last := new(big.Int).Sub(count, big.NewInt(1))
	last.Mul(last, rg.Step).Add(last, rg.From)
	for _, v := range []*big.Int{rg.From, last} {
		if err := s.numStage.check(producers.AppendNumberBody(nil, v)); err != nil {
			return plannedSweep{}, badRequest("numbers", "%v", err)
		}
	}
	return plannedSweep{kind: KindNumber, topic: s.numStage.topic, count: count.Int64(), bodies: rg.Bodies()}, nil
}

// exactInteger reads a JSON integer or a string of decimal digits exactly.
func exactInteger(raw json.RawMessage) (*big.Int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, err
		}
	}
	v, ok := new(big.Int).SetString(strings.TrimSpace(text), 10)
	if !ok {
		return nil, fmt.Errorf("%s is not an integer", raw)
	}
	return v, nil
}

// sweepJobs yields every job of a sweep, page by page, in the order of
// their ids.
func (s *Server) sweepJobs(ctx context.Context, sweep string) func(yield func(store.Job, error) bool) {
	return func(yield func(store.Job, error) bool) {
		after := ""
		for {
			page, err := s.store.Jobs(ctx, store.Filter{Sweep: sweep, AfterID: after, Limit: 1000})
			if err != nil {
				yield(store.Job{}, err)
				return
			}
			for _, j := range page {
				if !yield(j, nil) {
					return
				}
			}
			if len(page) < 1000 {
				return
			}
			after = page[len(page)-1].ID
		}
	}
}

// sweepSummary is the answer to GET /api/sweeps/{sweep}.
type sweepSummary struct {
	Sweep    string                 `json:"sweep"`
	Count    int64                  `json:"count"`
	ByStatus map[store.Status]int64 `json:"by_status"`
}

// handleSweepSummary is GET /api/sweeps/{sweep}.
func (s *Server) handleSweepSummary(w http.ResponseWriter, r *http.Request) {
	sum := sweepSummary{Sweep: r.PathValue("sweep"), ByStatus: map[store.Status]int64{}}
	for j, err := range s.sweepJobs(r.Context(), sum.Sweep) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sum.Count++
		sum.ByStatus[j.Status]++
	}
	if sum.Count == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no sweep %q", sum.Sweep), "")
		return
	}
	writeJSON(w, http.StatusOK, sum)
}
