package hopbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// child is a process started by the benchmark, its output going to a log
// file.
type child struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{} // closed when the process has exited
	waitErr error         // cmd.Wait's result, set before done is closed
}

// startChild starts bin with args, stdout and stderr appended to logPath.
// The child's environment is the benchmark's without the NSQFARM_*
// variables, so that nothing but the command line configures it.
func startChild(name, logPath, bin string, args ...string) (*child, error) {
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("hopbench: %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = childEnv(os.Environ())
	cmd.SysProcAttr = sysProcAttr()
	c := &child{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	c.started = time.Now()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("hopbench: start %s: %w", name, err)
	}
	go func() {
		c.waitErr = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

// childEnv returns env without the NSQFARM_* variables.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NSQFARM_") {
			out = append(out, kv)
		}
	}
	return out
}

// pid returns the child's process ID.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// exitError describes how the exited process ended, nil for status 0,
// with the tail of its log.
func (c *child) exitError() error {
	if c.waitErr == nil {
		return nil
	}
	return fmt.Errorf("%s: %w%s", c.name, c.waitErr, c.logTail())
}

// wait waits for the process to exit by itself and returns exitError. When
// ctx is done first, the process is stopped and ctx's cause returned.
func (c *child) wait(ctx context.Context, grace time.Duration) error {
	select {
	case <-c.done:
		return c.exitError()
	case <-ctx.Done():
		_ = c.stop(grace)
		return fmt.Errorf("%s: %w", c.name, context.Cause(ctx))
	}
}

// stop sends SIGTERM, waits up to grace for the process to exit, then
// kills it. It returns exitError, or an error saying it had to be killed.
func (c *child) stop(grace time.Duration) error {
	if c.exited() {
		return c.exitError()
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("hopbench: SIGTERM %s: %w", c.name, err)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
		return c.exitError()
	case <-t.C:
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("hopbench: %s still running %v after SIGTERM, killed%s", c.name, grace, c.logTail())
	}
}

// cpu returns the user and system CPU time of the exited process.
func (c *child) cpu() (user, sys time.Duration) {
	ps := c.cmd.ProcessState
	if ps == nil {
		return 0, 0
	}
	return ps.UserTime(), ps.SystemTime()
}

// logTailBytes is how much of a child's log end an error quotes.
const logTailBytes = 2048

// logTail returns the last lines of the child's log, formatted to follow an
// error message, or "" when the log is empty or unreadable.
func (c *child) logTail() string {
	f, err := os.Open(c.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	cut := false
	if fi, err := f.Stat(); err == nil && fi.Size() > logTailBytes {
		if _, err := f.Seek(-logTailBytes, io.SeekEnd); err != nil {
			return ""
		}
		cut = true
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	if i := bytes.IndexByte(b, '\n'); cut && i >= 0 {
		b = b[i+1:] // drop the partial first line
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	return fmt.Sprintf("\n--- end of %s ---\n%s", c.logPath, b)
}
