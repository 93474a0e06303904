package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Modules whose versions --version reports beside nsqfarm's.
const (
	nsqModule   = "github.com/nsqio/nsq"
	goNSQModule = "github.com/nsqio/go-nsq"
)

// version is nsqfarm's release, set when the binary is built for one
// (go build -ldflags "-X main.version=0.1.0", as deploy/Dockerfile does);
// empty, the version is the main module's from the build information.
var version string

// cmdVersion prints the versions of nsqfarm and of the NSQ modules built
// into it.
func cmdVersion(_ context.Context, args []string, e *env) error {
	fs := e.flags("version", "", "Print the version of nsqfarm, of the NSQ daemons it embeds (nsqd, nsqlookupd, nsqadmin) and of go-nsq, its client, as built into this binary.")
	if err := fs.noArgs(args); err != nil {
		return err
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Errorf("this binary carries no build information")
	}
	writeVersion(e.stdout, info)
	return nil
}

// writeVersion writes the module versions of info, one a line.
func writeVersion(w io.Writer, info *debug.BuildInfo) {
	v := info.Main.Version
	if version != "" {
		v = version
	}
	fmt.Fprintf(w, "nsqfarm %s", v)
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if revision != "" {
		fmt.Fprintf(w, " (commit %.12s%s)", revision, modified)
	}
	fmt.Fprintln(w)
	deps := map[string]string{}
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		deps[d.Path] = d.Version
	}
	for _, m := range []struct{ label, path string }{{"nsq", nsqModule}, {"go-nsq", goNSQModule}} {
		v, ok := deps[m.path]
		if !ok {
			v = "not built in"
		}
		fmt.Fprintf(w, "%-7s %s (%s)\n", m.label, v, m.path)
	}
	fmt.Fprintf(w, "%-7s %s %s/%s\n", "go", info.GoVersion, runtime.GOOS, runtime.GOARCH)
}
