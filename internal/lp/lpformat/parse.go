package lpformat

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// parser builds a model from the token list.
type parser struct {
	toks    []token
	pos     int
	params  map[string]float64
	expr    bool
	m       *lp.Model
	cols    map[string]int
	rows    map[string]int // explicitly named rows
	unnamed []int          // rows that need a default name
	e       linExpr        // the expression being parsed
	slot    []int          // per column: 1 + its position in e, or 0
}

// linExpr is a linear expression: a sum of variable terms and a constant.
type linExpr struct {
	cols     []int
	vals     []float64
	constant float64
	hasVars  bool // some variable appeared, even with a zero coefficient
}

func (p *parser) peek() token { return p.peekAt(0) }

func (p *parser) peekAt(k int) token {
	if p.pos+k < len(p.toks) {
		return p.toks[p.pos+k]
	}
	return p.toks[len(p.toks)-1] // tEOF
}

func (p *parser) advance() token {
	t := p.peek()
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// errorf reports an error at token t.
func (p *parser) errorf(t token, format string, args ...any) error {
	return &SyntaxError{Line: t.line, Column: t.col, Msg: fmt.Sprintf(format, args...)}
}

// sectionsExpected lists the sections that may follow the objective.
const sectionsExpected = "Subject To, Bounds, General, Binary or End"

// sectionAt reports the section keyword starting k tokens ahead, and how
// many tokens it spans.
func (p *parser) sectionAt(k int) (section, int) {
	t := p.peekAt(k)
	if t.kind != tName || !t.bol || p.peekAt(k+1).kind == tColon {
		return secNone, 0
	}
	lower := strings.ToLower(t.text)
	if s, ok := keywords[lower]; ok {
		return s, 1
	}
	if pk, ok := pairKeywords[lower]; ok {
		if n := p.peekAt(k + 1); n.kind == tName && strings.EqualFold(n.text, pk.second) {
			return pk.sec, 2
		}
	}
	return secNone, 0
}

// atSectionEnd reports whether the current section ends here.
func (p *parser) atSectionEnd() bool {
	if p.peek().kind == tEOF {
		return true
	}
	s, _ := p.sectionAt(0)
	return s != secNone
}

// file parses the whole model.
func (p *parser) file() error {
	sec, width := p.sectionAt(0)
	if sec != secMinimize && sec != secMaximize {
		return p.errorf(p.peek(), "expected Minimize or Maximize, found %v", p.peek())
	}
	p.m.Sense = sec.sense()
	p.pos += width
	if err := p.objective(); err != nil {
		return err
	}
	for {
		t := p.peek()
		if t.kind == tEOF {
			return nil
		}
		sec, width := p.sectionAt(0)
		p.pos += width
		var err error
		switch sec {
		case secConstraints:
			err = p.constraints()
		case secBounds:
			err = p.bounds()
		case secGeneral, secBinary:
			err = p.integers(sec == secBinary)
		case secEnd:
			if t := p.peek(); t.kind != tEOF {
				return p.errorf(t, "unexpected %v after End (expected nothing: End closes the model)", t)
			}
			return nil
		case secMinimize, secMaximize:
			return p.errorf(t, "unexpected %v: a model has only one objective (expected %s)", t, sectionsExpected)
		case secUnsupported:
			return p.errorf(t, "section %q is not supported (expected %s)", t.text, sectionsExpected)
		default:
			return p.errorf(t, "expected a section keyword (%s), found %v", sectionsExpected, t)
		}
		if err != nil {
			return err
		}
	}
}

// objective parses "[name:] expression" after the sense keyword.
func (p *parser) objective() error {
	if t := p.peek(); t.kind == tName && p.peekAt(1).kind == tColon {
		p.m.ObjName = strings.Clone(t.text)
		p.pos += 2
	}
	if p.atSectionEnd() {
		return nil
	}
	start := p.peek()
	if err := p.expression(); err != nil {
		return err
	}
	for k, j := range p.e.cols {
		if !isFinite(p.e.vals[k]) {
			return p.errorf(start, "objective coefficient of %q is not finite (expected coefficients that add up to a finite number)", p.m.Vars[j].Name)
		}
		p.m.Vars[j].Obj = p.e.vals[k]
	}
	p.m.ObjConst = p.e.constant
	if !p.atSectionEnd() {
		return p.errorf(p.peek(), "expected + or - or a section keyword, found %v", p.peek())
	}
	return nil
}

// constraints parses the Subject To section.
func (p *parser) constraints() error {
	for !p.atSectionEnd() {
		if err := p.constraint(); err != nil {
			return err
		}
	}
	return nil
}

// constraint parses one constraint: "[name:] expr op constant",
// "[name:] constant op expr" or "[name:] constant op expr op constant".
func (p *parser) constraint() error {
	first := p.peek()
	name := ""
	if first.kind == tName && p.peekAt(1).kind == tColon {
		name = first.text
		p.pos += 2
	}
	if err := p.expression(); err != nil {
		return err
	}
	lhsConst, lhsVars := p.e.constant, p.e.hasVars
	op1 := p.advance()
	if op1.kind != tRel {
		return p.errorf(op1, "expected constraint operator, found %v", op1)
	}
	if lhsVars {
		rhs, err := p.signedValue()
		if err != nil {
			return err
		}
		lo, hi := relBounds(op1.text, rhs-lhsConst)
		return p.addRow(name, first, lo, hi)
	}
	// The constraint starts with a constant: constant op expr [op constant].
	if err := p.expression(); err != nil {
		return err
	}
	if !p.e.hasVars {
		return p.errorf(first, "constraint has no variables (expected a variable on one side of %q)", op1.text)
	}
	c := lhsConst - p.e.constant
	op2 := p.peek()
	if op2.kind != tRel {
		lo, hi := relBounds(flip(op1.text), c)
		return p.addRow(name, first, lo, hi)
	}
	p.pos++
	if op1.text != op2.text || op1.text == "=" {
		return p.errorf(op2, "a ranged constraint needs two <= or two >= operators, found %q and %q", op1.text, op2.text)
	}
	rhs, err := p.signedValue()
	if err != nil {
		return err
	}
	rhs -= p.e.constant
	if op1.text == "<=" {
		return p.addRow(name, first, c, rhs)
	}
	return p.addRow(name, first, rhs, c)
}

// relBounds turns "expr op v" into row bounds.
func relBounds(op string, v float64) (lo, hi float64) {
	switch op {
	case "<=":
		return -lp.Inf, v
	case ">=":
		return v, lp.Inf
	}
	return v, v
}

// flip mirrors a relational operator: "c <= x" is "x >= c".
func flip(op string) string {
	switch op {
	case "<=":
		return ">="
	case ">=":
		return "<="
	}
	return op
}

// addRow appends a row with the current expression's terms.
func (p *parser) addRow(name string, at token, lo, hi float64) error {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 1) || math.IsInf(hi, -1) {
		return p.errorf(at, "invalid right-hand side: the constraint's bounds would be [%v, %v] (expected a finite number)", lo, hi)
	}
	i := len(p.m.Rows)
	name = strings.Clone(name) // not a substring of the whole source text
	if name != "" {
		if _, dup := p.rows[name]; dup {
			return p.errorf(at, "duplicate constraint name %q (expected a name not used before)", name)
		}
		p.rows[name] = i
	} else {
		p.unnamed = append(p.unnamed, i)
	}
	p.m.Rows = append(p.m.Rows, lp.Row{Name: name, Lo: lo, Hi: hi})
	for k, j := range p.e.cols {
		v := p.e.vals[k]
		if !isFinite(v) {
			return p.errorf(at, "coefficient of %q is not finite (expected coefficients that add up to a finite number)", p.m.Vars[j].Name)
		}
		if v != 0 {
			p.m.Coefs = append(p.m.Coefs, lp.Coef{Row: i, Col: j, Val: v})
		}
	}
	return nil
}

// nameRows gives unnamed rows the name "c<index>" (1-based), avoiding
// names already in use.
func (p *parser) nameRows() {
	for _, i := range p.unnamed {
		name := "c" + strconv.Itoa(i+1)
		for {
			if _, taken := p.rows[name]; !taken {
				break
			}
			name += "_"
		}
		p.rows[name] = i
		p.m.Rows[i].Name = name
	}
}

// bounds parses the Bounds section.
func (p *parser) bounds() error {
	for !p.atSectionEnd() {
		if err := p.bound(); err != nil {
			return err
		}
	}
	return nil
}

// bound parses "x op v", "x free", "v op x" or "v op x op v".
func (p *parser) bound() error {
	if t := p.peek(); t.kind == tName && !p.isValueStart(t) {
		p.pos++
		j, err := p.variable(t)
		if err != nil {
			return err
		}
		if n := p.peek(); n.kind == tName && strings.EqualFold(n.text, "free") {
			p.pos++
			p.m.Vars[j].Lo, p.m.Vars[j].Hi = -lp.Inf, lp.Inf
			return nil
		}
		op := p.advance()
		if op.kind != tRel {
			return p.errorf(op, "expected <=, >=, = or free after %q, found %v", t.text, op)
		}
		v, err := p.signedValue()
		if err != nil {
			return err
		}
		return p.setBound(j, op, op.text, v)
	}
	v1, err := p.signedValue()
	if err != nil {
		return err
	}
	op1 := p.advance()
	if op1.kind != tRel {
		return p.errorf(op1, "expected bound operator, found %v", op1)
	}
	t := p.advance()
	if t.kind != tName || p.isValueStart(t) {
		return p.errorf(t, "expected a variable name, found %v", t)
	}
	j, err := p.variable(t)
	if err != nil {
		return err
	}
	if err := p.setBound(j, op1, flip(op1.text), v1); err != nil {
		return err
	}
	if op2 := p.peek(); op2.kind == tRel {
		p.pos++
		v2, err := p.signedValue()
		if err != nil {
			return err
		}
		return p.setBound(j, op2, op2.text, v2)
	}
	return nil
}

// setBound applies "x op v" to variable j.
func (p *parser) setBound(j int, at token, op string, v float64) error {
	x := &p.m.Vars[j]
	switch {
	case math.IsNaN(v):
		return p.errorf(at, "bound of %q is not a number (expected a number or an infinity)", x.Name)
	case op == "<=" && !math.IsInf(v, -1):
		x.Hi = v
	case op == ">=" && !math.IsInf(v, 1):
		x.Lo = v
	case op == "=" && isFinite(v):
		x.Lo, x.Hi = v, v
	default:
		return p.errorf(at, "invalid bound %q %s %v (expected a finite number, -inf for a lower bound or +inf for an upper bound)", x.Name, op, v)
	}
	return nil
}

// integers parses the names of a General or Binary section.
func (p *parser) integers(binary bool) error {
	for !p.atSectionEnd() {
		t := p.advance()
		if t.kind != tName || p.isValueStart(t) {
			return p.errorf(t, "expected a variable name, found %v", t)
		}
		j, err := p.variable(t)
		if err != nil {
			return err
		}
		x := &p.m.Vars[j]
		x.Integer = true
		if binary {
			x.Lo, x.Hi = 0, 1
		}
	}
	return nil
}

// variable returns the index of the variable named by t, creating it with
// the default bounds [0, +inf) on first use.
func (p *parser) variable(t token) (int, error) {
	if j, ok := p.cols[t.text]; ok {
		return j, nil
	}
	if isInfinity(t.text) {
		return 0, p.errorf(t, "%q cannot be used as a variable name: it means infinity (expected a variable name)", t.text)
	}
	j := len(p.m.Vars)
	name := strings.Clone(t.text) // not a substring of the whole source text
	p.cols[name] = j
	p.m.Vars = append(p.m.Vars, lp.Var{Name: name, Hi: lp.Inf})
	p.slot = append(p.slot, 0)
	return j, nil
}

// expression parses a sum of terms into p.e. Every term but the first must
// start with a sign; the expression ends at the first token that cannot
// continue it.
func (p *parser) expression() error {
	for _, j := range p.e.cols {
		p.slot[j] = 0
	}
	p.e = linExpr{cols: p.e.cols[:0], vals: p.e.vals[:0]}
	for first := true; first || p.peek().kind == tSign; first = false {
		sign := 1.0
		for p.peek().kind == tSign {
			if p.advance().text == "-" {
				sign = -sign
			}
		}
		if err := p.term(sign); err != nil {
			return err
		}
	}
	return nil
}

// term parses "[coefficient [*]] variable" or a constant.
func (p *parser) term(sign float64) error {
	t := p.peek()
	if p.isVarAt(0) {
		p.pos++
		if err := p.nanCoefficient(t); err != nil {
			return err
		}
		return p.addTerm(t, sign)
	}
	if !p.isValueStart(t) {
		return p.errorf(t, "expected a term, found %v", t)
	}
	v, err := p.value()
	if err != nil {
		return err
	}
	if star := p.peek(); star.kind == tStar {
		p.pos++
		if !p.isVarAt(0) {
			return p.errorf(p.peek(), "expected a variable after *, found %v", p.peek())
		}
	}
	if p.isVarAt(0) {
		name := p.advance()
		if !isFinite(v) {
			return p.errorf(t, "coefficient of %q is not finite (expected a finite number)", name.text)
		}
		return p.addTerm(name, sign*v)
	}
	if !isFinite(v) {
		return p.errorf(t, "constant term is not finite (expected a finite number)")
	}
	p.e.constant += sign * v
	return nil
}

// addTerm adds coef times the variable named by t to p.e.
func (p *parser) addTerm(t token, coef float64) error {
	j, err := p.variable(t)
	if err != nil {
		return err
	}
	p.e.hasVars = true
	if s := p.slot[j]; s > 0 {
		p.e.vals[s-1] += coef
		return nil
	}
	p.e.cols = append(p.e.cols, j)
	p.e.vals = append(p.e.vals, coef)
	p.slot[j] = len(p.e.cols)
	return nil
}

// isVarAt reports whether the token k ahead names a variable in an
// expression: a name that is not a value, a section keyword or a
// constraint label.
func (p *parser) isVarAt(k int) bool {
	t := p.peekAt(k)
	if t.kind != tName || p.isValueStart(t) || p.peekAt(k+1).kind == tColon {
		return false
	}
	s, _ := p.sectionAt(k)
	return s == secNone
}

// isValueStart reports whether t can start a number: a literal, an
// infinity, and with parameter expressions a parameter or "(".
func (p *parser) isValueStart(t token) bool {
	switch t.kind {
	case tNumber:
		return true
	case tName:
		if isInfinity(t.text) {
			return true
		}
		_, ok := p.params[t.text]
		return ok
	case tLParen:
		return p.expr
	}
	return false
}

// signedValue parses "[sign...] value".
func (p *parser) signedValue() (float64, error) {
	sign := 1.0
	for p.peek().kind == tSign {
		if p.advance().text == "-" {
			sign = -sign
		}
	}
	v, err := p.value()
	return sign * v, err
}

// value parses a number: a literal or infinity, or with parameter
// expressions a product of factors.
func (p *parser) value() (float64, error) {
	if !p.expr {
		return p.atom()
	}
	return p.product()
}

// atom parses a literal, an infinity or a parameter name.
func (p *parser) atom() (float64, error) {
	t := p.advance()
	switch {
	case t.kind == tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return 0, p.errorf(t, "number %s is out of range (expected a finite number, at most about 1.8e308 in magnitude)", t.text)
		}
		return v, nil
	case t.kind == tName && isInfinity(t.text):
		return lp.Inf, nil
	case t.kind == tName:
		if v, ok := p.params[t.text]; ok {
			return v, nil
		}
	}
	if isNaN(t) {
		return 0, p.errorf(t, "expected a number, found name %q: NaN is not a valid number (expected a finite number or an infinity)", t.text)
	}
	return 0, p.errorf(t, "expected a number, found %v", t)
}

// isNaN reports whether t spells NaN, which ParseFloat would take for a
// number but which is no valid coefficient, bound or right-hand side.
func isNaN(t token) bool { return t.kind == tName && strings.EqualFold(t.text, "nan") }

// nanCoefficient rejects the name "nan" at t when it stands where a
// coefficient does: followed by "*", a number or a variable. Elsewhere
// "nan" is an ordinary variable name.
func (p *parser) nanCoefficient(t token) error {
	if !isNaN(t) {
		return nil
	}
	if next := p.peek(); next.kind == tStar || next.kind == tNumber || p.isVarAt(0) {
		return p.errorf(t, "%q is not a valid coefficient: NaN is not a number (expected a finite number before %v)", t.text, next)
	}
	return nil
}

// product parses factor {("*" | "/") factor}. A "*" followed by a variable
// is left for the term: it separates the coefficient from the variable.
func (p *parser) product() (float64, error) {
	v, err := p.factor()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		if op.kind != tStar && op.kind != tSlash || !p.isValueStart(p.peekAt(1)) {
			return v, nil
		}
		p.pos++
		f, err := p.factor()
		if err != nil {
			return 0, err
		}
		if op.kind == tStar {
			v *= f
			continue
		}
		if f == 0 {
			return 0, p.errorf(op, "division by zero (expected a nonzero divisor after \"/\")")
		}
		v /= f
	}
}

// factor parses an atom, a signed factor or a parenthesised sum.
func (p *parser) factor() (float64, error) {
	switch t := p.peek(); t.kind {
	case tSign:
		p.pos++
		f, err := p.factor()
		if t.text == "-" {
			f = -f
		}
		return f, err
	case tLParen:
		p.pos++
		v, err := p.sum()
		if err != nil {
			return 0, err
		}
		if r := p.advance(); r.kind != tRParen {
			return 0, p.errorf(r, "expected ), found %v", r)
		}
		return v, nil
	}
	return p.atom()
}

// sum parses product {("+" | "-") product} inside parentheses.
func (p *parser) sum() (float64, error) {
	v, err := p.product()
	if err != nil {
		return 0, err
	}
	for p.peek().kind == tSign {
		op := p.advance()
		w, err := p.product()
		if err != nil {
			return 0, err
		}
		if op.text == "-" {
			v -= w
		} else {
			v += w
		}
	}
	return v, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
