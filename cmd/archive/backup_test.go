package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
)

func TestBackupRestoreCLI(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 32, 24, 1)
	writeJPEG(t, filepath.Join(src, "b.jpg"), 24, 32, 2)
	if r := runCLI(t, "--root", root, "ingest", "--json", "--agency", "Sở Du lịch", src); r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	dest := t.TempDir()
	r := runCLI(t, "--root", root, "backup", "--json", "--with-renditions", dest)
	if r.code != 0 {
		t.Fatalf("backup: %d %s", r.code, r.stderr)
	}
	var m backup.BackupManifest
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || m.Copied != 2 || m.Records != 2 {
		t.Fatalf("manifest %+v %v", m, err)
	}
	if r := runCLI(t, "--root", root, "backup", dest); r.code != 0 || !strings.Contains(r.stdout, "0 copied now") {
		t.Fatalf("second backup: %d %q %s", r.code, r.stdout, r.stderr)
	}
	newRoot := filepath.Join(t.TempDir(), "restored")
	if r := runCLI(t, "restore", dest, newRoot); r.code != 0 || !strings.Contains(r.stdout, "restored 2 records, 2 originals") {
		t.Fatalf("restore: %d %q %s", r.code, r.stdout, r.stderr)
	}
	want := runCLI(t, "--root", root, "export", "--format", "jsonl")
	got := runCLI(t, "--root", newRoot, "export", "--format", "jsonl")
	if got.code != 0 || got.stdout != want.stdout || !strings.Contains(got.stdout, `"agency":"Sở Du lịch"`) {
		t.Fatalf("export differs after restore:\n got %s\nwant %s", got.stdout, want.stdout)
	}
	if r := runCLI(t, "--root", newRoot, "verify"); r.code != 0 || !strings.Contains(r.stdout, "verified 2 originals") {
		t.Fatalf("verify restored: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "restore", dest, newRoot); r.code != exitFatal || !strings.Contains(r.stderr, "not empty") {
		t.Fatalf("restore into a non-empty root: %d %s", r.code, r.stderr)
	}
	// A backup without renditions restores into an archive that serves:
	// the renditions are rendered again, and verify finds them.
	bare := filepath.Join(t.TempDir(), "bare")
	if r := runCLI(t, "--root", root, "backup", bare); r.code != 0 {
		t.Fatalf("backup without renditions: %d %s", r.code, r.stderr)
	}
	third := filepath.Join(t.TempDir(), "third")
	if r := runCLI(t, "restore", bare, third); r.code != 0 || !strings.Contains(r.stdout, "rendered the renditions of 2 records again") {
		t.Fatalf("restore without renditions: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "--root", third, "verify"); r.code != 0 || !strings.Contains(r.stdout, "and 4 renditions: 0 problems") {
		t.Fatalf("verify after rendering: %d %s %s", r.code, r.stdout, r.stderr)
	}
	// A destination that holds something else is refused, untouched.
	mine := t.TempDir()
	os.WriteFile(filepath.Join(mine, "tmp"), []byte("mine"), 0o644)
	if r := runCLI(t, "--root", root, "backup", mine); r.code != exitUsage || !strings.Contains(r.stderr, "holds no backup") {
		t.Fatalf("backup into a foreign folder: %d %s", r.code, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(mine, "tmp")); err != nil || string(b) != "mine" {
		t.Errorf("the foreign file was touched: %q %v", b, err)
	}
}

func TestIngestStateSecretCLI(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "plan.jpg"), 16, 16, 5)
	writeJPEG(t, filepath.Join(src, "honey.jpg"), 16, 16, 6)
	csv := "file,title_vi,classification\nplan.jpg,Kế hoạch,Tối mật\nhoney.jpg,Mật ong Hải Dương,\n"
	if err := os.WriteFile(filepath.Join(src, "metadata.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "--root", root, "ingest", "--json", src)
	if r.code != exitPartial {
		t.Fatalf("exit %d, want %d: %s", r.code, exitPartial, r.stderr)
	}
	lines := parseIngest(t, r.stdout)
	if l := lines["plan.jpg"]; l.Status != "rejected" || l.Error != "state secret (Tối mật): not stored on this networked system" {
		t.Errorf("plan.jpg: %+v", l)
	}
	if l := lines["honey.jpg"]; l.Status != "added" {
		t.Errorf("honey.jpg: %+v", l)
	}
	if r := runCLI(t, "--root", root, "stats", "--json"); !strings.Contains(r.stdout, `"records": 1`) || !strings.Contains(r.stdout, `"embargoed": 0`) {
		t.Errorf("stats: %s", r.stdout)
	}
}

func TestReportCLI(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 16, 16, 7)
	if r := runCLI(t, "--root", root, "ingest", "--json", "--agency", "UBND Chí Linh", src); r.code != 0 {
		t.Fatalf("ingest: %s", r.stderr)
	}
	a, err := archive.Open(root, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var year string
	a.Store().ForEach(func(rec *archive.Record) error { year = rec.IngestedAt.Format("2006"); return nil })
	a.Close()
	for _, tt := range []struct {
		format string
		want   string
	}{
		{"md", "Theo cơ quan đóng góp (By contributing agency)"},
		{"csv", "\xef\xbb\xbfsection,key,label,role,count\n"},
		{"json", `"added": 1`},
	} {
		t.Run(tt.format, func(t *testing.T) {
			r := runCLI(t, "--root", root, "report", "--period", year, "--format", tt.format)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) || !strings.Contains(r.stdout, "UBND Chí Linh") {
				t.Errorf("report --format %s: %d %s\n%s", tt.format, r.code, r.stderr, r.stdout)
			}
		})
	}
	for _, args := range [][]string{{"report"}, {"report", "--period", "2026-H9"}, {"report", "--period", "2026", "--format", "xls"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if r := runCLI(t, append([]string{"--root", root}, args...)...); r.code != exitUsage {
				t.Errorf("%v: exit %d, want usage", args, r.code)
			}
		})
	}
}
