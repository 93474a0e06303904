package primality

import (
	"math/big"
	"strconv"
	"unicode/utf8"
)

// appendHead appends the start of the output object: the input object
// without its closing brace and without members named like an output
// field, or {"number":N for a bare integer body.
func (m *message) appendHead(dst []byte) []byte {
	if m.obj == nil {
		dst = append(dst, `{"number":`...)
		return append(dst, m.raw...)
	}
	if !m.hasReserved {
		return append(dst, m.obj[:len(m.obj)-1]...)
	}
	dst = append(dst, '{')
	first := true
	s := newMemberScanner(m.obj)
	for mem, ok := s.next(); ok; mem, ok = s.next() {
		if classifyKey(mem.key) == keyReserved {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, m.obj[mem.start:mem.end]...)
	}
	return dst
}

// appendPrime appends the "prime" field, preceded by a comma.
func appendPrime(dst []byte, prime bool) []byte {
	dst = append(dst, `,"prime":`...)
	return strconv.AppendBool(dst, prime)
}

// appendFactors64 appends the "factors" field: the factors as an array of
// decimal strings.
func appendFactors64(dst []byte, factors []uint64) []byte {
	dst = append(dst, `,"factors":[`...)
	for i, p := range factors {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, p, 10)
		dst = append(dst, '"')
	}
	return append(dst, ']')
}

// appendFactorsBig appends the "factors", "factors_complete" and, when
// incomplete, "cofactor" fields.
func appendFactorsBig(dst []byte, factors []*big.Int, cofactor *big.Int) []byte {
	dst = append(dst, `,"factors":[`...)
	for i, p := range factors {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = p.Append(dst, 10)
		dst = append(dst, '"')
	}
	dst = append(dst, `],"factors_complete":`...)
	dst = strconv.AppendBool(dst, cofactor == nil)
	if cofactor != nil {
		dst = append(dst, `,"cofactor":"`...)
		dst = cofactor.Append(dst, 10)
		dst = append(dst, '"')
	}
	return dst
}

// appendTail appends the "input_id" field and closes the object.
func appendTail(dst []byte, id string) []byte {
	dst = append(dst, `,"input_id":`...)
	dst = appendString(dst, id)
	return append(dst, '}')
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(dst, '"')
}
