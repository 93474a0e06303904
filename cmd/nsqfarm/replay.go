package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/replay"
	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// replayAbout is the description of replay in its --help.
const replayAbout = `
Republish dead letters: read the records of a dead-letter topic (X_dead) on
a durable channel of replay's own, and publish each selected record's
original body (its parts reassembled) to the topic it came from, or --to.
Each record is finished only after nsqd acknowledged its republish, so an
interrupted replay loses nothing; a record republished just before a crash
is republished again by the next run (consumers see a duplicate, with a new
input_id).

Records that --stage, --error, --error-regexp, --since and --until do not
select, and messages that are not dead-letter records, are set aside: held
until the replay ends, then handed back to the channel for a later replay
(--drop-unmatched finishes them instead). Beyond --max-in-flight of them the
oldest go back with --unmatched-delay, during which no replay sees them.

The replay ends when the channel holds nothing but the records set aside,
after --max bodies, or at SIGINT/SIGTERM. --dry-run republishes nothing and
finishes nothing: it prints what it would send, holding the records (up to
--max-in-flight), then hands them all back to the channel.

The channel is created when missing; a new channel receives only what the
topic holds without any channel, and what is dead-lettered afterwards: to
replay records another channel already holds, give that --channel.`

// cmdReplay republishes the dead letters of one dead-letter topic.
func cmdReplay(ctx context.Context, args []string, e *env) error {
	fs := e.flags("replay", "--topic X_dead [filters] [flags]", replayAbout)
	config := configFlag(fs)
	lookupd := lookupdFlag(fs)
	nsqdTCP := nsqdTCPFlag(fs, "nsqd TCP address to read dead letters from, instead of through nsqlookupd")
	nsqdHTTP := nsqdHTTPFlag(fs, "nsqd HTTP address where the channel is created and its depth read, paired in order with --nsqd-tcp-address (default: the TCP port + 1 on the same host)")
	dests := listFlag(fs, "destination-nsqd-tcp-address", "NSQFARM_DESTINATION_NSQD_TCP_ADDRESS", "nsqd TCP address to republish to, the first that takes each body (default: the nsqd each record was read from)")
	topic := fs.String("topic", "", "dead-letter topic to read (required)")
	channel := fs.String("channel", replay.DefaultChannel, "durable channel of the dead-letter topic to read, created if needed")
	to := fs.String("to", "", "topic to republish every body to (default: each record's own topic)")
	stageName := fs.String("stage", "", "replay only the records of this stage")
	errText := fs.String("error", "", "replay only the records whose error contains this text")
	errRegexp := fs.String("error-regexp", "", "replay only the records whose error matches this regular expression (Go syntax)")
	since := fs.String("since", "", "replay only the records dead-lettered at or after this time: RFC 3339, or a duration before now (24h)")
	until := fs.String("until", "", "replay only the records dead-lettered before this time: RFC 3339, or a duration before now")
	rate := numberFlag(fs, "rate", 100, 0, maxOf[float64](), "bodies republished per second (0: no bound)")
	maxN := numberFlag(fs, "max", 0, 0, maxOf[int](), "stop after this many bodies (0: until the channel holds nothing more to replay)")
	dryRun := fs.Bool("dry-run", false, "print what would be republished, republish nothing and finish nothing")
	drop := fs.Bool("drop-unmatched", false, "finish (delete from the channel) the records the filters do not select, instead of handing them back")
	maxInFlight := numberFlag(fs, "max-in-flight", replay.DefaultMaxInFlight, 1, 2500, "records held at once (at most nsqd's --max-rdy-count)")
	msgTimeout := durationFlag(fs, "msg-timeout", replay.DefaultMsgTimeout, time.Second, 15*time.Minute, "how long nsqd waits for replay to finish a record before another reader gets it (at most nsqd's --max-msg-timeout)")
	unmatchedDelay := durationFlag(fs, "unmatched-delay", replay.DefaultUnmatchedDelay, 0, time.Hour, "delay of the records set aside beyond --max-in-flight (at most nsqd's --max-req-timeout)")
	logLevel := logLevelFlag(fs, "info")
	secFlags := secureFlags(fs)
	if err := fs.noArgs(args); err != nil {
		return err
	}
	if *topic == "" {
		return fs.usagef("--topic is required")
	}
	if !topology.ValidName(*topic) || !topology.ValidName(*channel) || (*to != "" && !topology.ValidName(*to)) {
		return fs.usagef("invalid topic or channel name in --topic %q, --channel %q, --to %q", *topic, *channel, *to)
	}
	filter, err := replayFilter(fs, *stageName, *errText, *errRegexp, *since, *until)
	if err != nil {
		return err
	}
	if _, err := secFlags.options(); err != nil {
		return err
	}
	hc, err := secFlags.httpClient()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, *logLevel)
	lookupdAddrs, tcp, httpAddrs, source, err := readAddresses(*config, *lookupd, *nsqdTCP, *nsqdHTTP)
	if err != nil {
		return err
	}
	if source != "" {
		log.Info("topology", "source", source)
	}
	var nsqds []replay.NSQD
	if len(lookupdAddrs) > 0 {
		for _, addr := range lookupdAddrs {
			ps, err := hc.Lookup(ctx, addr, *topic)
			if err != nil {
				return err
			}
			for _, p := range ps {
				nsqds = append(nsqds, replay.NSQD{TCP: p.TCPAddress(), HTTP: p.HTTPAddress()})
			}
		}
		if len(nsqds) == 0 {
			fmt.Fprintf(e.stderr, "nsqfarm replay: no nsqd has topic %s (nsqlookupd %s): nothing to replay\n", *topic, strings.Join(lookupdAddrs, ", "))
			return nil
		}
	} else {
		sources, err := directSources(tcp, httpAddrs)
		if err != nil {
			return err
		}
		for _, s := range sources {
			nsqds = append(nsqds, replay.NSQD{TCP: s.tcp, HTTP: s.http})
		}
	}
	res, err := replay.Run(ctx, replay.Options{
		Topic:          *topic,
		Channel:        *channel,
		NSQDs:          nsqds,
		Destinations:   *dests,
		To:             *to,
		Filter:         filter,
		Rate:           *rate,
		Max:            *maxN,
		DryRun:         *dryRun,
		DropUnmatched:  *drop,
		MaxInFlight:    *maxInFlight,
		MsgTimeout:     *msgTimeout,
		UnmatchedDelay: *unmatchedDelay,
		Configure:      secFlags.nsqConfig,
		HTTP:           hc,
		Out:            e.stdout,
		Logger:         log,
	})
	if err != nil {
		return err
	}
	verb, aside := "replayed", "handed back"
	if *dryRun {
		verb = "would replay"
	} else if *drop {
		aside = "dropped"
	}
	fmt.Fprintf(e.stderr, "nsqfarm replay: %s; %s %d, set aside and %s %d not selected and %d not replayable, %d deferred, %d failed republishes\n",
		res.Stopped, verb, res.Replayed, aside, res.Unmatched, res.Invalid, res.Deferred, res.Failed)
	return nil
}

// replayFilter builds the filter of replay's flags.
func replayFilter(fs *flagSet, stageName, errText, errRegexp, since, until string) (replay.Filter, error) {
	f := replay.Filter{Stage: stageName}
	var err error
	switch {
	case errText != "" && errRegexp != "":
		return f, fs.usagef("give --error or --error-regexp, not both")
	case errText != "":
		f.Error, err = replay.ErrorPattern(errText, false)
	case errRegexp != "":
		f.Error, err = replay.ErrorPattern(errRegexp, true)
	}
	if err != nil {
		return f, fs.usagef("--error-regexp: %v", err)
	}
	now := time.Now()
	for _, b := range []struct {
		name, value string
		t           *time.Time
	}{{"since", since, &f.Since}, {"until", until, &f.Until}} {
		if b.value == "" {
			continue
		}
		if *b.t, err = replay.ParseTime(b.value, now); err != nil {
			return f, fs.usagef("--%s: %v", b.name, err)
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, fs.usagef("--since %s is not before --until %s", since, until)
	}
	return f, nil
}
