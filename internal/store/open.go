package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Open opens the store that url names, creating or migrating its schema:
//
//   - sqlite:PATH, sqlite://PATH or a plain file path: a SQLite database
//     in that file (created if missing);
//   - postgres://… or postgresql://…: a PostgreSQL database (pgx's
//     connection URL: user, password, host, port, database and options).
func Open(ctx context.Context, url string) (Store, error) {
	kind, target, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "postgres":
		return openPostgres(ctx, target)
	default:
		return openSQLite(ctx, target)
	}
}

// Describe returns url as it may be logged: the kind of store and where
// it is, without a password.
func Describe(rawURL string) string {
	kind, target, err := parseURL(rawURL)
	if err != nil {
		return rawURL
	}
	if kind == "postgres" {
		if u, err := url.Parse(target); err == nil {
			return "postgres " + u.Redacted()
		}
		return "postgres"
	}
	return "sqlite " + target
}

// parseURL splits a store URL into its kind ("sqlite" or "postgres") and
// what the implementation opens: a file path, or the PostgreSQL URL.
func parseURL(url string) (kind, target string, err error) {
	switch {
	case url == "":
		return "", "", fmt.Errorf("store: empty URL (want sqlite:PATH, a file path or postgres://…)")
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return "postgres", url, nil
	case strings.HasPrefix(url, "sqlite://"):
		target = strings.TrimPrefix(url, "sqlite://")
	case strings.HasPrefix(url, "sqlite:"):
		target = strings.TrimPrefix(url, "sqlite:")
	case strings.Contains(url, "://"):
		scheme, _, _ := strings.Cut(url, "://")
		return "", "", fmt.Errorf("store: unknown URL scheme %q in %q (want sqlite:PATH, a file path or postgres://…)", scheme, url)
	default:
		target = url
	}
	if target == "" {
		return "", "", fmt.Errorf("store: %q names no file", url)
	}
	return "sqlite", target, nil
}
