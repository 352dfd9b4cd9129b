package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
)

// TestKillDuringIngest kills a real ingest process with SIGKILL several
// times mid-run, then lets a run finish: every file is in exactly once and
// verify is clean.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	const files = 48
	for i := range files {
		writeJPEG(t, filepath.Join(src, fmt.Sprintf("d%d", i%4), fmt.Sprintf("img%03d.jpg", i)), 900, 600, uint8(i))
	}
	killed := 0
	for attempt := range 8 {
		cmd := childCommand(t, "--root", root, "ingest", "--json", "--workers", "2", src)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+attempt*60) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			killed++
		}
		cmd.Wait()
	}
	t.Logf("killed %d ingest processes mid-run", killed)

	cmd := childCommand(t, "--root", root, "ingest", "--json", src)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	seen := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var l ingestLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("bad line %q", line)
		}
		if l.Status != "added" && l.Status != "unchanged" {
			t.Errorf("%s: %s %s", l.Path, l.Status, l.Error)
		}
		seen[l.Path] = l.ID
	}
	if len(seen) != files {
		t.Fatalf("final run reported %d files, want %d", len(seen), files)
	}

	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ids := map[string]int{}
	if err := a.Store().ForEach(func(r *archive.Record) error { ids[r.ID]++; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != files {
		t.Errorf("%d records, want %d", len(ids), files)
	}
	for _, id := range seen {
		if ids[id] != 1 {
			t.Errorf("record %s present %d times", id, ids[id])
		}
	}
	rep, err := backup.Verify(t.Context(), a, nil)
	if err != nil || len(rep.Problems) > 0 || rep.Checked != files {
		t.Errorf("verify: %+v %v", rep, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "tmp")); len(entries) != 0 {
		t.Errorf("%d temp files left after reopening", len(entries))
	}
}
