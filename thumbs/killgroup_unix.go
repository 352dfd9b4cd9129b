//go:build unix

package thumbs

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// killGroup starts cmd in its own process group and makes cancelling it
// kill the whole group, so that a tool's children (a wrapper script's
// sleep) do not outlive it holding its pipes open.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone // it exited as the context ended: not a failure
		}
		return err
	}
}
