//go:build !unix

package thumbs

import "os/exec"

// killGroup leaves cmd as it is: CommandContext kills the process itself
// and WaitDelay bounds the wait for any children's pipes.
func killGroup(cmd *exec.Cmd) {}
