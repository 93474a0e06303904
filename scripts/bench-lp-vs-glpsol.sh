#!/usr/bin/env bash
# bench-lp-vs-glpsol.sh compares the wall time of glpsol's simplex with
# `nsqfarm solve` on the netlib models listed in answers.csv.
#
# Each model is decompressed to a temporary directory; both solvers run as
# separate processes that read the same MPS file, so both times include
# process start-up and parsing. Each time is the best of $REPEAT runs. The
# ratio is ours/glpsol (below 1 means we are faster); the last line is the
# geometric mean of the ratios.
#
# Usage: scripts/bench-lp-vs-glpsol.sh [model ...]
# Environment: DATA (default ../shared/data/lp), REPEAT (default 3).
set -euo pipefail

cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/lp}
REPEAT=${REPEAT:-3}

command -v glpsol >/dev/null || { echo "glpsol not found (apt-get install glpk-utils)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Build once, so the compiler is not timed on every model.
go build -o "$tmp/nsqfarm" ./cmd/nsqfarm

if [ $# -gt 0 ]; then
	models=("$@")
else
	mapfile -t models < <(awk -F, 'NR > 1 && $2 == "LP" { sub(/^.*\//, "", $1); sub(/\.mps\.gz$/, "", $1); print $1 }' "$DATA/answers.csv")
fi

# best_time CMD... prints the smallest wall time in seconds over $REPEAT runs.
best_time() {
	local best="" start end t
	for ((k = 0; k < REPEAT; k++)); do
		start=$(date +%s%N)
		"$@" >/dev/null 2>&1 || return 1
		end=$(date +%s%N)
		t=$(( end - start ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	awk -v ns="$best" 'BEGIN { printf "%.4f", ns / 1e9 }'
}

printf '%-10s %10s %10s %8s  %-10s %18s %18s\n' model glpsol_s ours_s ratio status ours_obj glpsol_obj
logsum=0
count=0
for name in "${models[@]}"; do
	gz="$DATA/netlib/$name.mps.gz"
	mps="$tmp/$name.mps"
	gzip -dc "$gz" >"$mps"
	# As root, glpsol's -o must be a real file (never /dev/null). Some
	# netlib files are only valid fixed MPS: fall back to --mps.
	if ! tg=$(best_time glpsol --freemps "$mps" -o "$tmp/$name.out") &&
		! tg=$(best_time glpsol --mps "$mps" -o "$tmp/$name.out"); then
		echo "$name: glpsol failed" >&2
		continue
	fi
	gobj=$(awk '/^Objective:/ { print $4; exit }' "$tmp/$name.out")
	if ! to=$(best_time "$tmp/nsqfarm" solve "$mps"); then
		echo "$name: nsqfarm solve failed" >&2
		continue
	fi
	"$tmp/nsqfarm" solve --json "$mps" >"$tmp/$name.json"
	status=$(grep -o '"status":"[a-z_]*"' "$tmp/$name.json" | head -n1 | cut -d'"' -f4)
	oobj=$(grep -o '"objective":[-+0-9.eE]*' "$tmp/$name.json" | head -n1 | cut -d: -f2)
	ratio=$(awk -v a="$to" -v b="$tg" 'BEGIN { printf "%.3f", a / b }')
	printf '%-10s %10s %10s %8s  %-10s %18s %18s\n' "$name" "$tg" "$to" "$ratio" "$status" "$oobj" "$gobj"
	logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN { printf "%.12f", s + log(r) }')
	count=$((count + 1))
done
if [ "$count" -gt 0 ]; then
	awk -v s="$logsum" -v n="$count" 'BEGIN { printf "geometric mean ratio (ours/glpsol) over %d models: %.3f\n", n, exp(s / n) }'
fi
