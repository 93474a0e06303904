#!/usr/bin/env bash
# dev-cluster.sh runs a small distributed farm on this machine, each piece
# its own process as on a real cluster: one nsqlookupd, two nsqd (each with
# its own data directory), nsqadmin, two primality consumers and one lpsolve
# consumer that find the nsqds through nsqlookupd. Ctrl-C drains the
# consumers (SIGTERM), then stops the daemons.
#
# Usage: scripts/dev-cluster.sh [DATA_DIR]   (default ./data/dev-cluster)
# Publish to either nsqd:
#   curl -d '{"number": 97}' 'http://127.0.0.1:4151/pub?topic=numbers'
#   curl -d '{"number": 98}' 'http://127.0.0.1:4251/pub?topic=numbers'
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:-./data/dev-cluster}
bin=$(mktemp -d)
pids=()
consumers=()

stop() {
	trap - INT TERM EXIT
	echo "stopping consumers (drain), then nsqadmin, nsqd and nsqlookupd..."
	for pid in "${consumers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${consumers[@]}"; do wait "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$bin"
}
trap stop INT TERM EXIT

echo "building nsqd, nsqlookupd, nsqadmin and nsqfarm..."
go build -o "$bin/" github.com/nsqio/nsq/apps/nsqd github.com/nsqio/nsq/apps/nsqlookupd \
	github.com/nsqio/nsq/apps/nsqadmin ./cmd/nsqfarm
mkdir -p "$data/nsqd1" "$data/nsqd2" "$data/logs"
logs=$data/logs

"$bin/nsqlookupd" --tcp-address 127.0.0.1:4160 --http-address 127.0.0.1:4161 >"$logs/nsqlookupd.log" 2>&1 &
pids+=($!)
for i in 1 2; do
	port=$((4050 + 100 * i))
	"$bin/nsqd" --data-path "$data/nsqd$i" --broadcast-address 127.0.0.1 \
		--tcp-address "127.0.0.1:$port" --http-address "127.0.0.1:$((port + 1))" \
		--lookupd-tcp-address 127.0.0.1:4160 >"$logs/nsqd$i.log" 2>&1 &
	pids+=($!)
done
"$bin/nsqadmin" --http-address 127.0.0.1:4171 --lookupd-http-address 127.0.0.1:4161 >"$logs/nsqadmin.log" 2>&1 &
pids+=($!)

# Create the topics and the stages' channels on both nsqds before anything
# is published, so no message goes to a channel that appears later.
sleep 1
for port in 4151 4251; do
	for topic in primes non_primes numbers_dead solutions lp_params_dead; do
		curl -fsS -X POST "http://127.0.0.1:$port/topic/create?topic=$topic" >/dev/null
	done
	curl -fsS -X POST "http://127.0.0.1:$port/topic/create?topic=numbers" >/dev/null
	curl -fsS -X POST "http://127.0.0.1:$port/channel/create?topic=numbers&channel=primality" >/dev/null
	curl -fsS -X POST "http://127.0.0.1:$port/topic/create?topic=lp_params" >/dev/null
	curl -fsS -X POST "http://127.0.0.1:$port/channel/create?topic=lp_params&channel=lpsolve" >/dev/null
done

# Consumers read from every nsqd through nsqlookupd and spread their
# outputs over both nsqds.
consume() {
	local stage=$1 n=$2 metrics=$3
	"$bin/nsqfarm" consume "$stage" --lookupd-http-address 127.0.0.1:4161 \
		--destination-nsqd-tcp-address 127.0.0.1:4150 --destination-nsqd-tcp-address 127.0.0.1:4250 \
		--metrics-address "127.0.0.1:$metrics" >"$logs/$stage-$n.log" 2>&1 &
	consumers+=($!)
}
consume primality 1 9151
consume primality 2 9152
consume lpsolve 1 9153

cat <<EOT
dev cluster running (logs in $logs):
  nsqlookupd  http://127.0.0.1:4161
  nsqd 1      tcp 127.0.0.1:4150  http http://127.0.0.1:4151  data $data/nsqd1
  nsqd 2      tcp 127.0.0.1:4250  http http://127.0.0.1:4251  data $data/nsqd2
  nsqadmin    http://127.0.0.1:4171
  consumers   primality ×2 (metrics :9151, :9152), lpsolve ×1 (metrics :9153)
Publish:  curl -d '{"number": 97}' 'http://127.0.0.1:4151/pub?topic=numbers'
Results:  go run ./cmd/nsqfarm tail --lookupd-http-address 127.0.0.1:4161 --topic primes
Ctrl-C to stop.
EOT
wait "${consumers[@]}"
