package lpformat

import (
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// section identifies what a section keyword introduces.
type section int

const (
	secNone section = iota
	secMinimize
	secMaximize
	secConstraints
	secBounds
	secGeneral
	secBinary
	secEnd
	secUnsupported
)

// keywords maps lower-case one-word section keywords to their section.
var keywords = map[string]section{
	"min": secMinimize, "minimize": secMinimize, "minimise": secMinimize, "minimum": secMinimize,
	"max": secMaximize, "maximize": secMaximize, "maximise": secMaximize, "maximum": secMaximize,
	"st": secConstraints, "s.t.": secConstraints, "st.": secConstraints,
	"bounds": secBounds, "bound": secBounds,
	"general": secGeneral, "generals": secGeneral, "gen": secGeneral,
	"integer": secGeneral, "integers": secGeneral,
	"binary": secBinary, "binaries": secBinary, "bin": secBinary,
	"end":  secEnd,
	"semi": secUnsupported, "semis": secUnsupported, "semi-continuous": secUnsupported,
	"sos": secUnsupported, "sos1": secUnsupported, "sos2": secUnsupported,
}

// pairKeywords maps two-word section keywords (first word to second word).
var pairKeywords = map[string]struct {
	second string
	sec    section
}{
	"subject": {"to", secConstraints},
	"such":    {"that", secConstraints},
	"lazy":    {"constraints", secUnsupported},
	"user":    {"cuts", secUnsupported},
}

// isInfinity reports whether a name denotes an infinite value.
func isInfinity(name string) bool {
	return strings.EqualFold(name, "inf") || strings.EqualFold(name, "infinity")
}

// Reserved reports whether name is a section keyword, "free" or an
// infinity. Such names cannot be written as variable or constraint names,
// because a reader could take them for a keyword or a value, nor serve as
// parameter names in parameter expressions.
func Reserved(name string) bool {
	lower := strings.ToLower(name)
	if _, ok := keywords[lower]; ok {
		return true
	}
	if _, ok := pairKeywords[lower]; ok {
		return true
	}
	return isInfinity(name) || lower == "free"
}

// sense maps an objective section to the optimisation direction.
func (s section) sense() lp.Sense {
	if s == secMaximize {
		return lp.Maximize
	}
	return lp.Minimize
}
