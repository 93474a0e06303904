// Package chaos is nsqfarm's chaos suite: it runs the farm as a small
// cluster of three hosts made of Linux network namespaces (nsqlookupd and
// nsqd A on host 1, nsqd B on host 2, the consumers on host 3), breaks it
// while it works (consumers SIGKILLed, a host cut off, nsqd stopped,
// frozen or killed, poison and fuzzed messages) and checks that every
// input ends up in an output or dead-letter topic.
//
// The package holds tests only. They run when NSQFARM_CHAOS=1 (as
// scripts/chaos.sh sets), as root, on a machine where `ip netns` works;
// otherwise they skip, so that `go test ./...` stays fast. Environment:
//
//	NSQFARM_CHAOS=1          run the suite
//	NSQFARM_CHAOS_SCALE=F    multiply the message counts by F (default 1)
//	NSQFARM_CHAOS_SEED=N     seed of the generated inputs (default 1)
//	NSQFARM_CHAOS_SOAK=1     add the soak scenario (ten times the messages,
//	                         consumer kills and host cuts all through)
//	NSQFARM_CHAOS_KEEP=1     keep the data directories and logs of the run
//
// Every namespace the suite creates is named nfchaos-PID-..., with PID the
// test process; leftovers of a run that no longer exists are deleted at
// start. The tests talk to the cluster only through programs started
// inside the namespaces (the test binary itself, re-executed), so no
// traffic leaves the 10.213.0.0/24 network of the namespaces.
package chaos
