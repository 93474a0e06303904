package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// sqliteBusyTimeoutMs is how long a write waits for another process's
// write transaction to end before failing.
const sqliteBusyTimeoutMs = 30000

// sqliteReaders is the number of connections that serve reads.
const sqliteReaders = 4

// openSQLite opens (creating it if missing) the SQLite database in the
// file path.
//
// The database is in WAL mode (readers never block the writer) with
// synchronous=NORMAL (a commit survives a crash of the process; a power
// loss may lose the last commits, never corrupt the file). Writes go
// through one connection and begin with BEGIN IMMEDIATE, so that writers
// of this process queue in Go and writers of other processes wait for
// the file's write lock (busy_timeout) instead of failing with
// SQLITE_BUSY.
func openSQLite(ctx context.Context, path string) (Store, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store: SQLite file name %q: '?' is not allowed", path)
	}
	pragmas := fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)", sqliteBusyTimeoutMs)
	w, err := sql.Open("sqlite", path+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", path+pragmas)
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open SQLite %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	s := &sqlStore{
		d: dialect{
			blob: "BLOB",
			// SQLite takes up to 32766 parameters; keep statements small.
			maxParams:  4096,
			updateRows: 1,
			anonymous:  true,
		},
		r: r, w: w,
	}
	if err := s.migrateWhenFree(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("store: SQLite %s: %w", path, err)
	}
	return s, nil
}

// sqliteBusyRetry is the pause between tries of a migration that found
// the file busy.
const sqliteBusyRetry = 20 * time.Millisecond

// migrateWhenFree migrates, trying again while SQLite reports the file
// busy, for as long as busy_timeout would wait or until ctx ends.
// Processes that open a new file at the same time (nsqfarm up and a
// store consumer) meet it switching to WAL mode, and SQLite then answers
// BEGIN IMMEDIATE with SQLITE_BUSY at once instead of waiting
// busy_timeout.
func (s *sqlStore) migrateWhenFree(ctx context.Context) error {
	deadline := time.Now().Add(sqliteBusyTimeoutMs * time.Millisecond)
	for {
		err := s.migrate(ctx)
		var se interface{ Code() int }
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(sqliteBusyRetry):
		}
	}
}

// sqliteBusy is SQLite's primary result code SQLITE_BUSY.
const sqliteBusy = 5
