package nsqtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqd"
)

// TLSFiles are PEM files of a test certificate authority, a server
// certificate for 127.0.0.1 and "nsqd.test" that it signed, and a client
// certificate it signed.
type TLSFiles struct {
	Dir                   string
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
	// OtherCA is a certificate authority that signed none of them.
	OtherCA string
}

// NewTLSFiles writes a fresh test CA and certificates to a temporary
// directory.
func NewTLSFiles(t testing.TB) TLSFiles {
	t.Helper()
	dir := t.TempDir()
	f := TLSFiles{
		Dir:        dir,
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client.pem"),
		ClientKey:  filepath.Join(dir, "client-key.pem"),
		OtherCA:    filepath.Join(dir, "other-ca.pem"),
	}
	ca, caKey := newCert(t, nil, nil, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "nsqfarm test CA"},
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}, f.CA, "")
	newCert(t, ca, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "nsqd.test"},
		DNSNames:    []string{"nsqd.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, f.ServerCert, f.ServerKey)
	newCert(t, ca, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "nsqfarm client"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, f.ClientCert, f.ClientKey)
	newCert(t, nil, nil, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "another CA"},
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}, f.OtherCA, "")
	return f
}

var serial atomic.Int64

// newCert creates tmpl signed by parent (self-signed when parent is nil)
// and writes it to certFile and, when keyFile is set, its key.
func newCert(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, tmpl *x509.Certificate, certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, certFile, "CERTIFICATE", der)
	if keyFile != "" {
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// RequireTLS makes an nsqd (see NSQD) require TLS on TCP and HTTP with the
// server certificate of f, and serve HTTPS on a free loopback port.
func RequireTLS(f TLSFiles) func(*nsqd.Options) {
	return func(o *nsqd.Options) {
		o.TLSCert, o.TLSKey = f.ServerCert, f.ServerKey
		o.TLSRequired = nsqd.TLSRequired
		o.HTTPSAddress = "127.0.0.1:0"
	}
}

// AuthServer serves NSQ's auth protocol (GET /auth?remote_ip=&tls=&secret=)
// for nsqd's --auth-http-address: the secret given is allowed to publish
// and subscribe everywhere, any other is refused. It returns the server's
// host:port.
func AuthServer(t testing.TB, secret string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth" || r.URL.Query().Get("secret") != secret {
			http.Error(w, `{"message": "NOT_AUTHORIZED"}`, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ttl":      3600,
			"identity": "nsqfarm-test",
			"authorizations": []map[string]any{{
				"topic":       ".*",
				"channels":    []string{".*"},
				"permissions": []string{"subscribe", "publish"},
			}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// RequireAuth makes an nsqd (see NSQD) ask the auth server at addr
// about every client.
func RequireAuth(addr string) func(*nsqd.Options) {
	return func(o *nsqd.Options) { o.AuthHTTPAddresses = []string{addr} }
}
