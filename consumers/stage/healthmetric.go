package stage

import (
	"context"

	"github.com/nsqfarm/nsqfarm/internal/metrics"
)

// stageHealth is a metrics.Collector of the farm's stages' health, so that
// Prometheus can alert on what /healthz reports.
type stageHealth []*Stage

// Collect emits nsqfarm_stage_up for each stage: 1 when it can work,
// 0 when it is not running, reads from no nsqd or can publish to none.
func (h stageHealth) Collect(_ context.Context, e *metrics.Emitter) {
	for _, s := range h {
		up := 1.0
		if _, err := s.Health(); err != nil {
			up = 0
		}
		e.Gauge("nsqfarm_stage_up", "1 while the stage can work (its part of /healthz is ok), else 0: not running, reading from no nsqd or publishing to none.", up, "stage", s.cfg.Name)
	}
}
