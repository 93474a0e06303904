#!/usr/bin/env bash
# bench-hop.sh measures one nsqfarm pipeline hop (the primality stage)
# side by side with NSQ's own relay, nsq_to_nsq, on the same nsqd in the
# same run (DESIGN.md, principle 8), and prints the table.
#
# It builds nsqd and nsq_to_nsq at the versions go.mod pins, and nsqfarm
# and nsqfarm-bench from this checkout, into a temporary directory, then
# runs `nsqfarm-bench hop` from the repository root (so topics.yaml is
# found) and removes the binaries. Arguments are passed on to
# `nsqfarm-bench hop`.
#
# Usage: scripts/bench-hop.sh [--messages N] [--max-in-flight N] [--dir D] [...]
#        scripts/bench-hop.sh -h    # every flag
set -euo pipefail

cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp" \
	github.com/nsqio/nsq/apps/nsqd \
	github.com/nsqio/nsq/apps/nsq_to_nsq \
	./cmd/nsqfarm \
	./cmd/nsqfarm-bench

"$tmp/nsqfarm-bench" hop \
	--nsqd-bin "$tmp/nsqd" \
	--nsq-to-nsq-bin "$tmp/nsq_to_nsq" \
	--nsqfarm-bin "$tmp/nsqfarm" \
	"$@"
