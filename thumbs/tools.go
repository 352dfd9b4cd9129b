package thumbs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Limits on one run of an external tool.
const (
	maxToolOutput = 256 << 20 // bytes of stdout (or of an output file)
	maxToolStderr = 4 << 10   // the tail of stderr kept for the error
	toolWaitDelay = 2 * time.Second
)

// toolInfo describes an external renderer for messages and `archive doctor`.
// New fills them in.
type toolInfo struct {
	name, pkg   string   // the command and the Debian package that provides it
	without     string   // what is lost when it is missing
	versionArgs []string // the arguments that make it print its version
}

// tool is an external renderer as New found it.
type tool struct {
	toolInfo
	path string // absolute; "" when missing
}

// newTool resolves the tool at override, or its name in $PATH.
func newTool(info toolInfo, override string) tool {
	p := override
	if p == "" {
		p = info.name
	}
	t := tool{toolInfo: info}
	if found, err := exec.LookPath(p); err == nil {
		if abs, err := filepath.Abs(found); err == nil {
			t.path = abs
		}
	}
	return t
}

// ToolStatus is what `archive doctor` reports about one external tool.
type ToolStatus struct {
	Name    string `json:"name"`
	Package string `json:"package"` // the Debian package that provides it
	Path    string `json:"path,omitempty"`
	Version string `json:"version,omitempty"`
	Found   bool   `json:"found"`
	Without string `json:"without"` // what is lost without it
}

// Tools reports the external tools, found or missing, with their versions.
func (r *Renderer) Tools(ctx context.Context) []ToolStatus {
	var out []ToolStatus
	for _, t := range []*tool{&r.ffmpeg, &r.ffprobe, &r.pdftoppm, &r.heifConvert} {
		st := ToolStatus{Name: t.name, Package: t.pkg, Path: t.path, Found: t.path != "", Without: t.without}
		if st.Found {
			stdout, stderr, _ := r.run(ctx, t, t.versionArgs...) // -h exits non-zero on some versions
			st.Version = versionOf(stdout, stderr)
		}
		out = append(out, st)
	}
	return out
}

// versionOf finds "version X" or "version: X" in a tool's output and
// returns X, or the first line when there is no such word.
func versionOf(stdout []byte, stderr string) string {
	text := string(stdout) + "\n" + stderr
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if w := strings.ToLower(f[i]); w == "version" || w == "version:" {
				return f[i+1]
			}
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return first
}

// toolInput is how an original's path goes on a tool's command line:
// absolute, so that it cannot be read as an option. An original that is
// not there is an error, as it is for photos, not the tool's failure.
func toolInput(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("thumbs: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("thumbs: %w", err)
	}
	return abs, nil
}

var (
	errToolTimeout = errors.New("timeout")
	errToolOutput  = errors.New("output too large")
)

// run runs t with args (no shell) under the Renderer's semaphore and the
// tool timeout, and returns its stdout and the tail of its stderr. A tool
// that is missing, fails, hangs or floods stdout comes back as a
// placeholder *skip whose warning carries the stderr; cancelling ctx
// kills the tool and returns ctx.Err().
func (r *Renderer) run(ctx context.Context, t *tool, args ...string) (stdout []byte, stderr string, err error) {
	if t.path == "" {
		return nil, "", placeholderf("thumbs: %s not found (apt install %s)", t.name, t.pkg)
	}
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	limited, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	tctx, cancel := context.WithTimeoutCause(limited, r.opts.ToolTimeout, errToolTimeout)
	defer cancel()

	out := &boundedBuffer{max: maxToolOutput, full: func() { stop(errToolOutput) }}
	tail := &tailBuffer{max: maxToolStderr}
	cmd := exec.CommandContext(tctx, t.path, args...)
	cmd.Stdout, cmd.Stderr = out, tail
	cmd.WaitDelay = toolWaitDelay
	killGroup(cmd)
	err = cmd.Run()
	stderr = tail.String()
	if err == nil {
		return out.Bytes(), stderr, nil
	}
	if ctx.Err() != nil {
		return nil, stderr, ctx.Err()
	}
	switch cause := context.Cause(tctx); {
	case errors.Is(cause, errToolTimeout):
		err = fmt.Errorf("killed after the %v timeout", r.opts.ToolTimeout)
	case errors.Is(cause, errToolOutput):
		err = fmt.Errorf("killed: stdout over %d MiB", maxToolOutput>>20)
	}
	if msg := oneLine(stderr); msg != "" {
		return out.Bytes(), stderr, placeholderf("thumbs: %s: %v: %s", t.name, err, msg)
	}
	return out.Bytes(), stderr, placeholderf("thumbs: %s: %v", t.name, err)
}

// oneLine joins the non-empty lines of s with "; ".
func oneLine(s string) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}

// boundedBuffer collects up to max bytes and calls full (once) when a
// write would go past them.
type boundedBuffer struct {
	bytes.Buffer
	max  int
	full func()
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.over || b.Len()+len(p) > b.max {
		if !b.over {
			b.over = true
			b.full()
		}
		return 0, errToolOutput
	}
	return b.Buffer.Write(p)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > b.max {
		p = p[len(p)-b.max:]
	}
	if drop := len(b.buf) + len(p) - b.max; drop > 0 {
		b.buf = append(b.buf[:0], b.buf[drop:]...)
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

func (b *tailBuffer) String() string { return strings.ToValidUTF8(string(b.buf), "\uFFFD") }
