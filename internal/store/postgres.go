package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresConns bounds the connections of one process to PostgreSQL.
const postgresConns = 8

// postgresMigrationLock is the key of the advisory lock that serialises
// the schema migrations of processes opening one database.
const postgresMigrationLock = 7316427150349165

// openPostgres connects to the PostgreSQL database that url names.
//
// Every transaction that changes a job updates the one row of the change
// counter, whose lock PostgreSQL holds until commit: those transactions
// commit one after the other in the order of their Seq, so Changes never
// passes over a change that commits after a later-numbered one. Results
// that no job of the ledger owns do not take it, and are recorded in
// parallel.
func openPostgres(ctx context.Context, url string) (Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: PostgreSQL URL: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	where := Describe(url)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: %s: %w", where, err)
	}
	s := &sqlStore{
		d: dialect{
			blob:        "BYTEA",
			migrateLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", postgresMigrationLock),
			maxParams:   8192,
		},
		r: db, w: db,
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: %s: %w", where, err)
	}
	return s, nil
}
