// Package nsqsecure holds the TLS and auth settings of nsqfarm's
// connections to nsqd, and turns them into a go-nsq Config's fields and an
// HTTPS client configuration.
//
// go-nsq negotiates TLS in IDENTIFY when Config.TlsV1 is set (nsqd upgrades
// the connection only if it has a certificate) and sends AUTH with
// Config.AuthSecret when nsqd asks for it (nsqd's --auth-http-address).
package nsqsecure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/nsqio/go-nsq"
)

// Options are the TLS and auth settings of a client of nsqd. The zero
// value means plain TCP and HTTP, no auth.
type Options struct {
	// TLS turns TLS on. Any other TLS field turns it on too.
	TLS bool
	// CAFile is a PEM file of the certificate authorities that sign
	// nsqd's certificate; empty means the system's roots.
	CAFile string
	// CertFile and KeyFile are the client certificate and its key (PEM),
	// for an nsqd that verifies its clients (--tls-client-auth-policy).
	CertFile, KeyFile string
	// ServerName is the name nsqd's certificate must carry; empty means
	// the host of the address dialled.
	ServerName string
	// InsecureSkipVerify accepts any certificate nsqd shows: the
	// connection is encrypted but nsqd is not authenticated.
	InsecureSkipVerify bool
	// AuthSecret is sent with NSQ's AUTH command when nsqd requires it.
	AuthSecret string
}

// TLSEnabled reports whether the options ask for TLS.
func (o *Options) TLSEnabled() bool {
	return o.TLS || o.CAFile != "" || o.CertFile != "" || o.KeyFile != "" ||
		o.ServerName != "" || o.InsecureSkipVerify
}

// Validate checks the options and the files they name.
func (o *Options) Validate() error {
	_, err := o.TLSConfig()
	return err
}

// TLSConfig returns the client TLS configuration, or nil when TLS is off.
// Its ServerName is o.ServerName (empty: the host dialled). Errors name the
// setting at fault: a missing or unreadable file, a key without its
// certificate, a certificate that does not match its key.
func (o *Options) TLSConfig() (*tls.Config, error) {
	if !o.TLSEnabled() {
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify,
	}
	var errs []error
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("TLS CA file: %w", err))
		case !pool.AppendCertsFromPEM(pem):
			errs = append(errs, fmt.Errorf("TLS CA file %s: no PEM certificate in it", o.CAFile))
		default:
			c.RootCAs = pool
		}
	}
	switch {
	case o.CertFile == "" && o.KeyFile != "":
		errs = append(errs, fmt.Errorf("TLS key %s given without its certificate: give the client certificate too", o.KeyFile))
	case o.CertFile != "" && o.KeyFile == "":
		errs = append(errs, fmt.Errorf("TLS certificate %s given without its key: give the client key too", o.CertFile))
	case o.CertFile != "":
		cert, err := loadKeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			errs = append(errs, err)
		} else {
			c.Certificates = []tls.Certificate{cert}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// loadKeyPair loads a certificate and its key, saying which file is at
// fault.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	for what, f := range map[string]string{"certificate": certFile, "key": keyFile} {
		if _, err := os.Stat(f); err != nil {
			return tls.Certificate{}, fmt.Errorf("TLS %s: %w", what, err)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return cert, nil
}

// Apply sets the TLS and auth fields of a go-nsq Config.
//
// go-nsq sets the TLS server name of each connection to the host it dials,
// whatever the Config says. With a ServerName, Apply therefore turns off
// the built-in check and verifies nsqd's certificate chain itself, against
// the same roots, for that name.
func (o *Options) Apply(cfg *nsq.Config) error {
	cfg.AuthSecret = o.AuthSecret
	tc, err := o.TLSConfig()
	if err != nil || tc == nil {
		return err
	}
	if o.ServerName != "" && !o.InsecureSkipVerify {
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = verifyFor(o.ServerName, tc.RootCAs)
	}
	cfg.TlsV1 = true
	cfg.TlsConfig = tc
	return nil
}

// verifyFor returns a check of the peer's certificate chain against roots
// (nil: the system's) for the DNS name or IP address name.
func verifyFor(name string, roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("nsqd showed no TLS certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
			DNSName:       name,
			Roots:         roots,
			Intermediates: inter,
		})
		return err
	}
}

// ErrNoTLS is the error of a connection to an nsqd that did not upgrade
// to TLS although TLS was asked for: nsqd has no certificate.
var ErrNoTLS = errors.New("nsqd did not upgrade the connection to TLS (it has no --tls-cert and --tls-key): refusing to talk to it in clear")

// CheckIdentify checks nsqd's IDENTIFY answer on a connection made with
// cfg: when cfg asks for TLS, nsqd must have upgraded the connection.
func CheckIdentify(cfg *nsq.Config, resp *nsq.IdentifyResponse) error {
	if cfg.TlsV1 && (resp == nil || !resp.TLSv1) {
		return ErrNoTLS
	}
	return nil
}

// Probe connects to the nsqd at addr with cfg, checks that it upgraded
// the connection to TLS if cfg asks for it (and took the auth secret if it
// asked for one), and closes the connection. go-nsq's Producer and
// Consumer carry on in clear when nsqd does not offer TLS; a Probe before
// them refuses that nsqd.
func Probe(addr string, cfg *nsq.Config) error {
	c := nsq.NewConn(addr, cfg, probeDelegate{})
	c.SetLogger(nil, nsq.LogLevelError, "")
	resp, err := c.Connect()
	if err == nil {
		err = CheckIdentify(cfg, resp)
	}
	_ = c.Close()
	if err != nil {
		return fmt.Errorf("nsqd %s: %w", addr, err)
	}
	return nil
}

// ProbeAll probes every nsqd at addrs when cfg asks for TLS (see Probe);
// without TLS it does nothing: go-nsq's own connections report auth
// failures.
func ProbeAll(addrs []string, cfg *nsq.Config) error {
	if !cfg.TlsV1 {
		return nil
	}
	var errs []error
	for _, addr := range addrs {
		errs = append(errs, Probe(addr, cfg))
	}
	return errors.Join(errs...)
}

// probeDelegate ignores the events of a probe's connection.
type probeDelegate struct{}

func (probeDelegate) OnResponse(*nsq.Conn, []byte)              {}
func (probeDelegate) OnError(*nsq.Conn, []byte)                 {}
func (probeDelegate) OnMessage(*nsq.Conn, *nsq.Message)         {}
func (probeDelegate) OnMessageFinished(*nsq.Conn, *nsq.Message) {}
func (probeDelegate) OnMessageRequeued(*nsq.Conn, *nsq.Message) {}
func (probeDelegate) OnBackoff(*nsq.Conn)                       {}
func (probeDelegate) OnContinue(*nsq.Conn)                      {}
func (probeDelegate) OnResume(*nsq.Conn)                        {}
func (probeDelegate) OnIOError(*nsq.Conn, error)                {}
func (probeDelegate) OnHeartbeat(*nsq.Conn)                     {}
func (probeDelegate) OnClose(*nsq.Conn)                         {}
