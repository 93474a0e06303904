package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
	"github.com/nsqfarm/nsqfarm/internal/nsqsecure"
	"github.com/nsqfarm/nsqfarm/internal/progress"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// Timing of tail's checks.
const (
	// tailCheckInterval is how often tail reads each nsqd's /stats for the
	// topic: to subscribe once it is safe, to leave when it no longer is,
	// and to count the messages nsqd dropped on tail's channel.
	tailCheckInterval = time.Second
	// tailLookupInterval is how often tail asks nsqlookupd which nsqds
	// have the topic.
	tailLookupInterval = 5 * time.Second
	// tailHintDelay is how long tail waits with nothing received before it
	// prints a hint on a terminal.
	tailHintDelay = 2 * time.Second
	// tailMaxInFlight is the RDY count tail gives each nsqd.
	tailMaxInFlight = 200
	// ephemeralSuffix marks a channel (or topic) nsqd keeps in memory only
	// and deletes when its last client leaves.
	ephemeralSuffix = "#ephemeral"
)

// cmdTail prints a topic's messages, one JSON document a line.
//
// By default it reads on a new ephemeral channel, and only on an nsqd where
// the topic already has a durable channel: nsqd gives a channel-less topic's
// backlog to the first channel created, and while tail's channel is a
// topic's only channel every message published goes to tail alone, so in
// both cases tail would take what a later subscriber would get. On an nsqd
// where that is so, tail refuses at start if the topic holds a backlog, and
// otherwise waits (checking every tailCheckInterval) for a durable channel.
// --from-start subscribes regardless, taking the backlog on purpose.
// --channel reads a named channel with no such check.
func cmdTail(ctx context.Context, args []string, e *env) error {
	fs := e.flags("tail", "--topic TOPIC [-n N] [--from-start | --channel C] [address flags]", `
Print a topic's messages on stdout, one a line, and everything else on
stderr. By default tail reads on a new ephemeral channel, and only where
the topic already has a durable channel, so that it takes nothing another
subscriber would get; --from-start reads what the topic holds even so, and
--channel reads a durable channel of your own. The nsqds are those
nsqlookupd knows (--lookupd-http-address) or those given
(--nsqd-tcp-address), by default the topology's.`)
	config := configFlag(fs)
	lookupd := lookupdFlag(fs)
	nsqdTCP := nsqdTCPFlag(fs, "nsqd TCP address to read from directly, instead of through nsqlookupd")
	nsqdHTTP := nsqdHTTPFlag(fs, "nsqd HTTP address tail reads /stats from, paired in order with --nsqd-tcp-address (default: the TCP port + 1 on the same host)")
	topic := fs.String("topic", "", "topic to read (required)")
	channel := fs.String("channel", "", "durable channel to read from, created if needed (default: a new ephemeral channel, subscribed only where the topic has a durable channel)")
	fromStart := fs.Bool("from-start", false, "subscribe even where the topic has no durable channel, taking the messages it has buffered: none of them, and nothing published while tail runs, is left for a subscriber that comes later")
	n := numberFlag(fs, "n", 0, 0, maxOf[int](), "stop after this many messages (0: until Ctrl-C)")
	secFlags := secureFlags(fs)
	if err := fs.noArgs(args); err != nil {
		return err
	}
	if _, err := secFlags.options(); err != nil {
		return err
	}
	hc, err := secFlags.httpClient()
	if err != nil {
		return err
	}
	if *topic == "" {
		return fs.usagef("--topic is required")
	}
	ch := *channel
	if ch == "" {
		ch = fmt.Sprintf("nsqfarm_tail%06d%s", rand.IntN(1_000_000), ephemeralSuffix)
	}
	if !topology.ValidName(*topic) || !topology.ValidName(ch) {
		return fs.usagef("invalid topic %q or channel %q", *topic, ch)
	}
	ephemeral := strings.HasSuffix(ch, ephemeralSuffix)
	if *fromStart && !ephemeral {
		return fs.usagef("--from-start applies to an ephemeral channel; the durable channel %q already keeps its own backlog", ch)
	}
	lookupdAddrs, nsqds, httpAddrs, source, err := readAddresses(*config, *lookupd, *nsqdTCP, *nsqdHTTP)
	if err != nil {
		return err
	}
	if source == builtinName {
		fmt.Fprintf(e.stderr, "nsqfarm tail: no %s here: reading at the addresses of the %s\n", topology.DefaultFile, builtinName)
	}
	tl := &tailer{
		topic:     *topic,
		channel:   ch,
		ephemeral: ephemeral,
		fromStart: *fromStart,
		n:         *n,
		lookupd:   lookupdAddrs,
		stderr:    e.stderr,
		terminal:  progress.IsTerminal(e.stderr),
		out:       bufio.NewWriter(e.stdout),
		done:      make(chan struct{}),
		nsqLog:    nsqlog.New(newLogger(e.stderr, "error")),
		configure: secFlags.nsqConfig,
		http:      hc,
	}
	if len(lookupdAddrs) == 0 {
		sources, err := directSources(nsqds, httpAddrs)
		if err != nil {
			return err
		}
		tl.sources = sources
	}
	return tl.run(ctx)
}

// readAddresses returns the addresses a reader of nsqd uses: those given
// (nsqlookupd HTTP, nsqd TCP, nsqd HTTP) when they name an nsqlookupd or
// an nsqd, else the topology's (config, as loadConfig reads it), whose
// source it then returns too. The topology's nsqd HTTP address goes with
// a single nsqd TCP address when no HTTP address is given.
func readAddresses(config string, lookupd, tcp, http []string) (lookupdOut, tcpOut, httpOut []string, source string, err error) {
	if len(lookupd) > 0 || len(tcp) > 0 {
		return lookupd, tcp, http, "", nil
	}
	t, source, err := loadConfig(config)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("%w, or give --lookupd-http-address or --nsqd-tcp-address", err)
	}
	lookupd, tcp = t.Defaults.LookupdHTTPAddresses, t.Defaults.NSQDTCPAddresses
	if len(tcp) == 1 && len(http) == 0 && t.Defaults.NSQDHTTPAddress != "" {
		http = []string{t.Defaults.NSQDHTTPAddress}
	}
	return lookupd, tcp, http, source, nil
}

// directSources pairs nsqd TCP addresses with their HTTP addresses: the
// given ones in order, or by NSQ's convention the TCP port + 1.
func directSources(tcp, httpAddrs []string) ([]*tailSource, error) {
	if len(httpAddrs) > 0 && len(httpAddrs) != len(tcp) {
		return nil, usagef("tail", "%d --nsqd-http-address for %d --nsqd-tcp-address: give one for each, in the same order, or none", len(httpAddrs), len(tcp))
	}
	sources := make([]*tailSource, 0, len(tcp))
	for i, addr := range tcp {
		s := &tailSource{tcp: addr}
		if len(httpAddrs) > 0 {
			s.http = httpAddrs[i]
		} else {
			host, port, err := net.SplitHostPort(addr)
			p, perr := strconv.Atoi(port)
			if err != nil || perr != nil {
				return nil, usagef("tail", "--nsqd-tcp-address %q: want host:port", addr)
			}
			s.http = net.JoinHostPort(host, strconv.Itoa(p+1))
		}
		sources = append(sources, s)
	}
	return sources, nil
}

// tailer reads one topic from every nsqd it knows, with one go-nsq consumer
// per nsqd so that it decides itself when to subscribe to each.
type tailer struct {
	topic, channel       string
	ephemeral, fromStart bool
	n                    int
	lookupd              []string
	stderr               io.Writer
	terminal             bool
	nsqLog               nsqlog.Logger
	// configure sets the TLS and auth fields of a go-nsq configuration;
	// http calls nsqd's and nsqlookupd's HTTP APIs.
	configure func(*nsq.Config) error
	http      *nsqhttp.Client

	// Owned by the run loop.
	sources       []*tailSource
	lookupdNotice string
	dropped       int64 // messages nsqd dropped on tail's channel, all nsqds

	mu    sync.Mutex // guards out, count and done
	out   *bufio.Writer
	count int
	done  chan struct{}
}

// tailSource is one nsqd tail reads from (or waits to read from).
type tailSource struct {
	tcp, http string
	consumer  *nsq.Consumer // nil while tail is not subscribed
	noticeKey string        // what the last notice about this nsqd said
	// dropsReported is the number of drops on the current channel that
	// tail has already reported.
	dropsReported int64
}

// run subscribes, prints until -n messages or ctx is done, then leaves.
func (t *tailer) run(ctx context.Context) error {
	err := t.refresh(ctx, len(t.lookupd) > 0, true)
	if err != nil && ctx.Err() != nil {
		err = nil // interrupted while starting
	}
	if err == nil {
		err = t.loop(ctx)
	}
	if err == nil {
		// ctx may be cancelled (Ctrl-C): the last check must still run.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		t.finalDropCheck(fctx)
		cancel()
	}
	for _, s := range t.sources {
		t.unsubscribe(s)
	}
	if err == nil && t.dropped > 0 {
		err = fmt.Errorf("nsqd dropped %d messages of topic %s on tail's ephemeral channel: they were not printed", t.dropped, t.topic)
	}
	return err
}

// loop re-checks every nsqd until -n messages arrived or ctx is done.
func (t *tailer) loop(ctx context.Context) error {
	tick := time.NewTicker(tailCheckInterval)
	defer tick.Stop()
	var hint <-chan time.Time
	if t.terminal {
		hint = time.After(tailHintDelay)
	}
	lastLookup := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.done:
			return nil
		case <-hint:
			if t.received() == 0 {
				fmt.Fprintln(t.stderr, "nsqfarm tail: "+t.hint())
			}
		case <-tick.C:
			lookup := len(t.lookupd) > 0 && time.Since(lastLookup) >= tailLookupInterval
			if lookup {
				lastLookup = time.Now()
			}
			if err := t.refresh(ctx, lookup, false); err != nil {
				return err
			}
		}
	}
}

// refresh discovers the topic's nsqds with nsqlookupd (when lookup is set)
// and checks each nsqd.
func (t *tailer) refresh(ctx context.Context, lookup, first bool) error {
	if lookup {
		if err := t.discover(ctx, first); err != nil {
			return err
		}
	}
	for _, s := range t.sources {
		if err := t.check(ctx, s, first); err != nil {
			return err
		}
	}
	return nil
}

// discover adds the nsqds nsqlookupd knows for the topic. At start it
// fails if no nsqlookupd answers; later it says so and carries on.
func (t *tailer) discover(ctx context.Context, first bool) error {
	var errs []error
	answered := false
	for _, addr := range t.lookupd {
		producers, err := t.http.Lookup(ctx, addr, t.topic)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		answered = true
		for _, p := range producers {
			tcp := p.TCPAddress()
			if !slices.ContainsFunc(t.sources, func(s *tailSource) bool { return s.tcp == tcp }) {
				t.sources = append(t.sources, &tailSource{tcp: tcp, http: p.HTTPAddress()})
			}
		}
	}
	switch {
	case !answered && first:
		return errors.Join(errs...)
	case !answered:
		if msg := errors.Join(errs...).Error(); msg != t.lookupdNotice {
			t.lookupdNotice = msg
			fmt.Fprintf(t.stderr, "nsqfarm tail: %s; tail keeps reading the nsqds it knows\n", strings.ReplaceAll(msg, "\n", "; "))
		}
	default:
		t.lookupdNotice = ""
	}
	if first && len(t.sources) == 0 {
		fmt.Fprintf(t.stderr, "nsqfarm tail: no nsqd has topic %s yet (nsqlookupd %s): tail waits for one\n", t.topic, strings.Join(t.lookupd, ", "))
	}
	return nil
}

// check subscribes to, keeps or leaves one nsqd according to the topic's
// state there. At start (first) it fails, by default, if the topic holds a
// backlog that tail's channel would take, and it fails if an nsqd named on
// the command line cannot be reached (nsqlookupd may list stale ones).
func (t *tailer) check(ctx context.Context, s *tailSource, first bool) error {
	mustReach := first && len(t.lookupd) == 0
	if s.consumer != nil && s.consumer.Stats().Connections == 0 {
		t.unsubscribe(s)
		t.notice(s, "lost", "lost the connection to nsqd %s; tail subscribes again once it answers", s.tcp)
	}
	if !t.ephemeral {
		// A durable channel keeps every message: no check is needed.
		if s.consumer == nil {
			return t.subscribe(s, mustReach)
		}
		return nil
	}
	st, err := t.http.TopicStats(ctx, s.http, t.topic)
	if err != nil {
		if mustReach {
			return err
		}
		if ctx.Err() == nil {
			t.notice(s, "stats", "%v", err)
		}
		return nil
	}
	durable := durableChannels(st)
	if s.consumer != nil {
		t.checkDrops(ctx, s, st)
		if len(durable) == 0 && !t.fromStart {
			t.unsubscribe(s)
			t.notice(s, "left", "topic %s on nsqd %s has no durable channel any more: tail unsubscribed, so that it does not take what a later subscriber would get, and waits for one", t.topic, s.http)
		}
		return nil
	}
	switch {
	case len(durable) > 0:
		if t.fromStart {
			t.notice(s, "from-start-channels", "topic %s on nsqd %s has durable channels (%s): what it held is in them, so tail reads only what is published from now on there (--channel NAME reads a channel's backlog, and consumes what it prints)", t.topic, s.http, strings.Join(durable, ", "))
		}
		return t.subscribe(s, mustReach)
	case t.fromStart:
		t.notice(s, "from-start", "WARNING: topic %s on nsqd %s has no durable channel: --from-start subscribes anyway and takes the %d messages it holds; while tail runs, what is published to %[1]s there goes only to ephemeral channels and none of it is kept for a subscriber that comes later", t.topic, s.http, st.Depth)
		return t.subscribe(s, mustReach)
	case first && st.Exists && len(st.Channels) == 0 && st.Depth > 0:
		return fmt.Errorf("topic %s on nsqd %s holds %d messages and has no channel: the first channel created takes them all, so tail does not subscribe. "+
			"Run again with --from-start to read them (tail then takes them: none is left for a subscriber that comes later), "+
			"or with --channel NAME to read them through a durable channel NAME, which keeps what tail does not print", t.topic, s.http, st.Depth)
	case !st.Exists:
		t.notice(s, "absent", "topic %s does not exist on nsqd %s: tail waits until it has a durable channel, so that tail's channel is never the topic's only one (--from-start subscribes now)", t.topic, s.http)
	case len(st.Channels) == 0 && st.Depth > 0:
		t.notice(s, "backlog", "topic %s on nsqd %s holds messages and no channel: tail leaves them for the first subscriber and waits until the topic has a durable channel (--from-start takes them)", t.topic, s.http)
	default:
		t.notice(s, "no-durable", "topic %s on nsqd %s has no durable channel: tail waits for one, so that tail's channel is never the topic's only one (--from-start subscribes now)", t.topic, s.http)
	}
	return nil
}

// notice prints a line about one nsqd unless the last one said the same
// (key).
func (t *tailer) notice(s *tailSource, key, format string, args ...any) {
	if s.noticeKey == key {
		return
	}
	s.noticeKey = key
	fmt.Fprintf(t.stderr, "nsqfarm tail: "+format+"\n", args...)
}

// subscribe connects a new consumer to one nsqd. With mustReach a failure
// is fatal; otherwise tail says so and retries on the next check.
func (t *tailer) subscribe(s *tailSource, mustReach bool) error {
	cfg := nsq.NewConfig()
	cfg.UserAgent = stage.UserAgent
	cfg.MaxInFlight = tailMaxInFlight
	if t.n > 0 && !t.ephemeral {
		// Take no more than needed from a channel others may read.
		cfg.MaxInFlight = min(t.n, tailMaxInFlight)
	}
	cfg.MaxAttempts = 0 // never let go-nsq discard a message
	// When a connection drops, go-nsq reconnects after this delay; tail
	// notices within tailCheckInterval, stops that consumer and subscribes
	// again itself after checking the topic.
	cfg.LookupdPollInterval = 5 * time.Minute
	if err := t.configure(cfg); err != nil {
		return err
	}
	if cfg.TlsV1 {
		if err := nsqsecure.Probe(s.tcp, cfg); err != nil {
			if mustReach {
				return fmt.Errorf("tail %s: %w", t.topic, err)
			}
			t.notice(s, "connect", "%v; tail retries", err)
			return nil
		}
	}
	c, err := nsq.NewConsumer(t.topic, t.channel, cfg)
	if err != nil {
		return fmt.Errorf("tail %s: %w", t.topic, err)
	}
	// go-nsq's warnings are routine here (a close delayed by messages in
	// flight); tail reports connection changes itself.
	c.SetLogger(t.nsqLog, nsq.LogLevelError)
	c.AddHandler(nsq.HandlerFunc(t.handle))
	if err := c.ConnectToNSQD(s.tcp); err != nil {
		c.Stop()
		<-c.StopChan
		if mustReach {
			return fmt.Errorf("tail %s: connect to nsqd %s: %w", t.topic, s.tcp, err)
		}
		t.notice(s, "connect", "connect to nsqd %s: %v; tail retries", s.tcp, err)
		return nil
	}
	s.consumer = c
	s.noticeKey = ""
	s.dropsReported = 0
	return nil
}

// unsubscribe stops the consumer of one nsqd, if any, once the messages it
// holds are handled.
func (t *tailer) unsubscribe(s *tailSource) {
	if s.consumer == nil {
		return
	}
	s.consumer.Stop()
	<-s.consumer.StopChan
	s.consumer = nil
}

// handle prints one message.
func (t *tailer) handle(m *nsq.Message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n > 0 && t.count >= t.n {
		if !t.ephemeral {
			m.DisableAutoResponse()
			m.RequeueWithoutBackoff(0) // beyond -n: leave it for the channel's other readers
		}
		return nil // an ephemeral channel is tail's alone and goes when tail does
	}
	t.out.Write(m.Body)
	t.out.WriteByte('\n')
	t.count++
	if t.n > 0 && t.count == t.n {
		close(t.done)
	}
	return t.out.Flush()
}

// received returns the number of messages printed.
func (t *tailer) received() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// hint says what tail is waiting for and how to publish to the topic.
func (t *tailer) hint() string {
	var subscribed, waiting []string
	for _, s := range t.sources {
		if s.consumer != nil {
			subscribed = append(subscribed, s.http)
		} else {
			waiting = append(waiting, s.http)
		}
	}
	const publish = `curl -d '{"hello": "world"}' 'http://%s/pub?topic=%s'`
	switch {
	case len(subscribed) > 0:
		return fmt.Sprintf("waiting for messages on topic %s (nsqd %s); publish one with: "+publish,
			t.topic, strings.Join(subscribed, ", "), subscribed[0], t.topic)
	case len(waiting) > 0:
		return fmt.Sprintf("not subscribed yet to topic %s on nsqd %s: see the notices above",
			t.topic, strings.Join(waiting, ", "))
	default:
		return fmt.Sprintf("waiting for an nsqd with topic %s (nsqlookupd %s); publish to an nsqd registered with it, for example: "+publish,
			t.topic, strings.Join(t.lookupd, ", "), "NSQD_HTTP_ADDRESS", t.topic)
	}
}

// finalDropCheck reports drops not yet reported before tail leaves (its
// ephemeral channels disappear with it).
func (t *tailer) finalDropCheck(ctx context.Context) {
	if !t.ephemeral {
		return
	}
	for _, s := range t.sources {
		if s.consumer == nil {
			continue
		}
		if st, err := t.http.TopicStats(ctx, s.http, t.topic); err == nil {
			t.checkDrops(ctx, s, st)
		}
	}
}

// checkDrops reports the messages nsqd dropped on tail's ephemeral channel
// since the last report. An ephemeral channel has no disk queue: nsqd
// keeps at most --mem-queue-size of its messages in memory and silently
// drops the rest when the reader is slower than the publishers.
//
// Every message nsqd puts into the channel (message_count, plus each
// requeue and timeout) is either still queued (depth), waiting for a
// deferred requeue, sent to a client (the clients' message_count) or
// dropped. The counters are read one after the other while messages move,
// so one reading can count a moving message nowhere; a drop is reported
// only when a second reading confirms it.
func (t *tailer) checkDrops(ctx context.Context, s *tailSource, st *nsqhttp.Topic) {
	est, ok := dropEstimate(st, t.channel)
	if !ok || est <= s.dropsReported {
		return
	}
	again, err := t.http.TopicStats(ctx, s.http, t.topic)
	if err != nil {
		return
	}
	est2, ok := dropEstimate(again, t.channel)
	if !ok {
		return
	}
	est = min(est, est2)
	if est <= s.dropsReported {
		return
	}
	n := est - s.dropsReported
	s.dropsReported = est
	t.dropped += n
	fmt.Fprintf(t.stderr, "nsqfarm tail: WARNING: nsqd %s dropped %d messages of topic %s that tail had not read (%d in all): an ephemeral channel holds at most nsqd's --mem-queue-size messages and tail reads more slowly than they are published; --channel NAME reads through a durable channel, which misses none\n",
		s.http, n, t.topic, t.dropped)
}

// durableChannels returns the names of the topic's channels that are not
// ephemeral.
func durableChannels(t *nsqhttp.Topic) []string {
	var names []string
	for _, c := range t.Channels {
		if !strings.HasSuffix(c.Name, ephemeralSuffix) {
			names = append(names, c.Name)
		}
	}
	return names
}

// dropEstimate returns how many messages nsqd dropped on channel since it
// was created; see checkDrops.
func dropEstimate(t *nsqhttp.Topic, channel string) (int64, bool) {
	for _, c := range t.Channels {
		if c.Name != channel {
			continue
		}
		d := c.MessageCount + c.RequeueCount + c.TimeoutCount - c.Depth - c.DeferredCount
		for _, cl := range c.Clients {
			d -= cl.MessageCount
		}
		return max(d, 0), true
	}
	return 0, false
}
