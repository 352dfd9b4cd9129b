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
