#!/usr/bin/env bash
# bench-lp-vs-glpsol.sh compares `nsqfarm solve` with glpsol's simplex on
# the netlib models listed in answers.csv.
#
# Each model is decompressed to a temporary directory; both solvers run as
# separate processes that read the same MPS file. Each time is the best of
# $REPEAT runs. Two comparisons are printed:
#
#   wall   whole-process wall times (start-up, reading, solving, writing)
#          and their ratio ours/glpsol (below 1 means we are faster);
#   net    the same times less each program's own start-up, measured on a
#          one-row model, i.e. the cost of reading and solving this model;
#          its geometric mean is taken over the models on which glpsol's
#          net time is at least $MIN_NET_MS ms, as smaller differences are
#          below the timing noise.
#
# nsqfarm is built static (CGO_ENABLED=0), as it is shipped (deploy/).
#
# Usage: scripts/bench-lp-vs-glpsol.sh [model ...]
# Environment: DATA (default ../shared/data/lp), REPEAT (default 5),
# MIN_NET_MS (default 2).
set -euo pipefail

cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/lp}
REPEAT=${REPEAT:-5}
MIN_NET_MS=${MIN_NET_MS:-2}

command -v glpsol >/dev/null || { echo "glpsol not found (apt-get install glpk-utils)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Build once, so the compiler is not timed on every model.
CGO_ENABLED=0 go build -o "$tmp/nsqfarm" ./cmd/nsqfarm

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

# glpsol runs a file as free MPS, falling back to fixed MPS (some netlib
# files are only valid fixed MPS). As root, -o must be a real file.
glpsol_run() {
	glpsol --freemps "$1" -o "$2" >/dev/null 2>&1 || glpsol --mps "$1" -o "$2"
}

# Start-up baselines: both programs on a one-row model.
cat >"$tmp/tiny.mps" <<'MPS'
NAME TINY
ROWS
 N obj
 L c1
COLUMNS
 x obj 1 c1 1
RHS
 rhs c1 1
ENDATA
MPS
REPEAT=$((REPEAT * 4)) base_g=$(best_time glpsol_run "$tmp/tiny.mps" "$tmp/tiny.out")
REPEAT=$((REPEAT * 4)) base_o=$(best_time "$tmp/nsqfarm" solve "$tmp/tiny.mps")
printf 'start-up on a one-row model: glpsol %ss, nsqfarm %ss\n\n' "$base_g" "$base_o"

printf '%-10s %9s %9s %7s %9s %9s %7s  %-8s %20s %15s\n' model glpsol_s ours_s wall net_g_s net_o_s net status ours_obj glpsol_obj
logw=0
logn=0
count=0
ncount=0
for name in "${models[@]}"; do
	gz="$DATA/netlib/$name.mps.gz"
	mps="$tmp/$name.mps"
	gzip -dc "$gz" >"$mps"
	if ! tg=$(best_time glpsol_run "$mps" "$tmp/$name.out"); then
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
	read -r wall ng no net lw ln counted < <(awk -v o="$to" -v g="$tg" -v bo="$base_o" -v bg="$base_g" -v min="$MIN_NET_MS" 'BEGIN {
		ng = g - bg; no = o - bo
		if (ng < 1e-4) ng = 1e-4
		if (no < 1e-4) no = 1e-4
		counted = (ng * 1000 >= min) ? 1 : 0
		printf "%.3f %.4f %.4f %.3f %.12f %.12f %d\n", o / g, ng, no, no / ng, log(o / g), log(no / ng), counted
	}')
	mark=""
	[ "$counted" = 1 ] || mark="*"
	printf '%-10s %9s %9s %7s %9s %9s %6s%1s  %-8s %20s %15s\n' "$name" "$tg" "$to" "$wall" "$ng" "$no" "$net" "$mark" "$status" "$oobj" "$gobj"
	logw=$(awk -v s="$logw" -v l="$lw" 'BEGIN { printf "%.12f", s + l }')
	count=$((count + 1))
	if [ "$counted" = 1 ]; then
		logn=$(awk -v s="$logn" -v l="$ln" 'BEGIN { printf "%.12f", s + l }')
		ncount=$((ncount + 1))
	fi
done
if [ "$count" -gt 0 ]; then
	echo
	awk -v s="$logw" -v n="$count" 'BEGIN { printf "geometric mean wall ratio (ours/glpsol) over %d models: %.3f\n", n, exp(s / n) }'
fi
if [ "$ncount" -gt 0 ]; then
	awk -v s="$logn" -v n="$ncount" -v min="$MIN_NET_MS" 'BEGIN { printf "geometric mean net ratio  (ours/glpsol) over %d models with glpsol net >= %s ms (* = not counted): %.3f\n", n, min, exp(s / n) }'
fi
