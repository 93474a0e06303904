package lpformat

import "fmt"

// SyntaxError reports malformed LP text at a 1-based line number.
type SyntaxError struct {
	Line int
	Msg  string
}

// Error formats the error as "line N: message".
func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }
