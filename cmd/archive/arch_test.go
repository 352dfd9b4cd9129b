package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestPackageDirections keeps the import directions of ARCHITECTURE.md:
// media imports nothing of ours, archive only media; backup, curation,
// report, keys, similar and webhooks only archive and media, rights nothing of ours, ingest those and curation (nothing in archive
// imports them); indexer and thumbs never each other, and nothing but
// cmd/archive imports api or cmd.
func TestPackageDirections(t *testing.T) {
	const mod = "github.com/haiduong/promo-archive"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	allowed := map[string][]string{
		"archive/media":       {},
		"archive":             {"archive/media"},
		"archive/backup":      {"archive", "archive/media"},
		"archive/curation":    {"archive", "archive/media"},
		"archive/ingest":      {"archive", "archive/curation", "archive/media"},
		"archive/keys":        {"archive", "archive/media"},
		"archive/collections": {"archive", "archive/keys", "archive/media"},
		"archive/report":      {"archive", "archive/media"},
		"archive/similar":     {"archive", "archive/media"},
		"archive/rights":      {},
		"archive/webhooks":    {"archive", "archive/media"},
		"indexer":             {"archive", "archive/media"},
		"thumbs":              {"archive", "archive/media"},
		"api":                 {"archive", "archive/backup", "archive/curation", "archive/collections", "archive/ingest", "archive/keys", "archive/media", "archive/report", "archive/rights", "archive/similar", "archive/webhooks", "indexer"},
		"cmd/archive":         {"api", "archive", "archive/backup", "archive/collections", "archive/curation", "archive/ingest", "archive/keys", "archive/media", "archive/report", "archive/similar", "archive/webhooks", "indexer", "thumbs"},
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, ok := strings.CutPrefix(f[0], mod+"/")
		if !ok {
			continue
		}
		want, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the architecture's list", pkg)
			continue
		}
		seen++
		for _, imp := range f[1:] {
			if ours, ok := strings.CutPrefix(imp, mod+"/"); ok && !slices.Contains(want, ours) {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow", pkg, ours)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("saw %d of our packages, want %d", seen, len(allowed))
	}
}
