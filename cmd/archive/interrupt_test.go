package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
)

// TestInterruptible: the first signal cancels the context, the second exits
// at once with exitInterrupted.
func TestInterruptible(t *testing.T) {
	var stderr syncBuffer
	exited := make(chan int, 1)
	ctx, stop := interruptible(&stderr, func(code int) { exited <- code })
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	select {
	case code := <-exited:
		t.Fatalf("exited (%d) after one signal", code)
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != exitInterrupted {
			t.Errorf("exit %d, want %d", code, exitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second signal did not exit")
	}
	if s := stderr.String(); !strings.Contains(s, "stopping") || !strings.Contains(s, "quitting at once") {
		t.Errorf("stderr %q", s)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeSlowPDF writes a one-page PDF of n objects with a cross-reference
// table: under the reader's object limit, and seconds of parsing for a PDF
// library that does not look at its context while it loads them.
func writeSlowPDF(t *testing.T, path string, n int) {
	t.Helper()
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"}
	for len(objs) < n {
		objs = append(objs, fmt.Sprintf("<< /N %d >>", len(objs)+1))
	}
	var body, xref bytes.Buffer
	body.WriteString("%PDF-1.4\n")
	fmt.Fprintf(&xref, "xref\n0 %d\n0000000000 65535 f \n", n+1)
	for i, o := range objs {
		fmt.Fprintf(&xref, "%010d 00000 n \n", body.Len())
		fmt.Fprintf(&body, "%d 0 obj %s endobj\n", i+1, o)
	}
	fmt.Fprintf(&xref, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", n+1, body.Len())
	if err := os.WriteFile(path, append(body.Bytes(), xref.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSIGTERMEndsIngest starts a real ingest whose worker is deep in a PDF
// parser that ignores cancellation, sends SIGTERM and expects the process
// gone within seconds, the file committed before it intact, and the archive
// clean.
func TestSIGTERMEndsIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("signal test skipped in -short mode")
	}
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 200, 150, 1) // walked first, committed first
	writeSlowPDF(t, filepath.Join(src, "slow.pdf"), 199_000)

	cmd := childCommand(t, "--root", root, "ingest", "--json", "--workers", "1", "--no-renditions", src)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	var out []string
	select {
	case l := <-lines:
		out = append(out, l)
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("a.jpg was not committed")
	}
	// The one worker now holds slow.pdf: copied, then parsed for seconds.
	time.Sleep(500 * time.Millisecond)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("ingest still running 30 s after SIGTERM")
	}
	took := time.Since(sent)
	for l := range lines {
		out = append(out, l)
	}
	t.Logf("exited %v after SIGTERM: %v", took.Round(time.Millisecond), waitErr)
	if took > 3*time.Second {
		t.Errorf("ingest took %v to end after SIGTERM, want at most 3 s", took)
	}
	if cmd.ProcessState.ExitCode() != exitFatal || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want %d and the interruption said", cmd.ProcessState.ExitCode(), stderr.String(), exitFatal)
	}
	if len(out) != 1 || !strings.Contains(out[0], `"status":"added"`) || !strings.Contains(out[0], "a.jpg") {
		t.Errorf("stdout %q, want a.jpg added and nothing about slow.pdf", out)
	}

	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	n := 0
	if err := a.Store().ForEach(func(*archive.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	rep, err := backup.Verify(context.Background(), a, nil)
	if n != 1 || err != nil || len(rep.Problems) > 0 {
		t.Errorf("%d records, verify %+v %v; want 1 record, clean", n, rep, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "tmp")); len(entries) != 0 {
		t.Errorf("%d temp files left after reopening", len(entries))
	}
}
