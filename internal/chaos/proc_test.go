package chaos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// service is a program the suite runs inside a namespace, started and
// restarted with the same command line, its output appended to a log.
type service struct {
	name string
	ns   string
	bin  string
	args []string
	env  []string // added to the environment (NSQFARM_* variables are dropped)
	log  string

	mu   sync.Mutex
	proc *proc
}

// proc is one run of a service.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// killGrace bounds the wait for a killed process to be reaped.
const killGrace = 10 * time.Second

// start runs the service with its output appended to the log.
func (s *service) start() error { return s.startWith(nil, nil) }

// startWith runs the service with the given standard input and output
// when not nil (the caller closes its copies of them) and /dev/null and the
// log otherwise. The process is started with `ip netns exec`, which
// switches namespace and execs the program, so the process ID is the
// program's own.
func (s *service) startWith(stdin, stdout *os.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && !s.proc.exited() {
		return fmt.Errorf("%s: already running", s.name)
	}
	f, err := os.OpenFile(s.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: log: %w", s.name, err)
	}
	fmt.Fprintf(f, "=== %s start: %s %s\n", time.Now().Format(time.RFC3339Nano), s.bin, strings.Join(s.args, " "))
	cmd := exec.Command("ip", append([]string{"netns", "exec", s.ns, s.bin}, s.args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Env = append(withoutNSQFarm(os.Environ()), s.env...)
	// A process the suite loses track of (the test binary killed) dies
	// with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("%s: start: %w", s.name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	s.proc = p
	return nil
}

// withoutNSQFarm returns env without the NSQFARM_* variables, so that only
// the command line configures the programs the suite starts.
func withoutNSQFarm(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NSQFARM_") {
			out = append(out, kv)
		}
	}
	return out
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// current returns the running process, or nil.
func (s *service) current() *proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.exited() {
		return nil
	}
	return s.proc
}

// signal sends sig to the running process.
func (s *service) signal(sig syscall.Signal) error {
	p := s.current()
	if p == nil {
		return fmt.Errorf("%s: not running", s.name)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("%s: %v: %w", s.name, sig, err)
	}
	return nil
}

// kill sends SIGKILL and waits for the process to go.
func (s *service) kill() error {
	p := s.current()
	if p == nil {
		return nil
	}
	_ = p.cmd.Process.Kill()
	return s.waitExit(p, killGrace)
}

// stop sends SIGTERM, waits up to grace for the process to exit, then
// kills it; it returns an error if the process had to be killed or exited
// with an error.
func (s *service) stop(grace time.Duration) error {
	p := s.current()
	if p == nil {
		return nil
	}
	// A stopped process would not act on SIGTERM.
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: SIGTERM: %w", s.name, err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("%s: exited after SIGTERM: %w%s", s.name, p.err, s.logTail())
		}
		return nil
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		_ = s.waitExit(p, killGrace)
		return fmt.Errorf("%s: still running %v after SIGTERM, killed%s", s.name, grace, s.logTail())
	}
}

func (s *service) waitExit(p *proc, limit time.Duration) error {
	select {
	case <-p.done:
		return nil
	case <-time.After(limit):
		return fmt.Errorf("%s: pid %d still there %v after SIGKILL", s.name, p.cmd.Process.Pid, limit)
	}
}

// wait waits up to limit for the running process to exit by itself and
// returns how it ended.
func (s *service) wait(limit time.Duration) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("%s: never started", s.name)
	}
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("%s: %w%s", s.name, p.err, s.logTail())
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("%s: still running after %v", s.name, limit)
	}
}

// logTailBytes is how much of a log's end an error quotes.
const logTailBytes = 1536

// logTail returns the end of the service's log, formatted to follow an
// error message.
func (s *service) logTail() string {
	b, err := os.ReadFile(s.log)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return fmt.Sprintf("\n--- end of %s ---\n%s", s.log, bytes.TrimSpace(b))
}
