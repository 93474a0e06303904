#!/usr/bin/env bash
# Measures the results store's write path (BenchmarkRecord in
# internal/store): results recorded one per transaction and 256 per
# transaction (the sink's group commit under load), on SQLite and on
# PostgreSQL, and prints rows/s for each.
#
# PostgreSQL is the database of NSQFARM_TEST_POSTGRES (a URL; the benchmark
# works in a schema of its own and drops it); without it, only SQLite runs.
#
#   scripts/bench-store.sh                  # 5s per case
#   BENCHTIME=20s scripts/bench-store.sh
set -euo pipefail
cd "$(dirname "$0")/.."

benchtime="${BENCHTIME:-5s}"
if [ -z "${NSQFARM_TEST_POSTGRES:-}" ]; then
  echo "NSQFARM_TEST_POSTGRES is not set: PostgreSQL is skipped" >&2
fi
go test -run '^$' -bench '^BenchmarkRecord$' -benchtime "$benchtime" -count 1 ./internal/store/ |
  awk '/^BenchmarkRecord\// {
         name = $1; sub(/^BenchmarkRecord\//, "", name); sub(/-[0-9]+$/, "", name)
         for (i = 2; i <= NF; i++) if ($i == "rows/s") printf "%-22s %10.0f rows/s\n", name, $(i-1)
       }
       /^(FAIL|---|panic)/ { print }'
