// Package cluster runs an embedded NSQ cluster (nsqlookupd, nsqd and
// nsqadmin) inside the current process, using NSQ's own packages.
package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
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
	nsqLogWarn                = 3 // NSQ's lg.WARN
	nsqLogInfo                = 2 // NSQ's lg.INFO
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
	}
}

// Cluster is a running embedded cluster.
type Cluster struct {
	Lookupd *nsqlookupd.NSQLookupd
	NSQD    *nsqd.NSQD
	Admin   *nsqadmin.NSQAdmin
	errs    chan error
}

// Start starts nsqlookupd, then nsqd registered with it, then nsqadmin
// watching it. It returns once all are listening.
func Start(opts Options) (*Cluster, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
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
	go func() { c.errs <- wrap("nsqlookupd", lookupd.Main()) }()

	dataPath := filepath.Join(opts.DataDir, "nsqd")
	if err := os.MkdirAll(dataPath, 0o755); err != nil {
		c.Exit()
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	nopts := nsqd.NewOptions()
	nopts.TCPAddress = opts.NSQDTCPAddress
	nopts.HTTPAddress = opts.NSQDHTTPAddress
	nopts.HTTPSAddress = ""
	nopts.DataPath = dataPath
	nopts.NSQLookupdTCPAddresses = []string{lookupd.RealTCPAddr().String()}
	if opts.MemQueueSize >= 0 {
		nopts.MemQueueSize = opts.MemQueueSize
	}
	if opts.SyncEvery > 0 {
		nopts.SyncEvery = opts.SyncEvery
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
		c.Exit()
		return nil, fmt.Errorf("start nsqd: load metadata from %s: %w", dataPath, err)
	}
	if err := n.PersistMetadata(); err != nil {
		c.Exit()
		return nil, fmt.Errorf("start nsqd: persist metadata to %s: %w", dataPath, err)
	}
	go func() { c.errs <- wrap("nsqd", n.Main()) }()
	if err := waitHTTP("http://"+n.RealHTTPAddr().String()+"/ping", 10*time.Second); err != nil {
		c.Exit()
		return nil, fmt.Errorf("start nsqd: %w", err)
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
		go func() { c.errs <- wrap("nsqadmin", admin.Main()) }()
	}
	return c, nil
}

// Errors delivers a daemon's error if one stops unexpectedly.
func (c *Cluster) Errors() <-chan error { return c.errs }

// NSQDTCPAddress returns nsqd's bound TCP address.
func (c *Cluster) NSQDTCPAddress() string { return c.NSQD.RealTCPAddr().String() }

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

// Exit stops nsqadmin, nsqd (which flushes its queues to disk) and
// nsqlookupd, in that order.
func (c *Cluster) Exit() {
	if c.Admin != nil {
		c.Admin.Exit()
	}
	if c.NSQD != nil {
		c.NSQD.Exit()
	}
	if c.Lookupd != nil {
		c.Lookupd.Exit()
	}
}

// setLogLevel sets an NSQ daemon's log level (a type internal to NSQ) to
// info when verbose, else warnings and errors only.
func setLogLevel[L ~int](level *L, verbose bool) {
	*level = nsqLogWarn
	if verbose {
		*level = nsqLogInfo
	}
}

func wrap(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// waitHTTP polls url until it answers 200.
func waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
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
		time.Sleep(20 * time.Millisecond)
	}
}
