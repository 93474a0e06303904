package lpsolve

import (
	"github.com/nsqfarm/nsqfarm/internal/lp/template"
)

// Check reports whether Handle would dead-letter body as malformed: it
// decodes the job, builds its model and checks the size limits exactly as
// Handle does, without solving. The error is the reason the dead letter
// would give.
func (h *Handler) Check(body []byte) error {
	j, err := decodeJob(body)
	if err != nil {
		return err
	}
	m, _, _, err := h.build(j)
	if err != nil {
		return err
	}
	return h.opts.checkSize(m)
}

// Template returns the named model jobs can refer to.
func (h *Handler) Template(name string) (*template.Template, bool) {
	return h.templates.Lookup(name)
}
