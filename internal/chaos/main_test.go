package chaos

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Environment variables of the suite (see the package documentation).
const (
	envEnable = "NSQFARM_CHAOS"
	envScale  = "NSQFARM_CHAOS_SCALE"
	envSeed   = "NSQFARM_CHAOS_SEED"
	envSoak   = "NSQFARM_CHAOS_SOAK"
	envKeep   = "NSQFARM_CHAOS_KEEP"
)

// TestMain runs the test binary as one of the suite's helper programs when
// it was re-executed inside a namespace (see helper_test.go), and as the
// test suite otherwise.
func TestMain(m *testing.M) {
	if mode := os.Getenv(envHelper); mode != "" {
		os.Exit(runHelper(mode, os.Getenv(envHelperArgs)))
	}
	os.Exit(m.Run())
}

// requireChaos skips the test unless the suite was asked for and the
// machine can run it.
func requireChaos(t *testing.T) {
	t.Helper()
	if os.Getenv(envEnable) != "1" {
		t.Skipf("chaos suite not requested: set %s=1 or run scripts/chaos.sh", envEnable)
	}
	if os.Geteuid() != 0 {
		t.Skip("chaos suite skipped: it needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("chaos suite skipped: the ip command (iproute2) is not installed")
	}
	if err := probeNetns(); err != nil {
		t.Skipf("chaos suite skipped: network namespaces are unavailable: %v", err)
	}
}

// settings are the suite's knobs, read from the environment.
type settings struct {
	scale float64
	seed  uint64
	soak  bool
	keep  bool
}

func readSettings() (settings, error) {
	s := settings{scale: 1, seed: 1, soak: os.Getenv(envSoak) == "1", keep: os.Getenv(envKeep) == "1"}
	if v := strings.TrimSpace(os.Getenv(envScale)); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return s, fmt.Errorf("%s=%q: want a positive number", envScale, v)
		}
		s.scale = f
	}
	if v := strings.TrimSpace(os.Getenv(envSeed)); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return s, fmt.Errorf("%s=%q: want an unsigned integer", envSeed, v)
		}
		s.seed = n
	}
	return s, nil
}

// count scales a message count, keeping at least min.
func (s settings) count(n, min int) int {
	c := int(math.Round(float64(n) * s.scale))
	if c < min {
		return min
	}
	return c
}
