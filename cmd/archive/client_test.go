package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIWithAndWithoutServer runs the commands that go through a running
// server both ways: the same output, errors and exit codes.
func TestCLIWithAndWithoutServer(t *testing.T) {
	if testing.Short() {
		t.Skip("server process skipped in -short mode")
	}
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 32, 24, 1)
	writeJPEG(t, filepath.Join(src, "b.jpg"), 24, 32, 2)
	os.WriteFile(filepath.Join(src, "metadata.csv"), []byte("file,title_vi\na.jpg,Chùa Côn Sơn\n"), 0o644)
	r := runCLI(t, "--root", root, "ingest", "--json", src)
	lines := parseIngest(t, r.stdout)
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	id := lines["a.jpg"].ID
	if r := runCLI(t, "--root", root, "keys", "create", "--role", "portal", "--name", "Cổng"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	runs := [][]string{
		{"show", id},
		{"show", id[:8]},
		{"show", "--json", id[:10]},
		{"show", "ffffffffff"},
		{"show", "abc"},
		{"history", id[:8]},
		{"history", "--json", id},
		{"history", "ffffffffff"},
		{"stats"},
		{"stats", "--json"},
		{"keys", "list", "--json"},
		{"list"},
		{"list", "--json", "--status", "draft", "--kind", "photo"},
		{"list", "--json", "--status", "published"},
		{"list", "--from", "2999-01-01"},
		{"list", "--status", "bogus"},
		{"export", "--format", "jsonl"},
		{"export", "--format", "csv"},
	}
	run := func() []cliResult {
		var out []cliResult
		for _, args := range runs {
			out = append(out, runCLI(t, append([]string{"--root", root}, args...)...))
		}
		return out
	}
	without := run()
	si := startServer(t, root)
	with := run()
	for i, args := range runs {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			a, b := without[i], with[i]
			if a.code != b.code || a.stdout != b.stdout || a.stderr != b.stderr {
				t.Errorf("without a server: exit %d\n%s%s\nthrough %s: exit %d\n%s%s", a.code, a.stdout, a.stderr, si.URL, b.code, b.stdout, b.stderr)
			}
		})
	}
	var st struct{ Records int }
	if json.Unmarshal([]byte(with[9].stdout), &st) != nil || st.Records != 2 {
		t.Errorf("stats through the server: %s", with[9].stdout)
	}
	for i, want := range map[int]int{12: 2, 13: 0, 14: 1} { // lines: draft photos; published; the header alone
		if got := strings.Count(with[i].stdout, "\n"); got != want || with[i].code != 0 {
			t.Errorf("%v: %d lines, want %d:\n%s", runs[i], got, want, with[i].stdout)
		}
	}
	if with[15].code != exitUsage {
		t.Errorf("list --status bogus: exit %d", with[15].code)
	}
}

// TestEditWithAndWithoutServer edits two archives made alike, one with no
// server and one through its server: the same output, errors, exit codes
// and audit trail (the person at the terminal, via cli).
func TestEditWithAndWithoutServer(t *testing.T) {
	if testing.Short() {
		t.Skip("server process skipped in -short mode")
	}
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 32, 24, 1)
	roots := []string{filepath.Join(t.TempDir(), "local"), filepath.Join(t.TempDir(), "served")}
	var id string
	for _, root := range roots {
		r := runCLI(t, "--root", root, "ingest", "--json", src)
		lines := parseIngest(t, r.stdout)
		if r.code != 0 || len(lines) != 1 {
			t.Fatalf("ingest: %d %s", r.code, r.stderr)
		}
		id = lines["a.jpg"].ID
	}
	startServer(t, roots[1])
	runs := [][]string{
		{"edit", id[:8], "--set", "title.vi=Chùa Côn Sơn", "--add-keyword", "chùa"},
		{"edit", id, "--set", "title.vi=Chùa Côn Sơn"}, // nothing to change
		{"edit", id[:8], "--status", "published"},      // draft straight to published
		{"edit", id[:8], "--set", "title.fr=Pagode"},   // not an archive language
		{"edit", "ffffffffff", "--set", "title.vi=x"},
		{"edit", "abc", "--set", "title.vi=x"},
		{"edit", id[:8], "--status", "review"},
	}
	for _, args := range runs {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			a := runCLI(t, append([]string{"--root", roots[0]}, args...)...)
			b := runCLI(t, append([]string{"--root", roots[1]}, args...)...)
			if a.code != b.code || a.stdout != b.stdout || a.stderr != b.stderr {
				t.Errorf("without a server: exit %d\n%s%s\nthrough it: exit %d\n%s%s", a.code, a.stdout, a.stderr, b.code, b.stdout, b.stderr)
			}
		})
	}
	var trails [2][]struct{ Field, Who, Via string }
	for i, root := range roots {
		r := runCLI(t, "--root", root, "history", "--json", id)
		if err := json.Unmarshal([]byte(r.stdout), &trails[i]); err != nil {
			t.Fatal(err, r.stdout)
		}
	}
	if len(trails[0]) != len(trails[1]) || len(trails[0]) < 3 {
		t.Fatalf("audit trails differ: %+v\n%+v", trails[0], trails[1])
	}
	for i := range trails[0] {
		if trails[0][i] != trails[1][i] {
			t.Errorf("audit entry %d: %+v, through the server %+v", i, trails[0][i], trails[1][i])
		}
	}
}
