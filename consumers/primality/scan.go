package primality

// This file walks JSON that json.Valid has accepted, so it does not check
// the syntax again.

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// trimSpace returns b without leading and trailing JSON whitespace.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// member is one name/value pair of a JSON object, as offsets into it.
type member struct {
	// start and end delimit the member with its surrounding whitespace:
	// from just after the preceding '{' or ',' to the following ',' or '}'.
	start, end int
	// key is the raw name between its quotes, escapes not decoded.
	key []byte
	// value is the raw value.
	value []byte
}

// memberScanner iterates over the top-level members of a valid JSON
// object.
type memberScanner struct {
	obj []byte // the object, from '{' to '}'
	pos int    // offset of the next member's start
}

// newMemberScanner returns a scanner over obj, a valid JSON object without
// surrounding whitespace.
func newMemberScanner(obj []byte) memberScanner {
	return memberScanner{obj: obj, pos: 1}
}

// next returns the next member, or false after the last one.
func (s *memberScanner) next() (member, bool) {
	if s.pos >= len(s.obj) {
		return member{}, false
	}
	m := member{start: s.pos}
	i := s.skipSpace(s.pos)
	if s.obj[i] == '}' { // an empty object
		s.pos = len(s.obj)
		return member{}, false
	}
	keyEnd := s.skipString(i)
	m.key = s.obj[i+1 : keyEnd-1]
	i = s.skipSpace(s.skipSpace(keyEnd) + 1) // past the ':'
	valueEnd := s.skipValue(i)
	m.value = s.obj[i:valueEnd]
	m.end = s.skipSpace(valueEnd) // at ',' or '}'
	s.pos = m.end + 1
	return m, true
}

// skipSpace returns the offset of the first non-space byte from i.
func (s *memberScanner) skipSpace(i int) int {
	for isSpace(s.obj[i]) {
		i++
	}
	return i
}

// skipString returns the offset just past the string starting at i.
func (s *memberScanner) skipString(i int) int {
	for i++; ; i++ {
		switch s.obj[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// skipValue returns the offset just past the value starting at i.
func (s *memberScanner) skipValue(i int) int {
	switch s.obj[i] {
	case '"':
		return s.skipString(i)
	case '{', '[':
		for depth := 0; ; {
			switch s.obj[i] {
			case '"':
				i = s.skipString(i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
	default: // number, true, false or null
		for i < len(s.obj) && !isSpace(s.obj[i]) && s.obj[i] != ',' && s.obj[i] != '}' && s.obj[i] != ']' {
			i++
		}
		return i
	}
}
