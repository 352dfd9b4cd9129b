package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlaceholderThenRethumb ingests a PDF with the renderers hidden from
// PATH: the record still ingests, with a placeholder and a warning naming
// the tool. Once the tool is back, rethumb makes the real renditions.
func TestPlaceholderThenRethumb(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed (poppler-utils; .ci/run installs it)")
	}
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	pdf, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", "brochure.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "brochure.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := childCommand(t, "--root", root, "ingest", "--json", src)
	cmd.Env = append(cmd.Env, "PATH="+t.TempDir()) // no tools at all
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ingest without tools: %v\n%s", err, out)
	}
	id := parseIngest(t, string(out))["brochure.pdf"].ID
	rec := showRecord(t, root, id)
	if !rec.placeholder() || !strings.Contains(strings.Join(rec.Warnings, "\n"), "pdftoppm not found") {
		t.Fatalf("without tools: renditions %+v, warnings %q", rec.Renditions, rec.Warnings)
	}
	doctor := childCommand(t, "doctor")
	doctor.Env = append(doctor.Env, "PATH="+t.TempDir())
	if out, _ := doctor.Output(); !strings.Contains(string(out), "pdftoppm") || !strings.Contains(strings.ToLower(string(out)), "missing") {
		t.Errorf("doctor without tools:\n%s", out)
	}

	r := runCLI(t, "--root", root, "rethumb")
	if r.code != 0 || !strings.Contains(r.stdout, "1 rendered (0 still placeholders)") {
		t.Fatalf("rethumb: %d %s %s", r.code, r.stdout, r.stderr)
	}
	rec = showRecord(t, root, id)
	if rec.placeholder() || len(rec.Renditions) != 2 || strings.Contains(strings.Join(rec.Warnings, "\n"), "not found") {
		t.Fatalf("after rethumb: renditions %+v, warnings %q", rec.Renditions, rec.Warnings)
	}
	if r := runCLI(t, "--root", root, "rethumb"); !strings.Contains(r.stdout, "0 selected") {
		t.Errorf("second rethumb: %s", r.stdout)
	}
}

type shownRecord struct {
	Renditions []struct {
		Name        string `json:"name"`
		Placeholder bool   `json:"placeholder"`
	} `json:"renditions"`
	Warnings []string `json:"warnings"`
}

func (r shownRecord) placeholder() bool {
	for _, x := range r.Renditions {
		if x.Placeholder {
			return true
		}
	}
	return false
}

func showRecord(t *testing.T, root, id string) shownRecord {
	t.Helper()
	res := runCLI(t, "--root", root, "show", "--json", id)
	var rec shownRecord
	if err := json.Unmarshal([]byte(res.stdout), &rec); err != nil {
		t.Fatalf("show %s: %v (%s)", id, err, res.stderr)
	}
	return rec
}
