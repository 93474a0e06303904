package stage

import (
	"maps"
	"slices"

	"github.com/nsqfarm/nsqfarm/internal/metrics"
)

// stats are a stage's metrics.
type stats struct {
	processed    *metrics.Counter
	failed       *metrics.Counter
	deadLettered *metrics.Counter
	inFlight     *metrics.Gauge
	latency      *metrics.Histogram
	batches      *metrics.Counter
	publishErrs  *metrics.Counter
	rejected     *metrics.Counter
	controls     *metrics.Counter            // nil without a control topic
	badControls  *metrics.Counter            // nil without a control topic
	published    map[string]*metrics.Counter // by topic
}

func newStats(r *metrics.Registry, c *Config) *stats {
	l := []string{"stage", c.Name}
	s := &stats{
		processed:    r.Counter("nsqfarm_messages_processed_total", "Inputs finished after all their outputs were acknowledged.", l...),
		failed:       r.Counter("nsqfarm_messages_failed_total", "Transient failures: inputs requeued with backoff.", l...),
		deadLettered: r.Counter("nsqfarm_messages_dead_lettered_total", "Inputs published to the dead-letter topic, then finished.", l...),
		inFlight:     r.Gauge("nsqfarm_messages_in_flight", "Inputs received and not yet finished or requeued.", l...),
		latency:      r.Histogram("nsqfarm_handler_duration_seconds", "Handler run time per input.", metrics.LatencyBuckets, l...),
		batches:      r.Counter("nsqfarm_publish_batches_total", "MPUB batches sent.", l...),
		publishErrs:  r.Counter("nsqfarm_publish_errors_total", "Inputs requeued because their outputs could be published on no destination nsqd.", l...),
		rejected:     r.Counter("nsqfarm_publish_rejected_total", "MPUBs nsqd refused for their content (E_BAD_MESSAGE, E_BAD_BODY); their inputs were found and dead-lettered.", l...),
		published:    map[string]*metrics.Counter{},
	}
	if c.Control != "" {
		s.controls = r.Counter("nsqfarm_control_messages_total", "Control messages handed to the handler.", l...)
		s.badControls = r.Counter("nsqfarm_control_errors_total", "Control messages the handler rejected or panicked on (logged, then finished).", l...)
	}
	for _, topic := range append(slices.Sorted(maps.Values(c.Outputs)), c.DeadLetter) {
		if s.published[topic] == nil {
			s.published[topic] = r.Counter("nsqfarm_outputs_published_total", "Output messages acknowledged by nsqd, by topic.", "stage", c.Name, "topic", topic)
		}
	}
	return s
}
