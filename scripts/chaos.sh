#!/usr/bin/env bash
# chaos.sh runs the chaos suite (internal/chaos): a three-host farm made of
# network namespaces (nsqlookupd and nsqd A, nsqd B, the consumers), broken
# while it works: consumers SIGKILLed, a host cut off, nsqd stopped, frozen,
# killed, poison and fuzzed messages. Each scenario checks that every input
# ends up in an output or dead-letter topic, and the run ends with a table.
#
# Needs root and `ip netns`; the suite skips otherwise. It builds nsqd,
# nsqlookupd and nsqfarm itself, once per run. About 10 minutes on 2 cores.
#
# Usage: scripts/chaos.sh [go test flags]
#   scripts/chaos.sh -run 'TestChaos/host-cut'   # one scenario
#   NSQFARM_CHAOS_SCALE=0.05 scripts/chaos.sh    # 5% of the messages
#   NSQFARM_CHAOS_SOAK=1 scripts/chaos.sh        # add the long soak
#   NSQFARM_CHAOS_SEED=7 scripts/chaos.sh        # other fuzzed inputs
#   NSQFARM_CHAOS_KEEP=1 scripts/chaos.sh        # keep logs and data
set -euo pipefail
cd "$(dirname "$0")/.."

timeout=20m
if [ "${NSQFARM_CHAOS_SOAK:-}" = 1 ]; then
	timeout=40m
fi
NSQFARM_CHAOS=1 exec go test -count=1 -timeout "$timeout" -v ./internal/chaos/ "$@"
