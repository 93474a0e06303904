package stage

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
)

// Controller is implemented by handlers that take control messages: the
// messages of the stage's control topic (Config.Control), which tell the
// handler something about its work rather than give it work, such as
// "stop solving job 7". Every consumer of the stage hears every control
// message: each reads the control topic on an ephemeral channel of its
// own.
//
// Control is called from one goroutine at a time, concurrently with
// Handle. The message is finished when Control returns, whatever it
// returns: an error (a message the handler cannot read, an action it does
// not know) is logged and counted, and the message is not retried or
// dead-lettered. Control must return promptly; body is only valid during
// the call.
type Controller interface {
	Control(body []byte) error
}

const (
	// controlMaxInFlight is how many control messages nsqd may push to a
	// consumer before they are finished.
	controlMaxInFlight = 64
	// controlStopTimeout bounds the wait for the control consumer to
	// close once the input is drained.
	controlStopTimeout = 5 * time.Second
	// maxChannelName is NSQ's limit on a channel name, "#ephemeral"
	// included.
	maxChannelName = 64
	// ephemeral is the suffix of an ephemeral channel's name: nsqd keeps
	// its messages in memory only and deletes it when its last consumer
	// leaves.
	ephemeral = "#ephemeral"
)

// controlChannel returns a new ephemeral channel name for a consumer of
// stage's control topic: "<stage>-<8 random hex digits>#ephemeral", the
// stage name cut to fit NSQ's 64 characters and with the characters NSQ
// does not allow in a name replaced by "_".
func controlChannel(stage string) string {
	suffix := fmt.Sprintf("-%08x%s", rand.Uint32(), ephemeral)
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return r
		}
		return '_'
	}, stage)
	if n := maxChannelName - len(suffix); len(name) > n {
		name = name[:n]
	}
	return name + suffix
}

// controlReader hands the messages of the control topic to the handler.
type controlReader struct {
	s   *Stage
	ctl Controller
	log *slog.Logger
}

// HandleMessage implements nsq.Handler: it always returns nil, so that
// go-nsq finishes every control message.
func (r *controlReader) HandleMessage(m *nsq.Message) error {
	r.s.stats.controls.Inc()
	if err := r.control(m.Body); err != nil {
		r.s.stats.badControls.Inc()
		const show = 256
		body := m.Body
		if len(body) > show {
			body = body[:show]
		}
		r.log.Warn("control message rejected; finished without effect",
			"bytes", len(m.Body), "body", string(body), "err", err)
	}
	return nil
}

// control calls the handler's Control, turning a panic into an error.
func (r *controlReader) control(body []byte) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("handler panicked on a control message", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", v)
		}
	}()
	return r.ctl.Control(body)
}

// startControl subscribes a new ephemeral channel of the control topic,
// found as the input is (through nsqlookupd or at the nsqds given), and
// hands its messages to the handler.
func (s *Stage) startControl(log *slog.Logger) (*nsq.Consumer, error) {
	channel := controlChannel(s.cfg.Name)
	ncfg := nsq.NewConfig()
	ncfg.UserAgent = UserAgent
	ncfg.MaxInFlight = controlMaxInFlight
	ncfg.MaxAttempts = 0 // every control message is finished; go-nsq must never drop one
	ncfg.LookupdPollInterval = lookupdPollInterval
	if err := s.cfg.Security.Apply(ncfg); err != nil {
		return nil, fmt.Errorf("stage %s: control topic %s: %w", s.cfg.Name, s.cfg.Control, err)
	}
	c, err := nsq.NewConsumer(s.cfg.Control, channel, ncfg)
	if err != nil {
		return nil, fmt.Errorf("stage %s: control consumer: %w", s.cfg.Name, err)
	}
	log = log.With("control", s.cfg.Control, "channel", channel)
	c.SetLogger(nsqlog.New(log), nsq.LogLevelWarning)
	c.AddHandler(&controlReader{s: s, ctl: s.ctl, log: log})
	if err := s.connect(c, ncfg); err != nil {
		c.Stop()
		<-c.StopChan
		return nil, fmt.Errorf("stage %s: connect to control topic %s: %w", s.cfg.Name, s.cfg.Control, err)
	}
	return c, nil
}

// stopControl closes the control consumer, if any, waiting at most
// controlStopTimeout.
func (s *Stage) stopControl(log *slog.Logger) {
	c := s.control.Load()
	if c == nil {
		return
	}
	c.Stop()
	select {
	case <-c.StopChan:
	case <-time.After(controlStopTimeout):
		log.Warn("control consumer did not close in time", "control", s.cfg.Control, "timeout", controlStopTimeout)
	}
}
