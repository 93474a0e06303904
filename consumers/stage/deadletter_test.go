package stage

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nsqio/go-nsq"
)

// nested returns n arrays nested in one another.
func nested(n int) []byte {
	return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
}

// nestedObject returns n objects nested in one another.
func nestedObject(n int) []byte {
	return []byte(strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1))
}

// deadLetterBodies are bodies whose records must keep them byte for byte,
// with the encoding each must get.
var deadLetterBodies = []struct {
	name, encoding string
	body           []byte
}{
	{"form feeds around a number", BodyText, []byte("\f339966391491\f")},
	{"vertical tab", BodyText, []byte("\v1")},
	{"no-break space", BodyText, []byte("\u00a01")},
	{"next line", BodyText, []byte("\u00851\u0085")},
	{"em space", BodyText, []byte("\u2003{}\u2003")},
	{"file separator edges", BodyText, []byte("\x1c{\"number\":7}\x1c")},
	{"unit separator edge", BodyText, []byte("7\x1f")},
	{"JSON whitespace around", BodyText, []byte(" {\"number\": 7}\n")},
	{"text", BodyText, []byte("xxx")},
	{"JSON string", BodyJSON, []byte(`"xxx"`)},
	{"JSON with inner whitespace", BodyJSON, []byte("{\"number\":\t7 ,\r\n \"a\": [ ] }")},
	{"no-break space in a string", BodyJSON, []byte("\"\u00a0\"")},
	{"line separator in a string", BodyJSON, []byte("\"<>&\u2028\u2029\"")},
	{"escaped surrogate pair", BodyJSON, []byte(`"\ud83d\uDE00"`)},
	{"lone high surrogate", BodyText, []byte(`{"a":"\ud800"}`)},
	{"lone low surrogate", BodyText, []byte(`"\udc00\ud800"`)},
	{"two high surrogates", BodyText, []byte(`"\ud800\ud800"`)},
	{"high surrogate at the end", BodyText, []byte(`["\uD800"]`)},
	{"escaped backslash before u", BodyJSON, []byte(`"\\ud800"`)},
	{"invalid UTF-8 in a JSON string", BodyBase64, []byte("{\"number\":\"\xff\"}")},
	{"truncated UTF-8 in a JSON string", BodyBase64, []byte("\"\xc3\"")},
	{"encoded surrogate", BodyBase64, []byte("\"\xed\xa0\x80\"")},
	{"nested 512 deep", BodyJSON, nested(MaxJSONDepth)},
	{"objects nested 512 deep", BodyJSON, nestedObject(MaxJSONDepth)},
	{"nested 513 deep", BodyText, nested(MaxJSONDepth + 1)},
	{"nested 10000 deep", BodyText, nested(10000)},
	{"nested 10001 deep", BodyText, nested(10001)},
	{"number beyond float64", BodyText, []byte(`{"number": 1e400}`)},
	{"integer of 400 digits", BodyText, []byte(strings.Repeat("9", 400))},
	{"number below float64", BodyJSON, []byte(`[1e-400]`)},
	{"empty", BodyText, []byte{}},
	{"NUL", BodyText, []byte{0}},
	{"binary", BodyBase64, []byte{0, 1, 2, 0xff, 0xfe, 0x80}},
	{"not JSON", BodyText, []byte("hello {world")},
	{"two values", BodyText, []byte(`{} {}`)},
}

// testMessage returns a message as go-nsq delivers it.
func testMessage(body []byte) *nsq.Message {
	m := nsq.NewMessage(nsq.MessageID([]byte("0a1b2c3d4e5f6a7b")), body)
	m.Attempts = 3
	m.NSQDAddress = "10.0.0.5:4150"
	return m
}

// testConfig returns the config of a stage whose nsqds take messages of
// up to maxSize bytes.
// recordTime is the dead-letter time of the tests that compare record
// sizes: the time field's length varies with the time (RFC 3339 drops
// trailing zeros of the fraction), so they use one.
var recordTime = time.Date(2026, 11, 22, 0, 19, 18, 992196183, time.UTC)

func testConfig(maxSize int) *Config {
	return &Config{Name: "primality", Topic: "numbers", Channel: "primality", MaxMsgSize: maxSize}
}

// roundTrip encodes body's records with the given message size limit,
// checks each one, and returns them decoded after checking that they give
// back body.
func roundTrip(t testing.TB, body []byte, reason error, maxSize int) []DeadLetter {
	t.Helper()
	c := testConfig(maxSize)
	now := time.Date(2026, 11, 22, 0, 19, 18, 992196183, time.UTC)
	recs, err := encodeDeadLetter(c, c.Topic, testMessage(body), reason, now)
	if err != nil {
		t.Fatalf("encode %q: %v", body, err)
	}
	decoded := make([]DeadLetter, len(recs))
	for i, rec := range recs {
		if len(rec) > maxSize {
			t.Fatalf("record %d of %d is %d bytes, over %d", i+1, len(recs), len(rec), maxSize)
		}
		var v any // json.Unmarshal checks json.Valid first
		if !utf8.Valid(rec) || stdjson.Unmarshal(rec, &v) != nil {
			t.Fatalf("record %d is not UTF-8 JSON that encoding/json decodes: %.300q", i+1, rec)
		}
		d := &decoded[i]
		if err := stdjson.Unmarshal(rec, d); err != nil {
			t.Fatal(err)
		}
		if d.Stage != "primality" || d.Topic != "numbers" || d.Channel != "primality" || d.Attempts != 3 ||
			d.InputID != InputID("10.0.0.5:4150", "numbers", testMessage(nil).ID) ||
			d.NSQMessageID != "0a1b2c3d4e5f6a7b" || d.NSQD != "10.0.0.5:4150" || d.Time != "2026-11-22T00:19:18.992196183Z" {
			t.Fatalf("record %d lost its metadata: %.300s", i+1, rec)
		}
		if len(recs) == 1 && (d.Part != 0 || d.Parts != 0) {
			t.Fatalf("whole record numbered part %d of %d", d.Part, d.Parts)
		}
		if len(recs) > 1 && (d.Part != i+1 || d.Parts != len(recs) || d.BodyEncoding != BodyBase64) {
			t.Fatalf("record %d of %d: part %d of %d, encoding %s", i+1, len(recs), d.Part, d.Parts, d.BodyEncoding)
		}
	}
	got, err := Reassemble(decoded)
	if err != nil {
		t.Fatalf("reassemble %q: %v", body, err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("reassembled %q, want %q", got, body)
	}
	return decoded
}

func TestDeadLetterKeepsBodyExactly(t *testing.T) {
	for _, tc := range deadLetterBodies {
		t.Run(tc.name, func(t *testing.T) {
			recs := roundTrip(t, tc.body, errors.New("bad input"), 1<<20)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			d := recs[0]
			if d.BodyEncoding != tc.encoding || d.Part != 0 || d.Parts != 0 {
				t.Fatalf("body_encoding %q part %d/%d, want %q in one record", d.BodyEncoding, d.Part, d.Parts, tc.encoding)
			}
			if tc.encoding == BodyJSON && !bytes.Equal(d.Body, tc.body) {
				t.Errorf("json body %q, want it verbatim: %q", d.Body, tc.body)
			}
			if got, err := d.Original(); err != nil || !bytes.Equal(got, tc.body) {
				t.Errorf("Original() = %q, %v", got, err)
			}
		})
	}
}

func TestDeadLetterTellsTextFromJSONString(t *testing.T) {
	text := roundTrip(t, []byte("xxx"), errors.New("e"), 1<<20)[0]
	str := roundTrip(t, []byte(`"xxx"`), errors.New("e"), 1<<20)[0]
	if string(text.Body) != `"xxx"` || string(str.Body) != `"xxx"` {
		t.Fatalf("bodies %s and %s", text.Body, str.Body)
	}
	if text.BodyEncoding != BodyText || str.BodyEncoding != BodyJSON {
		t.Fatalf("encodings %s and %s", text.BodyEncoding, str.BodyEncoding)
	}
}

func TestDeadLetterSplitsLargeBodies(t *testing.T) {
	big := bytes.Repeat([]byte(`{"number": 97} `), 700) // 10500 bytes
	tests := []struct {
		name    string
		body    []byte
		maxSize int // 0: one byte less than the whole record
		split   bool
		// encoding is that of a whole record.
		encoding string
	}{
		{"fits", big, 1 << 20, false, BodyText},
		{"control characters fit as base64, not as text", bytes.Repeat([]byte{1}, 2000), 8192, false, BodyBase64},
		{"split", big, 2048, true, ""},
		{"small limit", big, 1024, true, ""},
		{"binary", bytes.Repeat([]byte{0xff, 0}, 3000), 1500, true, ""},
		{"one byte over", bytes.Repeat([]byte("x"), 100), 0, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.maxSize == 0 {
				whole, err := encodeDeadLetter(testConfig(1<<20), "numbers", testMessage(tc.body), errors.New("too big"), recordTime)
				if err != nil {
					t.Fatal(err)
				}
				tc.maxSize = len(whole[0]) - 1
			}
			recs, err := encodeDeadLetter(testConfig(tc.maxSize), "numbers", testMessage(tc.body), errors.New("too big"), recordTime)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, tc.body, errors.New("too big"), tc.maxSize)
			if split := len(recs) > 1; split != tc.split {
				t.Fatalf("%d records", len(recs))
			}
			// Parts are full: each but the last within a few bytes (the
			// digits of its part number, base64 padding) of the limit.
			for i, rec := range recs[:len(recs)-1] {
				if len(rec) < tc.maxSize-8 {
					t.Errorf("part %d of %d is %d bytes, limit %d", i+1, len(recs), len(rec), tc.maxSize)
				}
			}
			var d DeadLetter
			if err := stdjson.Unmarshal(recs[0], &d); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Original(); tc.split == (err == nil) {
				t.Errorf("Original() of the first of %d records: %v", len(recs), err)
			}
			if !tc.split && d.BodyEncoding != tc.encoding {
				t.Errorf("body_encoding %s, want %s", d.BodyEncoding, tc.encoding)
			}
		})
	}
}

func TestReassembleRejectsIncompleteParts(t *testing.T) {
	recs := roundTrip(t, bytes.Repeat([]byte("x"), 3000), errors.New("e"), 1024)
	other := roundTrip(t, bytes.Repeat([]byte("y"), 3000), errors.New("e"), 1024)
	other[1].Time = "2026-11-22T00:19:19Z"
	moved := append([]DeadLetter(nil), recs...)
	moved[0].Part = 2
	tests := []struct {
		name string
		recs []DeadLetter
		want string
	}{
		{"none", nil, "no dead-letter records"},
		{"missing part", recs[1:], "records for"},
		{"repeated part", moved, "out of range or repeated"},
		{"another record's part", append(append([]DeadLetter(nil), recs[:1]...), other[1:len(recs)]...), "different records"},
		{"unknown encoding", []DeadLetter{{BodyEncoding: "hex"}}, `unknown body_encoding "hex"`},
		{"text that is not a string", []DeadLetter{{BodyEncoding: BodyText, Body: []byte("7")}}, "text body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Reassemble(tc.recs); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Reassemble: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestDeadLetterTruncatesLongErrors(t *testing.T) {
	long := strings.Repeat("é", 10000) // 20000 bytes
	d := roundTrip(t, []byte("x"), errors.New(long), 1<<20)[0]
	if len(d.Error) > maxErrorBytes || !strings.HasSuffix(d.Error, "(20000 bytes, truncated)") || !utf8.ValidString(d.Error) {
		t.Fatalf("error of %d bytes: ...%s", len(d.Error), d.Error[max(len(d.Error)-60, 0):])
	}
	small := roundTrip(t, []byte("x"), errors.New(strings.Repeat("\x01", 5000)), 1024)
	if len(small[0].Error) > 1024/16+len(" … (5000 bytes, truncated)") {
		t.Fatalf("error of %d bytes in a 1024-byte record", len(small[0].Error))
	}
}

func TestDeadLetterTooSmallLimit(t *testing.T) {
	whole, err := encodeDeadLetter(testConfig(1<<20), "numbers", testMessage(nil), errors.New("e"), recordTime)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body    []byte
		maxSize int
	}{
		{[]byte("hello"), 200},
		{nil, len(whole[0]) - 1}, // an empty body has no part to split
	} {
		recs, err := encodeDeadLetter(testConfig(tc.maxSize), "numbers", testMessage(tc.body), errors.New("e"), recordTime)
		want := fmt.Sprintf("does not fit the %d-byte message size limit", tc.maxSize)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("encode %q with a %d-byte limit: %d records, %v", tc.body, tc.maxSize, len(recs), err)
		}
	}
}

// deadLetterSamples returns the dead-letter records of every body of
// deadLetterBodies, with a message size limit of 1 MiB and of 1 KiB.
func deadLetterSamples(t *testing.T) [][]byte {
	var samples [][]byte
	for _, tc := range deadLetterBodies {
		for _, maxSize := range []int{1 << 20, 1024} {
			recs, err := encodeDeadLetter(testConfig(maxSize), "numbers", testMessage(tc.body), errors.New("bad\x01 input"), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			samples = append(samples, recs...)
		}
	}
	return samples
}

// FuzzEncodeDeadLetter checks that every body, with any error text and
// any message size limit from 1 KiB, gives records that are valid UTF-8
// JSON within the limit and that reassemble to the body byte for byte.
func FuzzEncodeDeadLetter(f *testing.F) {
	for _, tc := range deadLetterBodies {
		f.Add(tc.body, "bad input", uint16(0))
		f.Add(tc.body, "bad \xff\x01 input", uint16(100))
	}
	f.Add(bytes.Repeat([]byte("\x01"), 3000), strings.Repeat("\x01", 3000), uint16(1))
	f.Fuzz(func(t *testing.T, body []byte, reason string, size uint16) {
		maxSize := 1024 + int(size)
		if size == 0 {
			maxSize = 1 << 20
		}
		roundTrip(t, body, errors.New(reason), maxSize)
	})
}
