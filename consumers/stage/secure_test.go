package stage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
	"github.com/nsqfarm/nsqfarm/internal/nsqsecure"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

// secureConfig returns a go-nsq configuration with sec applied.
func secureConfig(t *testing.T, sec nsqsecure.Options) *nsq.Config {
	t.Helper()
	cfg := nsq.NewConfig()
	if err := sec.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestStageWithTLSAndAuth runs a stage against an nsqd that requires TLS
// with verified client certificates and asks an auth server about every
// client: every input is processed and finished.
func TestStageWithTLSAndAuth(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	n := nsqtest.NSQD(t, nsqtest.RequireTLS(f), nsqtest.RequireAuth(nsqtest.AuthServer(t, "s3cret")),
		func(o *nsqd.Options) { o.TLSClientAuthPolicy, o.TLSRootCAFile = "require-verify", f.CA })
	sec := nsqsecure.Options{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey, ServerName: "nsqd.test", AuthSecret: "s3cret"}
	n.GetTopic("in").GetChannel("work")
	tcp := n.RealTCPAddr().String()
	out := nsqtest.CollectConfig(t, secureConfig(t, sec), tcp, "out", "check")
	stop := runStage(t, n, echo, func(c *stage.Config) { c.Security = sec })

	p, err := nsq.NewProducer(tcp, secureConfig(t, sec))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	const total = 200
	var bodies [][]byte
	for i := range total {
		bodies = append(bodies, fmt.Appendf(nil, "msg-%d", i))
	}
	if err := p.MultiPublish("in", bodies); err != nil {
		t.Fatal(err)
	}
	out.WaitFor(t, total, 20*time.Second)
	nsqtest.WaitDrained(t, n, "in", "work", 10*time.Second)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestStageSecurityFailures: a wrong auth secret stops the stage with
// nsqd's refusal instead of hanging, and a stage that asks for TLS does
// not publish in clear to an nsqd without it.
func TestStageSecurityFailures(t *testing.T) {
	t.Run("wrong secret", func(t *testing.T) {
		n := nsqtest.NSQD(t, nsqtest.RequireAuth(nsqtest.AuthServer(t, "s3cret")))
		s := newStage(t, n, echo, func(c *stage.Config) { c.Security.AuthSecret = "wrong" })
		done := make(chan error, 1)
		go func() { done <- s.Run(t.Context()) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "E_AUTH_FAILED") {
				t.Fatalf("Run: %v, want nsqd's E_AUTH_FAILED", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("stage with a wrong secret still running after 10s")
		}
	})
	t.Run("nsqd without TLS", func(t *testing.T) {
		n := nsqtest.NSQD(t)
		s := newStage(t, n, echo, func(c *stage.Config) { c.Security.InsecureSkipVerify = true })
		if err := s.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "did not upgrade the connection to TLS") {
			t.Fatalf("Run: %v, want a refusal of the nsqd without TLS", err)
		}
	})
	t.Run("destination without TLS", func(t *testing.T) {
		// The input's nsqd has TLS; the destination has not.
		f := nsqtest.NewTLSFiles(t)
		n := nsqtest.NSQD(t, nsqtest.RequireTLS(f))
		plain := nsqtest.NSQD(t)
		s := newStage(t, n, echo, func(c *stage.Config) {
			c.Security.CAFile = f.CA
			c.DestinationNSQDTCPAddresses = []string{plain.RealTCPAddr().String()}
		})
		done := make(chan error, 1)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { done <- s.Run(ctx) }()
		defer func() { cancel(); <-done }()
		nsqtest.Eventually(t, 10*time.Second, "the stage to refuse its destination without TLS", func() bool {
			detail, err := s.Health()
			return err != nil && strings.Contains(strings.Join(detail, "\n"), "did not upgrade the connection to TLS")
		})
	})
	t.Run("invalid settings", func(t *testing.T) {
		cfg := stage.Config{Name: "x", Topic: "in", Channel: "c", DeadLetter: "d", Outputs: map[string]string{"out": "out"},
			NSQDTCPAddresses: []string{"127.0.0.1:1"}, Security: nsqsecure.Options{KeyFile: "key.pem"}}
		if _, err := stage.New(cfg, echo); err == nil || !strings.Contains(err.Error(), "without its certificate") {
			t.Fatalf("New: %v", err)
		}
	})
}
