// Package nsqhttp calls the parts of the HTTP APIs of nsqd and nsqlookupd
// (v1.3.0) that nsqfarm needs: creating topics and channels, reading the
// stats of one topic or of all, looking up the nsqds of a topic or every
// nsqd registered.
//
// An address is host:port (plain HTTP) or a URL (https://host:port for
// nsqd's --https-address). An nsqd started with --tls-required answers
// plain HTTP with 403 TLS_REQUIRED and its HTTPS port: a Client with a TLS
// configuration then makes the call again over HTTPS on that port.
package nsqhttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-json"
)

// Client calls the HTTP APIs, over HTTPS where nsqd requires it when it
// has a TLS configuration.
type Client struct {
	// admin makes administration calls; nsqd answers them fast, but a
	// busy disk can slow the creation of a topic.
	admin *http.Client
	// read makes the reads, which callers poll: a stalled daemon must not
	// hold the poller long.
	read *http.Client
	tls  bool
}

// New returns a Client; tlsConfig (nil: none) is used for HTTPS.
func New(tlsConfig *tls.Config) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConfig
	return &Client{
		admin: &http.Client{Timeout: 10 * time.Second, Transport: tr},
		read:  &http.Client{Timeout: 5 * time.Second, Transport: tr},
		tls:   tlsConfig != nil,
	}
}

// Default is the Client of the package functions: plain HTTP, or HTTPS
// with the system's roots at an https:// address.
var Default = New(nil)

// endpoint builds the URL of path on a daemon whose HTTP address is given
// as host:port or as a URL.
func endpoint(addr, path string, q url.Values) string {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	return strings.TrimSuffix(addr, "/") + path + "?" + q.Encode()
}

// do sends one request to path on addr and returns the answer. When nsqd
// answers TLS_REQUIRED over plain HTTP, the request goes again over HTTPS
// to the port nsqd names, if the client has a TLS configuration.
func (c *Client) do(ctx context.Context, hc *http.Client, method, addr, path string, q url.Values) (*http.Response, error) {
	u := endpoint(addr, path, q)
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != http.StatusForbidden || req.URL.Scheme != "http" {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	var answer struct {
		Message   string `json:"message"`
		HTTPSPort int    `json:"https_port"`
	}
	if json.Unmarshal(body, &answer) != nil || answer.Message != "TLS_REQUIRED" {
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return resp, nil
	}
	if !c.tls {
		return nil, fmt.Errorf("%s requires TLS (it answers HTTPS on port %d): give the TLS flags (--tls, --tls-ca-file), or its https:// address", u, answer.HTTPSPort)
	}
	secure := *req.URL
	secure.Scheme = "https"
	secure.Host = net.JoinHostPort(req.URL.Hostname(), strconv.Itoa(answer.HTTPSPort))
	req, err = http.NewRequestWithContext(ctx, method, secure.String(), nil)
	if err != nil {
		return nil, err
	}
	return hc.Do(req)
}

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// post calls one endpoint and returns an error unless nsqd answers 200.
func (c *Client) post(ctx context.Context, httpAddr, path string, q url.Values) error {
	resp, err := c.do(ctx, c.admin, http.MethodPost, httpAddr, path, q)
	if err != nil {
		return fmt.Errorf("nsqd %s: %w", httpAddr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("nsqd %s: POST %s: %s: %s", httpAddr, path, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// CreateTopic creates topic on the nsqd at httpAddr (a no-op if it exists).
func CreateTopic(ctx context.Context, httpAddr, topic string) error {
	return Default.CreateTopic(ctx, httpAddr, topic)
}

// CreateTopic creates topic on the nsqd at httpAddr (a no-op if it exists).
func (c *Client) CreateTopic(ctx context.Context, httpAddr, topic string) error {
	return c.post(ctx, httpAddr, "/topic/create", url.Values{"topic": {topic}})
}

// CreateChannel creates topic and its channel on the nsqd at httpAddr, so
// that messages published before the first consumer connects are kept for
// that channel (a topic with no channel hands its backlog to whichever
// channel appears first).
func CreateChannel(ctx context.Context, httpAddr, topic, channel string) error {
	return Default.CreateChannel(ctx, httpAddr, topic, channel)
}

// CreateChannel creates topic and its channel on the nsqd at httpAddr.
func (c *Client) CreateChannel(ctx context.Context, httpAddr, topic, channel string) error {
	if err := c.CreateTopic(ctx, httpAddr, topic); err != nil {
		return err
	}
	return c.post(ctx, httpAddr, "/channel/create", url.Values{"topic": {topic}, "channel": {channel}})
}

// get GETs path on the daemon at addr and decodes its JSON answer into v.
// An answer other than 200 is a *StatusError.
func (c *Client) get(ctx context.Context, addr, path string, q url.Values, v any) error {
	resp, err := c.do(ctx, c.read, http.MethodGet, addr, path, q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", resp.Request.URL, err)
	}
	return nil
}

// Topic is the part of nsqd's /stats?format=json answer that nsqfarm
// reads for one topic.
type Topic struct {
	// Exists is false when nsqd does not have the topic.
	Exists bool `json:"-"`
	// Name is the topic's name, empty when it does not exist.
	Name         string    `json:"topic_name"`
	Depth        int64     `json:"depth"`
	BackendDepth int64     `json:"backend_depth"`
	MessageCount int64     `json:"message_count"`
	Paused       bool      `json:"paused"`
	Channels     []Channel `json:"channels"`
}

// Channel is one channel in nsqd's /stats answer.
type Channel struct {
	Name          string `json:"channel_name"`
	Depth         int64  `json:"depth"`
	BackendDepth  int64  `json:"backend_depth"`
	InFlightCount int64  `json:"in_flight_count"`
	DeferredCount int64  `json:"deferred_count"`
	MessageCount  int64  `json:"message_count"`
	RequeueCount  int64  `json:"requeue_count"`
	TimeoutCount  int64  `json:"timeout_count"`
	Paused        bool   `json:"paused"`
	Clients       []struct {
		MessageCount int64 `json:"message_count"`
	} `json:"clients"`
}

// TopicStats reads one topic's stats from the nsqd at httpAddr; a topic
// nsqd does not have comes back with Exists false.
func TopicStats(ctx context.Context, httpAddr, topic string) (*Topic, error) {
	return Default.TopicStats(ctx, httpAddr, topic)
}

// TopicStats reads one topic's stats from the nsqd at httpAddr.
func (c *Client) TopicStats(ctx context.Context, httpAddr, topic string) (*Topic, error) {
	topics, err := c.stats(ctx, httpAddr, url.Values{"topic": {topic}})
	if err != nil {
		return nil, err
	}
	for _, tp := range topics {
		if tp.Name == topic {
			return &tp, nil
		}
	}
	return &Topic{}, nil
}

// Stats reads the stats of every topic and channel of the nsqd at
// httpAddr, each with Exists true and its Name.
func Stats(ctx context.Context, httpAddr string) ([]Topic, error) {
	return Default.Stats(ctx, httpAddr)
}

// Stats reads the stats of every topic and channel of the nsqd at httpAddr.
func (c *Client) Stats(ctx context.Context, httpAddr string) ([]Topic, error) {
	return c.stats(ctx, httpAddr, url.Values{})
}

// stats GETs nsqd's /stats in JSON, without memory stats, with the filter q.
func (c *Client) stats(ctx context.Context, httpAddr string, q url.Values) ([]Topic, error) {
	var answer struct {
		Topics []Topic `json:"topics"`
	}
	q.Set("format", "json")
	q.Set("include_mem", "false")
	if err := c.get(ctx, httpAddr, "/stats", q, &answer); err != nil {
		return nil, fmt.Errorf("nsqd %s: %w", httpAddr, err)
	}
	for i := range answer.Topics {
		answer.Topics[i].Exists = true
	}
	return answer.Topics, nil
}

// Producer is one nsqd in nsqlookupd's /lookup or /nodes answer.
type Producer struct {
	BroadcastAddress string `json:"broadcast_address"`
	TCPPort          int    `json:"tcp_port"`
	HTTPPort         int    `json:"http_port"`
}

// Lookup returns the nsqds the nsqlookupd at httpAddr knows for topic;
// none when it does not know the topic.
func Lookup(ctx context.Context, httpAddr, topic string) ([]Producer, error) {
	return Default.Lookup(ctx, httpAddr, topic)
}

// Lookup returns the nsqds the nsqlookupd at httpAddr knows for topic.
func (c *Client) Lookup(ctx context.Context, httpAddr, topic string) ([]Producer, error) {
	var answer struct {
		Producers []Producer `json:"producers"`
	}
	err := c.get(ctx, httpAddr, "/lookup", url.Values{"topic": {topic}}, &answer)
	if se := (*StatusError)(nil); errors.As(err, &se) && se.Code == http.StatusNotFound {
		return nil, nil // TOPIC_NOT_FOUND
	}
	if err != nil {
		return nil, fmt.Errorf("nsqlookupd %s: %w", httpAddr, err)
	}
	return answer.Producers, nil
}

// TCPAddress returns the TCP address of the nsqd p describes.
func (p Producer) TCPAddress() string {
	return net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort))
}

// HTTPAddress returns the HTTP address of the nsqd p describes.
func (p Producer) HTTPAddress() string {
	return net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.HTTPPort))
}

// Nodes returns every nsqd registered with the nsqlookupd at httpAddr.
func Nodes(ctx context.Context, httpAddr string) ([]Producer, error) {
	return Default.Nodes(ctx, httpAddr)
}

// Nodes returns every nsqd registered with the nsqlookupd at httpAddr.
func (c *Client) Nodes(ctx context.Context, httpAddr string) ([]Producer, error) {
	var answer struct {
		Producers []Producer `json:"producers"`
	}
	if err := c.get(ctx, httpAddr, "/nodes", url.Values{}, &answer); err != nil {
		return nil, fmt.Errorf("nsqlookupd %s: %w", httpAddr, err)
	}
	return answer.Producers, nil
}
