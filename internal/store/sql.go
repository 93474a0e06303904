package store

// This file is the implementation that SQLite and PostgreSQL share: one
// schema, and SQL that both dialects run as it is. sqlite.go and
// postgres.go only open the database and say where the dialects differ.
//
// Times are stored as nanoseconds since the Unix epoch (BIGINT), so that
// both keep them exactly. Every change of a job takes the next values of
// one counter row ("seq") in its write transaction: in SQLite writes are
// serialised, in PostgreSQL the row lock of the counter is held until
// commit, so the changes commit in the order of their Seq and Changes can
// never pass over one that commits late.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the databases.
type dialect struct {
	// blob is the column type of byte strings.
	blob string
	// migrateLock, when set, is run first in the migration transaction,
	// so that two processes opening one database migrate it once.
	migrateLock string
	// maxParams is how many parameters one statement may take.
	maxParams int
	// updateRows, when above 0, bounds the rows of one UPDATE … FROM
	// (VALUES …): SQLite's planner scans the whole table for a join with
	// many values rows, and looks a single one up by its key.
	updateRows int
	// anonymous: the statements' $1, $2… are sent as plain ?s. SQLite
	// looks each numbered parameter up in a list, which costs a time
	// quadratic in their number; ? costs nothing.
	anonymous bool
}

// sql returns q as the dialect takes it. The shared statements number
// their parameters $1, $2… in the order they appear, each once.
func (s *sqlStore) sql(q string) string {
	if !s.d.anonymous {
		return q
	}
	var (
		b    strings.Builder
		next = 1
	)
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(q[i+1 : j]); err != nil || n != next {
			panic(fmt.Sprintf("store: statement numbers its parameters out of order at %q: %s", q[i:j], q))
		}
		next++
		b.WriteByte('?')
		i = j - 1
	}
	return b.String()
}

// migrations are the schema's versions, in order: migrations[i] brings a
// database from version i to i+1. {{blob}} is the dialect's blob type.
var migrations = []string{
	`CREATE TABLE counter (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counter (name, value) VALUES ('seq', 0);
CREATE TABLE jobs (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	topic TEXT NOT NULL,
	body {{blob}} NOT NULL,
	sweep TEXT NOT NULL,
	status TEXT NOT NULL,
	result {{blob}},
	error TEXT NOT NULL,
	submitted_ns BIGINT NOT NULL,
	published_ns BIGINT,
	finished_ns BIGINT,
	publishes BIGINT NOT NULL,
	seq BIGINT NOT NULL
);
CREATE INDEX jobs_status_id ON jobs (status, id);
CREATE INDEX jobs_sweep_id ON jobs (sweep, id);
CREATE UNIQUE INDEX jobs_seq ON jobs (seq);
CREATE INDEX jobs_unfinished ON jobs (COALESCE(published_ns, submitted_ns), id) WHERE status = 'queued';
CREATE INDEX jobs_finished ON jobs (finished_ns) WHERE finished_ns IS NOT NULL;
CREATE TABLE results (
	rkey TEXT PRIMARY KEY,
	job_id TEXT NOT NULL,
	input_id TEXT NOT NULL,
	topic TEXT NOT NULL,
	status TEXT NOT NULL,
	error TEXT NOT NULL,
	body {{blob}} NOT NULL,
	time_ns BIGINT NOT NULL
);
CREATE INDEX results_topic_time ON results (topic, time_ns);
CREATE INDEX results_time ON results (time_ns);`,
}

// Result keys: a result of a job of the ledger is keyed on the job id, any
// other on its input_id, in two name spaces.
const (
	jobKeyPrefix   = "j:"
	inputKeyPrefix = "i:"
)

// pruneChunk is how many rows one Prune transaction deletes, so that a
// large prune never holds the write lock for long.
const pruneChunk = 5000

// defaultJobsLimit is Filter.Limit's meaning of 0.
const defaultJobsLimit = 1000

const jobColumns = `id, kind, topic, body, sweep, status, result, error, submitted_ns, published_ns, finished_ns, publishes, seq`

// sqlStore implements Store on database/sql.
type sqlStore struct {
	d dialect
	// r serves reads; w serves writes (the same pool for PostgreSQL, one
	// connection for SQLite).
	r, w *sql.DB
}

// migrate brings the schema to the last version.
func (s *sqlStore) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.migrateLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.migrateLock); err != nil {
				return fmt.Errorf("lock for migration: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_version: %w", err)
		}
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
				return fmt.Errorf("init schema_version: %w", err)
			}
		case err != nil:
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this program's %d", version, len(migrations))
		}
		for v := version; v < len(migrations); v++ {
			for _, stmt := range strings.Split(strings.ReplaceAll(migrations[v], "{{blob}}", s.d.blob), ";\n") {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migrate to version %d: %w", v+1, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, s.sql(`UPDATE schema_version SET version = $1`), len(migrations)); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
		return nil
	})
}

// tx runs fn in a write transaction, committed when fn returns nil and
// rolled back otherwise.
func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// nextSeqs takes n values of the change counter and returns the first.
// In PostgreSQL it locks the counter until the transaction ends.
func (s *sqlStore) nextSeqs(ctx context.Context, tx *sql.Tx, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, s.sql(`UPDATE counter SET value = value + $1 WHERE name = 'seq' RETURNING value`), int64(n)).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: take change numbers: %w", err)
	}
	return last - int64(n) + 1, nil
}

// chunks calls fn on consecutive pieces of n items, each small enough for
// a statement of perItem parameters each.
func (s *sqlStore) chunks(n, perItem int, fn func(lo, hi int) error) error {
	size := max(1, s.d.maxParams/perItem)
	for lo := 0; lo < n; lo += size {
		if err := fn(lo, min(n, lo+size)); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns rows groups of cols placeholders, "($1, $2), ($3, $4)",
// numbered from first; wrap, when set, formats each ("CAST(%s AS TEXT)").
func placeholders(rows, cols, first int, wrap ...string) string {
	var b strings.Builder
	n := first
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			p := "$" + strconv.Itoa(n)
			if c < len(wrap) && wrap[c] != "" {
				p = fmt.Sprintf(wrap[c], p)
			}
			b.WriteString(p)
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// inList returns "$first, ..., $(first+n-1)".
func inList(n, first int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(first+i))
	}
	return b.String()
}

// existing returns which of ids are jobs of the ledger, restricted to the
// jobs that cond (an SQL condition, or "") selects.
func (s *sqlStore) existing(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, ids []string, cond string) (map[string]bool, error) {
	found := make(map[string]bool)
	if cond != "" {
		cond = " AND " + cond
	}
	err := s.chunks(len(ids), 1, func(lo, hi int) error {
		args := make([]any, 0, hi-lo)
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, s.sql(`SELECT id FROM jobs WHERE id IN (`+inList(hi-lo, 1)+`)`+cond), args...)
		if err != nil {
			return fmt.Errorf("store: look up jobs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("store: look up jobs: %w", err)
			}
			found[id] = true
		}
		return rows.Err()
	})
	return found, err
}

// AddJobs implements Store.
func (s *sqlStore) AddJobs(ctx context.Context, jobs []Job) error {
	if len(jobs) == 0 {
		return nil
	}
	ids := make([]string, len(jobs))
	seen := make(map[string]bool, len(jobs))
	for i, j := range jobs {
		if j.ID == "" {
			return fmt.Errorf("store: job %d has no id", i)
		}
		if seen[j.ID] {
			return fmt.Errorf("store: job %q: %w (twice in one call)", j.ID, ErrExists)
		}
		seen[j.ID] = true
		ids[i] = j.ID
	}
	now := time.Now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The counter first: in PostgreSQL its lock orders this check
		// after any AddJobs that committed the same id.
		first, err := s.nextSeqs(ctx, tx, len(jobs))
		if err != nil {
			return err
		}
		found, err := s.existing(ctx, tx, ids, "")
		if err != nil {
			return err
		}
		for _, id := range ids {
			if found[id] {
				return fmt.Errorf("store: job %q: %w", id, ErrExists)
			}
		}
		const cols = 10
		return s.chunks(len(jobs), cols, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*cols)
			for i, j := range jobs[lo:hi] {
				at := j.SubmittedAt
				if at.IsZero() {
					at = now
				}
				args = append(args, j.ID, j.Kind, j.Topic, nonNil(j.Body), j.Sweep, at.UnixNano(), first+int64(lo+i), string(Queued), "", 0)
			}
			_, err := tx.ExecContext(ctx, s.sql(`INSERT INTO jobs (id, kind, topic, body, sweep, submitted_ns, seq, status, error, publishes) VALUES `+
				placeholders(hi-lo, cols, 1)), args...)
			if err != nil {
				return fmt.Errorf("store: add jobs: %w", err)
			}
			return nil
		})
	})
}

// MarkPublished implements Store.
func (s *sqlStore) MarkPublished(ctx context.Context, ids []string, t time.Time) error {
	ids = sortedUnique(ids)
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		queued, err := s.existing(ctx, tx, ids, "status = 'queued'")
		if err != nil || len(queued) == 0 {
			return err
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return !queued[id] })
		return s.updateSeqs(ctx, tx, ids, `published_ns = $1, publishes = publishes + 1`, []any{t.UnixNano()}, `jobs.status = 'queued'`)
	})
}

// updateSeqs runs "UPDATE jobs SET set, seq = <next change number> FROM
// <ids> WHERE cond" for each of ids, which must be sorted. set and cond
// may use the parameters args ($1…); set may use v.id, cond r.* when
// joinResults joins each job's result row as r.
func (s *sqlStore) updateSeqs(ctx context.Context, tx *sql.Tx, ids []string, set string, args []any, cond string, joinResults ...bool) error {
	first, err := s.nextSeqs(ctx, tx, len(ids))
	if err != nil {
		return err
	}
	from, where := "", ""
	if len(joinResults) > 0 && joinResults[0] {
		from, where = ", results AS r", " AND r.rkey = '"+jobKeyPrefix+"' || v.column1"
	}
	if cond != "" {
		where += " AND " + cond
	}
	perRow := 2
	if s.d.updateRows > 0 {
		perRow = max(perRow, s.d.maxParams/s.d.updateRows)
	}
	return s.chunks(len(ids), perRow, func(lo, hi int) error {
		a := append(slices.Clone(args), make([]any, 0, 2*(hi-lo))...)
		for i, id := range ids[lo:hi] {
			a = append(a, id, first+int64(lo+i))
		}
		q := `UPDATE jobs SET ` + set + `, seq = v.column2 FROM (VALUES ` +
			placeholders(hi-lo, 2, len(args)+1, "CAST(%s AS TEXT)", "CAST(%s AS BIGINT)") +
			`) AS v` + from + ` WHERE jobs.id = v.column1` + where
		if _, err := tx.ExecContext(ctx, s.sql(q), a...); err != nil {
			return fmt.Errorf("store: update jobs: %w", err)
		}
		return nil
	})
}

// Cancel implements Store.
func (s *sqlStore) Cancel(ctx context.Context, id, reason string) (Job, error) {
	var (
		job   Job
		final bool
	)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := s.nextSeqs(ctx, tx, 1)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.sql(`UPDATE jobs SET status = $1, error = $2, finished_ns = $3, seq = $4 WHERE id = $5 AND status = 'queued'`),
			string(Cancelled), reason, time.Now().UnixNano(), seq, id)
		if err != nil {
			return fmt.Errorf("store: cancel %q: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: cancel %q: %w", id, err)
		}
		if job, err = s.getJob(ctx, tx, id); err != nil {
			return err
		}
		if n == 0 {
			// Final already: roll back, so the change number is not used.
			final = true
			return ErrFinal
		}
		return nil
	})
	if final {
		return job, fmt.Errorf("store: cancel %q (%s): %w", id, job.Status, ErrFinal)
	}
	if err != nil {
		return Job{}, err
	}
	return job, nil
}

// Job implements Store.
func (s *sqlStore) Job(ctx context.Context, id string) (Job, error) {
	return s.getJob(ctx, s.r, id)
}

// getJob reads one job.
func (s *sqlStore) getJob(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string) (Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, s.sql(`SELECT `+jobColumns+` FROM jobs WHERE id = $1`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("store: job %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("store: job %q: %w", id, err)
	}
	return j, nil
}

// scanJob reads a row of jobColumns.
func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var (
		j                   Job
		body, result        []byte
		status              string
		submitted           int64
		published, finished sql.NullInt64
	)
	if err := row.Scan(&j.ID, &j.Kind, &j.Topic, &body, &j.Sweep, &status, &result, &j.Error, &submitted, &published, &finished, &j.Publishes, &j.Seq); err != nil {
		return Job{}, err
	}
	j.Status = Status(status)
	j.Body = json.RawMessage(body)
	if result != nil {
		j.Result = json.RawMessage(result)
	}
	j.SubmittedAt = fromNanos(submitted)
	if published.Valid {
		j.PublishedAt = fromNanos(published.Int64)
	}
	if finished.Valid {
		j.FinishedAt = fromNanos(finished.Int64)
	}
	return j, nil
}

// fromNanos is the time ns nanoseconds after the Unix epoch, in UTC.
func fromNanos(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// queryJobs runs a query of jobColumns.
func (s *sqlStore) queryJobs(ctx context.Context, q string, args ...any) ([]Job, error) {
	rows, err := s.r.QueryContext(ctx, s.sql(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: query jobs: %w", err)
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read jobs: %w", err)
	}
	return jobs, nil
}

// Jobs implements Store.
func (s *sqlStore) Jobs(ctx context.Context, f Filter) ([]Job, error) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Sweep != "" {
		add("sweep = ?", f.Sweep)
	}
	if f.AfterID != "" {
		add("id > ?", f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultJobsLimit
	}
	q := `SELECT ` + jobColumns + ` FROM jobs`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	args = append(args, limit)
	q += ` ORDER BY id LIMIT $` + strconv.Itoa(len(args))
	return s.queryJobs(ctx, q, args...)
}

// Unfinished implements Store.
func (s *sqlStore) Unfinished(ctx context.Context, before time.Time, limit int) ([]Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.queryJobs(ctx, `SELECT `+jobColumns+` FROM jobs WHERE status = 'queued' AND COALESCE(published_ns, submitted_ns) < $1
ORDER BY COALESCE(published_ns, submitted_ns), id LIMIT $2`, before.UnixNano(), limit)
}

// Changes implements Store. The counter is read first: every change
// numbered up to it has committed, so resuming after it skips none.
func (s *sqlStore) Changes(ctx context.Context, after int64, limit int) ([]Job, int64, error) {
	var last int64
	if err := s.r.QueryRowContext(ctx, `SELECT value FROM counter WHERE name = 'seq'`).Scan(&last); err != nil {
		return nil, 0, fmt.Errorf("store: read change counter: %w", err)
	}
	if limit <= 0 {
		return nil, last, nil
	}
	jobs, err := s.queryJobs(ctx, `SELECT `+jobColumns+` FROM jobs WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, 0, err
	}
	if n := len(jobs); n > 0 && jobs[n-1].Seq > last {
		last = jobs[n-1].Seq
	}
	return jobs, last, nil
}

// resultRow is a result with its key and time.
type resultRow struct {
	key    string
	r      *Result
	timeNs int64
}

// Record implements Store.
func (s *sqlStore) Record(ctx context.Context, results []Result) (int, error) {
	if len(results) == 0 {
		return 0, nil
	}
	for i := range results {
		if results[i].InputID == "" {
			return 0, fmt.Errorf("store: result %d (topic %s, id %q) has no input_id", i, results[i].Topic, results[i].JobID)
		}
	}
	var ids []string
	for i := range results {
		if results[i].JobID != "" {
			ids = append(ids, results[i].JobID)
		}
	}
	ids = sortedUnique(ids)
	now := time.Now().UnixNano()
	var added int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		added = 0
		ledger, err := s.existing(ctx, tx, ids, "")
		if err != nil {
			return err
		}
		rows := make([]resultRow, 0, len(results))
		seen := make(map[string]bool, len(results))
		for i := range results {
			r := &results[i]
			row := resultRow{r: r, key: inputKeyPrefix + r.InputID, timeNs: now}
			if ledger[r.JobID] {
				row.key = jobKeyPrefix + r.JobID
			}
			if !r.Time.IsZero() {
				row.timeNs = r.Time.UnixNano()
			}
			if !seen[row.key] {
				seen[row.key] = true
				rows = append(rows, row)
			}
		}
		// One key order for every transaction, so that two that insert
		// the same keys wait for each other instead of deadlocking.
		slices.SortFunc(rows, func(a, b resultRow) int { return strings.Compare(a.key, b.key) })
		var jobs []string
		const cols = 8
		err = s.chunks(len(rows), cols, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*cols)
			for _, row := range rows[lo:hi] {
				args = append(args, row.key, row.r.JobID, row.r.InputID, row.r.Topic, string(row.r.Status), row.r.Error, nonNil(row.r.Body), row.timeNs)
			}
			q := `INSERT INTO results (rkey, job_id, input_id, topic, status, error, body, time_ns) VALUES ` +
				placeholders(hi-lo, cols, 1) + ` ON CONFLICT (rkey) DO NOTHING RETURNING rkey`
			rs, err := tx.QueryContext(ctx, s.sql(q), args...)
			if err != nil {
				return fmt.Errorf("store: record results: %w", err)
			}
			defer rs.Close()
			for rs.Next() {
				var key string
				if err := rs.Scan(&key); err != nil {
					return fmt.Errorf("store: record results: %w", err)
				}
				added++
				if id, ok := strings.CutPrefix(key, jobKeyPrefix); ok {
					jobs = append(jobs, id)
				}
			}
			if err := rs.Err(); err != nil {
				return fmt.Errorf("store: record results: %w", err)
			}
			return nil
		})
		if err != nil || len(jobs) == 0 {
			return err
		}
		slices.Sort(jobs)
		return s.updateSeqs(ctx, tx, jobs, `
	status = CASE WHEN jobs.status = 'queued' THEN r.status ELSE jobs.status END,
	error = CASE WHEN jobs.status = 'queued' THEN r.error ELSE jobs.error END,
	finished_ns = CASE WHEN jobs.status = 'queued' THEN r.time_ns ELSE jobs.finished_ns END,
	result = r.body`, nil, "", true)
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// Recent implements Store.
func (s *sqlStore) Recent(ctx context.Context, topic string, limit int) ([]Result, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, s.sql(`SELECT job_id, input_id, topic, status, error, body, time_ns FROM results
WHERE topic = $1 ORDER BY time_ns DESC, rkey DESC LIMIT $2`), topic, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent results of %s: %w", topic, err)
	}
	defer rows.Close()
	var out []Result
	for rows.Next() {
		var (
			r      Result
			status string
			body   []byte
			ns     int64
		)
		if err := rows.Scan(&r.JobID, &r.InputID, &r.Topic, &status, &r.Error, &body, &ns); err != nil {
			return nil, fmt.Errorf("store: recent results of %s: %w", topic, err)
		}
		r.Status, r.Body, r.Time = Status(status), json.RawMessage(body), fromNanos(ns)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent results of %s: %w", topic, err)
	}
	return out, nil
}

// Counts implements Store. One statement counts both tables, so that the
// counts come from one snapshot: a result recorded with its job's final
// status (one transaction of Record) is counted with it or not at all.
func (s *sqlStore) Counts(ctx context.Context) (Counts, error) {
	c := Counts{Topics: map[string]int64{}, Jobs: map[Status]int64{}}
	rows, err := s.r.QueryContext(ctx, `SELECT 'result', topic, COUNT(*) FROM results GROUP BY topic
UNION ALL SELECT 'job', status, COUNT(*) FROM jobs GROUP BY status`)
	if err != nil {
		return Counts{}, fmt.Errorf("store: counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			table, k string
			n        int64
		)
		if err := rows.Scan(&table, &k, &n); err != nil {
			return Counts{}, fmt.Errorf("store: counts: %w", err)
		}
		if table == "result" {
			c.Topics[k] = n
		} else {
			c.Jobs[Status(k)] = n
		}
	}
	if err := rows.Err(); err != nil {
		return Counts{}, fmt.Errorf("store: counts: %w", err)
	}
	return c, nil
}

// Prune implements Store, in transactions of at most pruneChunk rows.
func (s *sqlStore) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_ns < $1 LIMIT $2)`,
		`DELETE FROM results WHERE rkey IN (SELECT rkey FROM results WHERE time_ns < $1 LIMIT $2)`,
	} {
		for {
			var n int64
			err := s.tx(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, s.sql(q), before.UnixNano(), pruneChunk)
				if err != nil {
					return fmt.Errorf("store: prune: %w", err)
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < pruneChunk {
				break
			}
		}
	}
	return total, nil
}

// Close implements Store.
func (s *sqlStore) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// sortedUnique returns the distinct non-empty strings of ids, sorted.
func sortedUnique(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// nonNil returns b, or an empty slice for nil (a NOT NULL column's
// empty value).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
