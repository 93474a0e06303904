// Package cluster runs an embedded NSQ cluster (nsqlookupd, nsqd and
// nsqadmin) inside the current process, using NSQ's own packages.
package cluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqio/nsq/nsqadmin"
	"github.com/nsqio/nsq/nsqd"
	"github.com/nsqio/nsq/nsqlookupd"

	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
)

// NSQ's standard addresses.
const (
	DefaultNSQDTCPAddress     = "127.0.0.1:4150"
	DefaultNSQDHTTPAddress    = "127.0.0.1:4151"
	DefaultLookupdTCPAddress  = "127.0.0.1:4160"
	DefaultLookupdHTTPAddress = "127.0.0.1:4161"
	DefaultAdminHTTPAddress   = "127.0.0.1:4171"
	DefaultDataDir            = "./data"
	// DefaultNodeID is the embedded nsqd's --node-id. One embedded nsqd
	// needs no particular ID; several that form a cluster each need their
	// own (see Options.NodeID).
	DefaultNodeID = 0
	// mpubOverhead is the framing an MPUB body adds to a single message:
	// a 4-byte message count and a 4-byte message size.
	mpubOverhead = 8
	nsqLogWarn   = 3 // NSQ's lg.WARN
	nsqLogInfo   = 2 // NSQ's lg.INFO
)

// Options configure an embedded cluster. Addresses of "host:0" pick a free
// port (useful in tests); an empty AdminHTTPAddress disables nsqadmin.
type Options struct {
	// DataDir holds nsqd's queues and metadata; kept across restarts.
	DataDir            string
	NSQDTCPAddress     string
	NSQDHTTPAddress    string
	LookupdTCPAddress  string
	LookupdHTTPAddress string
	AdminHTTPAddress   string
	// BroadcastAddress is the host nsqd registers with nsqlookupd, i.e. the
	// address consumers on other machines dial. Defaults to the host of
	// NSQDTCPAddress (127.0.0.1 for the defaults).
	BroadcastAddress string
	// MemQueueSize is nsqd's per-topic/channel in-memory queue length
	// before spilling to disk (nsqd's --mem-queue-size); 0 keeps every
	// message on disk, negative means nsqd's default.
	MemQueueSize int64
	// SyncEvery is nsqd's --sync-every.
	SyncEvery int64
	// NodeID is nsqd's --node-id, 0 to 1023: nsqd builds every message ID
	// from it, so each nsqd of a cluster needs its own or two nsqds hand
	// out the same IDs. nsqd's own default is a hash of the hostname,
	// which two nsqds on one host share (and two hosts can collide on);
	// here the zero value means node 0 and DefaultOptions (what up uses)
	// sets DefaultNodeID.
	NodeID int64
	// MaxMsgSize is the largest message nsqd accepts, in bytes (nsqd's
	// --max-msg-size); 0 means nsqd's default, 1048576.
	MaxMsgSize int64
	// MaxBodySize is the largest command body nsqd accepts, in bytes,
	// which bounds an MPUB batch (nsqd's --max-body-size). 0 means nsqd's
	// default, 5242880, raised when MaxMsgSize is larger to what an MPUB
	// of one message of MaxMsgSize needs, so that every message nsqd
	// accepts alone can also be published in a batch.
	MaxBodySize int64
	// TLSCert and TLSKey are nsqd's certificate and key (nsqd's
	// --tls-cert and --tls-key): with them nsqd offers TLS to its
	// clients, and serves HTTPS on NSQDHTTPSAddress.
	TLSCert, TLSKey string
	// NSQDHTTPSAddress is where nsqd serves HTTPS (nsqd's
	// --https-address) when it has a certificate; "" serves none.
	NSQDHTTPSAddress string
	// TLSRequired is nsqd's --tls-required: nsqd.TLSNotRequired,
	// nsqd.TLSRequiredExceptHTTP (TCP clients must use TLS, plain HTTP
	// stays open) or nsqd.TLSRequired (plain HTTP is refused too).
	TLSRequired int
	// TLSClientAuthPolicy ("require" or "require-verify") and
	// TLSRootCAFile make nsqd ask its clients for certificates (nsqd's
	// --tls-client-auth-policy and --tls-root-ca-file).
	TLSClientAuthPolicy, TLSRootCAFile string
	// AuthHTTPAddresses are the auth servers nsqd asks about each client
	// (nsqd's --auth-http-address).
	AuthHTTPAddresses []string
	// Verbose shows NSQ's info logs; otherwise warnings and errors only.
	Verbose bool
	// Logger receives the daemons' logs.
	Logger *slog.Logger
}

// DefaultOptions returns options for NSQ's standard ports on loopback and
// data under ./data.
func DefaultOptions() Options {
	return Options{
		DataDir:            DefaultDataDir,
		NSQDTCPAddress:     DefaultNSQDTCPAddress,
		NSQDHTTPAddress:    DefaultNSQDHTTPAddress,
		LookupdTCPAddress:  DefaultLookupdTCPAddress,
		LookupdHTTPAddress: DefaultLookupdHTTPAddress,
		AdminHTTPAddress:   DefaultAdminHTTPAddress,
		MemQueueSize:       10000,
		SyncEvery:          2500,
		NodeID:             DefaultNodeID,
	}
}

// validate checks what nsqd would reject only after locking its data
// directory (see Start).
func (o Options) validate() error {
	if o.NodeID < 0 || o.NodeID > 1023 {
		return fmt.Errorf("node ID %d out of range 0..1023 (nsqd's --node-id)", o.NodeID)
	}
	if o.MaxMsgSize < 0 || o.MaxBodySize < 0 {
		return fmt.Errorf("max message size %d and max body size %d must not be negative", o.MaxMsgSize, o.MaxBodySize)
	}
	return nil
}

// Cluster is a running embedded cluster.
type Cluster struct {
	Lookupd *nsqlookupd.NSQLookupd
	NSQD    *nsqd.NSQD
	Admin   *nsqadmin.NSQAdmin
	errs    chan error
	// daemons are the started daemons, in start order.
	daemons  []*daemon
	exiting  atomic.Bool
	exitOnce sync.Once
}

// daemon is one NSQ daemon whose Main runs in its own goroutine.
type daemon struct {
	exit func()
	done chan struct{} // closed when Main has returned
	err  error         // what Main returned; read only after done
}

// Start starts nsqlookupd, then nsqd registered with it, then nsqadmin
// watching it. It returns once each answers on its HTTP /ping, which is
// also what makes an Exit right after Start safe (see run).
//
// On error Start stops what it started. NSQ's constructors do not undo
// their own work when they fail: nsqd's keeps the data directory locked
// when it cannot listen, nsqlookupd's keeps its TCP port when it cannot
// listen on HTTP, both until the process ends.
func Start(opts Options) (*Cluster, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("start nsqd: %w", err)
	}
	c := &Cluster{errs: make(chan error, 3)}

	lopts := nsqlookupd.NewOptions()
	lopts.TCPAddress = opts.LookupdTCPAddress
	lopts.HTTPAddress = opts.LookupdHTTPAddress
	lopts.Logger = nsqlog.New(opts.Logger.With("component", "nsqlookupd"))
	setLogLevel(&lopts.LogLevel, opts.Verbose)
	lookupd, err := nsqlookupd.New(lopts)
	if err != nil {
		return nil, fmt.Errorf("start nsqlookupd: %w", err)
	}
	c.Lookupd = lookupd
	if err := c.run("nsqlookupd", lookupd.Main, lookupd.Exit, "http://"+lookupd.RealHTTPAddr().String()); err != nil {
		c.Exit()
		return nil, err
	}

	dataPath := filepath.Join(opts.DataDir, "nsqd")
	if err := os.MkdirAll(dataPath, 0o755); err != nil {
		c.Exit()
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	nopts := nsqd.NewOptions()
	nopts.ID = opts.NodeID
	nopts.TCPAddress = opts.NSQDTCPAddress
	nopts.HTTPAddress = opts.NSQDHTTPAddress
	nopts.HTTPSAddress = opts.NSQDHTTPSAddress
	nopts.TLSCert, nopts.TLSKey = opts.TLSCert, opts.TLSKey
	nopts.TLSRequired = opts.TLSRequired
	nopts.TLSClientAuthPolicy, nopts.TLSRootCAFile = opts.TLSClientAuthPolicy, opts.TLSRootCAFile
	nopts.AuthHTTPAddresses = opts.AuthHTTPAddresses
	nopts.DataPath = dataPath
	nopts.NSQLookupdTCPAddresses = []string{lookupd.RealTCPAddr().String()}
	if opts.MemQueueSize >= 0 {
		nopts.MemQueueSize = opts.MemQueueSize
	}
	if opts.SyncEvery > 0 {
		nopts.SyncEvery = opts.SyncEvery
	}
	if opts.MaxMsgSize > 0 {
		nopts.MaxMsgSize = opts.MaxMsgSize
	}
	nopts.MaxBodySize = max(nopts.MaxBodySize, nopts.MaxMsgSize+mpubOverhead)
	if opts.MaxBodySize > 0 {
		nopts.MaxBodySize = opts.MaxBodySize
	}
	nopts.BroadcastAddress = opts.BroadcastAddress
	if nopts.BroadcastAddress == "" {
		host, _, _ := net.SplitHostPort(opts.NSQDTCPAddress)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host, _ = os.Hostname()
		}
		nopts.BroadcastAddress = host
	}
	nopts.Logger = nsqlog.New(opts.Logger.With("component", "nsqd"))
	setLogLevel(&nopts.LogLevel, opts.Verbose)
	n, err := nsqd.New(nopts)
	if err != nil {
		c.Exit()
		return nil, fmt.Errorf("start nsqd: %w", err)
	}
	c.NSQD = n
	// Restore the topics and channels of the previous run, as the nsqd
	// app does, so every channel keeps receiving and its backlog survives.
	if err := n.LoadMetadata(); err != nil {
		// Not n.Exit: it persists the topics loaded so far over the file
		// that failed to load. Like the nsqd app, abandon this nsqd; its
		// listeners stay open until the process ends.
		c.Exit()
		return nil, fmt.Errorf("start nsqd: load metadata from %s: %w", dataPath, err)
	}
	// The channels the last Exit paused (see exitNSQD) serve again.
	pausedRecord, err := unpauseAfterExit(n, dataPath)
	if err != nil {
		n.Exit()
		c.Exit()
		return nil, fmt.Errorf("start nsqd: %w", err)
	}
	if err := n.PersistMetadata(); err != nil {
		n.Exit() // releases the data directory's lock; Main never ran
		c.Exit()
		return nil, fmt.Errorf("start nsqd: persist metadata to %s: %w", dataPath, err)
	}
	if pausedRecord != "" {
		if err := os.Remove(pausedRecord); err != nil {
			n.Exit()
			c.Exit()
			return nil, fmt.Errorf("start nsqd: %w", err)
		}
	}
	ping := "http://" + n.RealHTTPAddr().String()
	if nopts.TLSRequired == nsqd.TLSRequired {
		// nsqd refuses plain HTTP.
		ping = "https://" + n.RealHTTPSAddr().String()
	}
	nlog := opts.Logger.With("component", "nsqd")
	if err := c.run("nsqd", n.Main, func() { exitNSQD(n, dataPath, nlog) }, ping); err != nil {
		c.Exit()
		return nil, err
	}

	if opts.AdminHTTPAddress != "" {
		aopts := nsqadmin.NewOptions()
		aopts.HTTPAddress = opts.AdminHTTPAddress
		aopts.NSQLookupdHTTPAddresses = []string{lookupd.RealHTTPAddr().String()}
		aopts.Logger = nsqlog.New(opts.Logger.With("component", "nsqadmin"))
		setLogLevel(&aopts.LogLevel, opts.Verbose)
		admin, err := nsqadmin.New(aopts)
		if err != nil {
			c.Exit()
			return nil, fmt.Errorf("start nsqadmin: %w", err)
		}
		c.Admin = admin
		if err := c.run("nsqadmin", admin.Main, admin.Exit, "http://"+admin.RealHTTPAddr().String()); err != nil {
			c.Exit()
			return nil, err
		}
	}
	return c, nil
}

// run starts a daemon's Main in its own goroutine and waits until its
// HTTP server answers /ping at base (http:// or https://host:port).
//
// NSQ's Main starts its servers with WaitGroup.Add and its Exit waits for
// them with WaitGroup.Wait, and the first Add must happen before Wait: an
// Exit that overtakes Main is a data race, and a Main that runs after Exit
// leaves goroutines behind. A /ping answer comes from a server goroutine
// that Main started after its first Add, so once run returns, Exit is safe.
// Main adds its remaining goroutines before it can return, and Exit waits
// for Main to return (see Exit).
func (c *Cluster) run(name string, main func() error, exit func(), base string) error {
	d := &daemon{exit: exit, done: make(chan struct{})}
	c.daemons = append(c.daemons, d)
	go func() {
		defer close(d.done)
		d.err = main()
		if d.err == nil && !c.exiting.Load() {
			d.err = errors.New("stopped before Exit")
		}
		if d.err != nil {
			c.errs <- fmt.Errorf("%s: %w", name, d.err)
		}
	}()
	if err := waitHTTP(base+"/ping", 10*time.Second, d.done); err != nil {
		if errors.Is(err, errStopped) {
			err = d.err
		}
		return fmt.Errorf("start %s: %w", name, err)
	}
	return nil
}

// Errors delivers a daemon's error if one stops before Exit.
func (c *Cluster) Errors() <-chan error { return c.errs }

// NSQDTCPAddress returns nsqd's bound TCP address.
func (c *Cluster) NSQDTCPAddress() string { return c.NSQD.RealTCPAddr().String() }

// NSQDHTTPSAddress returns nsqd's bound HTTPS address, or "" when it
// serves none.
func (c *Cluster) NSQDHTTPSAddress() string {
	if a := c.NSQD.RealHTTPSAddr(); a != nil && a.Port != 0 {
		return a.String()
	}
	return ""
}

// NSQDHTTPAddress returns nsqd's bound HTTP address.
func (c *Cluster) NSQDHTTPAddress() string { return c.NSQD.RealHTTPAddr().String() }

// LookupdHTTPAddress returns nsqlookupd's bound HTTP address.
func (c *Cluster) LookupdHTTPAddress() string { return c.Lookupd.RealHTTPAddr().String() }

// LookupdTCPAddress returns nsqlookupd's bound TCP address.
func (c *Cluster) LookupdTCPAddress() string { return c.Lookupd.RealTCPAddr().String() }

// AdminHTTPAddress returns nsqadmin's bound address, or "" when disabled.
func (c *Cluster) AdminHTTPAddress() string {
	if c.Admin == nil {
		return ""
	}
	return c.Admin.RealHTTPAddr().String()
}

// EnsureChannel creates topic and, when channel is not empty, the channel,
// so messages published before any consumer connects are kept for it.
func (c *Cluster) EnsureChannel(topic, channel string) {
	t := c.NSQD.GetTopic(topic)
	if channel != "" {
		t.GetChannel(channel)
	}
}

// Exit stops nsqadmin, nsqd (which pauses its channels, then flushes its
// queues to disk; the next Start unpauses them) and nsqlookupd, in that
// order, each daemon's Main having returned before the next is stopped.
// Calls after the first do nothing.
func (c *Cluster) Exit() {
	c.exitOnce.Do(func() {
		c.exiting.Store(true)
		for i := len(c.daemons) - 1; i >= 0; i-- {
			c.daemons[i].exit()
			<-c.daemons[i].done
		}
	})
}

// setLogLevel sets an NSQ daemon's log level (a type internal to NSQ) to
// info when verbose, else warnings and errors only.
func setLogLevel[L ~int](level *L, verbose bool) {
	*level = nsqLogWarn
	if verbose {
		*level = nsqLogInfo
	}
}

// errStopped is waitHTTP's error when stopped closes first.
var errStopped = errors.New("stopped")

// waitHTTP polls url until it answers 200, giving up after timeout or
// when stopped is closed.
func waitHTTP(url string, timeout time.Duration, stopped <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	// The daemon is this process's own, on its own listener: its
	// certificate, if any, needs no check here.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	client := &http.Client{Timeout: time.Second, Transport: tr}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %w", url, timeout, err)
		}
		select {
		case <-stopped:
			return errStopped
		case <-time.After(20 * time.Millisecond):
		}
	}
}
