package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nsqio/nsq/nsqd"
)

// nsqd 1.3.0's Exit can lose a message it has acknowledged when a
// subscriber is connected: it closes the client connections and then
// flushes each channel (memory, in-flight and deferred messages) to its
// disk queue without waiting for the subscribers' message pumps to end.
// A pump that has not yet seen its connection close takes a message from
// the channel, from memory or from the disk queue the flush has just
// written, and records it as in flight, where nothing is flushed any
// more: the message is gone after the restart. A paused channel gives its
// pumps nothing, so the embedded nsqd pauses every channel before Exit,
// lets the pumps take the pause, and the next Start unpauses them.
//
// Exit also reads the size of a channel's in-flight map without its lock
// while the connections it has just closed may still be finishing a FIN
// they had read: a data race inside nsqd. With the channels paused, the
// subscribers only finish what they hold, so exitNSQD waits, up to
// exitDrain, for the paused channels' in-flight messages to be finished
// before Exit; that also spares their redelivery after the restart. A
// subscriber that still holds a message then (a long solve) can still
// meet the race with its FIN.

// pausedForExitFile, in nsqd's data directory, lists the channels that
// exitNSQD paused; Start unpauses them and removes it.
const pausedForExitFile = "nsqfarm-paused-for-exit.json"

// pauseSettle is how long exitNSQD waits between pausing the channels and
// Exit: each message pump takes the pause on its next turn, which needs
// only to be scheduled.
const pauseSettle = 250 * time.Millisecond

// exitDrain bounds how long exitNSQD waits, after the pause, for the
// subscribers to finish the messages they hold. One still held after it
// is flushed to disk by Exit and delivered again after the restart.
const exitDrain = 3 * time.Second

// pausedChannel names a channel that exitNSQD paused.
type pausedChannel struct {
	Topic   string `json:"topic"`
	Channel string `json:"channel"`
}

// exitNSQD pauses every channel of n that is not paused yet, records
// them in dataPath, waits for the subscribers' pumps to stop and, up to
// exitDrain, for the messages in flight on them to be finished, and
// stops n. When the record cannot be written, n stops without the pause,
// as nsqd's own SIGTERM does, rather than leave channels paused for good.
func exitNSQD(n *nsqd.NSQD, dataPath string, log *slog.Logger) {
	var paused []pausedChannel
	for _, t := range n.GetStats("", "", false).Topics {
		for _, c := range t.Channels {
			if !c.Paused && !strings.HasSuffix(c.ChannelName, "#ephemeral") {
				paused = append(paused, pausedChannel{t.TopicName, c.ChannelName})
			}
		}
	}
	if len(paused) > 0 {
		if err := writePaused(dataPath, paused); err != nil {
			log.Warn("nsqd stops without pausing its channels first; a subscriber connected now may lose a message", "err", err)
		} else {
			for _, pc := range paused {
				if t, err := n.GetExistingTopic(pc.Topic); err == nil {
					if c, err := t.GetExistingChannel(pc.Channel); err == nil {
						_ = c.Pause()
					}
				}
			}
			time.Sleep(pauseSettle)
			if left := awaitInFlight(n, paused, exitDrain); left > 0 {
				log.Info("nsqd stops with messages in flight; they are delivered again after the restart", "in_flight", left, "waited", exitDrain)
			}
		}
	}
	n.Exit()
}

// awaitInFlight waits until none of the channels of n has a message in
// flight, or for limit at most. It returns how many are still in flight.
func awaitInFlight(n *nsqd.NSQD, channels []pausedChannel, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		inFlight := 0
		for _, pc := range channels {
			for _, t := range n.GetStats(pc.Topic, pc.Channel, false).Topics {
				for _, c := range t.Channels {
					inFlight += c.InFlightCount
				}
			}
		}
		if inFlight == 0 || !time.Now().Before(deadline) {
			return inFlight
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writePaused records the channels exitNSQD pauses, synced and renamed
// into place so that a crash leaves the old record or the new one.
func writePaused(dataPath string, paused []pausedChannel) error {
	b, err := json.Marshal(paused)
	if err != nil {
		return fmt.Errorf("record paused channels: %w", err)
	}
	name := filepath.Join(dataPath, pausedForExitFile)
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("record paused channels: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("record paused channels in %s: %w", name, err)
	}
	return nil
}

// unpauseAfterExit unpauses the channels the last exitNSQD paused, once n
// has loaded its metadata and before it serves. It returns the record's
// path ("" when there is none), to remove once the unpaused state is
// persisted.
func unpauseAfterExit(n *nsqd.NSQD, dataPath string) (string, error) {
	name := filepath.Join(dataPath, pausedForExitFile)
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("channels paused by the last stop: %w", err)
	}
	var paused []pausedChannel
	if err := json.Unmarshal(b, &paused); err != nil {
		return "", fmt.Errorf("channels paused by the last stop: %s: %w", name, err)
	}
	for _, pc := range paused {
		t, err := n.GetExistingTopic(pc.Topic)
		if err != nil {
			continue // deleted since
		}
		if c, err := t.GetExistingChannel(pc.Channel); err == nil {
			_ = c.UnPause()
		}
	}
	return name, nil
}
