package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/media"
)

// writeJPEG writes a w×h JPEG whose pixels depend on seed, so different
// seeds give different bytes.
func writeJPEG(t testing.TB, path string, w, h int, seed uint8) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y) * seed, seed * 3, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes())
}

func writePNG(t testing.TB, path string, w, h int) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes())
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeRenderer records calls and makes one tiny rendition, or fails for
// files whose bytes it cannot decode.
type fakeRenderer struct {
	mu    sync.Mutex
	calls int
}

func (f *fakeRenderer) Render(ctx context.Context, in archive.RenderInput) (*archive.RenderResult, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	b, err := os.ReadFile(in.Path)
	if err != nil {
		return nil, err
	}
	if _, _, err := image.Decode(bytes.NewReader(b)); err != nil {
		return nil, err
	}
	return &archive.RenderResult{Images: []archive.RenderedImage{{Rendition: archive.Rendition{Name: "thumb", Width: 1, Height: 1, MIME: "image/jpeg", Version: 1, Size: 3}, Data: []byte("jpg")}}, PHash: 0xabc, HasPHash: true}, nil
}

type runResult struct {
	sum     *Summary
	err     error
	results map[string]FileResult // by path relative to the source folder
}

func ingestDir(t *testing.T, a *archive.Archive, src string, opts Options, ro RunOptions) runResult {
	t.Helper()
	rr := runResult{results: map[string]FileResult{}}
	ro.OnResult = func(r FileResult) {
		rel, err := filepath.Rel(src, r.Path)
		if err != nil {
			rel = r.Path
		}
		if _, dup := rr.results[filepath.ToSlash(rel)]; dup && !strings.HasSuffix(rel, curation.MetadataFileName) {
			t.Errorf("two results for %s", rel)
		}
		rr.results[filepath.ToSlash(rel)] = r
	}
	rr.sum, rr.err = New(a, opts).Run(context.Background(), []string{src}, ro)
	return rr
}

func statuses(rr runResult) map[string]FileStatus {
	m := map[string]FileStatus{}
	for k, v := range rr.results {
		m[k] = v.Status
	}
	return m
}

func TestIngestStatusesAndIdempotence(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 64, 48, 1)
	writeJPEG(t, filepath.Join(src, "sub", "b.JPG"), 48, 64, 2)
	writePNG(t, filepath.Join(src, "sub", "deep", "c.dat"), 20, 10) // the name lies; the bytes are PNG
	writeFile(t, filepath.Join(src, "notes.txt"), []byte("ghi chú: không phải ảnh\n"))
	writeFile(t, filepath.Join(src, "broken.jpg"), []byte("\xff\xd8\xff\xe0 this is not really a jpeg"))
	writeFile(t, filepath.Join(src, "empty.jpg"), nil)
	// Hidden files and OS junk are never ingested.
	writeFile(t, filepath.Join(src, ".DS_Store"), []byte("junk"))
	writeFile(t, filepath.Join(src, "Thumbs.db"), []byte("junk"))
	writeFile(t, filepath.Join(src, "desktop.ini"), []byte("junk"))
	writeJPEG(t, filepath.Join(src, ".hidden", "h.jpg"), 8, 8, 9)
	writeJPEG(t, filepath.Join(src, "@eaDir", "x.jpg"), 8, 8, 10)
	// The same bytes twice in one run: one is added, one is a duplicate.
	writeJPEG(t, filepath.Join(src, "same1.jpg"), 32, 32, 7)
	writeJPEG(t, filepath.Join(src, "same2.jpg"), 32, 32, 7)

	a, err := archive.Open(filepath.Join(t.TempDir(), "root"), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r := &fakeRenderer{}
	rr := ingestDir(t, a, src, Options{Renderer: r, Workers: 3}, RunOptions{})
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	got := statuses(rr)
	want := map[string]FileStatus{
		"a.jpg": StatusAdded, "sub/b.JPG": StatusAdded, "sub/deep/c.dat": StatusAdded,
		"notes.txt": StatusRejected, "broken.jpg": StatusFailed, "empty.jpg": StatusRejected,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: status %q, want %q (%s)", k, got[k], v, rr.results[k].Error)
		}
	}
	if s1, s2 := got["same1.jpg"], got["same2.jpg"]; !(s1 == StatusAdded && s2 == StatusDuplicate || s1 == StatusDuplicate && s2 == StatusAdded) {
		t.Errorf("same bytes twice: %q and %q, want one added and one duplicate", s1, s2)
	}
	if len(got) != len(want)+2 {
		t.Errorf("results for %d files, want %d (hidden and junk files skipped): %v", len(got), len(want)+2, got)
	}
	if rr.sum.OK() || rr.sum.Added != 4 || rr.sum.Rejected != 2 || rr.sum.Failed != 1 || rr.sum.Duplicate != 1 {
		t.Errorf("summary = %+v", rr.sum)
	}
	if e := rr.results["notes.txt"].Error; !strings.Contains(e, "unsupported") {
		t.Errorf("notes.txt error %q does not say why", e)
	}

	// The record of c.dat was sniffed from bytes, and stores what RECORD.md asks.
	rec, err := a.Store().Get(rr.results["sub/deep/c.dat"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.MIME != "image/png" || rec.Kind != "photo" || rec.SourcePath != filepath.Base(src)+"/sub/deep/c.dat" ||
		rec.OriginalName != "c.dat" || rec.Status != archive.Draft || rec.Visibility != archive.Public || rec.PHash != "0000000000000abc" ||
		len(rec.Renditions) != 1 || rec.Width != 20 || rec.Height != 10 {
		t.Errorf("record = %+v", rec)
	}
	// Originals are byte-identical to their sources, under their hash.
	for _, name := range []string{"a.jpg", "sub/b.JPG", "sub/deep/c.dat"} {
		want, _ := os.ReadFile(filepath.Join(src, name))
		p, _ := a.OriginalPath(rr.results[name].ID)
		have, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(have, want) {
			t.Errorf("original of %s differs from its source (%v)", name, err)
		}
	}

	// A second run reads nothing: all unchanged; the failures are tried again.
	calls := r.calls
	rr2 := ingestDir(t, a, src, Options{Renderer: r}, RunOptions{})
	for k, st := range statuses(rr2) {
		wantSt := StatusUnchanged
		if w, ok := want[k]; ok && (w == StatusRejected || w == StatusFailed) {
			wantSt = w
		}
		if st != wantSt {
			t.Errorf("re-run %s: %q, want %q", k, st, wantSt)
		}
	}
	if r.calls > calls+1 { // at most broken.jpg is tried again
		t.Errorf("re-run rendered %d files, want at most 1", r.calls-calls)
	}

	// A copy of the folder elsewhere: every file that was archived is a duplicate.
	cp := filepath.Join(t.TempDir(), "copy")
	copyTree(t, src, cp)
	rr3 := ingestDir(t, a, cp, Options{Renderer: r}, RunOptions{})
	for k, st := range statuses(rr3) {
		if w, ok := want[k]; ok && (w == StatusRejected || w == StatusFailed) {
			continue
		}
		if st != StatusDuplicate {
			t.Errorf("copy %s: %q, want duplicate", k, st)
		}
	}
	if n, _ := a.Store().Count(); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
	rep, err := backup.Verify(context.Background(), a, nil)
	if err != nil || len(rep.Problems) != 0 || rep.Checked != 4 {
		t.Errorf("verify = %+v, %v", rep, err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestIngestSourceErrors(t *testing.T) {
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, ".DS_Store"), []byte("x")) // only junk: still empty
	tests := []struct {
		name string
		src  string
		is   error
	}{
		{"missing", filepath.Join(t.TempDir(), "no-such-folder"), os.ErrNotExist},
		{"empty", empty, ErrNoFiles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(a, Options{}).Run(context.Background(), []string{tt.src}, RunOptions{})
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
		})
	}
}

func TestIngestMetadataCSV(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "le-hoi.jpg"), 16, 16, 1)
	writeJPEG(t, filepath.Join(src, "bad-row.jpg"), 16, 16, 2)
	writeJPEG(t, filepath.Join(src, "sub", "nested.jpg"), 16, 16, 3)
	writeJPEG(t, filepath.Join(src, "sub", "own.jpg"), 16, 16, 4)
	writeFile(t, filepath.Join(src, curation.MetadataFileName), []byte("\ufefffile;title_vi;title_en;keywords;categories;place;visibility;status;captured_at;credit\n"+
		"le-hoi.jpg;Lễ hội Côn Sơn;Con Son festival;\"lễ hội; Côn Sơn\";van-hoa-le-hoi;290;internal;review;2024-02-10 08:00;Sở VHTTDL\n"+
		"bad-row.jpg;;;;;;secret;;;\n"+
		"sub/nested.jpg;Ảnh lồng;;;;;;;;\n"+
		"missing.jpg;Không có;;;;;;;;\n"))
	writeFile(t, filepath.Join(src, "sub", curation.MetadataFileName), []byte("file,title_vi,publish_at,rights_expire_at\nown.jpg,Ảnh riêng,2027-01-01,2030-12-31 17:00\n"))

	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rr := ingestDir(t, a, src, Options{}, RunOptions{Defaults: Defaults{Status: archive.Published}})
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	if r := rr.results["bad-row.jpg"]; r.Status != StatusFailed || !strings.Contains(r.Error, "row 3, column visibility") {
		t.Errorf("bad-row.jpg = %+v, want failed naming row 3, column visibility", r)
	}
	if r := rr.results[curation.MetadataFileName]; r.Status != StatusFailed || !strings.Contains(r.Error, `row 5: no file "missing.jpg"`) {
		t.Errorf("metadata.csv = %+v, want the row naming a missing file reported", r)
	}
	rec, err := a.Store().Get(rr.results["le-hoi.jpg"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Title["vi"] != "Lễ hội Côn Sơn" || rec.Title["en"] != "Con Son festival" || rec.Visibility != archive.Internal ||
		rec.Status != archive.Review || !slices.Equal(rec.Keywords, []string{"lễ hội", "Côn Sơn"}) || rec.Credit != "Sở VHTTDL" ||
		rec.Place == nil || rec.Place.Name != "Thành phố Chí Linh" || !slices.Equal(rec.Categories, []string{"van-hoa-le-hoi"}) {
		t.Errorf("curated record = %+v", rec)
	}
	if rec.CapturedAtSource != "curator" || rec.CapturedAt.Format(time.RFC3339) != "2024-02-10T08:00:00+07:00" ||
		rec.Provenance["title.vi"] != "curator" || rec.Provenance["keywords"] != "curator" {
		t.Errorf("captured %v from %q, provenance %v", rec.CapturedAt, rec.CapturedAtSource, rec.Provenance)
	}
	for name, title := range map[string]string{"sub/nested.jpg": "Ảnh lồng", "sub/own.jpg": "Ảnh riêng"} {
		rec, err := a.Store().Get(rr.results[name].ID)
		if err != nil || rec.Title["vi"] != title || rec.Status != archive.Published {
			t.Errorf("%s: %+v %v", name, rec, err)
		}
	}
	if own, _ := a.Store().Get(rr.results["sub/own.jpg"].ID); own.PublishAt == nil || own.PublishAt.Format(time.RFC3339) != "2027-01-01T00:00:00+07:00" ||
		own.RightsExpireAt == nil || own.RightsExpireAt.Format(time.RFC3339) != "2030-12-31T17:00:00+07:00" || own.UnpublishAt != nil {
		t.Errorf("release window from metadata.csv: %v %v %v", own.PublishAt, own.UnpublishAt, own.RightsExpireAt)
	}

	// Unknown columns stop the run before anything is ingested.
	bad := t.TempDir()
	writeJPEG(t, filepath.Join(bad, "x.jpg"), 8, 8, 5)
	writeFile(t, filepath.Join(bad, curation.MetadataFileName), []byte("file,tittle\nx.jpg,a\n"))
	_, err = New(a, Options{}).Run(context.Background(), []string{bad}, RunOptions{})
	if !errors.Is(err, curation.ErrMetadataCSV) || !strings.Contains(err.Error(), `"tittle"`) {
		t.Fatalf("unknown column err = %v", err)
	}
}

func TestIngestSidecarAndSymlinks(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 16, 16, 1)
	writeFile(t, filepath.Join(src, "a.jpg.xmp"), []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="vi">Chùa Côn Sơn</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`))
	outside := t.TempDir()
	writeJPEG(t, filepath.Join(outside, "target.jpg"), 16, 16, 2)
	if err := os.Symlink(filepath.Join(outside, "target.jpg"), filepath.Join(src, "link.jpg")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rr := ingestDir(t, a, src, Options{}, RunOptions{})
	if got := statuses(rr); len(got) != 1 || got["a.jpg"] != StatusAdded {
		t.Fatalf("statuses = %v, want only a.jpg (sidecar travels with it, link not followed)", got)
	}
	rec, err := a.Store().Get(rr.results["a.jpg"].ID)
	if err != nil || rec.Title["vi"] != "Chùa Côn Sơn" {
		t.Fatalf("sidecar title not applied: %+v %v", rec, err)
	}
	rr = ingestDir(t, a, src, Options{}, RunOptions{FollowSymlinks: true})
	if got := statuses(rr); got["link.jpg"] != StatusAdded {
		t.Fatalf("with FollowSymlinks: %v", got)
	}
}

func TestIngestCancelResumes(t *testing.T) {
	src := t.TempDir()
	for i := range 40 {
		writeJPEG(t, filepath.Join(src, "f"+string(rune('a'+i%26))+string(rune('a'+i/26))+".jpg"), 64, 64, uint8(i))
	}
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err = New(a, Options{Workers: 2, BatchSize: 4}).Run(ctx, []string{src}, RunOptions{OnResult: func(r FileResult) {
		if n++; n == 10 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	done, _ := a.Store().Count()
	if done < 10 || done >= 40 {
		t.Fatalf("%d records after cancel, want at least the 10 reported and fewer than 40", done)
	}
	rr := ingestDir(t, a, src, Options{}, RunOptions{})
	sum := rr.sum
	if rr.err != nil || sum.Added+sum.Unchanged != 40 || sum.Unchanged < done {
		t.Fatalf("resume: %+v %v (had %d)", sum, rr.err, done)
	}
	if entries, _ := os.ReadDir(filepath.Join(a.Root(), "tmp")); len(entries) != 0 {
		t.Errorf("%d temp files left behind", len(entries))
	}
}

// placeholderRenderer draws only placeholders, as when a tool is missing.
type placeholderRenderer struct{}

func (placeholderRenderer) Render(ctx context.Context, in archive.RenderInput) (*archive.RenderResult, error) {
	return &archive.RenderResult{
		Images:   []archive.RenderedImage{{Rendition: archive.Rendition{Name: "thumb", Width: 2, Height: 2, MIME: "image/jpeg", Version: 1, Placeholder: true}, Data: []byte("ph")}},
		Warnings: []string{"thumbs: tool missing; placeholder rendition"},
	}, nil
}

func TestRethumbRepairsPlaceholders(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 16, 16, 1)
	writeJPEG(t, filepath.Join(src, "b.jpg"), 16, 16, 2)
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rr := ingestDir(t, a, src, Options{Renderer: placeholderRenderer{}}, RunOptions{})
	id := rr.results["a.jpg"].ID
	before, _ := a.Store().Get(id)
	if !NeedsRendition(before, 0) || !slices.Contains(before.Warnings, "thumbs: tool missing; placeholder rendition") {
		t.Fatalf("before: %+v", before)
	}
	oldPath, _ := a.RenditionPath(id, before.Renditions[0])
	seq0, _ := a.Store().LastSeq()

	rep, err := New(a, Options{Renderer: &fakeRenderer{}}).Rethumb(context.Background(), RethumbOptions{})
	if err != nil || rep.Selected != 2 || rep.Rendered != 2 || rep.Still != 0 || len(rep.Failed) != 0 {
		t.Fatalf("rethumb = %+v, %v", rep, err)
	}
	after, _ := a.Store().Get(id)
	if NeedsRendition(after, 0) || after.PHash == "" || slices.ContainsFunc(after.Warnings, func(w string) bool { return strings.HasPrefix(w, "thumbs:") }) {
		t.Errorf("after: %+v", after)
	}
	if seq, _ := a.Store().LastSeq(); seq != seq0+2 {
		t.Errorf("rethumb appended %d changes, want 2", seq-seq0)
	}
	if _, err := os.Stat(oldPath); err == nil {
		// Same name and version: the file was replaced in place, not left stale.
		b, _ := os.ReadFile(oldPath)
		if string(b) == "ph" {
			t.Errorf("placeholder bytes still at %s", oldPath)
		}
	}
	// Nothing left to do the second time.
	if rep, _ := New(a, Options{Renderer: &fakeRenderer{}}).Rethumb(context.Background(), RethumbOptions{}); rep.Selected != 0 {
		t.Errorf("second rethumb selected %d", rep.Selected)
	}
}

func TestIngestAuditsAddedRecords(t *testing.T) {
	src, a := newArchiveWithJPEG(t, "a.jpg")
	rr := ingestDir(t, a, src, Options{}, RunOptions{By: "Nguyễn Văn A"})
	h, err := a.Store().History(rr.results["a.jpg"].ID)
	if err != nil || len(h) != 1 || h[0].Who != "Nguyễn Văn A" || h[0].Via != archive.ViaIngest || h[0].Field != "ingest" {
		t.Fatalf("history = %+v, %v", h, err)
	}
	// A re-run adds nothing and audits nothing.
	ingestDir(t, a, src, Options{}, RunOptions{By: "Nguyễn Văn A"})
	if h, _ := a.Store().History(rr.results["a.jpg"].ID); len(h) != 1 {
		t.Errorf("re-run wrote %d entries", len(h)-1)
	}
}

// fakeProber reads nothing: it says every probed video is 640×360, 3 s.
type fakeProber struct{ err error }

func (p fakeProber) Probe(ctx context.Context, path, mime string) (*media.Info, error) {
	if p.err != nil {
		return nil, p.err
	}
	at := time.Date(2024, 2, 10, 1, 2, 3, 0, time.UTC)
	return &media.Info{MIME: mime, Kind: media.KindVideo, Width: 640, Height: 360, DurationS: 3, Codec: "vp9",
		CapturedAt: &at, CapturedAtSource: "container", Title: map[string]string{"x-default": "Hội xuân"}}, nil
}

func TestIngestProbedContainers(t *testing.T) {
	src := t.TempDir()
	// An EBML header: Matroska, which archive/media leaves to ffprobe.
	writeFile(t, filepath.Join(src, "clip.mkv"), []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska...."))
	for _, c := range []struct {
		name   string
		prober Prober
		status FileStatus
		errHas string
	}{
		{"no prober", nil, StatusRejected, "ffprobe (apt install ffmpeg)"},
		{"ffprobe fails", fakeProber{err: errors.New("thumbs: ffprobe: exit status 1: EBML header parsing failed")}, StatusFailed, "EBML header parsing failed"},
		{"probed", fakeProber{}, StatusAdded, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := archive.Open(t.TempDir(), archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			rr := ingestDir(t, a, src, Options{Prober: c.prober}, RunOptions{})
			r := rr.results["clip.mkv"]
			if r.Status != c.status || !strings.Contains(r.Error, c.errHas) {
				t.Fatalf("%+v, want %s with %q", r, c.status, c.errHas)
			}
			if c.status != StatusAdded {
				return
			}
			rec, err := a.Store().Get(r.ID)
			if err != nil || rec.MIME != "video/x-matroska" || rec.Kind != "video" || rec.Width != 640 || rec.DurationS == nil ||
				*rec.DurationS != 3 || rec.Codec != "vp9" || rec.Title["x-default"] != "Hội xuân" ||
				rec.CapturedAt.Format(time.RFC3339) != "2024-02-10T08:02:03+07:00" {
				t.Errorf("record %+v %v", rec, err)
			}
		})
	}
}

// failingArchive is an archive whose store fails on the failAt-th commit
// and every one after it, as a full disk would.
type failingArchive struct {
	*archive.Archive
	failAt  int
	commits atomic.Int32
}

var errDiskFull = errors.New("disk full")

func (f *failingArchive) CommitIngest(batch []archive.IngestItem, by string) (uint64, error) {
	if int(f.commits.Add(1)) >= f.failAt {
		return 0, errDiskFull
	}
	return f.Archive.CommitIngest(batch, by)
}

func TestIngestStopsWhenTheStoreFails(t *testing.T) {
	src := t.TempDir()
	const files = 60
	for i := range files {
		writeJPEG(t, filepath.Join(src, fmt.Sprintf("f%03d.jpg", i)), 32, 32, uint8(i))
	}
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const workers, failAt = 2, 3
	fa := &failingArchive{Archive: a, failAt: failAt}
	r := &fakeRenderer{}
	var results []FileResult
	sum, err := New(fa, Options{Renderer: r, Workers: workers, BatchSize: 1}).Run(context.Background(), []string{src},
		RunOptions{OnResult: func(res FileResult) { results = append(results, res) }})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("err = %v, want the store's error", err)
	}
	if n := strings.Count(err.Error(), errDiskFull.Error()); n != 1 {
		t.Errorf("the store's error appears %d times in %q", n, err)
	}
	for _, res := range results {
		if res.Status != StatusAdded {
			t.Errorf("result after the failure: %+v", res)
		}
	}
	if len(results) != failAt-1 || sum.Added != failAt-1 {
		t.Errorf("reported %d results, summary %+v; want the %d committed before the failure", len(results), sum, failAt-1)
	}
	// Beyond the committed files, only the files in flight were rendered:
	// one per worker, one waiting in each worker's slot of the queue to the
	// committer, and the one whose commit failed.
	// (A worker the run stopped waiting for may still be rendering.)
	r.mu.Lock()
	calls := r.calls
	r.mu.Unlock()
	if max := failAt + 2*workers + 1; calls > max {
		t.Errorf("%d files rendered, want at most %d after the store failed", calls, max)
	}
	if got, _ := a.Store().Count(); got != failAt-1 {
		t.Errorf("%d records in the store, want %d", got, failAt-1)
	}
}

// damagedRenderer draws a placeholder and says the original is damaged, as
// thumbs does for a truncated photo.
type damagedRenderer struct{}

func (damagedRenderer) Render(ctx context.Context, in archive.RenderInput) (*archive.RenderResult, error) {
	return &archive.RenderResult{
		Images:   []archive.RenderedImage{{Rendition: archive.Rendition{Name: "thumb", Width: 2, Height: 2, MIME: "image/jpeg", Version: 1, Placeholder: true}, Data: []byte("ph")}},
		Warnings: []string{"thumbs: decode image/jpeg: short Huffman data; damaged file, placeholder rendition"},
		Damaged:  true,
	}, nil
}

// TestDamagedKeptForReview: a damaged original is stored with its metadata
// and renditions, marked damaged and put to review whatever status the run
// asked for.
func TestDamagedKeptForReview(t *testing.T) {
	src, a := newArchiveWithJPEG(t, "cut.jpg")
	rr := ingestDir(t, a, src, Options{Renderer: damagedRenderer{}}, RunOptions{Defaults: Defaults{Status: archive.Published}})
	res := rr.results["cut.jpg"]
	if res.Status != StatusAdded || !slices.Contains(res.Warnings, "ingest: the file is damaged; kept as it is, with status review") {
		t.Fatalf("result %+v", res)
	}
	rec, err := a.Store().Get(res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Damaged || rec.Status != archive.Review || rec.Width != 16 || len(rec.Renditions) != 1 {
		t.Errorf("record: damaged %v, status %s, width %d, renditions %v", rec.Damaged, rec.Status, rec.Width, rec.Renditions)
	}
	if p, _ := a.OriginalPath(res.ID); !fileExists(p) {
		t.Error("the original was not stored")
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// stuckRenderer blocks until released, ignoring ctx, as a decoder deep in a
// hostile file does.
type stuckRenderer struct {
	entered chan struct{}
	release chan struct{}
}

func (s *stuckRenderer) Render(ctx context.Context, in archive.RenderInput) (*archive.RenderResult, error) {
	s.entered <- struct{}{}
	<-s.release
	return &archive.RenderResult{}, nil
}

// cancelWhileStuck runs f with a renderer that blocks, ignoring ctx, as a
// decoder deep in a hostile file does; cancels ctx once it is stuck; and
// expects f to return context.Canceled without waiting for it. The
// renderer is released when f has returned.
func cancelWhileStuck(t *testing.T, f func(ctx context.Context, r Renderer) error) {
	t.Helper()
	r := &stuckRenderer{entered: make(chan struct{}, 1), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx, r) }()
	<-r.entered
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("no return while the worker was stuck")
	}
	close(r.release) // the abandoned worker finishes alone
}

// TestStuckWorkerAbandoned: a cancelled run or rethumb returns although its
// worker is stuck in a library that ignores ctx, and writes nothing of the
// abandoned file.
func TestStuckWorkerAbandoned(t *testing.T) {
	src, a := newArchiveWithJPEG(t, "a.jpg")
	t.Run("ingest", func(t *testing.T) {
		cancelWhileStuck(t, func(ctx context.Context, r Renderer) error {
			_, err := New(a, Options{Renderer: r, Workers: 1}).Run(ctx, []string{src}, RunOptions{})
			return err
		})
		if seq, _ := a.Store().LastSeq(); seq != 0 {
			t.Errorf("the store changed (seq %d)", seq)
		}
	})
	t.Run("rethumb", func(t *testing.T) {
		ingestDir(t, a, src, Options{}, RunOptions{NoRenditions: true})
		seq, _ := a.Store().LastSeq()
		cancelWhileStuck(t, func(ctx context.Context, r Renderer) error {
			_, err := New(a, Options{Renderer: r, Workers: 1}).Rethumb(ctx, RethumbOptions{})
			return err
		})
		time.Sleep(50 * time.Millisecond) // let the released worker try to write
		if now, _ := a.Store().LastSeq(); now != seq {
			t.Errorf("the store changed (seq %d → %d) after the rethumb was abandoned", seq, now)
		}
	})
}

// newArchiveWithJPEG opens an empty archive in a temp folder (closed when
// the test ends) and writes one small JPEG called name into a source folder.
func newArchiveWithJPEG(t *testing.T, name string) (src string, a *archive.Archive) {
	t.Helper()
	src = t.TempDir()
	writeJPEG(t, filepath.Join(src, name), 16, 16, 1)
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return src, a
}

// TestIngestPublishNeedsVietnamese: a file to be published (the run's
// --status or its metadata.csv row) without a Vietnamese title is added as
// review, with a warning that says why.
func TestIngestPublishNeedsVietnamese(t *testing.T) {
	tests := []struct {
		name     string
		csv      string // metadata.csv of the folder, "" for none
		defaults Defaults
		want     archive.Status
	}{
		{"--status published, no title", "", Defaults{Status: archive.Published}, archive.Review},
		{"metadata.csv status=published, English title only", "file,title_en,status\nx.jpg,Floating market,published\n", Defaults{}, archive.Review},
		{"metadata.csv status=published with title_vi", "file,title_vi,status\nx.jpg,Chợ nổi,published\n", Defaults{}, archive.Published},
		{"--status published with title_vi", "file,title_vi\nx.jpg,Chợ nổi\n", Defaults{Status: archive.Published}, archive.Published},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeJPEG(t, filepath.Join(src, "x.jpg"), 8, 8, 7)
			if tt.csv != "" {
				writeFile(t, filepath.Join(src, curation.MetadataFileName), []byte(tt.csv))
			}
			a, err := archive.Open(t.TempDir(), archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			rr := ingestDir(t, a, src, Options{}, RunOptions{Defaults: tt.defaults})
			res := rr.results["x.jpg"]
			if rr.err != nil || res.Status != StatusAdded {
				t.Fatalf("ingest: %v %+v", rr.err, res)
			}
			rec, err := a.Store().Get(res.ID)
			if err != nil {
				t.Fatal(err)
			}
			warned := slices.Contains(rec.Warnings, WarnNotPublished) && slices.Contains(res.Warnings, WarnNotPublished)
			if rec.Status != tt.want || warned != (tt.want == archive.Review) {
				t.Errorf("status %s, warnings %q (result %q); want %s, warned %v", rec.Status, rec.Warnings, res.Warnings, tt.want, tt.want == archive.Review)
			}
		})
	}
}
