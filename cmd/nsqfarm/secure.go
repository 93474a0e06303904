package main

import (
	"cmp"
	"fmt"
	"os"
	"strconv"

	"github.com/nsqio/go-nsq"
	"github.com/nsqio/nsq/nsqd"

	"github.com/nsqfarm/nsqfarm/internal/cluster"
	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqsecure"
)

// securityFlags are the TLS and auth flags of a command that talks to
// nsqd.
type securityFlags struct {
	fs   *flagSet
	opts nsqsecure.Options
	bad  error // an environment variable that does not parse
}

// secureFlags registers --tls, --tls-ca-file, --tls-cert, --tls-key,
// --tls-server-name, --tls-insecure-skip-verify and --auth-secret, each
// also read from its NSQFARM_ environment variable.
func secureFlags(fs *flagSet) *securityFlags {
	s := &securityFlags{fs: fs}
	o := &s.opts
	fs.BoolVar(&o.TLS, "tls", s.envBool("NSQFARM_TLS"), "connect to nsqd with TLS (env NSQFARM_TLS; any other --tls-* flag implies it)")
	fs.StringVar(&o.CAFile, "tls-ca-file", os.Getenv("NSQFARM_TLS_CA_FILE"), "PEM file of the certificate authorities that sign nsqd's certificate (env NSQFARM_TLS_CA_FILE; default: the system's)")
	fs.StringVar(&o.CertFile, "tls-cert", os.Getenv("NSQFARM_TLS_CERT"), "PEM client certificate, for an nsqd that verifies its clients (env NSQFARM_TLS_CERT; needs --tls-key)")
	fs.StringVar(&o.KeyFile, "tls-key", os.Getenv("NSQFARM_TLS_KEY"), "PEM key of --tls-cert (env NSQFARM_TLS_KEY)")
	fs.StringVar(&o.ServerName, "tls-server-name", os.Getenv("NSQFARM_TLS_SERVER_NAME"), "name nsqd's certificate must carry (env NSQFARM_TLS_SERVER_NAME; default: the host of the nsqd address)")
	fs.BoolVar(&o.InsecureSkipVerify, "tls-insecure-skip-verify", s.envBool("NSQFARM_TLS_INSECURE_SKIP_VERIFY"), "accept any certificate from nsqd: encrypted, but nsqd is not authenticated (env NSQFARM_TLS_INSECURE_SKIP_VERIFY)")
	fs.StringVar(&o.AuthSecret, "auth-secret", os.Getenv("NSQFARM_AUTH_SECRET"), "secret for NSQ's AUTH, for an nsqd with --auth-http-address (env NSQFARM_AUTH_SECRET, which other users cannot read in the process list as they can a flag)")
	return s
}

// envBool reads a boolean environment variable; a value that does not
// parse is reported by options.
func (s *securityFlags) envBool(name string) bool {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil && s.bad == nil {
		s.bad = s.fs.usagef("%s=%q: want true or false", name, v)
	}
	return b
}

// options returns the checked settings: a usage error for a bad
// environment variable, else an error naming the file or the flag at
// fault.
func (s *securityFlags) options() (nsqsecure.Options, error) {
	if s.bad != nil {
		return s.opts, s.bad
	}
	if err := s.opts.Validate(); err != nil {
		return s.opts, fmt.Errorf("TLS and auth flags: %w", err)
	}
	return s.opts, nil
}

// nsqConfig applies the settings to a go-nsq configuration.
func (s *securityFlags) nsqConfig(cfg *nsq.Config) error {
	if err := s.opts.Apply(cfg); err != nil {
		return fmt.Errorf("TLS and auth flags: %w", err)
	}
	return nil
}

// httpClient returns the client of nsqd's HTTP API: HTTPS where nsqd
// requires it, with the TLS settings.
func (s *securityFlags) httpClient() (*nsqhttp.Client, error) {
	tc, err := s.opts.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("TLS and auth flags: %w", err)
	}
	return nsqhttp.New(tc), nil
}

// DefaultNSQDHTTPSAddress is where up's nsqd serves HTTPS when it has a
// certificate and no --nsqd.https-address is given (NSQ's standard port,
// on loopback like up's other defaults).
const DefaultNSQDHTTPSAddress = "127.0.0.1:4152"

// upTLS holds up's flags for its nsqd's TLS that need checking after the
// parse.
type upTLS struct {
	required     *string
	https        *string
	clientPolicy *string
	auth         *stringList
}

// upTLSFlags registers up's nsqd TLS and auth flags, nsqd's own under the
// daemon's name.
func upTLSFlags(fs *flagSet, opts *cluster.Options) *upTLS {
	fs.StringVar(&opts.TLSCert, "nsqd.tls-cert", os.Getenv("NSQFARM_NSQD_TLS_CERT"), "nsqd's PEM certificate: nsqd offers TLS, serves HTTPS, and the stages connect with TLS, trusting this certificate unless --tls-ca-file is given (nsqd's --tls-cert; env NSQFARM_NSQD_TLS_CERT)")
	fs.StringVar(&opts.TLSKey, "nsqd.tls-key", os.Getenv("NSQFARM_NSQD_TLS_KEY"), "nsqd's PEM key (nsqd's --tls-key; env NSQFARM_NSQD_TLS_KEY)")
	fs.StringVar(&opts.TLSRootCAFile, "nsqd.tls-root-ca-file", os.Getenv("NSQFARM_NSQD_TLS_ROOT_CA_FILE"), "PEM certificate authorities of the client certificates nsqd accepts (nsqd's --tls-root-ca-file; env NSQFARM_NSQD_TLS_ROOT_CA_FILE)")
	return &upTLS{
		required:     choiceFlag(fs, "nsqd.tls-required", envOr("NSQFARM_NSQD_TLS_REQUIRED", "false"), []string{"false", "true", "tcp-https"}, "whether nsqd refuses clients without TLS (nsqd's --tls-required; env NSQFARM_NSQD_TLS_REQUIRED): true refuses plain TCP and plain HTTP (nsqadmin, which reads nsqd over plain HTTP, then shows errors), tcp-https refuses plain TCP only"),
		https:        fs.String("nsqd.https-address", os.Getenv("NSQFARM_NSQD_HTTPS_ADDRESS"), "address nsqd serves HTTPS on when it has a certificate (nsqd's --https-address; env NSQFARM_NSQD_HTTPS_ADDRESS; default "+DefaultNSQDHTTPSAddress+")"),
		clientPolicy: choiceFlag(fs, "nsqd.tls-client-auth-policy", os.Getenv("NSQFARM_NSQD_TLS_CLIENT_AUTH_POLICY"), []string{"", "require", "require-verify"}, "client certificates nsqd asks for (nsqd's --tls-client-auth-policy; env NSQFARM_NSQD_TLS_CLIENT_AUTH_POLICY; the stages then need --tls-cert and --tls-key)"),
		auth:         listFlag(fs, "nsqd.auth-http-address", "NSQFARM_NSQD_AUTH_HTTP_ADDRESS", "auth server nsqd asks about every client (nsqd's --auth-http-address; the stages then need --auth-secret)"),
	}
}

// upSecurity completes up's cluster options from its nsqd TLS flags and
// returns the security settings of its stages.
func upSecurity(fs *flagSet, sf *securityFlags, opts *cluster.Options, u *upTLS) (nsqsecure.Options, error) {
	switch *u.required {
	case "true":
		opts.TLSRequired = nsqd.TLSRequired
	case "tcp-https":
		opts.TLSRequired = nsqd.TLSRequiredExceptHTTP
	case "false":
	default: // from the environment, which the flag does not check
		return nsqsecure.Options{}, fs.usagef("NSQFARM_NSQD_TLS_REQUIRED=%q: want false, true or tcp-https", *u.required)
	}
	switch *u.clientPolicy {
	case "", "require", "require-verify":
	default:
		return nsqsecure.Options{}, fs.usagef("NSQFARM_NSQD_TLS_CLIENT_AUTH_POLICY=%q: want require or require-verify", *u.clientPolicy)
	}
	opts.TLSClientAuthPolicy = *u.clientPolicy
	opts.AuthHTTPAddresses = *u.auth
	switch {
	case (opts.TLSCert == "") != (opts.TLSKey == ""):
		return nsqsecure.Options{}, fs.usagef("give --nsqd.tls-cert and --nsqd.tls-key together")
	case opts.TLSCert == "" && (opts.TLSRequired != nsqd.TLSNotRequired || opts.TLSClientAuthPolicy != "" || opts.TLSRootCAFile != "" || *u.https != ""):
		return nsqsecure.Options{}, fs.usagef("--nsqd.tls-required, --nsqd.tls-client-auth-policy, --nsqd.tls-root-ca-file and --nsqd.https-address need --nsqd.tls-cert and --nsqd.tls-key")
	case opts.TLSCert != "":
		opts.NSQDHTTPSAddress = cmp.Or(*u.https, DefaultNSQDHTTPSAddress)
		sf.opts.TLS = true
		if sf.opts.CAFile == "" {
			sf.opts.CAFile = opts.TLSCert
		}
	}
	return sf.options()
}
