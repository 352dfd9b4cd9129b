package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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

// TestCommandsWithAndWithoutServer runs the CLI suite on two archives made
// alike, the first opened by each command, the second held by a running
// server that every command goes through: the same output and exit codes,
// once the paths of the roots, the clock and timings are set aside.
func TestCommandsWithAndWithoutServer(t *testing.T) {
	if testing.Short() {
		t.Skip("server process skipped in -short mode")
	}
	src, src2, files := t.TempDir(), t.TempDir(), t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 32, 24, 1)
	writeJPEG(t, filepath.Join(src, "b.jpg"), 24, 32, 2)
	writeJPEG(t, filepath.Join(src2, "c.jpg"), 40, 30, 3)
	roots := []string{filepath.Join(t.TempDir(), "local"), filepath.Join(t.TempDir(), "served")}
	dests := []string{filepath.Join(t.TempDir(), "backup-local"), filepath.Join(t.TempDir(), "backup-served")}
	var id string
	for _, root := range roots {
		// One worker: the files are committed in the same order (the
		// audit log's sequence numbers).
		r := runCLI(t, "--root", root, "ingest", "--json", "--workers", "1", src)
		lines := parseIngest(t, r.stdout)
		if r.code != 0 || len(lines) != 2 {
			t.Fatalf("ingest: %d %s", r.code, r.stderr)
		}
		id = lines["a.jpg"].ID
	}
	csvs := map[string]string{ // the spreadsheets the table names
		"EDITS":   "id,title_vi,keywords\n" + id[:10] + ",Đình làng Đông Sơn,đình; lễ hội\n",
		"BADHEAD": "id,colour\n" + id + ",red\n",
		"BADROW":  "id,title_en\n" + id + ",Village hall\nffffffffffff,Nowhere\n",
	}
	for name, text := range csvs {
		if err := os.WriteFile(filepath.Join(files, name+".csv"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	year := time.Now().In(mustLoadLocation(t, "Asia/Ho_Chi_Minh")).Format("2006")
	startServer(t, roots[1])

	// A rendition lost from each root: verify finds it, rethumb --all draws it.
	for _, root := range roots {
		removeOneRendition(t, root)
	}
	runs := [][]string{
		{"list"},
		{"list", "--json", "--kind", "photo", "--status", "draft"},
		{"show", id[:8]},
		{"stats", "--json"},
		{"keys", "list"},
		{"report", "--period", year},
		{"report", "--period", year, "--format", "csv"},
		{"report", "--period", year, "--format", "json", "--department", "Sở Văn hoá"},
		{"report", "--period", "2026-H3"},
		{"report", "--period", year, "--format", "pdf"},
		{"ingest", "--json", "--workers", "1", "--agency", "Sở Du lịch", "SRC2"},
		{"export", "--format", "csv"},
		{"import-metadata", "--dry-run", "EDITS"},
		{"import-metadata", "EDITS"},
		{"import-metadata", "--json", "EDITS"},
		{"import-metadata", "BADHEAD"},
		{"import-metadata", "BADROW"},
		{"edit", id[:8], "--add-keyword", "chùa"},
		{"history", id[:8]},
		{"history", "--json", id},
		{"export", "--format", "csv"},
		{"verify"},
		{"rethumb"},
		{"rethumb", "--all", "--json"},
		{"verify", "--json"},
		{"reindex"},
		{"doctor"},
		{"doctor", "--json"},
		{"similar", id[:8]},
		{"similar", "--json", id},
		{"backup", "DEST"},
		{"backup", "--json", "DEST"},
	}
	// What some runs must show, so that the comparison is of real work.
	want := map[string]struct {
		code int
		text string
	}{
		"import-metadata --dry-run EDITS": {0, "would change"},
		"import-metadata EDITS":           {0, "1 row changed"},
		"import-metadata BADHEAD":         {exitFatal, "colour"},
		"import-metadata BADROW":          {exitPartial, "1 refused"},
		"report --period 2026-H3":         {exitUsage, "--period"},
		"verify":                          {exitFatal, "rendition missing"},
		"rethumb --all --json":            {0, `"rendered": 3`},
		"verify --json":                   {0, `"checked": 3`},
		"reindex":                         {0, "reindexed 3 records"},
		"backup DEST":                     {0, "backed up 3 records to DEST"},
		"export --format csv":             {0, "Sở Du lịch"},
	}
	for _, args := range runs {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			var got [2]cliResult
			for i, root := range roots {
				argv := []string{"--root", root}
				for _, a := range args {
					if _, ok := csvs[a]; ok {
						a = filepath.Join(files, a+".csv")
					}
					if a == "SRC2" {
						a = src2
					}
					argv = append(argv, strings.ReplaceAll(a, "DEST", dests[i]))
				}
				r := runCLI(t, argv...)
				for _, s := range []*string{&r.stdout, &r.stderr} {
					*s = normaliseRun(*s, root, dests[i])
				}
				got[i] = r
			}
			if w, ok := want[name]; ok && (got[1].code != w.code || !strings.Contains(got[1].stdout+got[1].stderr, w.text)) {
				t.Errorf("through the server: exit %d, want %d with %q:\n%s%s", got[1].code, w.code, w.text, got[1].stdout, got[1].stderr)
			}
			a, b := got[0], got[1]
			if a.code != b.code || a.stdout != b.stdout || a.stderr != b.stderr {
				t.Errorf("without a server: exit %d\n%s%s\nthrough it: exit %d\n%s%s", a.code, a.stdout, a.stderr, b.code, b.stdout, b.stderr)
			}
		})
	}
}

// normaliseRun sets aside what legitimately differs between two runs on
// two roots: their paths, the clock and how long things took.
func normaliseRun(s, root, dest string) string {
	s = strings.ReplaceAll(s, dest, "DEST")
	s = strings.ReplaceAll(s, root, "ROOT")
	for _, re := range []struct{ re, to string }{
		{`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`, "TIME"},
		{`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`, "TIME"},
		{`in [0-9.]+(ns|µs|ms|s)\b`, "in DURATION"},
		{`"elapsed_s": [0-9.e-]+`, `"elapsed_s": 0`},
		{`"(archive_id|db_sha256)": "[0-9a-f]+"`, `"$1": "HEX"`}, // a backup names its archive and database,
		{`"db_size": \d+`, `"db_size": 0`},                       // which holds the server's jobs too
	} {
		s = regexp.MustCompile(re.re).ReplaceAllString(s, re.to)
	}
	return s
}

// removeOneRendition deletes the first rendition file of root.
func removeOneRendition(t *testing.T, root string) {
	t.Helper()
	var first string
	filepath.WalkDir(filepath.Join(root, "renditions"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && first == "" {
			first = p
		}
		return nil
	})
	if first == "" {
		t.Fatalf("no rendition under %s", root)
	}
	if err := os.Remove(first); err != nil {
		t.Fatal(err)
	}
}

func mustLoadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
