package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// suite is what every scenario shares: the settings and the binaries,
// built once per run.
type suite struct {
	set    settings
	dir    string // binaries, and a directory of logs per scenario
	data   string // nsqd data and published bodies, a directory per scenario
	config string // topics.yaml
	nsqd   string
	lookup string
	farm   string
	self   string // this test binary, re-executed as the helpers
}

// buildLimit bounds the build of the binaries.
const buildLimit = 5 * time.Minute

// newSuite removes the leftovers of crashed runs and builds nsqd,
// nsqlookupd and nsqfarm.
func newSuite(t *testing.T, set settings) *suite {
	t.Helper()
	removed, err := removeLeftovers()
	if len(removed) > 0 {
		t.Logf("removed namespaces left by an earlier run: %s", strings.Join(removed, " "))
	}
	if err != nil {
		t.Fatalf("remove leftover namespaces: %v", err)
	}
	dir, err := os.MkdirTemp("", "nsqfarm-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.MkdirTemp(dataRoot(), "nsqfarm-chaos-data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if set.keep {
			t.Logf("logs kept in %s, data in %s", dir, data)
			return
		}
		_ = os.RemoveAll(data)
		_ = os.RemoveAll(filepath.Join(dir, "bin"))
		if t.Failed() {
			t.Logf("logs kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	s := &suite{set: set, dir: dir, data: data}
	if s.self, err = os.Executable(); err != nil {
		t.Fatal(err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	s.config = filepath.Join(root, "topics.yaml")
	bin := filepath.Join(dir, "bin")
	s.nsqd, s.lookup, s.farm = filepath.Join(bin, "nsqd"), filepath.Join(bin, "nsqlookupd"), filepath.Join(bin, "nsqfarm")
	ctx, cancel := context.WithTimeout(context.Background(), buildLimit)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin+string(filepath.Separator),
		"github.com/nsqio/nsq/apps/nsqd", "github.com/nsqio/nsq/apps/nsqlookupd", "./cmd/nsqfarm")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the binaries: %v\n%s", err, out)
	}
	t.Logf("built nsqd, nsqlookupd and nsqfarm in %.1fs", time.Since(start).Seconds())
	return s
}

// shm is where the nsqd data goes when it exists.
const shm = "/dev/shm"

// dataRoot returns the directory for nsqd's data: the memory file system
// when there is one, so that the fsync latency of a disk shared with other
// work does not set the pace. What a SIGKILL of nsqd loses is the same on
// either: what nsqd had not yet written.
func dataRoot() string {
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() && syscall.Access(shm, 2) == nil {
		return shm
	}
	return ""
}

// moduleRoot returns the directory of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the nsqfarm module")
	}
	return filepath.Dir(gomod), nil
}

// The two nsqds.
const (
	nsqdA = 0 // on host 1, with nsqlookupd
	nsqdB = 1 // on host 2
)

var nsqdHost = [2]int{host1, host2}

func nsqdTCP(i int) string  { return hostIP(nsqdHost[i]) + ":4150" }
func nsqdHTTP(i int) string { return hostIP(nsqdHost[i]) + ":4151" }

var (
	lookupdTCP  = hostIP(host1) + ":4160"
	lookupdHTTP = hostIP(host1) + ":4161"
)

// Topics the observer drains, and how it reads them.
var drained = []struct {
	topic string
	input string // the input topic the record accounts for
	kind  recordKind
}{
	{"primes", "numbers", kindNumberOut},
	{"non_primes", "numbers", kindNumberOut},
	{"numbers_dead", "numbers", kindDead},
	{"solutions", "lp_params", kindSolution},
	{"lp_params_dead", "lp_params", kindDead},
}

// observerChannel is the durable channel the observer drains.
const observerChannel = "chaos"

// Cluster limits.
const (
	startLimit   = 30 * time.Second // a daemon answers /ping, the observer is ready
	stopGrace    = 25 * time.Second // SIGTERM to exit
	publishLimit = 3 * time.Minute  // a publisher finishes
	statsEvery   = 500 * time.Millisecond
)

// cluster is one scenario's farm: nsqlookupd and nsqd A on host 1, nsqd B
// on host 2, and the consumers and helpers on host 3.
type cluster struct {
	t         *testing.T
	s         *suite
	net       *network
	dir       string // logs
	data      string // nsqd data and published bodies
	lookupd   *service
	nsqd      [2]*service
	consumers []*service
	helpers   []*service
	obs       *observer
}

// newCluster starts a fresh cluster (new namespaces, empty data
// directories) and an observer that accounts for ins; everything is
// removed when the test ends.
func (s *suite) newCluster(t *testing.T, name string, ins ...*inputs) *cluster {
	t.Helper()
	c := &cluster{t: t, s: s, dir: filepath.Join(s.dir, name), data: filepath.Join(s.data, name)}
	for _, d := range []string{c.dir, c.data} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c.net = newNetwork(t, name)
	t.Cleanup(c.teardown)

	c.lookupd = c.service("nsqlookupd", host1, s.lookup,
		"--tcp-address", lookupdTCP, "--http-address", lookupdHTTP, "--broadcast-address", hostIP(host1))
	for i := range c.nsqd {
		data := filepath.Join(c.data, "nsqd-"+string(rune('a'+i)))
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		h := nsqdHost[i]
		c.nsqd[i] = c.service("nsqd-"+string(rune('a'+i)), h, s.nsqd,
			"--node-id", strconv.Itoa(h), "--broadcast-address", hostIP(h),
			"--tcp-address", nsqdTCP(i), "--http-address", nsqdHTTP(i),
			"--lookupd-tcp-address", lookupdTCP, "--data-path", data,
			"--max-msg-size", strconv.Itoa(maxMsgSize))
	}
	for _, svc := range append([]*service{c.lookupd}, c.nsqd[:]...) {
		if err := svc.start(); err != nil {
			t.Fatal(err)
		}
	}
	c.waitHTTP("ping-start", "http://"+lookupdHTTP+"/ping", "http://"+nsqdHTTP(nsqdA)+"/ping", "http://"+nsqdHTTP(nsqdB)+"/ping")
	c.obs = c.startObserver(ins)
	return c
}

// service declares a program on host h, logging to the cluster's
// directory.
func (c *cluster) service(name string, h int, bin string, args ...string) *service {
	return &service{name: name, ns: c.net.ns(h), bin: bin, args: args, log: filepath.Join(c.dir, name+".log")}
}

// helper declares a helper program on host 3.
func (c *cluster) helper(name, mode string, args any) *service {
	c.t.Helper()
	env, err := helperEnv(mode, args)
	if err != nil {
		c.t.Fatal(err)
	}
	svc := c.service(name, host3, c.s.self)
	svc.env = env
	c.helpers = append(c.helpers, svc)
	return svc
}

// waitHTTP waits until every URL answers 200 from host 3.
func (c *cluster) waitHTTP(name string, urls ...string) {
	c.t.Helper()
	svc := c.helper(name, modePing, pingArgs{URLs: urls, Timeout: startLimit})
	if err := svc.start(); err != nil {
		c.t.Fatal(err)
	}
	if err := svc.wait(startLimit + 10*time.Second); err != nil {
		c.t.Fatalf("waiting for %s: %v", strings.Join(urls, " "), err)
	}
}

// restartNSQD starts nsqd i again on its data and waits until it answers.
func (c *cluster) restartNSQD(i int) {
	c.t.Helper()
	if err := c.nsqd[i].start(); err != nil {
		c.t.Fatal(err)
	}
	c.waitHTTP(c.nsqd[i].name+"-ping", "http://"+nsqdHTTP(i)+"/ping")
}

// pauseSettle is how long a stop waits after pausing an nsqd's channels:
// each subscriber's message pump in nsqd takes the pause on its next
// turn, which needs only to be scheduled.
const pauseSettle = 500 * time.Millisecond

// stopNSQD stops nsqd i gracefully the way nsqd loses nothing: its
// channels paused first, then SIGTERM (see startNSQD for the way back).
//
// nsqd 1.3.0's SIGTERM alone can lose a message it has acknowledged: its
// Exit closes the client connections and then flushes each channel to
// disk without waiting for the subscribers' message pumps to end, and a
// pump still running takes a message from the channel (one the flush
// has just written to its disk queue, or one from memory) and puts it
// where nothing is flushed any more. A paused channel gives its pumps
// nothing, so the flush keeps everything.
func (c *cluster) stopNSQD(i int) {
	c.t.Helper()
	c.pauseNSQD(i, true)
	time.Sleep(pauseSettle)
	if err := c.nsqd[i].stop(stopGrace); err != nil {
		c.t.Error(err)
	}
}

// startNSQD starts nsqd i again after stopNSQD, which kept its channels
// paused, and unpauses them.
func (c *cluster) startNSQD(i int) {
	c.t.Helper()
	c.restartNSQD(i)
	c.pauseNSQD(i, false)
}

// pauseNSQD pauses or unpauses every channel of nsqd i from host 3.
func (c *cluster) pauseNSQD(i int, pause bool) {
	c.t.Helper()
	name := c.nsqd[i].name + "-unpause"
	if pause {
		name = c.nsqd[i].name + "-pause"
	}
	svc := c.helper(name, modePause, pauseArgs{HTTP: nsqdHTTP(i), Pause: pause})
	if err := svc.start(); err != nil {
		c.t.Fatal(err)
	}
	if err := svc.wait(startLimit); err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
}

// teardown kills every process of the cluster; the network goes after.
func (c *cluster) teardown() {
	if c.obs != nil {
		if err := c.obs.stop(); err != nil {
			c.t.Logf("observer: %v", err)
		}
	}
	all := append(append(append([]*service{}, c.helpers...), c.consumers...), c.nsqd[:]...)
	for _, svc := range append(all, c.lookupd) {
		if svc == nil {
			continue
		}
		if err := svc.kill(); err != nil {
			c.t.Errorf("teardown: %v", err)
		}
	}
}

// publish starts publishing the inputs round robin over the given nsqds,
// at rate messages per second (0: at once), and returns the publisher.
func (c *cluster) publish(in *inputs, to []int, rate float64) *service {
	c.t.Helper()
	file := filepath.Join(c.data, in.topic+".bodies")
	f, err := os.Create(file)
	if err != nil {
		c.t.Fatal(err)
	}
	err = writeBodies(f, in.bodies)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.t.Fatalf("write %s: %v", file, err)
	}
	a := publishArgs{Topic: in.topic, File: file, Rate: rate, BatchSize: 256, BatchBytes: 4 << 20}
	for _, i := range to {
		a.Addrs = append(a.Addrs, nsqdTCP(i))
	}
	svc := c.helper("publish-"+in.topic, modePublish, a)
	if err := svc.start(); err != nil {
		c.t.Fatal(err)
	}
	return svc
}

// publishAll publishes the inputs and waits until nsqd has them all.
func (c *cluster) publishAll(to []int, ins ...*inputs) {
	c.t.Helper()
	var pubs []*service
	for _, in := range ins {
		pubs = append(pubs, c.publish(in, to, 0))
	}
	for _, p := range pubs {
		if err := p.wait(publishLimit); err != nil {
			c.t.Fatalf("publish: %v", err)
		}
	}
}

// startConsumers starts n consumers of a stage on host 3, reading through
// nsqlookupd and publishing to both nsqds.
func (c *cluster) startConsumers(stage string, n int) []*service {
	c.t.Helper()
	var out []*service
	for range n {
		svc := c.service(fmt.Sprintf("%s-%d", stage, len(c.consumers)+1), host3, c.s.farm,
			"consume", stage, "--config", c.s.config,
			"--lookupd-http-address", lookupdHTTP,
			"--destination-nsqd-tcp-address", nsqdTCP(nsqdA),
			"--destination-nsqd-tcp-address", nsqdTCP(nsqdB),
			"--metrics-address", ":0", "--log-level", "warn")
		if err := svc.start(); err != nil {
			c.t.Fatal(err)
		}
		c.consumers = append(c.consumers, svc)
		out = append(out, svc)
	}
	return out
}
