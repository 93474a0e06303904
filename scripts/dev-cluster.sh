#!/usr/bin/env bash
# dev-cluster.sh runs a small distributed farm on this machine, each piece
# its own process as on a real cluster: one nsqlookupd, two nsqd (each with
# its own data directory), nsqadmin, two primality consumers and one lpsolve
# consumer that find the nsqds through nsqlookupd.
#
# Ctrl-C (or SIGTERM to the script) stops the farm in order: the consumers
# first, which drain on SIGTERM (finish or requeue what is in flight,
# publish and acknowledge its results), then nsqadmin, the nsqds (which
# flush their queues to disk) and nsqlookupd. Each child runs in its own
# process group, so the terminal's Ctrl-C reaches only this script, not
# every child at once. Each step waits at most NSQFARM_STOP_TIMEOUT
# seconds, then kills what is left with SIGKILL; a second Ctrl-C kills
# what is left at once (nsqd then loses what it holds only in memory).
#
# Usage: scripts/dev-cluster.sh [DATA_DIR]   (default ./data/dev-cluster)
# Environment:
#   NSQFARM_PORT_OFFSET   added to every port below (default 0), to run
#                         beside another cluster
#   NSQFARM_STOP_TIMEOUT  seconds each stop step may take (default 30)
# Ports (plus the offset): nsqlookupd 4160/4161, nsqd 1 4150/4151,
# nsqd 2 4250/4251, nsqadmin 4171, consumers' metrics 9151-9153.
# Publish to either nsqd:
#   curl -d '{"number": 97}' 'http://127.0.0.1:4151/pub?topic=numbers'
#   curl -d '{"number": 98}' 'http://127.0.0.1:4251/pub?topic=numbers'
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:-./data/dev-cluster}
offset=${NSQFARM_PORT_OFFSET:-0}
grace=${NSQFARM_STOP_TIMEOUT:-30}
lookupd_tcp=127.0.0.1:$((4160 + offset))
lookupd_http=127.0.0.1:$((4161 + offset))
admin_http=127.0.0.1:$((4171 + offset))
bin=$(mktemp -d)
consumers=()
nsqds=()
admin=()
lookupd=()

say() { echo "$(date +%T.%3N) dev-cluster: $*"; }

# spawn LOG CMD... runs CMD in the background in its own process group
# (job control, set -m), its output in LOG and its pid in $!.
spawn() {
	local log=$1
	shift
	set -m
	"$@" </dev/null >"$log" 2>&1 &
	set +m
}

# terminate NAME PID... sends SIGTERM to every PID and waits for all of
# them, killing with SIGKILL those still running after $grace seconds.
terminate() {
	local name=$1 pid
	shift
	(($# > 0)) || return 0
	say "stopping $name (pid $*)"
	kill -TERM "$@" 2>/dev/null || true
	# SECONDS counts whole seconds: one more gives each step at least $grace.
	local deadline=$((SECONDS + grace + 1))
	for pid in "$@"; do
		while kill -0 "$pid" 2>/dev/null; do
			if $hurry || ((SECONDS >= deadline)); then
				$hurry || say "$name: pid $pid still running after ${grace}s; killing it"
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.1
		done
	done
	wait "$@" 2>/dev/null || true
	say "$name stopped"
}

stopped=false hurry=false
stop() {
	$stopped && return
	stopped=true
	# Run to the end whatever fails: a second Ctrl-C also interrupts the
	# script's own sleep, which must not end the script before its children.
	set +e
	trap 'hurry=true; say "interrupted again: killing what is left"' INT
	trap '' TERM
	say "stopping: consumers (drain), then nsqadmin, nsqd and nsqlookupd"
	terminate consumers "${consumers[@]}"
	terminate nsqadmin "${admin[@]}"
	terminate nsqd "${nsqds[@]}"
	terminate nsqlookupd "${lookupd[@]}"
	rm -rf "$bin"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# wait_ping URL waits up to 10 s for URL to answer.
wait_ping() {
	local i
	for i in $(seq 100); do
		curl -fsS "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "dev-cluster: $1 not answering; see $logs" >&2
	return 1
}

echo "building nsqd, nsqlookupd, nsqadmin and nsqfarm..."
go build -o "$bin/" github.com/nsqio/nsq/apps/nsqd github.com/nsqio/nsq/apps/nsqlookupd \
	github.com/nsqio/nsq/apps/nsqadmin ./cmd/nsqfarm
mkdir -p "$data/nsqd1" "$data/nsqd2" "$data/logs"
logs=$data/logs

spawn "$logs/nsqlookupd.log" "$bin/nsqlookupd" --tcp-address "$lookupd_tcp" --http-address "$lookupd_http"
lookupd+=($!)
# Each nsqd gets its own --node-id: nsqd builds every message ID from it,
# and its default, a hash of the hostname, is the same for both nsqds on
# this machine, so they would hand out the same message IDs.
nsqd_tcp=() nsqd_http=()
for i in 1 2; do
	port=$((4050 + 100 * i + offset))
	nsqd_tcp+=("127.0.0.1:$port")
	nsqd_http+=("127.0.0.1:$((port + 1))")
	spawn "$logs/nsqd$i.log" "$bin/nsqd" --node-id "$i" --data-path "$data/nsqd$i" --broadcast-address 127.0.0.1 \
		--tcp-address "127.0.0.1:$port" --http-address "127.0.0.1:$((port + 1))" \
		--lookupd-tcp-address "$lookupd_tcp"
	nsqds+=($!)
done
spawn "$logs/nsqadmin.log" "$bin/nsqadmin" --http-address "$admin_http" --lookupd-http-address "$lookupd_http"
admin+=($!)

# Create the topics and the stages' channels on both nsqds before anything
# is published, so no message goes to a channel that appears later.
for addr in "${nsqd_http[@]}"; do
	wait_ping "http://$addr/ping"
	for topic in primes non_primes numbers_dead solutions lp_params_dead; do
		curl -fsS -X POST "http://$addr/topic/create?topic=$topic" >/dev/null
	done
	curl -fsS -X POST "http://$addr/topic/create?topic=numbers" >/dev/null
	curl -fsS -X POST "http://$addr/channel/create?topic=numbers&channel=primality" >/dev/null
	curl -fsS -X POST "http://$addr/topic/create?topic=lp_params" >/dev/null
	curl -fsS -X POST "http://$addr/channel/create?topic=lp_params&channel=lpsolve" >/dev/null
done

# Consumers read from every nsqd through nsqlookupd and spread their
# outputs over both nsqds.
consume() {
	local stage=$1 n=$2 metrics=$(($3 + offset))
	spawn "$logs/$stage-$n.log" "$bin/nsqfarm" consume "$stage" --lookupd-http-address "$lookupd_http" \
		--destination-nsqd-tcp-address "${nsqd_tcp[0]}" --destination-nsqd-tcp-address "${nsqd_tcp[1]}" \
		--metrics-address "127.0.0.1:$metrics"
	consumers+=($!)
}
consume primality 1 9151
consume primality 2 9152
consume lpsolve 1 9153

cat <<EOT
dev cluster running (logs in $logs):
  nsqlookupd  http://$lookupd_http
  nsqd 1      tcp ${nsqd_tcp[0]}  http http://${nsqd_http[0]}  data $data/nsqd1  node id 1
  nsqd 2      tcp ${nsqd_tcp[1]}  http http://${nsqd_http[1]}  data $data/nsqd2  node id 2
  nsqadmin    http://$admin_http
  consumers   primality ×2 (metrics :$((9151 + offset)), :$((9152 + offset))), lpsolve ×1 (metrics :$((9153 + offset)))
Publish:  curl -d '{"number": 97}' 'http://${nsqd_http[0]}/pub?topic=numbers'
Results:  go run ./cmd/nsqfarm tail --lookupd-http-address $lookupd_http --topic primes --from-start
Ctrl-C to stop.
EOT
wait "${consumers[@]}"
