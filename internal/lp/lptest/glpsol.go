package lptest

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// RunGLPSOL runs glpsol (Debian's glpk-utils) with args in dir, stopped
// after limit, and returns its output; on failure the error holds the end
// of the output.
func RunGLPSOL(dir string, limit time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "glpsol", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail := out[max(0, len(out)-500):]
		return out, fmt.Errorf("glpsol %s: %w\n%s", strings.Join(args, " "), err, tail)
	}
	return out, nil
}
