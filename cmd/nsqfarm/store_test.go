package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
)

// storeTopics are the store stage's inputs in the shipped topology.
var storeTopics = []string{"solutions", "primes", "non_primes", "numbers_dead", "lp_params_dead"}

// storeSetup starts an nsqd with the channels of the primality and store
// stages, and a primality consumer on it.
func storeSetup(t *testing.T) *nsqd.NSQD {
	t.Helper()
	n := nsqtest.NSQD(t)
	http := n.RealHTTPAddr().String()
	nsqtest.CreateChannel(t, http, "numbers", "primality")
	for _, topic := range storeTopics {
		nsqtest.CreateChannel(t, http, topic, "store")
	}
	start(t, consumeArgs(t, n, "30s")...)
	return n
}

// startStore runs `nsqfarm consume store` on n with the given store URL,
// with the shipped topology but short requeue delays, so that inputs
// requeued while the store is down come back quickly.
func startStore(t *testing.T, n *nsqd.NSQD, url string) *process {
	t.Helper()
	src, err := os.ReadFile(topicsFile)
	if err != nil {
		t.Fatal(err)
	}
	fast := strings.Replace(string(src), "    handler: store\n", "    handler: store\n    requeue_delay: 100ms\n    max_requeue_delay: 1s\n", 1)
	if fast == string(src) {
		t.Fatal("topics.yaml has no store stage")
	}
	file := filepath.Join(t.TempDir(), "topics.yaml")
	if err := os.WriteFile(file, []byte(fast), 0o644); err != nil {
		t.Fatal(err)
	}
	return start(t, "consume", "store", "--config", file, "--store", url,
		"--nsqd-tcp-address", n.RealTCPAddr().String(), "--metrics-address", "off", "--log-level", "warn")
}

// publishCount publishes the integers 1…count and one malformed body.
func publishCount(t *testing.T, n *nsqd.NSQD, count int) {
	t.Helper()
	var bodies [][]byte
	for i := 1; i <= count; i++ {
		bodies = append(bodies, fmt.Appendf(nil, `{"number": %d}`, i))
	}
	nsqtest.MPub(t, n.RealHTTPAddr().String(), "numbers", append(bodies, []byte("12a")))
}

// waitCounts polls the store until it holds want results per topic.
func waitCounts(t *testing.T, st store.Store, want map[string]int64, timeout time.Duration) {
	t.Helper()
	var c store.Counts
	nsqtest.Eventually(t, timeout, fmt.Sprintf("the store holds %v", want), func() bool {
		var err error
		c, err = st.Counts(context.Background())
		return err == nil && fmt.Sprint(c.Topics) == fmt.Sprint(want)
	})
}

// primesBelow counts the primes up to n.
func primesBelow(n int) int64 {
	var count int64
	for i := 2; i <= n; i++ {
		prime := true
		for d := 2; d*d <= i; d++ {
			if i%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			count++
		}
	}
	return count
}

// TestConsumeStoreRecordsResults runs the store stage alone beside a
// primality stage: every result and dead letter is recorded once, and a
// result published twice makes no second row.
func TestConsumeStoreRecordsResults(t *testing.T) {
	n := storeSetup(t)
	url := "sqlite:" + filepath.Join(t.TempDir(), "store.db")
	startStore(t, n, url)
	const count = 2000
	publishCount(t, n, count)

	st := storetest.Open(t, url)
	p := primesBelow(count)
	want := map[string]int64{"primes": p, "non_primes": count - p, "numbers_dead": 1}
	waitCounts(t, st, want, time.Minute)

	// The same result again, as a redelivery or a republish would send it.
	recent, err := st.Recent(context.Background(), "primes", 1)
	if err != nil || len(recent) != 1 {
		t.Fatalf("Recent(primes): %v, %v", recent, err)
	}
	nsqtest.MPub(t, n.RealHTTPAddr().String(), "primes", [][]byte{recent[0].Body})
	nsqtest.WaitDrained(t, n, "primes", "store", 30*time.Second)
	time.Sleep(200 * time.Millisecond) // nsqd counts the FIN before the handler's call returns
	waitCounts(t, st, want, 5*time.Second)
}

// TestConsumeStoreSurvivesStoreOutage stops the PostgreSQL server under a
// running store stage: its inputs are requeued, none is dead-lettered, and
// once the server is back every result is recorded.
func TestConsumeStoreSurvivesStoreOutage(t *testing.T) {
	pg := startPostgres(t)
	n := storeSetup(t)
	startStore(t, n, pg.url)
	const count = 1000
	publishCount(t, n, count)
	st := storetest.Open(t, pg.url)
	nsqtest.Eventually(t, time.Minute, "some results recorded", func() bool {
		c, err := st.Counts(context.Background())
		return err == nil && c.Topics["primes"] > 0
	})

	pg.ctl(t, "stop", "-m", "immediate")
	// More results while the store is down.
	var bodies [][]byte
	for i := count + 1; i <= 2*count; i++ {
		bodies = append(bodies, fmt.Appendf(nil, `{"number": %d}`, i))
	}
	nsqtest.MPub(t, n.RealHTTPAddr().String(), "numbers", bodies)
	time.Sleep(3 * time.Second)
	pg.ctl(t, "start", "-w", "-l", filepath.Join(pg.dir, "log"), "-o", pg.opts)

	p := primesBelow(2 * count)
	waitCounts(t, st, map[string]int64{"primes": p, "non_primes": 2*count - p, "numbers_dead": 1}, 2*time.Minute)
	tp, err := n.GetExistingTopic("store_dead")
	if err == nil && tp.Depth() > 0 {
		t.Fatalf("%d messages dead-lettered while the store was down", tp.Depth())
	}
	// The outage was seen: inputs were requeued, not finished.
	var requeued uint64
	for _, topic := range storeTopics {
		if tp, err := n.GetExistingTopic(topic); err == nil {
			if ch, err := tp.GetExistingChannel("store"); err == nil {
				requeued += nsqd.NewChannelStats(ch, nil, 0).RequeueCount
			}
		}
	}
	if requeued == 0 {
		t.Fatal("no input of the store stage was requeued while the store was down")
	}
	t.Logf("%d inputs requeued during the outage", requeued)
}

// postgres is a throwaway PostgreSQL server of one test.
type postgres struct {
	bin, dir, opts, url string
	as                  []string
}

// startPostgres starts a PostgreSQL server in a temporary directory, or
// skips the test when PostgreSQL is not installed.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)")
	}
	sort.Strings(bins)
	// Not t.TempDir: the server's user must reach its directory.
	dir, err := os.MkdirTemp("", "nsqfarm-pg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pg := &postgres{bin: filepath.Dir(bins[len(bins)-1]), dir: dir}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		if err := exec.Command("chown", "-R", "postgres", pg.dir).Run(); err != nil {
			t.Skipf("no postgres user to run the server as: %v", err)
		}
		pg.as = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := pg.command("initdb", "-D", filepath.Join(pg.dir, "data"), "-A", "trust", "-U", "postgres").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	addr := nsqtest.FreeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	pg.opts = fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, pg.dir)
	pg.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable&connect_timeout=2", port)
	pg.ctl(t, "start", "-w", "-l", filepath.Join(pg.dir, "log"), "-o", pg.opts)
	t.Cleanup(func() { _ = pg.command("pg_ctl", "-D", filepath.Join(pg.dir, "data"), "-m", "immediate", "stop").Run() })
	return pg
}

func (pg *postgres) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string(nil), pg.as...), filepath.Join(pg.bin, name)), args...)
	return exec.Command(argv[0], argv[1:]...)
}

// ctl runs pg_ctl on the server's data directory.
func (pg *postgres) ctl(t *testing.T, action string, args ...string) {
	t.Helper()
	args = append([]string{"-D", filepath.Join(pg.dir, "data"), action}, args...)
	if out, err := pg.command("pg_ctl", args...).CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %s: %v\n%s", action, err, out)
	}
}
