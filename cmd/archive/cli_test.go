package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
)

func TestIngestJSONAndExitCodes(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	good := t.TempDir()
	writeJPEG(t, filepath.Join(good, "a.jpg"), 40, 30, 1)
	writeJPEG(t, filepath.Join(good, "b.jpg"), 30, 40, 2)
	mixed := t.TempDir()
	writeJPEG(t, filepath.Join(mixed, "c.jpg"), 40, 30, 3)
	if err := os.WriteFile(filepath.Join(mixed, "readme.txt"), []byte("not a photo"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		args       []string
		code       int
		statuses   map[string]string
		stderrHas  string
		stdoutNone bool
	}{
		{"all good", []string{"ingest", "--json", good}, exitOK, map[string]string{"a.jpg": "added", "b.jpg": "added"}, "", false},
		{"again", []string{"ingest", "--json", good}, exitOK, map[string]string{"a.jpg": "unchanged", "b.jpg": "unchanged"}, "", false},
		{"some rejected", []string{"ingest", "--json", mixed}, exitPartial, map[string]string{"c.jpg": "added", "readme.txt": "rejected"}, "", false},
		{"missing folder", []string{"ingest", "--json", filepath.Join(good, "nope")}, exitFatal, nil, "no such file", true},
		{"bad status flag", []string{"ingest", "--status", "live", good}, exitUsage, nil, `"live" is not draft`, true},
		{"unknown flag", []string{"ingest", "--colour", good}, exitUsage, nil, "unknown flag", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"--root", root}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			if tt.stderrHas != "" && !strings.Contains(r.stderr, tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderrHas)
			}
			if tt.stdoutNone && r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			lines := parseIngest(t, r.stdout)
			for name, st := range tt.statuses {
				l := lines[name]
				if l.Status != st {
					t.Errorf("%s: %+v, want status %s", name, l, st)
				}
				if st != "rejected" && !archive.ValidID(l.ID) {
					t.Errorf("%s: id %q", name, l.ID)
				}
				if st == "rejected" && l.Error == "" {
					t.Errorf("%s: rejected without a reason", name)
				}
			}
		})
	}
}

func TestShowExportListStats(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := filepath.Join(t.TempDir(), "su-kien")
	writeJPEG(t, filepath.Join(src, "IMG_0001.JPG"), 64, 48, 7)
	stamp := time.Date(2024, 2, 10, 1, 2, 3, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(src, "IMG_0001.JPG"), stamp, stamp); err != nil {
		t.Fatal(err)
	}
	csv := "file,title_vi,title_en,keywords,categories,place,credit,rights,licence\n" +
		"IMG_0001.JPG,Lễ hội Côn Sơn – Kiếp Bạc,Con Son – Kiep Bac festival,lễ hội;Côn Sơn,van-hoa-le-hoi,290,Sở VHTTDL,© 2024 Sở VHTTDL,cc-by-4.0\n"
	if err := os.WriteFile(filepath.Join(src, "metadata.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "--root", root, "ingest", "--json", src)
	if r.code != 0 {
		t.Fatalf("ingest: %d %s %s", r.code, r.stdout, r.stderr)
	}
	id := parseIngest(t, r.stdout)["IMG_0001.JPG"].ID

	show := runCLI(t, "--root", root, "show", "--json", id[:8])
	if show.code != 0 {
		t.Fatalf("show: %d %s", show.code, show.stderr)
	}
	// ingested_at and updated_at are the time of the run; the rest is stable.
	stable := regexp.MustCompile(`"(ingested_at|updated_at)": "[^"]+"`).ReplaceAllString(show.stdout, `"$1": "…"`)
	golden(t, "show.golden.json", stable)

	var rec map[string]any
	if err := json.Unmarshal([]byte(show.stdout), &rec); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"id", "kind", "mime", "size", "original_name", "source_path", "ingested_at", "updated_at",
		"captured_at", "title", "description", "keywords", "categories", "place", "visibility", "status", "provenance", "renditions", "warnings"} {
		t.Run(field, func(t *testing.T) {
			if _, ok := rec[field]; !ok {
				t.Errorf("show --json lacks RECORD.md field %q", field)
			}
		})
	}

	exp := runCLI(t, "--root", root, "export", "--format", "jsonl")
	if exp.code != 0 || strings.Count(exp.stdout, "\n") != 1 || !strings.Contains(exp.stdout, `"id":"`+id+`"`) {
		t.Errorf("export: %d %q", exp.code, exp.stdout)
	}
	if r := runCLI(t, "--root", root, "export", "--format", "xml"); r.code != exitUsage {
		t.Errorf("export --format xml: exit %d", r.code)
	}
	list := runCLI(t, "--root", root, "list")
	if !strings.Contains(list.stdout, id[:12]) || !strings.Contains(list.stdout, "Lễ hội Côn Sơn – Kiếp Bạc") {
		t.Errorf("list:\n%s", list.stdout)
	}
	human := runCLI(t, "--root", root, "show", id)
	if !strings.Contains(human.stdout, "title.vi:") || !strings.Contains(human.stdout, "290 Thành phố Chí Linh") {
		t.Errorf("show:\n%s", human.stdout)
	}
	stats := runCLI(t, "--root", root, "stats", "--json")
	var st archive.Stats
	if err := json.Unmarshal([]byte(stats.stdout), &st); err != nil || st.Records != 1 || st.TitleLanguages["vi"] != 1 || st.WithRenditions != 1 {
		t.Errorf("stats: %+v %v", st, err)
	}
	for _, bad := range []string{"zz", "0000000000", "../../etc"} {
		t.Run(bad, func(t *testing.T) {
			if r := runCLI(t, "--root", root, "show", bad); r.code != exitFatal || r.stderr == "" {
				t.Errorf("show %q: exit %d, stderr %q", bad, r.code, r.stderr)
			}
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs (run go test -update after checking):\n got: %s\nwant: %s", name, got, want)
	}
}

func TestVerifyFindsCorruptAndMissing(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 16, 16, 1)
	writeJPEG(t, filepath.Join(src, "b.jpg"), 16, 16, 2)
	lines := parseIngest(t, runCLI(t, "--root", root, "ingest", "--json", src).stdout)
	if r := runCLI(t, "--root", root, "verify"); r.code != 0 || !strings.Contains(r.stdout, "verified 2 originals") {
		t.Fatalf("clean verify: %d %s %s", r.code, r.stdout, r.stderr)
	}
	a := lines["a.jpg"].ID
	b := lines["b.jpg"].ID
	pa := filepath.Join(root, "originals", a[:2], a[2:4], a)
	if err := os.WriteFile(pa, []byte("bit rot"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "originals", b[:2], b[2:4], b)); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "--root", root, "verify", "--json")
	if r.code != exitFatal {
		t.Fatalf("verify after damage: exit %d", r.code)
	}
	var rep backup.VerifyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range rep.Problems {
		got[p.ID] = p.Problem
	}
	if got[a] != "corrupt" || got[b] != "missing" || len(got) != 2 {
		t.Errorf("problems = %v", got)
	}
}

func TestLockedArchive(t *testing.T) {
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 16, 16, 1)
	r := runCLI(t, "--root", root, "ingest", src)
	if r.code != exitFatal || !strings.Contains(r.stderr, "another process holds the archive") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
