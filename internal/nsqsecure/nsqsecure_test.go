package nsqsecure_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/nsqsecure"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

func TestValidate(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	missing := filepath.Join(f.Dir, "missing.pem")
	tests := []struct {
		name string
		opts nsqsecure.Options
		want string // "" means valid
	}{
		{"plain", nsqsecure.Options{}, ""},
		{"auth only", nsqsecure.Options{AuthSecret: "s"}, ""},
		{"tls with system roots", nsqsecure.Options{TLS: true}, ""},
		{"ca", nsqsecure.Options{CAFile: f.CA}, ""},
		{"client cert", nsqsecure.Options{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}, ""},
		{"missing ca", nsqsecure.Options{CAFile: missing}, "TLS CA file: open " + missing},
		{"ca not pem", nsqsecure.Options{CAFile: f.ClientKey}, "no PEM certificate"},
		{"key without cert", nsqsecure.Options{KeyFile: f.ClientKey}, "given without its certificate"},
		{"cert without key", nsqsecure.Options{CertFile: f.ClientCert}, "given without its key"},
		{"missing cert", nsqsecure.Options{CertFile: missing, KeyFile: f.ClientKey}, "TLS certificate: stat " + missing},
		{"key of another cert", nsqsecure.Options{CertFile: f.ClientCert, KeyFile: f.ServerKey}, "does not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// ping publishes to nsqd with opts applied and returns the outcome.
func ping(t *testing.T, addr string, opts nsqsecure.Options) error {
	t.Helper()
	cfg := nsq.NewConfig()
	if err := opts.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	p, err := nsq.NewProducer(addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.SetLogger(nil, nsq.LogLevelError)
	defer p.Stop()
	return p.Publish("ping", []byte("x"))
}

func TestTLSAgainstNSQD(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	n := nsqtest.NSQD(t, nsqtest.RequireTLS(f), func(o *nsqd.Options) {
		o.TLSClientAuthPolicy = "require-verify"
		o.TLSRootCAFile = f.CA
	})
	addr := n.RealTCPAddr().String()
	client := nsqsecure.Options{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}
	tests := []struct {
		name string
		opts func(o *nsqsecure.Options)
		want string // "" means it connects
	}{
		{"verified", func(*nsqsecure.Options) {}, ""},
		{"server name in the certificate", func(o *nsqsecure.Options) { o.ServerName = "nsqd.test" }, ""},
		{"server name not in the certificate", func(o *nsqsecure.Options) { o.ServerName = "other.test" }, "other.test"},
		{"unknown authority", func(o *nsqsecure.Options) { o.CAFile = f.OtherCA }, "unknown authority"},
		{"unknown authority, skip verify", func(o *nsqsecure.Options) { o.CAFile, o.InsecureSkipVerify = f.OtherCA, true }, ""},
		{"no client certificate", func(o *nsqsecure.Options) { o.CertFile, o.KeyFile = "", "" }, "tls"},
		{"no TLS", func(o *nsqsecure.Options) { *o = nsqsecure.Options{} }, "E_INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := client
			tc.opts(&o)
			err := ping(t, addr, o)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want))):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestAuthAgainstNSQD(t *testing.T) {
	n := nsqtest.NSQD(t, nsqtest.RequireAuth(nsqtest.AuthServer(t, "s3cret")))
	addr := n.RealTCPAddr().String()
	for _, tc := range []struct {
		secret, want string
	}{
		{"s3cret", ""},
		{"wrong", "E_AUTH_FAILED"},
		{"", "Auth Required"},
	} {
		t.Run(tc.secret, func(t *testing.T) {
			err := ping(t, addr, nsqsecure.Options{AuthSecret: tc.secret})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCheckIdentify(t *testing.T) {
	tlsCfg, plain := nsq.NewConfig(), nsq.NewConfig()
	tlsCfg.TlsV1 = true
	tests := []struct {
		name string
		cfg  *nsq.Config
		resp *nsq.IdentifyResponse
		ok   bool
	}{
		{"plain asked, plain got", plain, &nsq.IdentifyResponse{}, true},
		{"tls asked, tls got", tlsCfg, &nsq.IdentifyResponse{TLSv1: true}, true},
		{"tls asked, plain got", tlsCfg, &nsq.IdentifyResponse{}, false},
		{"tls asked, no negotiation", tlsCfg, nil, false},
	}
	for _, tc := range tests {
		if err := nsqsecure.CheckIdentify(tc.cfg, tc.resp); (err == nil) != tc.ok {
			t.Errorf("%s: error %v", tc.name, err)
		}
	}
}

func TestProbe(t *testing.T) {
	f := nsqtest.NewTLSFiles(t)
	secure := nsqtest.NSQD(t, nsqtest.RequireTLS(f), nsqtest.RequireAuth(nsqtest.AuthServer(t, "s3cret")))
	plain := nsqtest.NSQD(t)
	tests := []struct {
		name string
		addr string
		opts nsqsecure.Options
		want string // "" means no error
	}{
		{"tls and auth", secure.RealTCPAddr().String(), nsqsecure.Options{CAFile: f.CA, AuthSecret: "s3cret"}, ""},
		{"wrong secret", secure.RealTCPAddr().String(), nsqsecure.Options{CAFile: f.CA, AuthSecret: "nope"}, "E_AUTH_FAILED"},
		{"plain nsqd, plain client", plain.RealTCPAddr().String(), nsqsecure.Options{}, ""},
		{"plain nsqd, tls client", plain.RealTCPAddr().String(), nsqsecure.Options{CAFile: f.CA}, "did not upgrade"},
		{"nothing there", "127.0.0.1:1", nsqsecure.Options{}, "127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := nsq.NewConfig()
			if err := tc.opts.Apply(cfg); err != nil {
				t.Fatal(err)
			}
			err := nsqsecure.Probe(tc.addr, cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
