package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedFilesKept: truncated JPEG and PNG files are added with status
// review and their originals stored, with renditions of the part that
// decodes (JPEG) or placeholders (PNG), and `archive doctor` lists them; a
// file of no recognised type is still rejected.
func TestDamagedFilesKept(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "whole.jpg"), 120, 90, 1)
	writeJPEG(t, filepath.Join(src, "cut.jpg"), 120, 90, 2)
	writePNG(t, filepath.Join(src, "cut.png"), 120, 90, 3)
	for _, name := range []string{"cut.jpg", "cut.png"} {
		p := filepath.Join(src, name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "noise.jpg"), []byte("not a picture at all, whatever the name says"), 0o644); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, "--root", root, "ingest", "--json", src)
	if r.code != exitPartial {
		t.Fatalf("exit %d, want %d (noise.jpg rejected)\n%s\n%s", r.code, exitPartial, r.stdout, r.stderr)
	}
	lines := parseIngest(t, r.stdout)
	for name, want := range map[string]string{"whole.jpg": "added", "cut.jpg": "added", "cut.png": "added", "noise.jpg": "rejected"} {
		t.Run(name, func(t *testing.T) {
			if got := lines[name].Status; got != want {
				t.Fatalf("%+v, want %s", lines[name], want)
			}
			if want != "added" {
				return
			}
			show := runCLI(t, "--root", root, "show", "--json", lines[name].ID)
			var rec struct {
				Status     string `json:"status"`
				Damaged    bool   `json:"damaged"`
				Width      int    `json:"width"`
				Renditions []struct {
					Name        string `json:"name"`
					Placeholder bool   `json:"placeholder"`
				} `json:"renditions"`
			}
			if err := json.Unmarshal([]byte(show.stdout), &rec); err != nil {
				t.Fatalf("show: %v\n%s", err, show.stdout)
			}
			damaged := strings.HasPrefix(name, "cut")
			if rec.Damaged != damaged || (rec.Status == "review") != damaged || rec.Width != 120 || len(rec.Renditions) != 2 ||
				rec.Renditions[0].Placeholder != (name == "cut.png") {
				t.Errorf("record %+v", rec)
			}
		})
	}

	doc := runCLI(t, "--root", root, "doctor", "--json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(doc.stdout), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, doc.stdout)
	}
	got := map[string]bool{}
	for _, d := range rep.Damaged {
		got[filepath.Base(d.SourcePath)] = true
	}
	if len(got) != 2 || !got["cut.jpg"] || !got["cut.png"] {
		t.Errorf("doctor lists %+v, want cut.jpg and cut.png", rep.Damaged)
	}
	if text := runCLI(t, "--root", root, "doctor").stdout; !strings.Contains(text, "2 damaged files kept for review") || !strings.Contains(text, "cut.png") {
		t.Errorf("doctor:\n%s", text)
	}
}
