// Package lpformat reads and writes linear and mixed-integer programs in the
// CPLEX LP text format, as written by CPLEX, GLPK (glpsol --wlp), Pyomo and
// PuLP.
//
// A file is a sequence of sections introduced by keywords. Keywords are
// case-insensitive and are only recognised as the first token of a line (and
// not when followed by a colon, which makes them a constraint name):
//
//	Maximize | Minimize          (also max, maximise, maximum, min, minimise, minimum)
//	 obj: 3 x + 2 y - 4 z + 10   (optional "name:", a constant term is allowed)
//	Subject To                   (also subject to, such that, st, s.t., st.)
//	 c1: x + y + z <= 10
//	 c2: -2.5e-1 x + y >= -3     (the right-hand side is a single constant)
//	 x - y = 0                   (unnamed constraints get the names c1, c2, ...)
//	 r1: -5 <= x + y <= 10       (ranged constraint: both operators in one direction)
//	 r2: 3 <= x                  (constant on the left)
//	 r3: x + 2 >= 5              (constants on the left are moved to the right)
//	Bounds                       (also bound)
//	 x <= 40
//	 -inf <= y <= +inf
//	 z free
//	 w = 3
//	 -3 <= v <= 5
//	General                      (also generals, gen, integer, integers)
//	 y z
//	Binary                       (also binaries, bin)
//	 b
//	End
//
// Expressions, including the objective, may span any number of lines. The
// relational operators are <=, =<, <, >=, =>, > and =; < and > mean <= and
// >=. Numbers may use scientific notation; "inf" and "infinity" (with an
// optional sign) denote infinite bounds and right-hand sides. A backslash
// starts a comment that runs to the end of the line, and \* ... *\ encloses a
// comment that may span lines. A comment "\Problem name: NAME" (as CPLEX
// writes it) sets the model name. An optional "*" may separate a coefficient
// from its variable ("2*x" or "2 * x").
//
// Variables are numbered in order of first appearance, so Write, which lists
// every variable in the objective (with a zero coefficient where needed),
// preserves the column order. Variables have the default bounds [0, +inf);
// Binary sets the bounds to [0, 1]; General keeps the bounds. Bounds are
// applied literally: "x <= -1" on a variable with the default lower bound 0
// leaves it infeasible, it does not free the lower bound. Repeated terms in
// one expression are summed and zero coefficients are dropped (the variable is
// still declared).
//
// A constraint that starts with a constant ("3 <= x + y") continues its
// expression for as long as further terms follow, across line breaks, so an
// unnamed constraint that begins with a sign right after such a constraint is
// read as part of it: name your constraints (Write always does).
//
// Quadratic terms, semi-continuous variables, SOS, lazy constraints and user
// cuts are not supported and are reported as errors.
//
// # Parameter expressions
//
// ReadOptions.Params enables an extension used by package template: a name
// listed in Params stands for its value wherever a number may appear, and a
// number may be an arithmetic expression of numbers and parameters with *, /
// and parentheses (+ and - inside parentheses), for example
//
//	max: 300 Doors + profit_rate_windows Windows
//	st
//	 cap: (hours - 2) * Doors + 2*Windows <= hours / 2
//
// In this mode parentheses and / are operators, so they cannot appear in
// variable names, and a parameter name cannot be used as a variable.
package lpformat
