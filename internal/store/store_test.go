package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nsqfarm/nsqfarm/internal/store"
	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
)

// postgresEnv names the variable that holds the URL of a PostgreSQL
// database the tests may use (they create and drop schemas in it).
const postgresEnv = "NSQFARM_TEST_POSTGRES"

func TestSQLite(t *testing.T) {
	storetest.Run(t, sqliteURL)
}

// TestSQLiteOpenTogether opens new SQLite files from three goroutines
// at once, as nsqfarm up and a store consumer may: every open succeeds.
// (SQLite answered some with SQLITE_BUSY at once, busy_timeout
// notwithstanding, while another connection switched the new file to
// WAL mode: 5 of 100 files failed so.)
func TestSQLiteOpenTogether(t *testing.T) {
	for trial := range 100 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("together-%d.db", trial))
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for range 3 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				s, err := store.Open(ctx, path)
				if err != nil {
					errs <- err
					return
				}
				errs <- s.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("file %d: %v", trial, err)
			}
		}
	}
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, postgresURL)
}

// sqliteURL is a new SQLite file in the test's temporary directory.
func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "store.db")
}

var schemas atomic.Int64

// postgresURL is the database of NSQFARM_TEST_POSTGRES with a new schema
// of its own as search_path, dropped when the test ends; the test is
// skipped when the variable is not set.
func postgresURL(t testing.TB) string {
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skipf("%s is not set: PostgreSQL tests skipped", postgresEnv)
	}
	schema := fmt.Sprintf("storetest_%d_%d", os.Getpid(), schemas.Add(1))
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
