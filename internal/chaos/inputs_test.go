package chaos

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// inputs are the bodies a scenario publishes to one topic, each
// registered in the ledger that accounts for them.
type inputs struct {
	topic  string
	bodies [][]byte
	ledger *ledger
}

func newInputs(topic string) *inputs {
	return &inputs{topic: topic, ledger: newLedger()}
}

// add registers and keeps body unless one of its aliases is taken.
func (in *inputs) add(body []byte) bool {
	if !in.ledger.add(body) {
		return false
	}
	in.bodies = append(in.bodies, body)
	return true
}

// missing describes up to max inputs not accounted for yet.
func (in *inputs) missing(max int) []string {
	var out []string
	for _, i := range in.ledger.missing(max) {
		b := in.bodies[i]
		if len(b) > 120 {
			b = b[:120]
		}
		out = append(out, fmt.Sprintf("%s: %q (%d bytes)", in.topic, b, len(in.bodies[i])))
	}
	return out
}

// mustAdd adds a body the generator built to be unique.
func (in *inputs) mustAdd(body []byte) {
	if !in.add(body) {
		panic(fmt.Sprintf("chaos: input %.80q is not unique", body))
	}
}

// taggedNumber is a valid primality input whose "seq" tags it.
func taggedNumber(seq int) []byte {
	return fmt.Appendf(nil, `{"number":%d,"seq":%d}`, 1_000_000+seq, seq)
}

// taggedNumbers returns n tagged numbers.
func taggedNumbers(n int) *inputs {
	in := newInputs("numbers")
	for seq := range n {
		in.mustAdd(taggedNumber(seq))
	}
	return in
}

// maxMsgSize is nsqd's --max-msg-size in the suite (nsqd's default).
const maxMsgSize = 1 << 20

// poisonKinds are the oversized inputs of the poison scenario. nsqd
// accepts each (it is at most maxMsgSize), but for all except the last
// two neither the output nor the dead-letter record fits in a message.
var poisonKinds = []struct {
	name string
	make func(r *rand.Rand, seq int) []byte
}{
	{"number padded to 16 bytes under the limit (output over)", func(_ *rand.Rand, seq int) []byte {
		return paddedNumber(seq, maxMsgSize-16)
	}},
	{"random bytes at the limit (dead letter over)", func(r *rand.Rand, seq int) []byte {
		b := make([]byte, maxMsgSize)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		b[0] = 0xff // never valid UTF-8
		copy(b[1:], fmt.Appendf(nil, "poison-%d", seq))
		return b
	}},
	{"JSON array at the limit (dead letter over)", func(_ *rand.Rand, seq int) []byte {
		head := fmt.Appendf(nil, `[%d`, seq)
		b := make([]byte, 0, maxMsgSize)
		b = append(b, head...)
		for len(b)+3 <= maxMsgSize {
			b = append(b, ",1"...)
		}
		for len(b) < maxMsgSize-1 {
			b = append(b, ' ')
		}
		return append(b, ']')
	}},
	{"text of quotes whose escaped record is over", func(_ *rand.Rand, seq int) []byte {
		b := fmt.Appendf(nil, "poison-%d:", seq)
		return append(b, bytes.Repeat([]byte(`"\`), 300_000)...)
	}},
	{"number just under the limit (output fits)", func(_ *rand.Rand, seq int) []byte {
		return paddedNumber(seq, maxMsgSize-512)
	}},
	{"text just under the limit (dead letter fits)", func(_ *rand.Rand, seq int) []byte {
		b := fmt.Appendf(nil, "poison-%d:", seq)
		return append(b, bytes.Repeat([]byte("a"), maxMsgSize-1024-len(b))...)
	}},
}

// paddedNumber is a tagged prime padded to size bytes.
func paddedNumber(seq, size int) []byte {
	head := fmt.Appendf(nil, `{"number":97,"seq":%d,"pad":"`, seq)
	b := append(head, bytes.Repeat([]byte("x"), size-len(head)-2)...)
	return append(b, `"}`...)
}

// withPoison returns n tagged numbers with perKind inputs of every poison
// kind spread among them, and the number of poison inputs.
func withPoison(n, perKind int, seed uint64) (*inputs, int) {
	r := rand.New(rand.NewPCG(seed, 0x706f69736f6e))
	var poison [][]byte
	seq := n
	for _, k := range poisonKinds {
		for range perKind {
			poison = append(poison, k.make(r, seq))
			seq++
		}
	}
	in := newInputs("numbers")
	at := map[int][][]byte{}
	for _, p := range poison {
		i := r.IntN(n + 1)
		at[i] = append(at[i], p)
	}
	for i := 0; i <= n; i++ {
		for _, p := range at[i] {
			if !in.ledger.addMarked(p) {
				panic("chaos: poison input is not unique")
			}
			in.bodies = append(in.bodies, p)
		}
		if i < n {
			in.mustAdd(taggedNumber(i))
		}
	}
	return in, len(poison)
}

// fuzzer generates bodies deterministically from a seed.
type fuzzer struct {
	r   *rand.Rand
	seq int
}

func newFuzzer(seed, stream uint64) *fuzzer {
	return &fuzzer{r: rand.New(rand.NewPCG(seed, stream))}
}

func (f *fuzzer) nextSeq() int {
	f.seq++
	return f.seq
}

func (f *fuzzer) pick(xs ...string) string { return xs[f.r.IntN(len(xs))] }

// weighted is a body generator and how often the fuzzer picks it.
type weighted struct {
	weight int
	gen    func() []byte
}

// mix returns a generator that picks one of gens at random, by weight.
func (f *fuzzer) mix(gens []weighted) func() []byte {
	total := 0
	for _, g := range gens {
		total += g.weight
	}
	return func() []byte {
		w := f.r.IntN(total)
		for _, g := range gens {
			if w < g.weight {
				return g.gen()
			}
			w -= g.weight
		}
		return nil
	}
}

// maxFuzzTries bounds the attempts to draw a body whose aliases are free.
const maxFuzzTries = 100

// fill adds n bodies drawn by gen, skipping those that collide.
func fill(in *inputs, n int, gen func() []byte) {
	for len(in.bodies) < n {
		added := false
		for range maxFuzzTries {
			if b := gen(); len(b) > 0 && in.add(b) {
				added = true
				break
			}
		}
		if !added {
			panic("chaos: the fuzzer cannot find a new unique body")
		}
	}
}

// fuzzNumbers returns n fuzzed bodies for the numbers topic: valid and
// invalid numbers in objects and bare, random JSON, random bytes and text,
// edge whitespace, invalid UTF-8, deep nesting and huge numbers.
func fuzzNumbers(n int, seed uint64) *inputs {
	f := newFuzzer(seed, 0x6e756d62657273)
	in := newInputs("numbers")
	for _, b := range hugeNumbers(f) {
		if len(in.bodies) < n {
			in.mustAdd(b)
		}
	}
	gens := []weighted{
		{30, f.numberObject},
		{12, f.bareNumber},
		{12, f.invalidNumber},
		{12, func() []byte { return f.randJSON(4) }},
		{10, f.randBytes},
		{6, f.randText},
		{5, f.objectWithInvalidUTF8},
		{5, f.edgeWhitespace},
		{4, f.truncatedObject},
		{2, f.deepNesting},
		{1, f.mediumNumber},
	}
	fill(in, n, f.mix(gens))
	return in
}

// hugeNumbers are a few numbers at and over the stage's max_digits (2000):
// ones that are cheap to test at that size, and ones that are rejected.
func hugeNumbers(f *fuzzer) [][]byte {
	pow := func(b, e int64) string { return new(big.Int).Exp(big.NewInt(b), big.NewInt(e), nil).String() }
	m127 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1)).String()
	m521 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 521), big.NewInt(1)).String()
	return [][]byte{
		[]byte(pow(2, 6643)), // 2000 digits, all factors 2
		fmt.Appendf(nil, `{"number":"%s","seq":%d}`, pow(10, 1999), f.nextSeq()), // 2000 digits
		fmt.Appendf(nil, `{"number":%s,"seq":%d}`, m127, f.nextSeq()),
		[]byte(m521),
		[]byte(pow(10, 2000)), // 2001 digits: over max_digits
		fmt.Appendf(nil, `{"number":%s,"seq":%d}`, strings.Repeat("7", 5000), f.nextSeq()),
		[]byte(strings.Repeat("9", 100_000)),
	}
}

// digits returns a random decimal number of n digits (no leading zero).
func (f *fuzzer) digits(n int) string {
	b := make([]byte, n)
	b[0] = byte('1' + f.r.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + f.r.IntN(10))
	}
	return string(b)
}

// validNumber returns a JSON number or digit string the stage accepts.
func (f *fuzzer) validNumber() string {
	switch f.r.IntN(6) {
	case 0:
		return strconv.FormatUint(f.r.Uint64N(1_000_000), 10)
	case 1:
		return strconv.FormatUint(f.r.Uint64(), 10)
	case 2:
		return f.pick("0", "1", "2", "3", "4", "18446744073709551615", "18446744073709551616",
			"18446744073709551557", "9223372036854775807", "9223372036854775808", "4294967296", "4294967291")
	case 3:
		return `"` + strconv.FormatUint(f.r.Uint64N(1<<40), 10) + `"`
	default:
		return strconv.FormatUint(f.r.Uint64N(1<<32), 10)
	}
}

// space returns random JSON whitespace.
func (f *fuzzer) space() string {
	switch f.r.IntN(8) {
	case 0:
		return " "
	case 1:
		return "\n\t "
	case 2:
		return "\r\n"
	default:
		return ""
	}
}

// numberObject is an object with a number the stage accepts, a unique
// "seq" and sometimes more members, in random order and spacing.
func (f *fuzzer) numberObject() []byte {
	ms := []string{
		`"number"` + f.space() + ":" + f.space() + f.validNumber(),
		`"seq":` + strconv.Itoa(f.nextSeq()),
	}
	for range f.r.IntN(4) {
		switch f.r.IntN(4) {
		case 0:
			ms = append(ms, f.pick(`"prime":"maybe"`, `"factors":[1,2]`, `"input_id":"x"`, `"cofactor":7`, `"factors_complete":null`))
		case 1:
			ms = append(ms, `"note":"\u00e9\n\t\"quoted\" \ud83d\ude00 😀 \u2028"`)
		default:
			ms = append(ms, f.key()+":"+string(f.randJSON(3)))
		}
	}
	f.r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	return []byte(f.space() + "{" + f.space() + strings.Join(ms, ","+f.space()) + f.space() + "}" + f.space())
}

// key returns a random member name that is none of the names the aliases
// read.
func (f *fuzzer) key() string {
	return `"k` + strconv.Itoa(f.r.IntN(1000)) + f.pick("", "_x", "é", " ", `\"`) + `"`
}

// bareNumber is a bare integer body, sometimes with edge whitespace.
func (f *fuzzer) bareNumber() []byte {
	n := strconv.FormatUint(f.r.Uint64(), 10)
	if f.r.IntN(4) == 0 {
		n = f.digits(20 + f.r.IntN(4))
	}
	return []byte(f.pick("", " ", "\t", "\n", "\r\n", "  \n\t") + n + f.pick("", " ", "\n", "\r\n", "\t \n"))
}

// invalidNumber is a number the stage must reject, bare or in an object.
func (f *fuzzer) invalidNumber() []byte {
	d := f.digits(1 + f.r.IntN(12))
	v := f.pick("-"+d, d+".5", d+"e3", d+"E+3", "0"+d, "+"+d, "0x"+d, `"`+d+`a"`, `"-`+d+`"`,
		`" `+d+`"`, `"`+d+`.0"`, `"0`+d+`"`, `"`+d+`\u0030"`, "-0", "NaN", "Infinity", "null", "true",
		"false", "[]", "{}", `""`, `"١٢٣"`, `"１２"`, d+"_000", "-18446744073709551616", "1e400")
	if f.r.IntN(2) == 0 {
		return []byte(v)
	}
	seq := strconv.Itoa(f.nextSeq())
	switch f.r.IntN(5) {
	case 0:
		return []byte(`{"number":5,"number":7,"seq":` + seq + `}`)
	case 1:
		return []byte(`{"numb\u0065r":5,"seq":` + seq + `}`)
	case 2:
		return []byte(`{"seq":` + seq + `}`)
	default:
		return []byte(`{"number":` + v + `,"seq":` + seq + `}`)
	}
}

// randJSON returns a random JSON value nested at most depth levels.
func (f *fuzzer) randJSON(depth int) []byte {
	k := f.r.IntN(8)
	if depth <= 0 && k >= 6 {
		k = f.r.IntN(6)
	}
	switch k {
	case 0:
		return []byte(f.pick("null", "true", "false"))
	case 1:
		return []byte(strconv.FormatInt(f.r.Int64()-f.r.Int64(), 10))
	case 2:
		return []byte(strconv.FormatFloat(f.r.NormFloat64()*1e6, f.pick("e", "f", "g")[0], -1, 64))
	case 3, 4, 5:
		return []byte(f.jsonString())
	case 6:
		items := make([]string, f.r.IntN(5))
		for i := range items {
			items[i] = string(f.randJSON(depth - 1))
		}
		return []byte("[" + strings.Join(items, ",") + "]")
	default:
		ms := make([]string, f.r.IntN(5))
		for i := range ms {
			ms[i] = f.key() + ":" + string(f.randJSON(depth-1))
		}
		return []byte("{" + strings.Join(ms, ",") + "}")
	}
}

// jsonString returns a JSON string with escapes, non-ASCII and lone
// surrogate escapes.
func (f *fuzzer) jsonString() string {
	var b strings.Builder
	b.WriteByte('"')
	for range f.r.IntN(24) {
		b.WriteString(f.pick("a", "Z", "9", " ", `\n`, `\t`, `\"`, `\\`, `\/`, `\u0000`, `\u001f`,
			`\ud800`, `\udfff`, `\ud83d\ude00`, "é", "中", "😀", "\u2028", "\ufeff"))
	}
	b.WriteByte('"')
	return b.String()
}

// randBytes is 1 to 300 random bytes.
func (f *fuzzer) randBytes() []byte {
	b := make([]byte, 1+f.r.IntN(300))
	for i := range b {
		b[i] = byte(f.r.UintN(256))
	}
	return b
}

// randText is random valid UTF-8, control characters included.
func (f *fuzzer) randText() []byte {
	if f.r.IntN(200) == 0 {
		return []byte(strings.Repeat("long text "+strconv.Itoa(f.nextSeq())+" ", 10_000))
	}
	runes := []rune{'a', 'q', '0', '7', '-', '{', '}', '[', '"', '\\', ':', ',', ' ', '\n', 0, 1, 0x1f, 0x7f,
		'é', 'ß', '中', '😀', 0x2028, 0xfeff, 0xfffd, 0x10ffff}
	var b strings.Builder
	for range 1 + f.r.IntN(80) {
		b.WriteRune(runes[f.r.IntN(len(runes))])
	}
	return []byte(b.String())
}

// objectWithInvalidUTF8 is a numbers object with bytes that are not UTF-8
// in a string member.
func (f *fuzzer) objectWithInvalidUTF8() []byte {
	bad := f.pick("\xff", "\xfe\xfe", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80")
	return []byte(`{"number":` + f.validNumber() + `,"seq":` + strconv.Itoa(f.nextSeq()) + `,"s":"x` + bad + `y"}`)
}

// edgeWhitespace is a body that is all whitespace, or a number or object
// behind a byte-order mark, NUL, vertical tab, form feed or no-break
// space.
func (f *fuzzer) edgeWhitespace() []byte {
	switch f.r.IntN(3) {
	case 0:
		var b strings.Builder
		for range 1 + f.r.IntN(12) {
			b.WriteString(f.pick(" ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u2003"))
		}
		return []byte(b.String())
	case 1:
		return []byte(f.pick("\ufeff", "\x00", "\v", "\f", "\u00a0") + f.digits(1+f.r.IntN(18)) + f.pick("", "\x00", "\v"))
	default:
		return append([]byte(f.pick("\ufeff", "\v", "\f", "\u00a0")), f.numberObject()...)
	}
}

// truncatedObject is a numbers object cut short.
func (f *fuzzer) truncatedObject() []byte {
	b := f.numberObject()
	return b[:1+f.r.IntN(len(b)-1)]
}

// deepNesting is an array or object nested deeply, alone or as a member
// of a numbers object.
func (f *fuzzer) deepNesting() []byte {
	depth := []int{100, 1000, 5000, 9999, 10001, 50000}[f.r.IntN(6)]
	var nest string
	if f.r.IntN(2) == 0 {
		nest = strings.Repeat("[", depth) + strconv.Itoa(f.nextSeq()) + strings.Repeat("]", depth)
	} else {
		nest = strings.Repeat(`{"a":`, depth) + strconv.Itoa(f.nextSeq()) + strings.Repeat("}", depth)
	}
	if f.r.IntN(2) == 0 {
		return []byte(nest)
	}
	return []byte(`{"number":` + f.validNumber() + `,"seq":` + strconv.Itoa(f.nextSeq()) + `,"x":` + nest + `}`)
}

// mediumNumber is an integer of 20 to 28 digits, above 2^64, which the
// stage factors with its bounded search.
func (f *fuzzer) mediumNumber() []byte {
	return []byte(`{"number":` + f.digits(21+f.r.IntN(8)) + `,"seq":` + strconv.Itoa(f.nextSeq()) + `}`)
}

// wyndorLP is the README's model as LP text, which the LP fuzzer mutates.
const wyndorLP = `maximize
  profit: 300 Doors + 500 Windows
subject to
  plant1: Doors <= 4
  plant2: 2 Windows <= 12
  plant3: 3 Doors + 2 Windows <= 18
general
  Doors
end
`

// smallMPS is a small model in free MPS, which the LP fuzzer mutates.
const smallMPS = `NAME small
ROWS
 N obj
 L c1
 G c2
COLUMNS
 x obj 1 c1 1
 x c2 1
 y obj 2 c1 1
RHS
 rhs c1 4 c2 1
BOUNDS
 UP bnd y 3
ENDATA
`

// fuzzLP returns n fuzzed bodies for the lp_params topic: named, inline
// and text jobs with odd parameters, mutated LP and MPS text, and garbage.
func fuzzLP(n int, seed uint64) *inputs {
	f := newFuzzer(seed, 0x6c70)
	in := newInputs("lp_params")
	gens := []weighted{
		{25, f.namedJob},
		{20, f.inlineJob},
		{15, func() []byte { return f.textJob("lp", wyndorLP) }},
		{8, func() []byte { return f.textJob("mps", smallMPS) }},
		{7, f.oddJob},
		{8, func() []byte { return f.randJSON(4) }},
		{7, f.randBytes},
		{5, f.randText},
		{3, f.edgeWhitespace},
		{2, f.deepNesting},
	}
	fill(in, n, f.mix(gens))
	return in
}

// jobID returns a unique job id, usually a string.
func (f *fuzzer) jobID() string {
	seq := f.nextSeq()
	if f.r.IntN(10) == 0 {
		return strconv.Itoa(1_000_000 + seq)
	}
	return `"fz-` + strconv.Itoa(seq) + `"`
}

// namedJob is a wyndor job with odd parameters and options.
func (f *fuzzer) namedJob() []byte {
	ms := []string{`"id":` + f.jobID(), `"model":` + f.pick(`"wyndor"`, `"wyndor"`, `"wyndor"`, `"nope"`, `""`, `7`)}
	if f.r.IntN(5) > 0 {
		v := f.pick("500", "0", "-1", "1e3", "1.5", `"500"`, "null", "1e400", "123456789012345678901234567890", "true", "[1]")
		p := f.pick(`"profit_rate_windows"`, `"profit_rate_windows"`, `"nope"`, `""`)
		ms = append(ms, `"params":{`+p+`:`+v+`}`)
	}
	if f.r.IntN(4) == 0 {
		ms = append(ms, `"time_limit_ms":`+f.pick("1", "0", "-5", "1000000000", `"10"`, "60001", "2.5"))
	}
	if f.r.IntN(6) == 0 {
		ms = append(ms, `"relax":`+f.pick("true", "false", `"yes"`))
	}
	if f.r.IntN(10) == 0 {
		ms = append(ms, f.key()+`:1`)
	}
	f.r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	return []byte("{" + strings.Join(ms, ",") + "}")
}

// inlineJob is a small random inline model, sometimes malformed.
func (f *fuzzer) inlineJob() []byte {
	nv, nc := 1+f.r.IntN(4), f.r.IntN(4)
	coef := func() string { return strconv.Itoa(f.r.IntN(21) - 10) }
	bound := func() string { return f.pick("0", "1", "4", "-3", "null", `"inf"`, `"-inf"`, `"NaN"`, "1e300") }
	vars := make([]string, nv)
	obj := make([]string, nv)
	for i := range vars {
		name := `"x` + strconv.Itoa(i) + `"`
		v := `{"name":` + name
		if f.r.IntN(2) == 0 {
			v += `,"lo":` + bound()
		}
		if f.r.IntN(2) == 0 {
			v += `,"hi":` + bound()
		}
		if f.r.IntN(5) == 0 {
			v += `,"integer":true`
		}
		vars[i] = v + "}"
		obj[i] = name + ":" + coef()
	}
	cons := make([]string, nc)
	for i := range cons {
		var cs []string
		for j := range nv {
			if f.r.IntN(3) > 0 {
				cs = append(cs, `"x`+strconv.Itoa(j)+`":`+coef())
			}
		}
		if f.r.IntN(15) == 0 {
			cs = append(cs, `"ghost":1`)
		}
		cons[i] = `{"name":"c` + strconv.Itoa(i) + `","coefs":{` + strings.Join(cs, ",") + `},` +
			f.pick(`"<=":`, `">=":`, `"=":`, `"lo":`, `"hi":`, `"<":`) + strconv.Itoa(f.r.IntN(20)) + "}"
	}
	model := `{"sense":` + f.pick(`"max"`, `"min"`, `"maximize"`, `"up"`) +
		`,"objective":{` + strings.Join(obj, ",") + `},"variables":[` + strings.Join(vars, ",") +
		`],"constraints":[` + strings.Join(cons, ",") + `]}`
	return []byte(`{"id":` + f.jobID() + `,"model":` + model + `,"time_limit_ms":2000}`)
}

// textJob is an LP or MPS text job whose text is mutated at random.
func (f *fuzzer) textJob(format, text string) []byte {
	b := []byte(text)
	for range f.r.IntN(5) {
		i := f.r.IntN(len(b))
		switch f.r.IntN(3) {
		case 0:
			b = append(b[:i], b[i+1:]...)
		case 1:
			b[i] = f.pick("0", "9", "-", " ", "\n", "x", "e", "+", ":", "<", "=", "\x00", "é")[0]
		default:
			b = append(b[:i], append([]byte(f.pick(" 1e30 ", " -", "\n", " free ", " >= ", "$")), b[i:]...)...)
		}
	}
	t := jsonQuote(string(b))
	return []byte(`{"id":` + f.jobID() + `,"format":` + f.pick(`"`+format+`"`, `"`+format+`"`, `"xls"`, `null`) +
		`,"text":` + t + `,"time_limit_ms":2000}`)
}

// oddJob is a job object of the wrong shape.
func (f *fuzzer) oddJob() []byte {
	id := f.jobID()
	return []byte(f.pick(
		`{"id":`+id+`}`,
		`{"id":`+id+`,"model":"wyndor","format":"lp","text":"max\n obj: x\nend\n"}`,
		`{"id":`+id+`,"format":"lp"}`,
		`{"id":`+id+`,"format":"lp","text":7}`,
		`{"id":`+id+`,"model":{"sense":"max"},"params":{"a":1}}`,
		`{"id":`+id+`,"model":"wyndor","id":"again"}`,
		`{"id":[`+id+`],"model":"wyndor"}`,
	))
}

// jsonQuote returns s as a JSON string (bytes that are not UTF-8 become
// U+FFFD).
func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
