package lpsolve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/jsonutf8"
	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/jsonmodel"
	"github.com/nsqfarm/nsqfarm/internal/lp/jsonpos"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
)

// job is one lp_params message. See the package documentation.
type job struct {
	ID          json.RawMessage            `json:"id"`
	Model       json.RawMessage            `json:"model"`
	Params      map[string]json.RawMessage `json:"params"`
	Format      string                     `json:"format"`
	Text        *string                    `json:"text"`
	TimeLimitMS json.RawMessage            `json:"time_limit_ms"`
	MIPGap      json.RawMessage            `json:"mip_gap"`
	// Relax asks for the linear relaxation of a model with integer
	// variables instead of its integer optimum.
	Relax bool `json:"relax"`

	timeLimit int64   // parsed TimeLimitMS; 0 when absent
	mipGap    float64 // parsed MIPGap; 0 (the engine's default) when absent
	body      []byte  // the message, to place errors of an inline model
}

// jobFields lists the fields of a job, for unknown fields.
func jobFields([]any) string {
	return "id, model, params, format, text, time_limit_ms, mip_gap or relax"
}

// decodeJob parses and checks the envelope of a job message.
func decodeJob(body []byte) (*job, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("job is not valid UTF-8 JSON: invalid UTF-8")
	}
	var j job
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("job is not a valid JSON object: %w", jsonpos.DecodeError("", body, err, jobFields))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("job has data after its JSON object: %w",
			jsonpos.At("", body, jsonpos.AfterValue(body), "expected the end of the job"))
	}
	j.body = body
	if isNull(j.ID) {
		j.ID = nil
	} else if !isNumber(j.ID) && j.ID[0] != '"' {
		return nil, fmt.Errorf(`"id" must be a string or a number, got %s`, j.ID)
	} else if err := jsonutf8.CheckStrict(j.ID, 0); err != nil {
		return nil, fmt.Errorf(`job is not valid UTF-8 JSON: "id": %w`, err)
	}
	if !isNull(j.TimeLimitMS) {
		ms, err := strconv.ParseInt(string(j.TimeLimitMS), 10, 64)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf(`"time_limit_ms" must be a positive integer number of milliseconds, got %s`, j.TimeLimitMS)
		}
		j.timeLimit = ms
	}
	if !isNull(j.MIPGap) {
		g, err := strconv.ParseFloat(string(j.MIPGap), 64)
		if err != nil || !isNumber(j.MIPGap) || !(g >= 0 && g <= 1) {
			return nil, fmt.Errorf(`"mip_gap" must be a number from 0 to 1, got %s`, j.MIPGap)
		}
		j.mipGap = g
	}
	return &j, nil
}

// isNull reports whether a raw value is absent or null.
func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// isNumber reports whether a raw JSON value is a number.
func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9')
}

// build turns a job into a model. It returns the model label of the
// solution ("inline", "lp", "mps" or the template name) and, for named
// models, the parameter values.
func (h *Handler) build(j *job) (*lp.Model, string, Object[json.Number], error) {
	named := !isNull(j.Model) && j.Model[0] == '"'
	if j.Params != nil && !named {
		return nil, "", nil, errors.New(`"params" only apply to named models`)
	}
	if !isNull(j.Model) {
		if j.Format != "" || j.Text != nil {
			return nil, "", nil, errors.New(`give either "model" or "format" and "text", not both`)
		}
		if named {
			return h.named(j)
		}
		if j.Model[0] != '{' {
			return nil, "", nil, fmt.Errorf(`"model" must be a model name or an inline model object, got %.40s`, j.Model)
		}
		if err := h.opts.checkText(len(j.Model), "inline model"); err != nil {
			return nil, "", nil, err
		}
		m, err := jsonmodel.Decode(j.Model)
		if err != nil {
			return nil, "", nil, fmt.Errorf("inline model: %w", j.placeInBody(err))
		}
		return m, "inline", nil, nil
	}
	if j.Format == "" {
		return nil, "", nil, errors.New(`job needs "model" (a model name or an inline model) or "format" and "text"`)
	}
	if j.Text == nil {
		return nil, "", nil, fmt.Errorf(`format %q needs "text"`, j.Format)
	}
	if err := h.opts.checkText(len(*j.Text), `"text"`); err != nil {
		return nil, "", nil, err
	}
	if f := modelfile.Format(j.Format); f != modelfile.LP && f != modelfile.MPS {
		return nil, "", nil, fmt.Errorf(`unknown format %q (want "lp" or "mps")`, j.Format)
	}
	m, err := modelfile.Decode(strings.NewReader(*j.Text), modelfile.Format(j.Format))
	if err != nil {
		return nil, "", nil, fmt.Errorf("%s text: %w", j.Format, err)
	}
	return m, j.Format, nil, nil
}

// placeInBody turns the place of an error of the inline model, counted
// from the start of the model, into its place in the job. The error keeps
// no place when the model cannot be found in the job as decoded.
func (j *job) placeInBody(err error) error {
	var pe *jsonpos.Error
	if !errors.As(err, &pe) || pe.Offset < 0 {
		return err
	}
	if _, at, ok := jsonpos.Locate(j.body, []any{"model"}); ok && bytes.HasPrefix(j.body[at:], j.Model) {
		pe.Rebase(j.body, at)
	} else {
		pe.Offset, pe.Line, pe.Column = -1, 0, 0
	}
	return err
}

// named instantiates a template.
func (h *Handler) named(j *job) (*lp.Model, string, Object[json.Number], error) {
	var name string
	if err := json.Unmarshal(j.Model, &name); err != nil {
		return nil, "", nil, fmt.Errorf(`"model": %w`, err)
	}
	t, ok := h.templates.Lookup(name)
	if !ok {
		return nil, "", nil, fmt.Errorf("unknown model %q (known: %s)", name, h.templates)
	}
	params := make(map[string]json.Number, len(j.Params))
	for k, raw := range j.Params {
		if !isNumber(raw) {
			return nil, "", nil, fmt.Errorf("parameter %q must be a JSON number, got %s", k, raw)
		}
		params[k] = json.Number(raw)
	}
	m, vals, err := t.InstantiateValues(params)
	if err != nil {
		return nil, "", nil, err
	}
	echo := make(Object[json.Number], len(vals))
	for i, v := range vals {
		echo[i] = Entry[json.Number]{v.Name, v.Value}
	}
	return m, name, echo, nil
}
