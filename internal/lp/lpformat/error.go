package lpformat

import "fmt"

// SyntaxError reports malformed LP text at a 1-based line number and, when
// known, a 1-based column (counted in bytes, as Go's tools count them).
// Msg names the offending token and what was expected instead.
type SyntaxError struct {
	Line   int
	Column int // 0 when unknown
	Msg    string
}

// Error formats the error as "line N, column C: message", or "line N:
// message" without a column.
func (e *SyntaxError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}
