package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/ingest"
)

// ingestOne makes a root with one ingested photo and returns its id.
func ingestOne(t *testing.T) (root, id string) {
	t.Helper()
	root = filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 32, 24, 5)
	r := runCLI(t, "--root", root, "ingest", "--json", src)
	if r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	return root, parseIngest(t, r.stdout)["a.jpg"].ID
}

// history returns a record's audit entries after the one its ingest wrote
// (checked here: it comes first, via ingest).
func history(t *testing.T, root, id string) []archive.AuditEntry {
	t.Helper()
	r := runCLI(t, "--root", root, "history", "--json", id[:10])
	var h []archive.AuditEntry
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &h) != nil {
		t.Fatalf("history: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if len(h) == 0 || h[0].Via != archive.ViaIngest || h[0].Field != "ingest" {
		t.Fatalf("history does not start with the ingest: %+v", h)
	}
	return h[1:]
}

func TestEditAndHistory(t *testing.T) {
	root, id := ingestOne(t)
	tests := []struct {
		name      string
		args      []string
		code      int
		newFields int // audit entries this step adds
		stderrHas string
	}{
		{"texts and lists", []string{"--set", "title.vi=Đền Kiếp Bạc", "--set", "title.en=Kiep Bac temple", "--add-keyword", "đền",
			"--category", "lich-su", "--category", "du-lich", "--place", "293", "--credit", "Sở VHTTDL", "--lang-status", "vi=reviewed"}, exitOK, 7, ""},
		{"skipping review refused", []string{"--status", "published"}, exitFatal, 0, "is not allowed"},
		{"to review", []string{"--status", "review"}, exitOK, 1, ""},
		{"unknown place refused", []string{"--place", "999", "--creator", "X"}, exitFatal, 0, `unknown place code "999"`},
		{"bad --set", []string{"--set", "titleen=x"}, exitUsage, 0, "title.LANG=TEXT"},
		{"publish", []string{"--status", "published"}, exitOK, 1, ""},
		{"remove the vi title of a published record", []string{"--set", "title.vi="}, exitFatal, 0, "needs a Vietnamese title"},
		{"clear the place", []string{"--place", ""}, exitOK, 1, ""},
		{"release window", []string{"--publish-at", "2027-01-01", "--unpublish-at", "2027-06-30 17:00", "--rights-expire-at", "2030-01-01T00:00:00Z"}, exitOK, 3, ""},
		{"clear the withdrawal date", []string{"--unpublish-at", ""}, exitOK, 1, ""},
		{"bad date refused", []string{"--rights-expire-at", "soon"}, exitFatal, 0, `"soon" is not a date`},
	}
	total := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"--root", root, "edit", id[:8]}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderrHas) {
				t.Fatalf("exit %d (want %d)\nstdout %s\nstderr %s", r.code, tt.code, r.stdout, r.stderr)
			}
			total += tt.newFields
			h := history(t, root, id)
			if len(h) != total {
				t.Fatalf("%d audit entries, want %d: %+v", len(h), total, h)
			}
			for _, e := range h {
				if e.Via != archive.ViaCLI || e.Who == "" || e.ID != id {
					t.Errorf("entry %+v", e)
				}
			}
		})
	}
	show := runCLI(t, "--root", root, "show", "--json", id)
	var rec archive.Record
	if err := json.Unmarshal([]byte(show.stdout), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Status != archive.Published || rec.Place != nil || rec.Provenance["title.en"] != "curator" || rec.LangStatus["vi"] != "reviewed" {
		t.Errorf("record %+v", rec)
	}
	if rec.PublishAt == nil || rec.PublishAt.Format(time.RFC3339) != "2027-01-01T00:00:00+07:00" || rec.UnpublishAt != nil ||
		rec.RightsExpireAt == nil || rec.RightsExpireAt.Format(time.RFC3339) != "2030-01-01T07:00:00+07:00" {
		t.Errorf("release window %v – %v, rights until %v", rec.PublishAt, rec.UnpublishAt, rec.RightsExpireAt)
	}
	human := runCLI(t, "--root", root, "history", id)
	if !strings.Contains(human.stdout, `status: "review" → "published"`) || !strings.Contains(human.stdout, "(cli)") {
		t.Errorf("history:\n%s", human.stdout)
	}
	stats := runCLI(t, "--root", root, "stats")
	if !strings.Contains(stats.stdout, "reviewed language vi:") {
		t.Errorf("stats:\n%s", stats.stdout)
	}
}

func TestExportCSVImportMetadata(t *testing.T) {
	root, id := ingestOne(t)
	exp := runCLI(t, "--root", root, "export", "--format", "csv")
	if exp.code != 0 || !strings.HasPrefix(exp.stdout, "\ufeffid,file,") || !strings.HasSuffix(exp.stdout, "\r\n") {
		t.Fatalf("export: %d %q", exp.code, exp.stdout)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	same := write("same.csv", exp.stdout)
	if r := runCLI(t, "--root", root, "import-metadata", same); r.code != 0 || r.stdout != "" {
		t.Errorf("unedited import: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if again := runCLI(t, "--root", root, "export", "--format", "csv"); again.stdout != exp.stdout {
		t.Errorf("export after round trip differs")
	}

	edits := write("edits.csv", "id,title_vi,place\n"+id[:12]+",Chợ Hải Dương,294\n"+id+",,\nabcdef0123,x,\n")
	dry := runCLI(t, "--root", root, "import-metadata", "--dry-run", "--json", edits)
	if dry.code != exitPartial || strings.Count(dry.stdout, "\n") != 3 || !strings.Contains(dry.stdout, `"field":"title.vi"`) {
		t.Errorf("dry run: %d\n%s\n%s", dry.code, dry.stdout, dry.stderr)
	}
	if h := history(t, root, id); len(h) != 0 {
		t.Fatalf("dry run wrote %d audit entries", len(h))
	}
	r := runCLI(t, "--root", root, "import-metadata", edits)
	if r.code != exitPartial || !strings.Contains(r.stderr, "row 3, column id") || !strings.Contains(r.stderr, "row 4, column id") {
		t.Errorf("import: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	h := history(t, root, id)
	if len(h) != 2 || h[0].Via != archive.ViaCSV {
		t.Errorf("history after import: %+v", h)
	}
}

func TestTaxonomyFileEditedByHand(t *testing.T) {
	root, id := ingestOne(t)
	if r := runCLI(t, "--root", root, "edit", id, "--place", "10507"); r.code != exitFatal {
		t.Fatalf("unknown commune: exit %d", r.code)
	}
	p := filepath.Join(root, "taxonomy.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"places": [`, `"places": [{"code": "10507", "vi": "Xã Thanh Hồng", "en": "Thanh Hong"},`, 1)
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "--root", root, "edit", id, "--place", "10507"); r.code != 0 {
		t.Fatalf("hand-added commune: exit %d %s", r.code, r.stderr)
	}
	if err := os.WriteFile(p, []byte(`{"places": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "--root", root, "show", id); r.code != exitFatal || !strings.Contains(r.stderr, p) {
		t.Errorf("corrupt taxonomy: exit %d %q", r.code, r.stderr)
	}
}

// TestPublishNeedsVietnameseCLI: `ingest --status published` adds a file
// without a Vietnamese title as review, saying why; `edit --status
// published` refuses it until it has one.
func TestPublishNeedsVietnameseCLI(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 32, 24, 6)
	r := runCLI(t, "--root", root, "ingest", "--no-server", "--json", "--status", "published", src)
	if r.code != 0 || !strings.Contains(r.stdout, ingest.WarnNotPublished) {
		t.Fatalf("ingest: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	id := parseIngest(t, r.stdout)["a.jpg"].ID
	if r := runCLI(t, "--root", root, "edit", id, "--status", "published"); r.code != exitFatal || !strings.Contains(r.stderr, "needs a Vietnamese title") {
		t.Errorf("publish without title.vi: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, "--root", root, "edit", id, "--set", "title.vi=Chợ nổi", "--status", "published"); r.code != exitOK {
		t.Errorf("publish with title.vi: exit %d\n%s", r.code, r.stderr)
	}
}
