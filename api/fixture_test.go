package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/indexer"
)

// fixture is a real archive and index in a temp dir with three assets
// (public published, internal published, public draft) and one key of
// each role plus a revoked one, served by httptest.
type fixture struct {
	t       *testing.T
	a       *archive.Archive
	ix      *indexer.Index
	srv     *Server
	ts      *httptest.Server
	ids     map[string]string // pub | internal | draft → id
	keys    map[string]string // portal | agency | curator | revoked → token
	content map[string][]byte // id → original bytes
}

func jpegBytes(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x*3) + seed, uint8(y * 2), seed * 5, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// putAsset stores a record with its original and two renditions.
func putAsset(t testing.TB, a *archive.Archive, rec *archive.Record, original, rendition []byte) {
	t.Helper()
	sum := sha256.Sum256(original)
	rec.ID = hex.EncodeToString(sum[:])
	rec.Size = int64(len(original))
	p, _ := a.OriginalPath(rec.ID)
	writeFile(t, p, original)
	for _, name := range archive.RenditionNames() {
		r := archive.Rendition{Name: name, Width: 32, Height: 24, MIME: "image/jpeg", Version: 2, Size: int64(len(rendition))}
		rp, _ := a.RenditionPath(rec.ID, r)
		writeFile(t, rp, rendition)
		rec.Renditions = append(rec.Renditions, r)
	}
	if _, err := a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func baseRecord(name string, vis archive.Visibility, st archive.Status, title map[string]string) *archive.Record {
	at := time.Date(2024, 2, 10, 9, 0, 0, 0, archive.DefaultLocation())
	return &archive.Record{
		Kind: "photo", MIME: "image/jpeg", OriginalName: name, SourcePath: "le-hoi/" + name,
		IngestedAt: at, UpdatedAt: at, CapturedAt: &at, Title: title, Description: map[string]string{},
		Keywords: []string{"lễ hội"}, Creator: "Nguyễn Thị Ánh", Credit: "Sở VHTTDL", Rights: "© 2024 Nguyễn Thị Ánh",
		Licence: "cc-by-4.0", Categories: []string{"van-hoa-le-hoi"}, Place: &archive.Place{Code: "290", Name: "Thành phố Chí Linh"},
		Visibility: vis, Status: st, Provenance: map[string]string{},
	}
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	f := &fixture{t: t, a: a, ids: map[string]string{}, keys: map[string]string{}, content: map[string][]byte{}}
	rend := jpegBytes(t, 32, 24, 1)
	for i, c := range []struct {
		tag   string
		vis   archive.Visibility
		st    archive.Status
		name  string
		title map[string]string
	}{
		{"pub", archive.Public, archive.Published, "Lễ hội Côn Sơn.jpg", map[string]string{"vi": "Lễ hội Côn Sơn", "en": "Con Son festival"}},
		{"internal", archive.Internal, archive.Published, "noi-bo.jpg", map[string]string{"vi": "Lễ hội nội bộ"}},
		{"draft", archive.Public, archive.Draft, "nhap.jpg", map[string]string{"x-default": "Lễ hội bản nháp"}},
	} {
		orig := jpegBytes(t, 40, 30, uint8(10+i))
		rec := baseRecord(c.name, c.vis, c.st, c.title)
		if c.tag == "internal" {
			rec.Categories = []string{"kinh-te-dau-tu"}
			rec.Keywords = []string{"lễ hội", "mật"}
		}
		if c.tag == "draft" {
			rec.Kind, rec.Categories = "video", []string{"lich-su"}
		}
		putAsset(t, a, rec, orig, rend)
		f.ids[c.tag] = rec.ID
		f.content[rec.ID] = orig
	}
	now := time.Now()
	for _, role := range []keys.Role{keys.RolePortal, keys.RoleAgency, keys.RoleCurator, keys.RoleAdmin} {
		tok, _, err := keys.New(a.Store()).Create("Sở Du lịch "+string(role), role, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		f.keys[string(role)] = tok
	}
	tok, k, err := keys.New(a.Store()).Create("Cũ", keys.RoleCurator, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.New(a.Store()).Revoke(k.ID, now); err != nil {
		t.Fatal(err)
	}
	f.keys["revoked"] = tok

	ix, err := indexer.Open(t.Context(), filepath.Join(root, "index.bleve"), a.Store(), indexer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	f.ix = ix
	cfg := DefaultConfig()
	cfg.RateAnon, cfg.RateKey = 0, 0
	cfg.MaxUpload = 1 << 20
	cfg.CORSOrigins = []string{"https://portal.example"}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg, Deps{
		Records: a.Store(), Search: ix, Stats: a.Store(), Files: a, Keys: keys.New(a.Store()), Collections: collections.New(a.Store()), Editor: curation.New(a), Backup: func(ctx context.Context, dest string, o backup.BackupOptions) (*backup.BackupManifest, error) {
			return backup.Backup(ctx, a, dest, o)
		},
		Jobs:     a.Store().Table(JobsTable),
		Ingester: ingest.New(a, ingest.Options{Indexer: ix}), Indexer: ix, UploadDir: filepath.Join(root, "tmp"), Location: a.Location(),
		Maintenance: Maintenance{
			Import: curation.New(a).ImportMetadata, Reports: a,
			Verify: func(ctx context.Context, progress func(archive.Progress)) (*backup.VerifyReport, error) {
				return backup.Verify(ctx, a, progress)
			},
			Rethumb: func(_ context.Context, req RethumbRequest, _ func(archive.Progress)) (*ingest.RethumbReport, error) {
				// No renderer here: the request comes back in the report.
				return &ingest.RethumbReport{Selected: req.Workers, Rendered: map[bool]int{true: 3}[req.All], Failed: []ingest.FileResult{}}, nil
			},
			Reindex: func(ctx context.Context, progress func(done, total int)) (int, error) {
				if err := ix.Rebuild(ctx, progress); err != nil {
					return 0, err
				}
				return a.Store().Count()
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// do sends a request as who ("" anonymous, or a key name of f.keys).
func (f *fixture) do(method, path, who string, body io.Reader, hdr ...string) *http.Response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.keys[who])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

// get returns the status and body.
func (f *fixture) get(path, who string, hdr ...string) (int, []byte, http.Header) {
	f.t.Helper()
	resp := f.do(http.MethodGet, path, who, nil, hdr...)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// checkProblem asserts an RFC 9457 body with the status.
func checkProblem(t *testing.T, what string, code int, body []byte, hdr http.Header) {
	t.Helper()
	if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("%s: body is not JSON: %q", what, body)
		return
	}
	if p.Status != code || p.Title == "" || p.Type == "" || p.RequestID == "" {
		t.Errorf("%s: problem %+v for status %d", what, p, code)
	}
	if strings.Contains(string(body), "goroutine") || strings.Contains(string(body), "panic") {
		t.Errorf("%s: problem leaks internals: %s", what, body)
	}
}

// keyID is the id of the fixture's key for who.
func (f *fixture) keyID(who string) string {
	k, err := keys.New(f.a.Store()).Verify(f.keys[who], time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return k.ID
}
