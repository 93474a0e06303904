package lpformat

import (
	"bytes"
	"fmt"
	"strings"
)

// kind classifies a token.
type kind int

const (
	tEOF    kind = iota
	tName        // variable, constraint or keyword name
	tNumber      // unsigned numeric literal
	tSign        // + or -
	tRel         // <=, >=, = (normalised)
	tColon       // :
	tStar        // *
	tSlash       // / (parameter expressions only)
	tLParen      // ( (parameter expressions only)
	tRParen      // ) (parameter expressions only)
)

// token is one lexical unit of LP text.
type token struct {
	kind kind
	text string // source text; for tRel the normalised operator
	line int
	col  int  // 1-based byte column of the token's first byte
	bol  bool // first token on its line
}

// String describes the token for error messages.
func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tName:
		return fmt.Sprintf("name %q", t.text)
	case tNumber:
		return "number " + t.text
	}
	return fmt.Sprintf("%q", t.text)
}

// lexer splits LP text into tokens.
type lexer struct {
	src       []byte
	text      string // src as a string, of which the tokens' texts are substrings
	pos       int
	line      int
	lineStart int  // offset of the current line's first byte
	endCol    int  // column just after the last token
	bol       bool // no token yet on the current line
	exprMode  bool // ( ) / are operators rather than name characters
	name      string
	toks      []token
}

// lex tokenises src. It also returns the model name found in a
// "\Problem name:" comment, if any.
func lex(src []byte, exprMode bool) ([]token, string, error) {
	lx := &lexer{src: src, text: string(src), line: 1, bol: true, exprMode: exprMode}
	lx.toks = make([]token, 0, estimateTokens(src))
	for {
		t, err := lx.next()
		if err != nil {
			return nil, "", err
		}
		if t.kind == tEOF {
			// Report errors at the end just after the last token.
			if n := len(lx.toks); n > 0 {
				t.line, t.col = lx.toks[n-1].line, lx.endCol
			}
			return append(lx.toks, t), lx.name, nil
		}
		lx.endCol = lx.col()
		lx.toks = append(lx.toks, t)
	}
}

// col returns the column of the current position.
func (lx *lexer) col() int { return lx.pos - lx.lineStart + 1 }

// errorf reports an error at the current position.
func (lx *lexer) errorf(format string, args ...any) error {
	return &SyntaxError{Line: lx.line, Column: lx.col(), Msg: fmt.Sprintf(format, args...)}
}

// next returns the next token, skipping blanks and comments.
func (lx *lexer) next() (token, error) {
	if err := lx.skip(); err != nil {
		return token{}, err
	}
	t := token{line: lx.line, col: lx.col(), bol: lx.bol}
	lx.bol = false
	if lx.pos >= len(lx.src) {
		t.kind = tEOF
		return t, nil
	}
	start := lx.pos
	c := lx.src[lx.pos]
	switch {
	case c == '+' || c == '-':
		lx.pos++
		t.kind = tSign
	case c == '<' || c == '>' || c == '=':
		t.kind = tRel
		t.text = lx.relation()
		return t, nil
	case c == ':':
		lx.pos++
		t.kind = tColon
	case c == '*':
		lx.pos++
		t.kind = tStar
	case lx.exprMode && c == '/':
		lx.pos++
		t.kind = tSlash
	case lx.exprMode && c == '(':
		lx.pos++
		t.kind = tLParen
	case lx.exprMode && c == ')':
		lx.pos++
		t.kind = tRParen
	case isDigit(c) || c == '.' && lx.pos+1 < len(lx.src) && isDigit(lx.src[lx.pos+1]):
		lx.number()
		t.kind = tNumber
	case lx.isNameChar(c) && c != '.':
		for lx.pos < len(lx.src) && lx.isNameChar(lx.src[lx.pos]) {
			lx.pos++
		}
		t.kind = tName
	case c == '[' || c == ']' || c == '^':
		return t, lx.errorf("unexpected %q: quadratic terms are not supported (expected a linear expression)", c)
	default:
		return t, lx.errorf(`unexpected character %q (expected a name, a number, an operator or a \ comment)`, c)
	}
	t.text = lx.text[start:lx.pos]
	return t, nil
}

// estimateTokens returns about the number of tokens of src, for the
// capacity of the token list: the runs of non-blank bytes, each at least
// one token, plus a margin for runs such as "c1:" that hold two.
func estimateTokens(src []byte) int {
	n, blank := 0, true
	for _, c := range src {
		switch c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			blank = true
		default:
			if blank {
				n++
			}
			blank = false
		}
	}
	return n + n/16 + 1
}

// skip advances over blanks, line breaks and comments.
func (lx *lexer) skip() error {
	for lx.pos < len(lx.src) {
		switch c := lx.src[lx.pos]; c {
		case '\n':
			lx.line++
			lx.bol = true
			lx.pos++
			lx.lineStart = lx.pos
		case ' ', '\t', '\r', '\f', '\v':
			lx.pos++
		case '\\':
			if err := lx.comment(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

// comment skips a comment starting at a backslash: "\* ... *\" may span
// lines, any other comment ends at the end of the line.
func (lx *lexer) comment() error {
	rest := lx.src[lx.pos+1:]
	if len(rest) > 0 && rest[0] == '*' {
		end := bytes.Index(rest[1:], []byte(`*\`))
		if end < 0 {
			return lx.errorf(`unterminated \* comment (expected *\ to close it)`)
		}
		if n := bytes.Count(rest[1:1+end], []byte{'\n'}); n > 0 {
			lx.line += n
			lx.bol = true
			lx.lineStart = lx.pos + 2 + bytes.LastIndexByte(rest[1:1+end], '\n') + 1
		}
		lx.pos += 1 + 1 + end + 2
		return nil
	}
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		end = len(rest)
	}
	lx.noteName(string(rest[:end]))
	lx.pos += 1 + end
	return nil
}

// noteName records the model name from a "\Problem name: NAME" comment.
func (lx *lexer) noteName(text string) {
	const prefix = "problem name:"
	text = strings.TrimSpace(text)
	if lx.name == "" && len(text) > len(prefix) && strings.EqualFold(text[:len(prefix)], prefix) {
		lx.name = strings.TrimSpace(text[len(prefix):])
	}
}

// relation scans a relational operator and returns it normalised to "<=",
// ">=" or "=".
func (lx *lexer) relation() string {
	c := lx.src[lx.pos]
	lx.pos++
	var d byte
	if lx.pos < len(lx.src) {
		d = lx.src[lx.pos]
	}
	switch {
	case c == '<' || c == '=' && d == '<':
		if c == '=' || d == '=' {
			lx.pos++
		}
		return "<="
	case c == '>' || c == '=' && d == '>':
		if c == '=' || d == '=' {
			lx.pos++
		}
		return ">="
	}
	return "="
}

// number scans digits [. digits] [e [sign] digits]; the exponent is only
// consumed when digits follow, so "2e" is the number 2 and the name "e".
func (lx *lexer) number() {
	for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
		lx.pos++
	}
	if lx.pos < len(lx.src) && lx.src[lx.pos] == '.' {
		lx.pos++
		for lx.pos < len(lx.src) && isDigit(lx.src[lx.pos]) {
			lx.pos++
		}
	}
	if lx.pos < len(lx.src) && (lx.src[lx.pos] == 'e' || lx.src[lx.pos] == 'E') {
		p := lx.pos + 1
		if p < len(lx.src) && (lx.src[p] == '+' || lx.src[p] == '-') {
			p++
		}
		if p < len(lx.src) && isDigit(lx.src[p]) {
			for p < len(lx.src) && isDigit(lx.src[p]) {
				p++
			}
			lx.pos = p
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isNameChar reports whether c may appear in a name: letters, digits, the
// punctuation CPLEX allows, and any non-ASCII byte.
func (lx *lexer) isNameChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c), c >= 0x80:
		return true
	case c == '(' || c == ')' || c == '/':
		return !lx.exprMode
	}
	return strings.IndexByte(`!"#$%&,.;?@_`+"`"+`'{}|~`, c) >= 0
}
