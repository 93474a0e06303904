#!/usr/bin/env bash
# Submit rate of the job API: POST /api/jobs one job a request (numbers and
# wyndor LPs, concurrent clients) and POST /api/sweeps of 10,000 numbers,
# each against a real nsqd and a SQLite store in a temporary directory.
# Every job is recorded in the store, published with MPUB and marked
# published before the answer. Prints go test's benchmark lines; the
# jobs/s column is the figure.
#
#   scripts/bench-api.sh            # 3 s per benchmark
#   scripts/bench-api.sh -t 10s     # longer runs
set -euo pipefail
cd "$(dirname "$0")/.."

benchtime=3s
while [ $# -gt 0 ]; do
  case "$1" in
    -t) benchtime="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-api.sh: unknown argument $1 (try -h)" >&2; exit 2 ;;
  esac
done
go test -run '^$' -bench 'BenchmarkSubmit|BenchmarkSweep' -benchtime "$benchtime" ./producers/jobs/
