package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nsqfarm/nsqfarm/internal/topology"
)

// usageError is a command-line mistake: exit status 2, with a pointer to
// the command's --help.
type usageError struct {
	cmd string // the command path ("publish numbers"); "" for the top level
	msg string
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError of the command cmd.
func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// flagSet is the flags of one command. Its numbers are range-checked, it
// answers -h and --help with the command's usage on stdout, and it reports
// every mistake as a usageError naming the flag.
type flagSet struct {
	*flag.FlagSet
	cmd      string // command path, as typed after "nsqfarm"
	synopsis string // arguments shown after the command path
	about    string // what the command does, printed under the usage line
	help     io.Writer
	hidden   map[string]bool // flags left out of the help (renamed ones)
	bad      error           // the value a flag's Set rejected
}

// newFlagSet returns the flag set of the command cmd; help receives the
// usage when -h or --help is given.
func newFlagSet(cmd, synopsis, about string, help io.Writer) *flagSet {
	f := &flagSet{
		FlagSet:  flag.NewFlagSet(cmd, flag.ContinueOnError),
		cmd:      cmd,
		synopsis: synopsis,
		about:    about,
		help:     help,
		hidden:   map[string]bool{},
	}
	// Errors are reported once, by the caller; the help only on request.
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	return f
}

// usagef returns a usageError of this command.
func (f *flagSet) usagef(format string, args ...any) error {
	return usagef(f.cmd, format, args...)
}

// parse parses args. It prints the usage and returns flag.ErrHelp for -h
// and --help, and a usageError for any other mistake.
func (f *flagSet) parse(args []string) error {
	err := f.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.printUsage(f.help)
		return flag.ErrHelp
	case f.bad != nil:
		return f.bad
	case err != nil:
		return f.usagef("%s", strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag --", 1))
	}
	return nil
}

// parseArg parses args holding exactly one positional argument, named
// what in messages, given before or after the flags.
func (f *flagSet) parseArg(args []string, what string) (string, error) {
	arg, err := f.parseOptionalArg(args, what)
	if err == nil && arg == "" {
		err = f.usagef("want exactly one %s", what)
	}
	return arg, err
}

// parseOptionalArg parses args holding at most one positional argument,
// given before or after the flags; it returns "" when there is none.
func (f *flagSet) parseOptionalArg(args []string, what string) (string, error) {
	var arg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	if err := f.parse(args); err != nil {
		return "", err
	}
	rest := f.Args()
	if arg == "" && len(rest) > 0 {
		arg, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return "", f.usagef("want exactly one %s, got %q and %q", what, arg, rest)
	}
	return arg, nil
}

// noArgs parses args, which must hold flags only.
func (f *flagSet) noArgs(args []string) error {
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return f.usagef("unexpected arguments %q", f.Args())
	}
	return nil
}

// isSet reports whether the flag name was given on the command line.
func (f *flagSet) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// printUsage writes the usage line, the description and every flag.
func (f *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: nsqfarm %s %s\n", f.cmd, f.synopsis)
	if f.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(f.about))
	}
	n := 0
	f.VisitAll(func(fl *flag.Flag) {
		if f.hidden[fl.Name] {
			return
		}
		if n == 0 {
			fmt.Fprintf(w, "\nFlags:\n")
		}
		n++
		typ, usage := flag.UnquoteUsage(fl)
		if k, ok := fl.Value.(interface{ kind() string }); ok {
			typ = k.kind()
		} else if typ == "value" {
			typ = "string"
		}
		fmt.Fprintf(w, "  %s", flagName(fl.Name))
		if typ != "" {
			fmt.Fprintf(w, " %s", typ)
		}
		fmt.Fprintf(w, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch fl.DefValue {
		case "", "0", "false", "0s":
		default:
			fmt.Fprintf(w, " (default %s)", fl.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// flagName writes a flag as the help and messages show it: -n, --topic.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// number is the type of a range-checked numeric flag.
type number interface{ int | int64 | float64 }

// rangeValue is a numeric flag that accepts values in [lo, hi] only.
type rangeValue[T number] struct {
	f      *flagSet
	name   string
	p      *T
	lo, hi T
}

// numberVar registers the numeric flag name, with default def, taking
// values from lo to hi; the help gives the range after usage.
func numberVar[T number](f *flagSet, p *T, name string, def, lo, hi T, usage string) {
	*p = def
	v := &rangeValue[T]{f: f, name: name, p: p, lo: lo, hi: hi}
	f.Var(v, name, usage+" ("+v.allowed()+")")
}

// numberFlag is numberVar returning the variable.
func numberFlag[T number](f *flagSet, name string, def, lo, hi T, usage string) *T {
	p := new(T)
	numberVar(f, p, name, def, lo, hi, usage)
	return p
}

// allowed describes the range.
func (v *rangeValue[T]) allowed() string {
	if v.hi == maxOf[T]() {
		return fmt.Sprintf("%v or more", v.lo)
	}
	return fmt.Sprintf("%v to %v", v.lo, v.hi)
}

// maxOf returns the largest value of T.
func maxOf[T number]() T {
	var x T
	switch any(x).(type) {
	case float64:
		inf := math.Inf(1)
		return T(inf)
	case int64:
		var m int64 = math.MaxInt64
		return T(m)
	default:
		m := math.MaxInt
		return T(m)
	}
}

func (v *rangeValue[T]) kind() string {
	var x T
	if _, ok := any(x).(float64); ok {
		return "float"
	}
	return "int"
}

func (v *rangeValue[T]) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return fmt.Sprint(*v.p)
}

// Set parses and range-checks one value.
func (v *rangeValue[T]) Set(s string) error {
	var x T
	switch any(x).(type) {
	case float64:
		fv, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(fv) || math.IsInf(fv, 0) {
			return v.reject(s, "not a number")
		}
		x = T(fv)
	default:
		iv, err := strconv.ParseInt(s, 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange), err == nil && int64(T(iv)) != iv:
			return v.reject(s, "out of range, want "+v.allowed())
		case err != nil:
			return v.reject(s, "not an integer")
		}
		x = T(iv)
	}
	if x < v.lo || x > v.hi {
		return v.reject(s, "out of range, want "+v.allowed())
	}
	*v.p = x
	return nil
}

// reject records a bad value for the flag set to report, naming the flag.
func (v *rangeValue[T]) reject(s, why string) error {
	return v.f.reject(v.name, s, why)
}

// reject records that the flag name refused value s, and returns the error
// the flag package passes on.
func (f *flagSet) reject(name, s, why string) error {
	if f.bad == nil {
		f.bad = f.usagef("%s %s: %s", flagName(name), s, why)
	}
	return f.bad
}

// durationValue is a duration flag that accepts values in [lo, hi] only.
type durationValue struct {
	f      *flagSet
	name   string
	p      *time.Duration
	lo, hi time.Duration
}

// durationFlag registers a range-checked duration flag.
func durationFlag(f *flagSet, name string, def, lo, hi time.Duration, usage string) *time.Duration {
	v := &durationValue{f: f, name: name, p: new(time.Duration), lo: lo, hi: hi}
	*v.p = def
	f.Var(v, name, fmt.Sprintf("%s (%v to %v)", usage, lo, hi))
	return v.p
}

func (v *durationValue) kind() string { return "duration" }

func (v *durationValue) String() string {
	if v == nil || v.p == nil {
		return "0s"
	}
	return v.p.String()
}

// Set parses and range-checks one duration.
func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return v.f.reject(v.name, s, "not a duration (for example 500ms, 10s, 2m)")
	}
	if d < v.lo || d > v.hi {
		return v.f.reject(v.name, s, fmt.Sprintf("out of range, want %v to %v", v.lo, v.hi))
	}
	*v.p = d
	return nil
}

// bigIntValue is an integer flag of any size, at least lo; nil until set.
type bigIntValue struct {
	f    *flagSet
	name string
	p    **big.Int
	lo   int64
}

// bigIntFlag registers an integer flag of any size, at least lo, unset
// (nil) by default.
func bigIntFlag(f *flagSet, name string, lo int64, usage string) **big.Int {
	v := &bigIntValue{f: f, name: name, p: new(*big.Int), lo: lo}
	f.Var(v, name, fmt.Sprintf("%s (an integer of any size, %d or more)", usage, lo))
	return v.p
}

func (v *bigIntValue) kind() string { return "int" }

func (v *bigIntValue) String() string {
	if v == nil || v.p == nil || *v.p == nil {
		return ""
	}
	return (*v.p).String()
}

// Set parses one integer.
func (v *bigIntValue) Set(s string) error {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return v.f.reject(v.name, s, "not an integer")
	}
	if n.Cmp(big.NewInt(v.lo)) < 0 {
		return v.f.reject(v.name, s, fmt.Sprintf("out of range, want %d or more", v.lo))
	}
	*v.p = n
	return nil
}

// choiceValue is a string flag that takes one of a few words.
type choiceValue struct {
	f       *flagSet
	name    string
	p       *string
	choices []string
}

// choiceFlag registers a flag taking one of choices.
func choiceFlag(f *flagSet, name, def string, choices []string, usage string) *string {
	v := &choiceValue{f: f, name: name, p: new(string), choices: choices}
	*v.p = def
	f.Var(v, name, fmt.Sprintf("%s: %s", usage, strings.Join(choices, ", ")))
	return v.p
}

func (v *choiceValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}

// Set accepts one of the choices.
func (v *choiceValue) Set(s string) error {
	for _, c := range v.choices {
		if s == c {
			*v.p = s
			return nil
		}
	}
	return v.f.reject(v.name, s, "want one of "+strings.Join(v.choices, ", "))
}

// logLevelFlag registers --log-level.
func logLevelFlag(f *flagSet, def string) *string {
	return choiceFlag(f, "log-level", def, []string{"debug", "info", "warn", "error"}, "log level")
}

// renamedValue is a flag that no longer exists; giving it is a usage error
// that says what replaced it.
type renamedValue struct {
	f    *flagSet
	name string
	why  string
}

// renamed registers the old flag name, hidden from the help, as an error
// saying why and what to use instead.
func renamed(f *flagSet, name, why string) {
	f.Var(&renamedValue{f: f, name: name, why: why}, name, why)
	f.hidden[name] = true
}

func (v *renamedValue) kind() string   { return "string" }
func (v *renamedValue) String() string { return "" }

// Set refuses any value.
func (v *renamedValue) Set(string) error {
	if v.f.bad == nil {
		v.f.bad = v.f.usagef("%s: %s", flagName(v.name), v.why)
	}
	return v.f.bad
}

// stringList is a repeatable string flag; comma-separated values are split.
type stringList []string

func (s *stringList) kind() string   { return "string" }
func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set appends one or more comma-separated values.
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

// envList returns the comma-separated values of an environment variable.
func envList(name string) stringList {
	var l stringList
	_ = l.Set(os.Getenv(name))
	return l
}

// envOr returns the environment variable name, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// listFlag registers a repeatable address flag that also reads the
// environment variable env.
func listFlag(f *flagSet, name, env, usage string) *stringList {
	l := envList(env)
	f.Var(&l, name, fmt.Sprintf("%s (repeatable; env %s)", usage, env))
	return &l
}

// lookupdFlag registers --lookupd-http-address, the nsqlookupds to
// discover nsqds through.
func lookupdFlag(f *flagSet) *stringList {
	return listFlag(f, "lookupd-http-address", "NSQFARM_LOOKUPD_HTTP_ADDRESS",
		"nsqlookupd HTTP address to discover nsqds through (default: the topology's lookupd_http_addresses, unless --nsqd-tcp-address is given)")
}

// nsqdTCPFlag registers --nsqd-tcp-address, nsqds to connect to; usage
// says what for.
func nsqdTCPFlag(f *flagSet, usage string) *stringList {
	return listFlag(f, "nsqd-tcp-address", "NSQFARM_NSQD_TCP_ADDRESS", usage)
}

// nsqdHTTPFlag registers --nsqd-http-address; usage says what for.
func nsqdHTTPFlag(f *flagSet, usage string) *stringList {
	return listFlag(f, "nsqd-http-address", "NSQFARM_NSQD_HTTP_ADDRESS", usage)
}

// configFlag registers --config. The value is "" when neither the flag
// nor NSQFARM_CONFIG is given: see loadConfig.
func configFlag(f *flagSet) *string {
	return f.String("config", os.Getenv("NSQFARM_CONFIG"),
		"topology file (env NSQFARM_CONFIG; default: ./"+topology.DefaultFile+" if it exists, else the built-in topology)")
}

// newLogger returns a text logger on w at level, one of the words
// logLevelFlag accepts.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// storeFlag registers --store, the URL of the results store; usage says
// what it is for and what the default is.
func storeFlag(f *flagSet, usage string) *string {
	return f.String("store", envOr("NSQFARM_STORE", ""), "results store: sqlite:PATH (or a file path) or postgres://user:pass@host:port/db; "+usage+" (env NSQFARM_STORE)")
}
