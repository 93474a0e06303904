package chaos

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
)

// An input is recognised in what the stages publish by its aliases: keys
// that only it can produce.
//
//	r:BYTES  the body itself, as a dead-letter record keeps it (verbatim,
//	         or with surrounding whitespace trimmed when it is JSON)
//	s:SEQ    the raw "seq" member of an object body, which primality
//	         outputs copy verbatim
//	n:TOKEN  a bare number body, which becomes {"number":TOKEN,...}
//	i:ID     the raw "id" member of an LP job, which solutions echo
//
// The generators keep every alias unique across a run's inputs, so a
// record matches at most one input.
type alias [sha256.Size]byte

func aliasOf(kind byte, b []byte) alias {
	h := sha256.New()
	h.Write([]byte{kind, ':'})
	h.Write(b)
	var a alias
	h.Sum(a[:0])
	return a
}

// aliasesOf returns every alias of an input body. A body that is a JSON
// string also takes the text it holds, which is how a dead-letter record
// shows a text body: a run never has both the JSON string "x" and the
// text x as inputs, so the record's body is never ambiguous.
func aliasesOf(body []byte) []alias {
	out := []alias{aliasOf('r', body)}
	if t := bytes.TrimSpace(body); len(t) != len(body) && len(t) > 0 {
		out = append(out, aliasOf('r', t))
	}
	var text string
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '"' && json.Unmarshal(t, &text) == nil {
		out = append(out, aliasOf('r', []byte(text)))
	}
	t := trimJSONSpace(body)
	if ms, ok := members(t); ok {
		for _, v := range values(ms, "seq") {
			out = append(out, aliasOf('s', v))
		}
		for _, v := range values(ms, "id") {
			out = append(out, aliasOf('i', v))
		}
	} else if len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
		out = append(out, aliasOf('n', t))
	}
	return out
}

// recordKind says how to read a drained message.
type recordKind int

const (
	kindNumberOut recordKind = iota // primes, non_primes
	kindSolution                    // solutions
	kindDead                        // a dead-letter topic
)

// recordAliases returns the aliases a published record can match, and for
// a dead-letter record its input_id.
func recordAliases(kind recordKind, body []byte) (as []alias, inputID string) {
	ms, ok := members(body)
	if !ok {
		return nil, ""
	}
	switch kind {
	case kindNumberOut:
		for _, v := range values(ms, "seq") {
			as = append(as, aliasOf('s', v))
		}
		if v := value(ms, "number"); v != nil {
			as = append(as, aliasOf('n', v))
		}
	case kindSolution:
		for _, v := range values(ms, "id") {
			as = append(as, aliasOf('i', v))
		}
	case kindDead:
		_ = json.Unmarshal(value(ms, "input_id"), &inputID)
		for _, b := range deadBodies(ms) {
			as = append(as, aliasOf('r', b))
		}
	}
	return as, inputID
}

// deadBodies returns the candidates for the original body of a
// dead-letter record: "body_base64", or "body" as the verbatim JSON or, when
// it is a JSON string, the text it holds. A "body_encoding" member, when
// present, says which ("base64", "json", or a text encoding).
func deadBodies(ms []member) [][]byte {
	var enc string
	_ = json.Unmarshal(value(ms, "body_encoding"), &enc)
	if v := value(ms, "body_base64"); v != nil {
		if b, ok := base64String(v); ok {
			return [][]byte{b}
		}
	}
	v := value(ms, "body")
	if v == nil {
		return nil
	}
	var s string
	isString := len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil
	switch {
	case enc == "base64" && isString:
		if b, ok := base64String(v); ok {
			return [][]byte{b}
		}
		return nil
	case enc == "json" || !isString:
		return [][]byte{v}
	case enc != "":
		return [][]byte{[]byte(s)}
	default:
		return [][]byte{v, []byte(s)}
	}
}

func base64String(v []byte) ([]byte, bool) {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// ledger counts, per input, the outputs and dead-letter records seen.
type ledger struct {
	mu     sync.Mutex
	index  map[alias]int32
	outs   []uint32 // per input: outputs seen
	deads  []uint32 // per input: dead-letter records seen
	marked []bool   // per input: set for the inputs added with addMarked
	hit    int      // inputs seen at least once
	hitOut int      // inputs seen in an output topic
	// hitMarked counts the marked inputs seen at least once.
	hitMarked int
	// unidentified holds the input IDs of dead-letter records that match
	// no input (a record that could not carry the body).
	unidentified map[string]struct{}
	unmatched    int
	// torn counts unmatched records that are not JSON: a message nsqd
	// read back torn from its disk queue after a SIGKILL.
	torn    int
	samples []string
}

// newLedger returns an empty ledger.
func newLedger() *ledger {
	return &ledger{index: map[alias]int32{}, unidentified: map[string]struct{}{}}
}

// add registers an input; it returns false, registering nothing, when one
// of its aliases is already taken.
func (l *ledger) add(body []byte) bool { return l.register(body, false) }

// addMarked registers an input of a group the tally counts apart (the
// poison inputs of a scenario).
func (l *ledger) addMarked(body []byte) bool { return l.register(body, true) }

func (l *ledger) register(body []byte, mark bool) bool {
	as := aliasesOf(body)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range as {
		if _, ok := l.index[a]; ok {
			return false
		}
	}
	i := int32(len(l.outs))
	for _, a := range as {
		l.index[a] = i
	}
	l.outs = append(l.outs, 0)
	l.deads = append(l.deads, 0)
	l.marked = append(l.marked, mark)
	return true
}

// maxSamples bounds the unmatched records a ledger keeps for the report.
const maxSamples = 5

// record accounts one drained message.
func (l *ledger) record(kind recordKind, body []byte) {
	as, inputID := recordAliases(kind, body)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range as {
		i, ok := l.index[a]
		if !ok {
			continue
		}
		if l.outs[i]+l.deads[i] == 0 {
			l.hit++
			if l.marked[i] {
				l.hitMarked++
			}
		}
		if kind == kindDead {
			l.deads[i]++
		} else {
			if l.outs[i] == 0 {
				l.hitOut++
			}
			l.outs[i]++
		}
		return
	}
	if kind == kindDead && inputID != "" {
		l.unidentified[inputID] = struct{}{}
		return
	}
	if json.Valid(body) {
		l.unmatched++
	} else {
		l.torn++
	}
	if len(l.samples) < maxSamples {
		s := body
		if len(s) > 160 {
			s = s[:160]
		}
		l.samples = append(l.samples, fmt.Sprintf("%q", s))
	}
}

// missing returns the indexes of up to max inputs not seen yet, unmarked
// ones first.
func (l *ledger) missing(max int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int
	for _, marked := range []bool{false, true} {
		for i := range l.outs {
			if len(out) == max {
				return out
			}
			if l.marked[i] == marked && l.outs[i]+l.deads[i] == 0 {
				out = append(out, i)
			}
		}
	}
	return out
}

// tally is a ledger's figures at one moment.
type tally struct {
	inputs    int
	accounted int // inputs seen, plus dead-letter records without a body
	outputs   int // inputs seen in an output topic
	dead      int // inputs seen in a dead-letter topic
	dups      int // records beyond the first per input
	// unidentified counts dead-letter records, by input ID, that match no
	// input; they account for inputs no other record matched.
	unidentified int
	unmatched    int // output records that match no input
	torn         int // unmatched records that are not JSON (see ledger.torn)
	samples      []string
	// marked and markedSeen count the inputs added with addMarked, and
	// those of them seen.
	marked, markedSeen int
	// unmarkedSeen counts the other inputs seen.
	unmarkedSeen int
}

func (l *ledger) tally() tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := tally{inputs: len(l.outs), outputs: l.hitOut, unidentified: len(l.unidentified), unmatched: l.unmatched, torn: l.torn,
		markedSeen: l.hitMarked, unmarkedSeen: l.hit - l.hitMarked}
	t.samples = append(t.samples, l.samples...)
	for i := range l.outs {
		if l.deads[i] > 0 {
			t.dead++
		}
		if l.marked[i] {
			t.marked++
		}
		if n := l.outs[i] + l.deads[i]; n > 1 {
			t.dups += int(n - 1)
		}
	}
	t.accounted = l.hit + min(t.unidentified, t.inputs-l.hit)
	return t
}

// plus adds two tallies.
func (t tally) plus(u tally) tally {
	return tally{
		inputs:       t.inputs + u.inputs,
		accounted:    t.accounted + u.accounted,
		outputs:      t.outputs + u.outputs,
		dead:         t.dead + u.dead,
		dups:         t.dups + u.dups,
		unidentified: t.unidentified + u.unidentified,
		unmatched:    t.unmatched + u.unmatched,
		torn:         t.torn + u.torn,
		samples:      append(append([]string(nil), t.samples...), u.samples...),
		marked:       t.marked + u.marked,
		markedSeen:   t.markedSeen + u.markedSeen,
		unmarkedSeen: t.unmarkedSeen + u.unmarkedSeen,
	}
}

// trimJSONSpace trims JSON whitespace (space, tab, CR, LF).
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

// member is one name/value pair of a JSON object, both raw: the name
// without its quotes and escapes not decoded.
type member struct {
	name  string
	value []byte
}

// members returns the top-level members of the JSON object b, repeated
// names included. It checks only the structure it walks, at any nesting
// depth, and reports false when b is not an object.
func members(b []byte) ([]member, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	var ms []member
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return ms, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		end := skipString(b, i)
		if end < 0 {
			return nil, false
		}
		name := string(b[i+1 : end-1])
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		end = skipValue(b, i)
		if end < 0 {
			return nil, false
		}
		ms = append(ms, member{name, b[i:end]})
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return ms, true
		default:
			return nil, false
		}
	}
}

// values returns the values of every member named name.
func values(ms []member, name string) [][]byte {
	var out [][]byte
	for _, m := range ms {
		if m.name == name {
			out = append(out, m.value)
		}
	}
	return out
}

// value returns the value of the first member named name, or nil.
func value(ms []member, name string) []byte {
	for _, m := range ms {
		if m.name == name {
			return m.value
		}
	}
	return nil
}

// endsScalar reports whether c ends a number or literal.
func endsScalar(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] ('"'),
// or -1 when it is not terminated.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end := skipString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(b) && !endsScalar(b[j]) {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
