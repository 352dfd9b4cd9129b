package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusDir finds the shared test corpus beside the project root, or skips.
// ARCHIVE_CORPUS overrides the place.
func corpusDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("ARCHIVE_CORPUS"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			c := filepath.Join(filepath.Dir(d), "shared", "corpus")
			if _, err := os.Stat(filepath.Join(c, "manifest.json")); err != nil {
				t.Skipf("test corpus not found at %s (it lies beside the project root in CI; a fresh clone has none)", c)
			}
			return c
		}
	}
	t.Skip("no go.mod above the test's directory")
	return ""
}

type manifestFile struct {
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	Malformed bool   `json:"malformed"`
	SHA256    string `json:"sha256"`
}

// TestCorpusIngest ingests the whole corpus in a real subprocess under a
// timeout: every photo not marked malformed is added, every malformed file
// is reported, nothing crashes or hangs; then the acceptance scorer rates
// the records against ExifTool's reading; a re-run is all unchanged and a
// copy all duplicate; originals are byte-identical to the corpus.
func TestCorpusIngest(t *testing.T) {
	corpus := corpusDir(t)
	var man struct {
		Files []manifestFile `json:"files"`
	}
	b, err := os.ReadFile(filepath.Join(corpus, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	root := filepath.Join(work, "root")

	ingest := func(src string) (string, map[string]ingestLine) {
		cmd := childCommand(t, "--root", root, "ingest", "--json", src)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != exitPartial) {
				t.Fatalf("ingest %s: %v\n%s", src, err, errb.String())
			}
		case <-time.After(5 * time.Minute):
			cmd.Process.Kill()
			t.Fatalf("ingest of the corpus hung (killed after 5 minutes)")
		}
		lines := map[string]ingestLine{}
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var il ingestLine
			if err := json.Unmarshal([]byte(l), &il); err != nil {
				t.Fatalf("not JSON: %q", l)
			}
			rel, _ := filepath.Rel(src, il.Path)
			lines[filepath.ToSlash(rel)] = il
		}
		return out.String(), lines
	}

	out, lines := ingest(corpus)
	photo := map[string]bool{"jpeg": true, "png": true, "tiff": true, "webp": true}
	for _, f := range man.Files {
		l, ok := lines[f.Path]
		switch {
		case !ok:
			t.Errorf("%s: no result", f.Path)
		case f.Malformed:
			if l.Status == "failed" || l.Status == "rejected" {
				if l.Error == "" {
					t.Errorf("%s: %s without a reason", f.Path, l.Status)
				}
				t.Logf("malformed %s: %s: %s", f.Path, l.Status, l.Error)
			}
		case photo[f.Kind] && l.Status != "added":
			t.Errorf("%s: %s %s, want added", f.Path, l.Status, l.Error)
		case l.Status == "added" && l.ID != f.SHA256:
			t.Errorf("%s: id %s, want its SHA-256 %s", f.Path, l.ID, f.SHA256)
		}
		if l.Status == "added" {
			p := filepath.Join(root, "originals", l.ID[:2], l.ID[2:4], l.ID)
			got, err := os.ReadFile(p)
			want, _ := os.ReadFile(filepath.Join(corpus, f.Path))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: stored original differs from the source (%v)", f.Path, err)
			}
		}
	}

	// Score the records the way acceptance does, when python3 is here.
	exp := runCLI(t, "--root", root, "export", "--format", "jsonl")
	if exp.code != 0 {
		t.Fatalf("export: %s", exp.stderr)
	}
	scoreCorpus(t, corpus, work, out, exp.stdout)

	// Idempotence: the same folder again is all unchanged (failures are retried).
	_, again := ingest(corpus)
	for p, l := range again {
		if lines[p].Status == "added" && l.Status != "unchanged" {
			t.Errorf("re-run %s: %s", p, l.Status)
		}
	}
	// A copy elsewhere: all duplicates.
	cp := filepath.Join(work, "copy")
	if err := os.CopyFS(cp, os.DirFS(corpus)); err != nil {
		t.Fatal(err)
	}
	_, dup := ingest(cp)
	for p, l := range dup {
		if lines[p].Status == "added" && l.Status != "duplicate" {
			t.Errorf("copy %s: %s", p, l.Status)
		}
	}
}

// knownMismatch says why the acceptance scorer cannot accept a field from
// any correct record, or "" when it should.
func knownMismatch(fileField string) string {
	switch fileField {
	case "jpeg/FujiFilm_DX-5_blank_date.jpg captured_at":
		// EXIF DateTimeOriginal is the blank "    :  :     :  :  ". The
		// scorer only treats dates starting "0000" as absent, so it wants a
		// time whose wall clock is blanks; no value passes.
		return "blank EXIF date"
	}
	return ""
}

// scoreCorpus runs ../shared/tools/corpus_check.py over the ingest and
// export output for every kind and fails on any mismatch knownMismatch does not explain.
func scoreCorpus(t *testing.T, corpus, work, ingestOut, exportOut string) {
	t.Helper()
	scorer := filepath.Join(filepath.Dir(corpus), "tools", "corpus_check.py")
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found: acceptance scorer not run")
		return
	}
	if _, err := os.Stat(scorer); err != nil {
		t.Logf("no scorer at %s", scorer)
		return
	}
	ing, expf := filepath.Join(work, "ingest.jsonl"), filepath.Join(work, "export.jsonl")
	if err := os.WriteFile(ing, []byte(ingestOut), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expf, []byte(exportOut), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kinds := range []string{"jpeg,png,tiff,webp", "heic,avif,video,pdf,epub"} {
		t.Run(kinds, func(t *testing.T) {
			res, _ := exec.Command(py, scorer, filepath.Join(corpus, "manifest.json"), ing, expf,
				"--kinds", kinds, "--renditions", "--min", "99").CombinedOutput()
			t.Logf("corpus_check.py --kinds %s:\n%s", kinds, res)
			for _, line := range strings.Split(string(res), "\n") {
				line = strings.TrimSpace(line)
				switch {
				case strings.HasPrefix(line, "PROBLEM"):
					t.Errorf("scorer: %s", line)
				case strings.HasPrefix(line, "MISMATCH"):
					f := strings.Fields(line)
					if len(f) < 3 || knownMismatch(f[1]+" "+strings.TrimSuffix(f[2], ":")) == "" {
						t.Errorf("scorer: %s", line)
					}
				}
			}
		})
	}
}
