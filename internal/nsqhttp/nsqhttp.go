// Package nsqhttp calls the parts of nsqd's HTTP API (v1.3.0) that nsqfarm
// needs for administration.
package nsqhttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client is shared by all calls; nsqd answers administration calls fast.
var client = &http.Client{Timeout: 10 * time.Second}

// post calls one endpoint and returns an error unless nsqd answers 200.
func post(ctx context.Context, httpAddr, path string, q url.Values) error {
	u := "http://" + httpAddr + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("nsqd %s: %w", httpAddr, err)
	}
	resp, err := client.Do(req)
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
	return post(ctx, httpAddr, "/topic/create", url.Values{"topic": {topic}})
}

// CreateChannel creates topic and its channel on the nsqd at httpAddr, so
// that messages published before the first consumer connects are kept for
// that channel (a topic with no channel hands its backlog to whichever
// channel appears first).
func CreateChannel(ctx context.Context, httpAddr, topic, channel string) error {
	if err := CreateTopic(ctx, httpAddr, topic); err != nil {
		return err
	}
	return post(ctx, httpAddr, "/channel/create", url.Values{"topic": {topic}, "channel": {channel}})
}
