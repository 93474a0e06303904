package hopbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/goccy/go-json"
)

// nsqd is the nsqd process the benchmark runs against.
type nsqd struct {
	proc    *child
	tcpAddr string
	api     *api
	version string
}

// Start-up limits of nsqd.
const (
	nsqdStartAttempts = 3
	nsqdStartTimeout  = 15 * time.Second
)

// startNSQD starts bin on free loopback ports with its data under dir and
// waits until its HTTP API answers. Free ports are found by binding port 0
// and closing the listener, so another process may take one before nsqd
// binds it: a start that fails is retried on new ports.
func startNSQD(ctx context.Context, bin, dir string, log *slog.Logger) (*nsqd, error) {
	data := filepath.Join(dir, "nsqd-data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, fmt.Errorf("hopbench: nsqd data dir: %w", err)
	}
	var errs []error
	for range nsqdStartAttempts {
		d, err := tryStartNSQD(ctx, bin, data, filepath.Join(dir, "nsqd.log"))
		if err == nil {
			log.Info("nsqd started", "version", d.version, "tcp", d.tcpAddr, "http", d.api.base, "data", data)
			return d, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("hopbench: start nsqd: %w", errors.Join(errs...))
}

// tryStartNSQD makes one attempt of startNSQD.
func tryStartNSQD(ctx context.Context, bin, data, logPath string) (*nsqd, error) {
	addrs, err := freeAddrs(2)
	if err != nil {
		return nil, err
	}
	p, err := startChild("nsqd", logPath, bin,
		"--tcp-address", addrs[0],
		"--http-address", addrs[1],
		"--data-path", data,
		"--log-level", "warn")
	if err != nil {
		return nil, err
	}
	d := &nsqd{proc: p, tcpAddr: addrs[0], api: newAPI(addrs[1])}
	ctx, cancel := context.WithTimeout(ctx, nsqdStartTimeout)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		v, err := d.api.info(ctx)
		if err == nil {
			d.version = v
			return d, nil
		}
		if p.exited() {
			return nil, fmt.Errorf("nsqd exited during start-up: %w", p.exitError())
		}
		select {
		case <-ctx.Done():
			_ = p.stop(stopGrace)
			return nil, fmt.Errorf("nsqd at %s not answering after %v: %w", d.api.base, nsqdStartTimeout, err)
		case <-t.C:
		}
	}
}

// freeAddrs returns n distinct loopback addresses whose ports were free a
// moment ago.
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		// Keep it open until all are chosen, so they differ.
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// api is a client of nsqd's HTTP API.
type api struct {
	base   string // http://host:port
	client *http.Client
}

func newAPI(httpAddr string) *api {
	return &api{base: "http://" + httpAddr, client: &http.Client{Timeout: 10 * time.Second}}
}

// do sends a request and returns the body of a 200 answer.
func (a *api) do(ctx context.Context, method, path string, q url.Values) ([]byte, error) {
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, body)
	}
	return body, nil
}

// info returns nsqd's version from GET /info.
func (a *api) info(ctx context.Context) (string, error) {
	body, err := a.do(ctx, http.MethodGet, "/info", nil)
	if err != nil {
		return "", err
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("decode /info: %w", err)
	}
	return v.Version, nil
}

// createChannels creates topic and its channels.
func (a *api) createChannels(ctx context.Context, topic string, channels ...string) error {
	if _, err := a.do(ctx, http.MethodPost, "/topic/create", url.Values{"topic": {topic}}); err != nil {
		return fmt.Errorf("hopbench: create topic %s: %w", topic, err)
	}
	for _, c := range channels {
		if _, err := a.do(ctx, http.MethodPost, "/channel/create", url.Values{"topic": {topic}, "channel": {c}}); err != nil {
			return fmt.Errorf("hopbench: create channel %s/%s: %w", topic, c, err)
		}
	}
	return nil
}

// statsQuery asks for topics and channels only: client and memory stats
// would cost nsqd work on every poll.
var statsQuery = url.Values{"format": {"json"}, "include_clients": {"false"}, "include_mem": {"false"}}

// stats returns GET /stats.
func (a *api) stats(ctx context.Context) (*stats, error) {
	body, err := a.do(ctx, http.MethodGet, "/stats", statsQuery)
	if err != nil {
		return nil, fmt.Errorf("hopbench: nsqd stats: %w", err)
	}
	var s stats
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("hopbench: decode nsqd stats: %w", err)
	}
	return &s, nil
}

// stats is the part of nsqd's /stats?format=json the benchmark reads.
type stats struct {
	Topics []topicStats `json:"topics"`
}

// topicStats is one topic of stats.
type topicStats struct {
	Name         string         `json:"topic_name"`
	Depth        int64          `json:"depth"` // memory and disk
	MessageCount uint64         `json:"message_count"`
	Channels     []channelStats `json:"channels"`
}

// channelStats is one channel of a topicStats.
type channelStats struct {
	Name          string `json:"channel_name"`
	Depth         int64  `json:"depth"` // memory and disk
	InFlightCount int64  `json:"in_flight_count"`
	DeferredCount int64  `json:"deferred_count"`
	MessageCount  uint64 `json:"message_count"`
	RequeueCount  uint64 `json:"requeue_count"`
	TimeoutCount  uint64 `json:"timeout_count"`
}

// pending is the number of messages the channel has not seen finished.
func (c *channelStats) pending() int64 { return c.Depth + c.InFlightCount + c.DeferredCount }

// topic returns the named topic, or nil when nsqd does not have it.
func (s *stats) topic(name string) *topicStats {
	for i := range s.Topics {
		if s.Topics[i].Name == name {
			return &s.Topics[i]
		}
	}
	return nil
}

// channel returns the named channel of topic, or nil.
func (s *stats) channel(topic, name string) *channelStats {
	t := s.topic(topic)
	if t == nil {
		return nil
	}
	for i := range t.Channels {
		if t.Channels[i].Name == name {
			return &t.Channels[i]
		}
	}
	return nil
}

// messageCount sums the message counts of topics; a missing topic counts
// zero (nsqd creates it on the first publish).
func (s *stats) messageCount(topics ...string) uint64 {
	var n uint64
	for _, name := range topics {
		if t := s.topic(name); t != nil {
			n += t.MessageCount
		}
	}
	return n
}
