package stage

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/nsqio/go-nsq"
)

// InputIDLen is the length of an input id: 32 lowercase hex digits.
const InputIDLen = 32

// InputID returns the input id of the message with NSQ ID id that the
// consumer read from topic on the nsqd it dialled at address nsqd
// (go-nsq's Message.NSQDAddress). Stages hand it to handlers as
// Input.ID, handlers copy it into their outputs as "input_id",
// and dead-letter records carry it, so that sinks can deduplicate.
//
// The id is the first 16 bytes, in hex, of the SHA-256 of the nsqd
// address, the topic and the NSQ message ID. An NSQ message ID alone is
// not unique: nsqd builds it from its --node-id (by default derived from
// the host name, so two nsqds can share it) and a clock, with a separate
// sequence per topic, so two nsqds, or two topics of one nsqd, can hand
// out the same IDs. The address and topic make the id unique across the
// nsqds of a cluster and their topics, and it is the same on every
// redelivery of the message. Every channel of a topic sees the same id
// for the same message.
//
// The limit: the id depends on the address the consumer dialled. A
// consumer that finds nsqds through nsqlookupd dials each one at the
// broadcast address it registered; one given --nsqd-tcp-address dials
// that address. Consumers that reach one nsqd under different addresses
// (127.0.0.1:4150 and host:4150, say) see different ids for the same
// message, so every consumer of a cluster should dial each nsqd by one
// address, its broadcast address.
func InputID(nsqd, topic string, id nsq.MessageID) string {
	// Lengths of nsqd and topic are written out so that no two
	// (nsqd, topic) pairs hash the same bytes.
	var buf [256]byte
	b := append(buf[:0], "nsqfarm input id\x00"...)
	b = appendLenPrefixed(b, nsqd)
	b = appendLenPrefixed(b, topic)
	b = append(b, id[:]...)
	sum := sha256.Sum256(b)
	var out [InputIDLen]byte
	hex.Encode(out[:], sum[:InputIDLen/2])
	return string(out[:])
}

// appendLenPrefixed appends s preceded by its length as a 32-bit
// big-endian integer.
func appendLenPrefixed(b []byte, s string) []byte {
	n := len(s)
	b = append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	return append(b, s...)
}
