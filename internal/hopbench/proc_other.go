//go:build !linux

package hopbench

import (
	"syscall"
	"time"
)

// sysProcAttr returns nil: only Linux can tie a child's life to ours.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processCPU is unknown outside Linux.
func processCPU(int) (time.Duration, bool) { return 0, false }
