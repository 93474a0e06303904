package jobs

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/store"
)

// resultRow is one job of a sweep in its downloads: its parameters (an
// lp job's params, or a number job's number), its status and its outcome.
type resultRow struct {
	ID     string       `json:"id"`
	Status store.Status `json:"status"`
	// Params are the job's parameters in the order of its body; Number
	// is a number job's number, exact.
	Params orderedParams `json:"params,omitempty"`
	Number json.Number   `json:"number,omitempty"`
	// Outcome is the solution's status (optimal, infeasible...) of an lp
	// job, "prime" or "composite" for a number job.
	Outcome   string   `json:"outcome,omitempty"`
	Objective *float64 `json:"objective,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// orderedParams keeps the parameters of a job in the order of its body.
type orderedParams []paramValue

type paramValue struct {
	name  string
	value json.Number
}

// MarshalJSON writes the parameters as an object, in order.
func (p orderedParams) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, v := range p {
		if i > 0 {
			out = append(out, ',')
		}
		name, err := json.Marshal(v.name)
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, name...), ':'), v.value...)
	}
	return append(out, '}'), nil
}

// rowOf reads the parameters of a job from its body and its outcome from
// its result.
func rowOf(j store.Job) resultRow {
	row := resultRow{ID: j.ID, Status: j.Status, Error: j.Error}
	var body struct {
		Number json.Number     `json:"number"`
		Params json.RawMessage `json:"params"`
	}
	dec := json.NewDecoder(bytes.NewReader(j.Body))
	dec.UseNumber()
	if dec.Decode(&body) == nil {
		row.Number = body.Number
		row.Params = paramsInOrder(body.Params)
	}
	if len(j.Result) > 0 {
		var res struct {
			Status    string   `json:"status"`
			Objective *float64 `json:"objective"`
			Prime     *bool    `json:"prime"`
			Error     string   `json:"error"`
		}
		if json.Unmarshal(j.Result, &res) == nil {
			row.Outcome, row.Objective = res.Status, res.Objective
			if res.Prime != nil {
				row.Outcome = map[bool]string{true: "prime", false: "composite"}[*res.Prime]
			}
			if row.Error == "" {
				row.Error = res.Error
			}
		}
	}
	return row
}

// paramsInOrder decodes a params object keeping its order.
func paramsInOrder(raw json.RawMessage) orderedParams {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out orderedParams
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return out
		}
		var v json.Number
		if err := dec.Decode(&v); err != nil {
			return out
		}
		name, _ := k.(string)
		out = append(out, paramValue{name, v})
	}
	return out
}

// handleSweepJSON is GET /api/sweeps/{sweep}/results.json: a JSON array
// of the sweep's jobs, streamed page by page.
func (s *Server) handleSweepJSON(w http.ResponseWriter, r *http.Request) {
	sweep := r.PathValue("sweep")
	bw := bufio.NewWriter(w)
	n := 0
	for j, err := range s.sweepJobs(r.Context(), sweep) {
		if err != nil {
			if n == 0 {
				s.fail(w, r, err)
			} else {
				s.log.Error("sweep download failed", "sweep", sweep, "err", err)
			}
			return
		}
		row, err := json.Marshal(rowOf(j))
		if err != nil {
			s.log.Error("sweep download failed", "sweep", sweep, "err", err)
			return
		}
		if n == 0 {
			w.Header().Set("Content-Type", "application/json")
			bw.WriteString("[\n")
		} else {
			bw.WriteString(",\n")
		}
		bw.Write(row)
		n++
	}
	if n == 0 {
		writeError(w, http.StatusNotFound, "no sweep "+strconv.Quote(sweep), "")
		return
	}
	bw.WriteString("\n]\n")
	_ = bw.Flush()
}

// handleSweepCSV is GET /api/sweeps/{sweep}/results.csv: one row per job
// of the sweep, streamed page by page. The columns are id, status, the
// parameters (named after the first job's), or number, then outcome,
// objective and error.
func (s *Server) handleSweepCSV(w http.ResponseWriter, r *http.Request) {
	sweep := r.PathValue("sweep")
	cw := csv.NewWriter(w)
	var header []string
	for j, err := range s.sweepJobs(r.Context(), sweep) {
		if err != nil {
			if header == nil {
				s.fail(w, r, err)
			} else {
				s.log.Error("sweep download failed", "sweep", sweep, "err", err)
			}
			return
		}
		row := rowOf(j)
		if header == nil {
			header = []string{"id", "status"}
			if j.Kind == KindNumber {
				header = append(header, "number")
			}
			for _, p := range row.Params {
				header = append(header, p.name)
			}
			header = append(header, "outcome", "objective", "error")
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+sweep+`.csv"`)
			_ = cw.Write(header)
		}
		rec := []string{row.ID, string(row.Status)}
		if j.Kind == KindNumber {
			rec = append(rec, row.Number.String())
		}
		for _, p := range row.Params {
			rec = append(rec, p.value.String())
		}
		obj := ""
		if row.Objective != nil {
			b, _ := json.Marshal(*row.Objective)
			obj = string(b)
		}
		_ = cw.Write(append(rec, row.Outcome, obj, row.Error))
	}
	if header == nil {
		writeError(w, http.StatusNotFound, "no sweep "+strconv.Quote(sweep), "")
		return
	}
	cw.Flush()
}
