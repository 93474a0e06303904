package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// TestUpWithTLSAndAuth runs the farm with its nsqd requiring TLS on TCP
// and HTTP and asking an auth server about every client: publish, the
// stages and tail all work with the right settings, and the wrong ones
// fail at once with a clear error.
func TestUpWithTLSAndAuth(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	auth := nsqtest.AuthServer(t, "s3cret")
	// The store stage does not read primes here: with no durable channel
	// on primes, the topic keeps what the primality stage publishes until
	// tail --from-start subscribes. (Where the store's durable channel
	// exists, tail's channel gets only what is published after it
	// subscribes, and a tail that came after the last prime waited
	// forever.)
	dir := t.TempDir()
	config := writeTopology(t, dir, "topics.yaml",
		"topics: [solutions, primes, non_primes, numbers_dead, lp_params_dead]",
		"topics: [solutions, non_primes, numbers_dead, lp_params_dead]")
	// The stages trust nsqd's own certificate: no --tls-ca-file.
	c, stop := startUp(t, dir, "--config", config, "--nsqd.tls-cert", f.ServerCert, "--nsqd.tls-key", f.ServerKey,
		"--nsqd.tls-required", "true", "--nsqd.https-address", nsqtest.FreeAddr(t),
		"--nsqd.auth-http-address", auth, "--auth-secret", "s3cret")

	client := []string{"--nsqd-tcp-address", c.nsqdTCP, "--tls-ca-file", f.CA}
	publish := append([]string{"publish", "numbers", "--topic", "numbers", "--from", "1", "--to", "200"}, client...)
	if code, _, stderr := runStreams(t, slices.Concat(publish, []string{"--auth-secret", "s3cret"})...); code != 0 {
		t.Fatalf("publish: exit %d: %s", code, stderr)
	}
	// The secret from the environment; nsqd's stats over HTTPS, found
	// from its plain HTTP address.
	t.Setenv("NSQFARM_AUTH_SECRET", "s3cret")
	code, stdout, stderr := runStreams(t, append([]string{"tail", "--topic", "primes", "--from-start", "-n", "46",
		"--nsqd-http-address", c.nsqdHTTP}, client...)...)
	if code != 0 || strings.Count(stdout, "\n") != 46 {
		t.Fatalf("tail: exit %d, %d lines; stderr %s", code, strings.Count(stdout, "\n"), stderr)
	}
	code, _, stderr = runStreams(t, append([]string{"replay", "--topic", "numbers_dead", "--dry-run",
		"--nsqd-http-address", c.nsqdHTTP}, client...)...)
	if code != 0 || !strings.Contains(stderr, "would replay 0") {
		t.Fatalf("replay: exit %d; stderr %s", code, stderr)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"wrong secret", slices.Concat(publish, []string{"--auth-secret", "wrong"}), "E_AUTH_FAILED"},
		{"no TLS", []string{"publish", "numbers", "--topic", "numbers", "--from", "1", "--to", "2", "--nsqd-tcp-address", c.nsqdTCP, "--auth-secret", "s3cret"}, "TLS"},
		{"unknown authority", slices.Concat(publish, []string{"--tls-ca-file", f.OtherCA}), "unknown authority"},
		{"wrong server name", slices.Concat(publish, []string{"--tls-server-name", "other.test"}), "other.test"},
		{"key without certificate", slices.Concat(publish, []string{"--tls-key", f.ClientKey}), "without its certificate"},
		{"tail over plain HTTP", []string{"tail", "--topic", "primes", "--nsqd-tcp-address", c.nsqdTCP, "--nsqd-http-address", c.nsqdHTTP}, "requires TLS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runStreams(t, tc.args...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.want)
			}
		})
	}
	if code := stop(); code != 0 {
		t.Fatalf("up exited %d", code)
	}
}

func TestSecurityFlagErrors(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"up key without cert", nil, []string{"up", "--nsqd.tls-key", f.ServerKey}, 2, "--nsqd.tls-cert and --nsqd.tls-key together"},
		{"up required without cert", nil, []string{"up", "--nsqd.tls-required", "true"}, 2, "need --nsqd.tls-cert"},
		{"up bad required", nil, []string{"up", "--nsqd.tls-required", "yes"}, 2, "want one of false, true, tcp-https"},
		{"up bad required env", map[string]string{"NSQFARM_NSQD_TLS_REQUIRED": "yes"}, []string{"up"}, 2, `NSQFARM_NSQD_TLS_REQUIRED="yes"`},
		{"bad env", map[string]string{"NSQFARM_TLS": "maybe"}, []string{"consume", "primality"}, 2, `NSQFARM_TLS="maybe"`},
		{"missing CA", nil, []string{"consume", "primality", "--tls-ca-file", "/nonexistent/ca.pem"}, 1, "TLS CA file: open /nonexistent/ca.pem"},
		{"cert without key", nil, []string{"tail", "--topic", "t", "--tls-cert", f.ClientCert}, 1, "without its key"},
		{"insecure only by name", nil, []string{"tail", "--topic", "t", "--tls-insecure"}, 2, "unknown flag --tls-insecure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runStreams(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
