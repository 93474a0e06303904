#!/usr/bin/env bash
# bench-mip.sh compares `nsqfarm solve` with glpsol and cbc (when
# installed) on the MIPLIB models listed in answers.csv, or with
# SET=glpk on the integer models among the examples of Debian's
# glpk-utils (EXAMPLES, default /usr/share/doc/glpk-utils/examples),
# which glpsol translates from MathProg to LP files first, or with
# SET=families on generated models of five integer families (set
# covering, multi-knapsack, capacitated facility location, generalised
# assignment, lot sizing; two sizes each) that `nsqfarm-bench models`
# writes as LP files, or with SET=coin on the integer models among the
# sample data of COIN-OR that Debian's coinor-libcoinutils-dev installs
# (COIN, default /usr/share/coin/Data/Sample): p0548 of MIPLIB 3, which
# ../shared does not hold, three models of COIN-OR's decomposition
# examples (atm_5_10_1, retail3, wedding_16), and small test models.
#
# Each model is decompressed to a temporary directory; every solver runs
# as a whole process, one after the other, on the same MPS file, with the
# same time limit and one thread. A model counts as proven optimal for a
# solver when it reports optimality with the objective of answers.csv
# (relative tolerance 1e-6); an optimal status with another objective is
# marked WRONG. The GLPK examples, the generated and the COIN-OR models
# have no answers file: their optimum is cbc's when cbc proves one, else
# glpsol's, else nsqfarm's (marked "?"). Times are whole-process wall
# times in seconds.
#
# The summary gives, per solver, the number of models proven optimal and
# the geometric mean of the time ratio nsqfarm/other over the models both
# prove (below 1 means nsqfarm is faster).
#
# Every solver searches for the exact optimum: glpsol's MIP gap is 0,
# cbc's default gaps are tiny, and nsqfarm runs with --mip-gap 1e-9
# (MIPGAP overrides it) instead of its default relative gap of 1e-4.
#
# nsqfarm is built static (CGO_ENABLED=0), as it is shipped (deploy/).
# cbc (Debian's coinor-cbc) is skipped when it is not installed.
#
# With THREADS=N (N > 1) the script compares nsqfarm with itself instead:
# each model is solved with --threads 1 and then --threads N, and the
# table gives both node counts and wall times and the speed-up (time with
# one thread / time with N), with its geometric mean over the models both
# runs prove. glpsol and cbc are not run in that mode.
#
# Usage: scripts/bench-mip.sh [model ...]
# Environment: DATA (default ../shared/data/lp), LIMIT (seconds, default
# 60), MIPGAP (nsqfarm's --mip-gap, default 1e-9), NSQFARM (a prebuilt
# nsqfarm binary instead of building this tree), THREADS (see above),
# SET (miplib, the default, glpk, families or coin), EXAMPLES and COIN
# (see above).
set -euo pipefail

cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/lp}
LIMIT=${LIMIT:-60}
MIPGAP=${MIPGAP:-1e-9}
THREADS=${THREADS:-1}
SET=${SET:-miplib}
EXAMPLES=${EXAMPLES:-/usr/share/doc/glpk-utils/examples}
COIN=${COIN:-/usr/share/coin/Data/Sample}
case $SET in
miplib | glpk | families) ;;
coin) [ -f "$COIN/p0548.mps" ] || { echo "no COIN-OR sample models in $COIN (apt-get install coinor-libcoinutils-dev)" >&2; exit 1; } ;;
*) echo "SET=$SET: want miplib, glpk, families or coin" >&2; exit 1 ;;
esac
case $THREADS in
'' | *[!0-9]*) echo "THREADS=$THREADS: want a number of threads" >&2; exit 1 ;;
esac

[ "$THREADS" -gt 1 ] && [ "$SET" = miplib ] || command -v glpsol >/dev/null || { echo "glpsol not found (apt-get install glpk-utils)" >&2; exit 1; }
have_cbc=0
command -v cbc >/dev/null && have_cbc=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nsqfarm=${NSQFARM:-}
if [ -z "$nsqfarm" ]; then
	CGO_ENABLED=0 go build -o "$tmp/nsqfarm" ./cmd/nsqfarm
	nsqfarm=$tmp/nsqfarm
fi

# coinModels are the integer models of COIN-OR's sample data that glpsol
# reads (conic.mps has a cone section, spec_sections.mps tests the
# reader).
coinModels=(p0548 atm_5_10_1 retail3 wedding_16 nw460 pack1 scOneInt exmip1 tp3 tp4 tp5)

# glpkModels are GLPK's integer examples: MODEL, or MODEL:DATA for a
# model whose data file is not MODEL.dat (misp has two).
glpkModels=(bpp color crypto fctp food2 gap graceful hashi jssp life_goe magic maxcut mfasp mfvsp
	min01ks misp:misp1.dat misp:misp2.dat money mvcp numbrix pentomino planarity queens sat
	shiftcov shikaku sudoku tiling todd toto trick tsp wolfra6d zebra)

if [ $# -gt 0 ]; then
	models=("$@")
elif [ "$SET" = glpk ]; then
	models=("${glpkModels[@]}")
elif [ "$SET" = coin ]; then
	models=("${coinModels[@]}")
elif [ "$SET" = families ]; then
	mapfile -t models < <(go run ./cmd/nsqfarm-bench models "$tmp/families" | sed 's|.*/||; s|\.lp$||')
else
	mapfile -t models < <(awk -F, 'NR > 1 && $2 == "MIP" { sub(/^.*\//, "", $1); sub(/\.mps\.gz$/, "", $1); print $1 }' "$DATA/answers.csv")
fi

# answer NAME prints the optimum of answers.csv (nothing for the other sets).
answer() {
	[ "$SET" = miplib ] || return 0
	awk -F, -v f="miplib/$1.mps.gz" '$1 == f { print $8 }' "$DATA/answers.csv"
}

# model_file NAME writes the model NAME to the temporary directory and
# prints its path: the decompressed MPS file of a MIPLIB model, or the
# LP file glpsol translates a GLPK example (MODEL or MODEL:DATA) to, or
# the generated model's LP file, or a copy of the COIN-OR model's MPS file.
model_file() {
	if [ "$SET" = coin ]; then
		cp "$COIN/$1.mps" "$tmp/$1.mps"
		echo "$tmp/$1.mps"
		return
	fi
	if [ "$SET" = miplib ]; then
		gzip -dc "$DATA/miplib/$1.mps.gz" >"$tmp/$1.mps"
		echo "$tmp/$1.mps"
		return
	fi
	if [ "$SET" = families ]; then
		[ -f "$tmp/families/$1.lp" ] || go run ./cmd/nsqfarm-bench models "$tmp/families" >/dev/null
		echo "$tmp/families/$1.lp"
		return
	fi
	local mod=${1%%:*} data=() out="$tmp/${1//:/_}.lp"
	[[ $1 == *:* ]] && data=(--data "${1#*:}")
	(cd "$EXAMPLES" && glpsol --math "$mod.mod" "${data[@]}" --check --wlp "$out" >"$tmp/translate.log" 2>&1) ||
		{ echo "glpsol cannot translate $1:" >&2; cat "$tmp/translate.log" >&2; exit 1; }
	echo "$out"
}

# short NAME prints the name of a model in the table.
short() {
	local n=${1%.dat}
	echo "${n//:/+}"
}

# timed OUT CMD... runs CMD with stdout and stderr to OUT, killed a few
# seconds after the limit in case it overruns, and prints its wall time.
timed() {
	local out=$1 start end
	shift
	start=$(date +%s%N)
	timeout --kill-after=5 $((LIMIT + 10)) "$@" >"$out" 2>&1 || true
	end=$(date +%s%N)
	awk -v ns="$((end - start))" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

# agrees A B reports whether A and B agree within a relative 1e-6.
agrees() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "") exit 1
		d = a - b; if (d < 0) d = -d
		s = b < 0 ? -b : b; if (s < 1) s = 1
		exit !(d <= 1e-6 * s)
	}'
}

# verdict STATUS OBJ WANT prints "optimal" when STATUS is optimal with
# the expected objective (any objective when WANT is empty), "WRONG"
# when optimal with another, else the status ("-" for none).
verdict() {
	if [ "$1" != optimal ]; then
		echo "${1:--}"
	elif [ -z "$3" ] || agrees "$2" "$3"; then
		echo optimal
	else
		echo WRONG
	fi
}

# run_nsqfarm FILE WANT [THREADS] prints the wall time, the verdict, the
# objective and the node count of one nsqfarm solve.
run_nsqfarm() {
	local t status obj nodes
	t=$(timed "$tmp/o.json" "$nsqfarm" solve --json --time-limit "${LIMIT}s" --mip-gap "$MIPGAP" --threads "${3:-1}" "$1")
	status=$(grep -o '"status":"[a-z_]*"' "$tmp/o.json" | head -n1 | cut -d'"' -f4 || true)
	obj=$(grep -o '"objective":[-+0-9.eE]*' "$tmp/o.json" | head -n1 | cut -d: -f2 || true)
	nodes=$(grep -o '"nodes":[0-9]*' "$tmp/o.json" | head -n1 | cut -d: -f2 || true)
	echo "$t $(verdict "$status" "$obj" "$2") ${obj:--} ${nodes:--}"
}

# bench_threads runs the THREADS=N comparison and exits.
bench_threads() {
	printf 'time limit %ss, whole processes one after the other, nsqfarm --mip-gap %s, --threads 1 against --threads %s on %s cores\n\n' \
		"$LIMIT" "$MIPGAP" "$THREADS" "$(nproc)"
	printf '%-9s | %9s %8s %-12s | %9s %8s %-12s | %8s\n' model nodes:1 time:1 status nodes:$THREADS time:$THREADS status speed-up
	local name mps want t1 v1 n1 tn vn nn logs=0 n=0
	for name in "${models[@]}"; do
		mps=$(model_file "$name")
		want=$(answer "$name")
		read -r t1 v1 _ n1 < <(run_nsqfarm "$mps" "$want" 1)
		read -r tn vn _ nn < <(run_nsqfarm "$mps" "$want" "$THREADS")
		printf '%-9s | %9s %8s %-12s | %9s %8s %-12s | %8s\n' "$(short "$name")" "$n1" "$t1" "$v1" "$nn" "$tn" "$vn" \
			"$(awk -v a="$t1" -v b="$tn" 'BEGIN { printf "%.2f", a / b }')"
		if [ "$v1" = optimal ] && [ "$vn" = optimal ]; then
			logs=$(awk -v s="$logs" -v a="$t1" -v b="$tn" 'BEGIN { printf "%.12f", s + log(a / b) }')
			n=$((n + 1))
		fi
		rm -f "$mps"
	done
	echo
	if [ "$n" -gt 0 ]; then
		awk -v s="$logs" -v n="$n" -v t="$THREADS" 'BEGIN { printf "geometric mean speed-up with %d threads: %.3f (%d models both prove)\n", t, exp(s / n), n }'
	else
		echo "no model proven optimal by both runs"
	fi
	exit 0
}

# glpsol reads MPS files as free MPS (gt2 has tabs); its MIP gap is 0.
run_glpsol() {
	local t status obj format=--freemps
	[[ $1 == *.lp ]] && format=--lp
	t=$(timed "$tmp/g.log" glpsol "$format" "$1" --tmlim "$LIMIT" -o "$tmp/g.out")
	status=$(awk '/^Status:/ { print $2 == "INTEGER" && $3 == "OPTIMAL" ? "optimal" : tolower($2 "_" $3); exit }' "$tmp/g.out" 2>/dev/null || true)
	obj=$(awk '/^Objective:/ { print $4; exit }' "$tmp/g.out" 2>/dev/null || true)
	rm -f "$tmp/g.out"
	echo "$t $(verdict "$status" "$obj" "$2") ${obj:--}"
}

run_cbc() {
	local t status obj
	t=$(timed "$tmp/c.log" cbc "$1" -threads 1 -sec "$LIMIT" -solve -quit)
	status=$(awk '/^Result - / { print ($3 == "Optimal" ? "optimal" : tolower($3 "_" $4)); exit }' "$tmp/c.log")
	obj=$(awk '/^Objective value:/ { print $3; exit }' "$tmp/c.log")
	echo "$t $(verdict "$status" "$obj" "$2") ${obj:--}"
}

[ "$THREADS" -gt 1 ] && bench_threads

printf 'time limit %ss, one thread, whole processes one after the other, nsqfarm --mip-gap %s\n\n' "$LIMIT" "$MIPGAP"
printf '%-10s %14s | %8s %-12s | %8s %-12s' model optimum nsqfarm status glpsol status
[ "$have_cbc" = 1 ] && printf ' | %8s %-12s' cbc status
printf '\n'

declare -A proven=([nsqfarm]=0 [glpsol]=0 [cbc]=0)
logg=0 ng=0 logc=0 nc=0
for name in "${models[@]}"; do
	mps=$(model_file "$name")
	want=$(answer "$name")
	read -r to vo oo _ < <(run_nsqfarm "$mps" "$want")
	read -r tg vg og < <(run_glpsol "$mps" "$want")
	tc=- vc=- oc=-
	[ "$have_cbc" = 1 ] && read -r tc vc oc < <(run_cbc "$mps" "$want")
	if [ -z "$want" ]; then
		# No answers file: the optimum is the first one proven of cbc's,
		# glpsol's and (marked "?", nothing to check it by) nsqfarm's.
		if [ "$vc" = optimal ]; then
			want=$oc
		elif [ "$vg" = optimal ]; then
			want=$og
		elif [ "$vo" = optimal ]; then
			want="$oo?"
		fi
		vo=$(verdict "$vo" "$oo" "${want%\?}") vg=$(verdict "$vg" "$og" "${want%\?}") vc=$(verdict "$vc" "$oc" "${want%\?}")
	fi
	printf '%-10s %14s | %8s %-12s | %8s %-12s' "$(short "$name")" "${want:--}" "$to" "$vo" "$tg" "$vg"
	[ "$vo" = optimal ] && proven[nsqfarm]=$((proven[nsqfarm] + 1))
	[ "$vg" = optimal ] && proven[glpsol]=$((proven[glpsol] + 1))
	if [ "$vo" = optimal ] && [ "$vg" = optimal ]; then
		logg=$(awk -v s="$logg" -v a="$to" -v b="$tg" 'BEGIN { printf "%.12f", s + log(a / b) }')
		ng=$((ng + 1))
	fi
	if [ "$have_cbc" = 1 ]; then
		printf ' | %8s %-12s' "$tc" "$vc"
		[ "$vc" = optimal ] && proven[cbc]=$((proven[cbc] + 1))
		if [ "$vo" = optimal ] && [ "$vc" = optimal ]; then
			logc=$(awk -v s="$logc" -v a="$to" -v b="$tc" 'BEGIN { printf "%.12f", s + log(a / b) }')
			nc=$((nc + 1))
		fi
	fi
	printf '\n'
	rm -f "$mps"
done

# ratio SUM N prints the geometric mean of N ratios whose logs sum to SUM.
ratio() {
	if [ "$2" -gt 0 ]; then awk -v s="$1" -v n="$2" 'BEGIN { printf "%.3f (%d models)", exp(s / n), n }'; else echo "- (no model both prove)"; fi
}

n=${#models[@]}
echo
printf '| solver | proven optimal | geometric mean time ratio nsqfarm/solver, on models both prove |\n'
printf '|---|---|---|\n'
printf '| nsqfarm solve | %d of %d | 1 |\n' "${proven[nsqfarm]}" "$n"
printf '| glpsol | %d of %d | %s |\n' "${proven[glpsol]}" "$n" "$(ratio "$logg" "$ng")"
if [ "$have_cbc" = 1 ]; then
	printf '| cbc | %d of %d | %s |\n' "${proven[cbc]}" "$n" "$(ratio "$logc" "$nc")"
else
	printf '| cbc | not installed | - |\n'
fi
