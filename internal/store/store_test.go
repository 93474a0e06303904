package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/nsqfarm/nsqfarm/internal/store/storetest"
)

// postgresEnv names the variable that holds the URL of a PostgreSQL
// database the tests may use (they create and drop schemas in it).
const postgresEnv = "NSQFARM_TEST_POSTGRES"

func TestSQLite(t *testing.T) {
	storetest.Run(t, sqliteURL)
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
