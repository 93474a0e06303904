package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nsPrefix starts the name of every namespace the suite creates; the test
// process ID follows, so that a run can tell its own namespaces from the
// leftovers of a crashed one.
const nsPrefix = "nfchaos-"

// subnet is the cluster network; host i has address subnet.i.
const subnet = "10.213.0"

// Host numbers.
const (
	host1 = 1 // nsqlookupd and nsqd A
	host2 = 2 // nsqd B
	host3 = 3 // consumers and the suite's helper programs
	hosts = 3
)

// hostIP returns the address of host h.
func hostIP(h int) string { return subnet + "." + strconv.Itoa(h) }

// ipTimeout bounds one ip command.
const ipTimeout = 15 * time.Second

// ip runs the ip command with args.
func ip(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), ipTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ipOutput runs the ip command with args and returns its standard output.
func ipOutput(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ipTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).Output()
	if err != nil {
		return "", fmt.Errorf("ip %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// probeNetns checks that a network namespace can be created and removed.
func probeNetns() error {
	name := fmt.Sprintf("%s%d-probe", nsPrefix, os.Getpid())
	if err := ip("netns", "add", name); err != nil {
		return err
	}
	return ip("netns", "del", name)
}

// network is the cluster's network: a namespace per host, each with an
// interface eth0 joined by a veth pair to a bridge that lives in a
// namespace of its own, so nothing is added to the root namespace.
type network struct {
	prefix string // namespace names are prefix + "h1", "h2", "h3", "br"
}

// ns returns the namespace of host h.
func (n *network) ns(h int) string { return n.prefix + "h" + strconv.Itoa(h) }

func (n *network) bridge() string { return n.prefix + "br" }

// names returns every namespace of the network.
func (n *network) names() []string {
	out := []string{n.bridge()}
	for h := 1; h <= hosts; h++ {
		out = append(out, n.ns(h))
	}
	return out
}

// newNetwork creates the namespaces, the bridge and the links, and
// removes them all when the test ends.
func newNetwork(t *testing.T, name string) *network {
	t.Helper()
	n := &network{prefix: fmt.Sprintf("%s%d-%s-", nsPrefix, os.Getpid(), name)}
	t.Cleanup(func() {
		for _, ns := range n.names() {
			if err := deleteNamespace(ns); err != nil {
				t.Errorf("remove namespace: %v", err)
			}
		}
	})
	if err := n.create(); err != nil {
		t.Fatalf("create the cluster network: %v", err)
	}
	return n
}

func (n *network) create() error {
	br := n.bridge()
	steps := [][]string{
		{"netns", "add", br},
		{"-n", br, "link", "add", "br0", "type", "bridge"},
		{"-n", br, "link", "set", "br0", "up"},
	}
	for h := 1; h <= hosts; h++ {
		ns, port := n.ns(h), "v"+strconv.Itoa(h)
		steps = append(steps,
			[]string{"netns", "add", ns},
			[]string{"-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
			[]string{"-n", br, "link", "set", port, "master", "br0"},
			[]string{"-n", br, "link", "set", port, "up"},
			[]string{"-n", ns, "addr", "add", hostIP(h) + "/24", "dev", "eth0"},
			[]string{"-n", ns, "link", "set", "eth0", "up"},
			[]string{"-n", ns, "link", "set", "lo", "up"},
		)
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return err
		}
	}
	return nil
}

// setLink takes host h's interface down or brings it back up.
func (n *network) setLink(h int, up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	return ip("-n", n.ns(h), "link", "set", "eth0", state)
}

// deleteNamespace kills whatever still runs in ns and deletes it (which
// deletes its interfaces). A namespace that does not exist is not an
// error.
func deleteNamespace(ns string) error {
	list, err := ipOutput("netns", "list")
	if err != nil {
		return err
	}
	if !hasNamespace(list, ns) {
		return nil
	}
	if out, err := ipOutput("netns", "pids", ns); err == nil {
		for _, f := range strings.Fields(out) {
			if pid, err := strconv.Atoi(f); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	return ip("netns", "del", ns)
}

// hasNamespace reports whether the output of `ip netns list` names ns.
func hasNamespace(list, ns string) bool {
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == ns {
			return true
		}
	}
	return false
}

// removeLeftovers deletes the namespaces of earlier runs of the suite
// whose test process is gone; it reports what it removed.
func removeLeftovers() ([]string, error) {
	list, err := ipOutput("netns", "list")
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], nsPrefix) {
			continue
		}
		pidText, _, _ := strings.Cut(strings.TrimPrefix(f[0], nsPrefix), "-")
		if pid, err := strconv.Atoi(pidText); err == nil && suiteAlive(pid) {
			continue
		}
		if err := deleteNamespace(f[0]); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, f[0])
	}
	return removed, errors.Join(errs...)
}

// suiteAlive reports whether pid is a running process of this test
// binary (another run of the suite, or this one).
func suiteAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	self, err1 := os.Readlink("/proc/self/exe")
	other, err2 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err1 != nil || err2 != nil {
		return false
	}
	// Both are chaos.test binaries, though not always the same file.
	return baseName(self) == baseName(other)
}

func baseName(p string) string {
	p = strings.TrimSuffix(p, " (deleted)")
	return p[strings.LastIndexByte(p, '/')+1:]
}
