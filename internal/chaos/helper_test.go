package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/nsqio/go-nsq"
)

// The test binary doubles as the suite's helper programs: started inside
// a namespace with envHelper naming a mode and envHelperArgs holding its
// JSON arguments, TestMain runs the helper instead of the tests. The
// helpers are the suite's only way into the cluster network.
const (
	envHelper     = "NSQFARM_CHAOS_HELPER"
	envHelperArgs = "NSQFARM_CHAOS_HELPER_ARGS"
)

// Helper modes.
const (
	modePing    = "ping"    // wait until HTTP endpoints answer 200
	modePublish = "publish" // publish the bodies of a file
	modeObserve = "observe" // create topics and channels, drain topics, report stats
	modePause   = "pause"   // pause or unpause every channel of an nsqd
)

// helperEnv returns the environment that runs mode with args.
func helperEnv(mode string, args any) ([]string, error) {
	b, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("helper %s arguments: %w", mode, err)
	}
	return []string{envHelper + "=" + mode, envHelperArgs + "=" + string(b)}, nil
}

// runHelper runs a helper mode and returns the process exit code.
func runHelper(mode, args string) int {
	var err error
	switch mode {
	case modePing:
		var a pingArgs
		if err = json.Unmarshal([]byte(args), &a); err == nil {
			err = helperPing(a)
		}
	case modePublish:
		var a publishArgs
		if err = json.Unmarshal([]byte(args), &a); err == nil {
			err = helperPublish(a)
		}
	case modeObserve:
		var a observeArgs
		if err = json.Unmarshal([]byte(args), &a); err == nil {
			err = helperObserve(a)
		}
	case modePause:
		var a pauseArgs
		if err = json.Unmarshal([]byte(args), &a); err == nil {
			err = helperPause(a)
		}
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "chaos helper %s: %v\n", mode, err)
		return 1
	}
	return 0
}

// httpClient is the helpers' client for nsqd's HTTP API: /ping and
// /stats, which answer at once.
var httpClient = &http.Client{Timeout: 3 * time.Second}

// adminClient creates topics and channels, which nsqd answers after
// syncing its metadata to disk: slow on a busy disk.
var adminClient = &http.Client{Timeout: 20 * time.Second}

// createAttempts bounds the tries of one creation call.
const createAttempts = 3

// pingArgs are the arguments of modePing.
type pingArgs struct {
	URLs    []string      `json:"urls"`
	Timeout time.Duration `json:"timeout"`
}

// helperPing waits until every URL answers 200, up to the timeout.
func helperPing(a pingArgs) error {
	deadline := time.Now().Add(a.Timeout)
	for _, u := range a.URLs {
		if err := waitHTTP(u, deadline); err != nil {
			return err
		}
	}
	return nil
}

func waitHTTP(u string, deadline time.Time) error {
	for {
		resp, err := httpClient.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET %s: %w", u, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pauseArgs are the arguments of modePause.
type pauseArgs struct {
	HTTP  string `json:"http"`  // the nsqd's HTTP address
	Pause bool   `json:"pause"` // pause, else unpause
}

// helperPause pauses (or unpauses) every channel of every topic the nsqd
// holds, with nsqd's /channel/pause and /channel/unpause.
func helperPause(a pauseArgs) error {
	f := readStats(a.HTTP)
	if !f.OK {
		return fmt.Errorf("stats of %s: %s", a.HTTP, f.Error)
	}
	path := "/channel/unpause"
	if a.Pause {
		path = "/channel/pause"
	}
	for topic, td := range f.Topics {
		for channel := range td.Channels {
			var err error
			for range createAttempts {
				if err = post(a.HTTP, path, url.Values{"topic": {topic}, "channel": {channel}}.Encode()); err == nil {
					break
				}
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// publishArgs are the arguments of modePublish.
type publishArgs struct {
	Addrs      []string `json:"addrs"` // nsqd TCP addresses; batches go round robin
	Topic      string   `json:"topic"`
	File       string   `json:"file"`  // bodies, as writeBodies writes them
	Rate       float64  `json:"rate"`  // messages per second; 0: as fast as nsqd takes them
	BatchSize  int      `json:"batch"` // messages per MPUB
	BatchBytes int      `json:"batch_bytes"`
}

// Publishing limits: a batch is retried this many times, this far apart,
// before the helper gives up.
const (
	publishAttempts = 20
	publishRetry    = 250 * time.Millisecond
)

// helperPublish publishes every body of the file in MPUB batches and
// prints {"published": N} on success.
func helperPublish(a publishArgs) error {
	f, err := os.Open(a.File)
	if err != nil {
		return err
	}
	defer f.Close()
	bodies, err := readBodies(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", a.File, err)
	}
	cfg := nsq.NewConfig()
	var ps []*nsq.Producer
	for _, addr := range a.Addrs {
		p, err := nsq.NewProducer(addr, cfg)
		if err != nil {
			return err
		}
		p.SetLogger(log.New(os.Stderr, "", log.LstdFlags), nsq.LogLevelWarning)
		defer p.Stop()
		ps = append(ps, p)
	}
	start := time.Now()
	sent, next := 0, 0
	for sent < len(bodies) {
		end, size := sent, 0
		for end < len(bodies) && end-sent < a.BatchSize && (end == sent || size+len(bodies[end]) <= a.BatchBytes) {
			size += len(bodies[end])
			end++
		}
		if err := publishBatch(ps[next%len(ps)], a.Topic, bodies[sent:end]); err != nil {
			return fmt.Errorf("after %d of %d messages: %w", sent, len(bodies), err)
		}
		next++
		sent = end
		if a.Rate > 0 {
			due := start.Add(time.Duration(float64(sent) / a.Rate * float64(time.Second)))
			time.Sleep(time.Until(due))
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]int{"published": sent})
}

func publishBatch(p *nsq.Producer, topic string, bodies [][]byte) error {
	var err error
	for attempt := 1; attempt <= publishAttempts; attempt++ {
		if len(bodies) == 1 {
			err = p.Publish(topic, bodies[0])
		} else {
			err = p.MultiPublish(topic, bodies)
		}
		if err == nil {
			return nil
		}
		time.Sleep(publishRetry)
	}
	return fmt.Errorf("publish %d messages to %s on %s: %w", len(bodies), topic, p.String(), err)
}

// writeBodies writes each body as its decimal length, a newline and the
// bytes.
func writeBodies(w io.Writer, bodies [][]byte) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for _, b := range bodies {
		if _, err := fmt.Fprintf(bw, "%d\n", len(b)); err != nil {
			return err
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// readBodies reads what writeBodies wrote.
func readBodies(r *bufio.Reader) ([][]byte, error) {
	var out [][]byte
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(line[:len(line)-1])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad length %q", line)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
}

// observeArgs are the arguments of modeObserve.
type observeArgs struct {
	NSQDs []nsqdAddrs `json:"nsqds"`
	// Drain lists the topics read on Channel and reported as frameMessage.
	Drain   []string `json:"drain"`
	Channel string   `json:"channel"`
	// Create lists further topic/channel pairs created before anything
	// is drained.
	Create     []topicChannel `json:"create"`
	StatsEvery time.Duration  `json:"stats_every"`
}

// nsqdAddrs are the addresses of one nsqd.
type nsqdAddrs struct {
	TCP  string `json:"tcp"`
	HTTP string `json:"http"`
}

// topicChannel names a channel of a topic.
type topicChannel struct {
	Topic   string `json:"topic"`
	Channel string `json:"channel"`
}

// Frames an observer writes on its standard output: a header line
// "KIND A B LEN" and LEN bytes.
const (
	frameReady   = 'R' // the channels exist and the drain has started
	frameMessage = 'M' // A: nsqd index, B: topic index, body: the message
	frameStats   = 'S' // A: nsqd index, body: statsFrame as JSON
)

// statsFrame is one nsqd's depths at one moment.
type statsFrame struct {
	OK     bool                  `json:"ok"`
	Error  string                `json:"error,omitempty"`
	Topics map[string]topicDepth `json:"topics,omitempty"`
}

// topicDepth is what a topic and its channels hold.
type topicDepth struct {
	Depth    int64                   `json:"depth"`
	Channels map[string]channelDepth `json:"channels"`
}

// channelDepth is what a channel holds: queued, in flight and deferred.
type channelDepth struct {
	Depth    int64 `json:"depth"`
	InFlight int64 `json:"in_flight"`
	Deferred int64 `json:"deferred"`
}

// frameWriter writes frames to a buffered output; flush runs
// periodically so the reader sees progress.
type frameWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

func (f *frameWriter) write(kind byte, a, b int, body []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, err := fmt.Fprintf(f.w, "%c %d %d %d\n", kind, a, b, len(body)); err != nil {
		f.err = err
		return err
	}
	_, f.err = f.w.Write(body)
	return f.err
}

func (f *frameWriter) flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = f.w.Flush()
	}
	return f.err
}

// observerConsumer settings: enough in flight to drain fast, and a quick
// reconnection to an nsqd that went away.
const (
	observerMaxInFlight = 2000
	observerReconnect   = time.Second
	observerFlushEvery  = 50 * time.Millisecond
	observerStopLimit   = 10 * time.Second
)

// helperObserve creates the topics and channels on every nsqd, then
// drains the topics to standard output as frames and reports every
// nsqd's depths, until standard input is closed or SIGTERM.
func helperObserve(a observeArgs) error {
	out := &frameWriter{w: bufio.NewWriterSize(os.Stdout, 1<<20)}
	for _, n := range a.NSQDs {
		if err := waitHTTP("http://"+n.HTTP+"/ping", time.Now().Add(20*time.Second)); err != nil {
			return err
		}
		for _, topic := range a.Drain {
			if err := createChannel(n.HTTP, topic, a.Channel); err != nil {
				return err
			}
		}
		for _, tc := range a.Create {
			if err := createChannel(n.HTTP, tc.Topic, tc.Channel); err != nil {
				return err
			}
		}
	}
	tcp := make([]string, len(a.NSQDs))
	index := map[string]int{}
	for i, n := range a.NSQDs {
		tcp[i] = n.TCP
		index[n.TCP] = i
	}
	var consumers []*nsq.Consumer
	defer func() {
		for _, c := range consumers {
			c.Stop()
		}
		for _, c := range consumers {
			select {
			case <-c.StopChan:
			case <-time.After(observerStopLimit):
			}
		}
		_ = out.flush()
	}()
	for ti, topic := range a.Drain {
		cfg := nsq.NewConfig()
		cfg.MaxInFlight = observerMaxInFlight
		cfg.LookupdPollInterval = observerReconnect
		cfg.MaxAttempts = 0
		c, err := nsq.NewConsumer(topic, a.Channel, cfg)
		if err != nil {
			return err
		}
		c.SetLogger(log.New(os.Stderr, topic+" ", log.LstdFlags), nsq.LogLevelWarning)
		c.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
			return out.write(frameMessage, index[m.NSQDAddress], ti, m.Body)
		}))
		consumers = append(consumers, c)
		if err := c.ConnectToNSQDs(tcp); err != nil {
			return fmt.Errorf("drain %s: %w", topic, err)
		}
	}
	if err := out.write(frameReady, 0, 0, nil); err != nil {
		return err
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	go func() {
		// The test closes standard input to stop the observer.
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	flush := time.NewTicker(observerFlushEvery)
	defer flush.Stop()
	stats := time.NewTicker(a.StatsEvery)
	defer stats.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-flush.C:
			if err := out.flush(); err != nil {
				return err
			}
		case <-stats.C:
			for i, n := range a.NSQDs {
				b, _ := json.Marshal(readStats(n.HTTP))
				if err := out.write(frameStats, i, 0, b); err != nil {
					return err
				}
			}
		}
	}
}

// createChannel creates topic and its channel (both calls are
// idempotent, so a call that timed out is simply repeated).
func createChannel(httpAddr, topic, channel string) error {
	for _, call := range []struct{ path, query string }{
		{"/topic/create", url.Values{"topic": {topic}}.Encode()},
		{"/channel/create", url.Values{"topic": {topic}, "channel": {channel}}.Encode()},
	} {
		var err error
		for range createAttempts {
			if err = post(httpAddr, call.path, call.query); err == nil {
				break
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func post(httpAddr, path, query string) error {
	resp, err := adminClient.Post("http://"+httpAddr+path+"?"+query, "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s%s?%s: %s", httpAddr, path, query, resp.Status)
	}
	return nil
}

// readStats reads one nsqd's /stats.
func readStats(httpAddr string) statsFrame {
	resp, err := httpClient.Get("http://" + httpAddr + "/stats?format=json")
	if err != nil {
		return statsFrame{Error: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statsFrame{Error: resp.Status}
	}
	var s struct {
		Topics []struct {
			Name     string `json:"topic_name"`
			Depth    int64  `json:"depth"`
			Channels []struct {
				Name     string `json:"channel_name"`
				Depth    int64  `json:"depth"`
				InFlight int64  `json:"in_flight_count"`
				Deferred int64  `json:"deferred_count"`
			} `json:"channels"`
		} `json:"topics"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return statsFrame{Error: fmt.Sprintf("decode /stats: %v", err)}
	}
	f := statsFrame{OK: true, Topics: map[string]topicDepth{}}
	for _, t := range s.Topics {
		td := topicDepth{Depth: t.Depth, Channels: map[string]channelDepth{}}
		for _, c := range t.Channels {
			td.Channels[c.Name] = channelDepth{Depth: c.Depth, InFlight: c.InFlight, Deferred: c.Deferred}
		}
		f.Topics[t.Name] = td
	}
	return f
}
