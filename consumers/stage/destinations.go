package stage

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/backoff"
	"github.com/nsqfarm/nsqfarm/internal/metrics"
	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
)

// Probe back-off of a destination that is down: the first reconnect
// attempt comes at once, the second after probeMin, then the delay
// doubles up to probeMax.
const (
	probeMin = 250 * time.Millisecond
	probeMax = 5 * time.Second
)

// destination is one nsqd that a stage publishes its outputs to.
type destination struct {
	addr string
	// conn is nil while the destination is down; a recovered destination
	// gets a new connection, so a failed one is never reused.
	conn    atomic.Pointer[pubConn]
	lastErr atomic.Pointer[string]
	since   atomic.Int64 // unix nanoseconds of the last change of state
	// dialed is closed once the first connection attempt has ended, so
	// that inputs from a new nsqd wait for it instead of going elsewhere.
	dialed chan struct{}

	up        *metrics.Gauge
	publishes *metrics.Counter
	failures  *metrics.Counter
}

// isUp reports whether the destination is in the rotation.
func (d *destination) isUp() bool { return d.conn.Load() != nil }

// destinations is the set of nsqds a stage publishes to. A destination
// whose publish fails is taken out of the rotation and probed with a
// back-off of its own until it answers again; its work goes to the others.
//
// With explicit addresses the set is fixed. Without them (a stage that
// discovers its inputs through nsqlookupd) the set is dynamic: every nsqd
// an input came from becomes a destination, and an output goes back to the
// nsqd its input came from while that one is up.
type destinations struct {
	name    string
	log     *slog.Logger
	reg     *metrics.Registry
	pcfg    *nsq.Config
	dynamic bool
	// answer receives the outcome of every publish (see pubConn).
	answer func(arg any, err error)

	mu     sync.RWMutex
	list   []*destination
	byAddr map[string]*destination
	next   int

	stop chan struct{}
	wg   sync.WaitGroup // probes
}

// producerConfig is the go-nsq configuration of a publishing connection.
// Heartbeats every 3 s and a 10 s read timeout make a stalled nsqd (a
// SIGSTOP, a cut link) fail its pending publishes within 10 s instead of
// go-nsq's default minute, so they fail over.
func producerConfig() *nsq.Config {
	c := nsq.NewConfig()
	c.UserAgent = UserAgent
	c.HeartbeatInterval = 3 * time.Second
	c.ReadTimeout = 10 * time.Second
	c.WriteTimeout = 5 * time.Second
	c.DialTimeout = 2 * time.Second
	return c
}

// newDestinations connects to each address. An address that does not
// answer starts out down, with its probe running: a stage starts on a sick
// cluster and reports it on /healthz. answer receives the outcome of every
// publish.
func newDestinations(cfg *Config, addrs []string, dynamic bool, answer func(arg any, err error)) *destinations {
	pcfg := producerConfig()
	// Config.validate has checked the settings: Apply cannot fail here.
	_ = cfg.Security.Apply(pcfg)
	ds := &destinations{
		name:    cfg.Name,
		log:     cfg.Logger.With("stage", cfg.Name),
		reg:     cfg.Metrics,
		pcfg:    pcfg,
		dynamic: dynamic,
		answer:  answer,
		byAddr:  map[string]*destination{},
		stop:    make(chan struct{}),
	}
	for _, addr := range addrs {
		ds.mu.Lock()
		d := ds.addLocked(addr)
		ds.mu.Unlock()
		if err := ds.connect(d); err != nil {
			ds.log.Warn("destination nsqd does not answer; probing it", "nsqd", addr, "err", err)
			d.lastErr.Store(ptr(err.Error()))
			ds.probe(d)
		}
		close(d.dialed)
	}
	return ds
}

func ptr[T any](v T) *T { return &v }

// addLocked registers a destination that starts out down; ds.mu is held.
func (ds *destinations) addLocked(addr string) *destination {
	l := []string{"stage", ds.name, "nsqd", addr}
	d := &destination{
		addr:      addr,
		up:        ds.reg.Gauge("nsqfarm_destination_up", "1 while a destination nsqd is in the publish rotation, 0 while it is down and probed.", l...),
		publishes: ds.reg.Counter("nsqfarm_destination_publishes_total", "MPUBs acknowledged by a destination nsqd.", l...),
		failures:  ds.reg.Counter("nsqfarm_destination_failures_total", "MPUBs to a destination nsqd that failed (and went to another).", l...),
	}
	d.dialed = make(chan struct{})
	d.since.Store(time.Now().UnixNano())
	ds.list = append(ds.list, d)
	ds.byAddr[addr] = d
	return d
}

// observe makes addr, an nsqd an input came from, a destination of a
// dynamic set. It returns the address to prefer for that input's outputs
// ("" for a fixed set).
func (ds *destinations) observe(addr string) string {
	if !ds.dynamic || addr == "" {
		return ""
	}
	ds.mu.RLock()
	d, ok := ds.byAddr[addr]
	ds.mu.RUnlock()
	if ok {
		<-d.dialed
		return addr
	}
	ds.mu.Lock()
	d, ok = ds.byAddr[addr]
	if !ok {
		d = ds.addLocked(addr)
	}
	ds.mu.Unlock()
	if ok {
		<-d.dialed
		return addr
	}
	if err := ds.connect(d); err != nil {
		ds.log.Warn("nsqd an input came from does not take publishes; probing it", "nsqd", addr, "err", err)
		d.lastErr.Store(ptr(err.Error()))
		ds.probe(d)
	}
	close(d.dialed)
	return addr
}

// connect dials d and puts it in the rotation.
func (ds *destinations) connect(d *destination) error {
	var pc *pubConn
	pc, err := dialPub(d.addr, ds.pcfg, nsqlog.New(ds.log), ds.answer, func() {
		ds.failed(d, pc, errConnClosed)
	})
	if err != nil {
		return err
	}
	select {
	case <-ds.stop:
		pc.close()
		return errors.New("stage is stopping")
	default:
	}
	d.conn.Store(pc)
	d.since.Store(time.Now().UnixNano())
	d.up.Set(1)
	return nil
}

// pick returns the destination for a publish: prefer when it is up and not
// yet tried, else the next one up in the rotation that is not in tried;
// nil when none is left.
func (ds *destinations) pick(prefer string, tried []*destination) *destination {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if d := ds.byAddr[prefer]; d != nil && d.isUp() && !slices.Contains(tried, d) {
		return d
	}
	for range ds.list {
		d := ds.list[ds.next%len(ds.list)]
		ds.next++
		if d.isUp() && !slices.Contains(tried, d) {
			return d
		}
	}
	return nil
}

// failed takes d out of the rotation after its connection pc failed and
// starts its probe. A failure of a connection already replaced changes
// nothing.
func (ds *destinations) failed(d *destination, pc *pubConn, err error) {
	if pc == nil || !d.conn.CompareAndSwap(pc, nil) {
		return
	}
	d.up.Set(0)
	d.since.Store(time.Now().UnixNano())
	d.lastErr.Store(ptr(err.Error()))
	pc.close()
	select {
	case <-ds.stop:
		return
	default:
	}
	ds.log.Warn("destination nsqd failed; publishing to the others while it is probed", "nsqd", d.addr, "err", err)
	ds.probe(d)
}

// probe reconnects to d with a growing delay until it answers or the set
// is closed.
func (ds *destinations) probe(d *destination) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	select {
	case <-ds.stop:
		return
	default:
	}
	ds.wg.Add(1)
	go func() {
		defer ds.wg.Done()
		for failures := 0; ; failures++ {
			select {
			case <-ds.stop:
				return
			case <-time.After(backoff.Delay(probeMin, probeMax, failures)):
			}
			err := ds.connect(d)
			if err == nil {
				ds.log.Info("destination nsqd is back in the rotation", "nsqd", d.addr)
				return
			}
			d.lastErr.Store(ptr(err.Error()))
		}
	}()
}

// health returns an error when no destination is up (and the set is not
// an empty dynamic one, which fills as inputs arrive), and one line per
// destination that is down.
func (ds *destinations) health() (down []string, err error) {
	ds.mu.Lock()
	list := slices.Clone(ds.list)
	ds.mu.Unlock()
	ups := 0
	for _, d := range list {
		if d.isUp() {
			ups++
			continue
		}
		reason := ""
		if e := d.lastErr.Load(); e != nil {
			reason = *e
		}
		down = append(down, fmt.Sprintf("destination nsqd %s down for %s: %s", d.addr,
			time.Since(time.Unix(0, d.since.Load())).Round(time.Second), reason))
	}
	if ups == 0 && len(list) > 0 {
		return down, fmt.Errorf("cannot publish: every destination nsqd is down (%s)", strings.Join(addrs(list), ", "))
	}
	return down, nil
}

func addrs(list []*destination) []string {
	out := make([]string, len(list))
	for i, d := range list {
		out[i] = d.addr
	}
	return out
}

// close stops the probes and closes every connection.
func (ds *destinations) close() {
	ds.mu.Lock()
	close(ds.stop)
	ds.mu.Unlock()
	ds.wg.Wait()
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for _, d := range ds.list {
		if pc := d.conn.Swap(nil); pc != nil {
			pc.close()
		}
	}
}
