package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/keys"
)

var whos = []string{"", "portal", "agency", "curator", "revoked"}

// whoName names a subtest run as who.
func whoName(who string) string {
	if who == "" {
		return "anonymous"
	}
	return who
}

// canSee is the visibility table the matrix checks against.
func canSee(who, tag string) bool {
	switch who {
	case "curator":
		return true
	case "agency":
		return tag != "draft"
	default:
		return tag == "pub"
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t, nil)
	tags := []string{"pub", "internal", "draft"}
	for _, who := range whos {
		t.Run(whoName(who), func(t *testing.T) {
			for _, tag := range tags {
				t.Run(tag, func(t *testing.T) {
					id := f.ids[tag]
					for _, rt := range []struct {
						method, path string
						original     bool
					}{
						{"GET", "/v1/assets/" + id, false},
						{"GET", "/v1/assets/" + id + "/renditions/thumb", false},
						{"HEAD", "/v1/assets/" + id + "/renditions/preview", false},
						{"GET", "/v1/assets/" + id + "/original", true},
						{"HEAD", "/v1/assets/" + id + "/original", true},
						{"GET", "/v1/assets/" + id + "/history", false},
						{"PATCH", "/v1/assets/" + id, false},
					} {
						t.Run(rt.method+" "+strings.Replace(rt.path, id, "{id}", 1), func(t *testing.T) {
							curatorOnly := rt.method == "PATCH" || strings.HasSuffix(rt.path, "/history")
							want := http.StatusOK
							switch {
							case who == "revoked":
								want = http.StatusUnauthorized
							case (rt.original || curatorOnly) && who == "":
								want = http.StatusUnauthorized
							case curatorOnly && who != "curator":
								want = http.StatusForbidden // whatever the asset: no existence leak
							case !canSee(who, tag):
								want = http.StatusNotFound
							}
							var body io.Reader
							if rt.method == "PATCH" {
								body = strings.NewReader(`{"add_keywords":["ma trận"]}`)
							}
							resp := f.do(rt.method, rt.path, who, body, "Content-Type", "application/json")
							resp.Body.Close()
							if resp.StatusCode != want {
								t.Errorf("%s %s as %q (%s): %d, want %d", rt.method, rt.path, who, tag, resp.StatusCode, want)
							}
						})
					}
				})
			}
			// Search, facets and stats count only what the caller may see.
			wantN := 0
			for _, tag := range tags {
				if canSee(who, tag) {
					wantN++
				}
			}
			for _, q := range []string{"", "q=" + url.QueryEscape("lễ hội"), "q=status:draft&syntax=query", "status=draft", "visibility=internal",
				"syntax=query&q=" + url.QueryEscape("keyword:mật"), "sort=-ingested_at&status=draft,published,review,withdrawn&visibility=public,internal"} {
				t.Run("search "+q, func(t *testing.T) {
					code, body, _ := f.get("/v1/assets?facets=kind,category,place,keyword,year&"+q, who)
					if who == "revoked" {
						if code != http.StatusUnauthorized {
							t.Errorf("search as revoked: %d", code)
						}
						return
					}
					if code != http.StatusOK {
						t.Fatalf("search %q as %q: %d %s", q, who, code, body)
					}
					var res searchOut
					if err := json.Unmarshal(body, &res); err != nil {
						t.Fatal(err)
					}
					for _, h := range res.Hits {
						for tag, id := range f.ids {
							if h.ID == id && !canSee(who, tag) {
								t.Errorf("search %q as %q leaks %s", q, who, tag)
							}
						}
					}
					if int(res.Total) > wantN || len(res.Hits) > wantN {
						t.Errorf("search %q as %q: total %d, %d hits; sees at most %d", q, who, res.Total, len(res.Hits), wantN)
					}
					for name, counts := range res.Facets {
						sum := 0
						for _, c := range counts {
							sum += c.Count
							if name == "category" && (c.Value == "kinh-te-dau-tu" && !canSee(who, "internal") || c.Value == "lich-su" && !canSee(who, "draft")) {
								t.Errorf("facet %s as %q leaks %s", name, who, c.Value)
							}
							if name == "keyword" && c.Value == "mật" && !canSee(who, "internal") {
								t.Errorf("keyword facet as %q leaks an internal keyword", who)
							}
						}
						if name == "kind" && sum > wantN {
							t.Errorf("kind facet as %q counts %d, sees %d", who, sum, wantN)
						}
					}
					if q == "" && int(res.Total) != wantN {
						t.Errorf("search as %q: total %d, want %d", who, res.Total, wantN)
					}
				})
			}
			code, body, _ := f.get("/v1/stats", who)
			if who == "revoked" {
				if code != http.StatusUnauthorized {
					t.Errorf("stats as revoked: %d", code)
				}
			} else {
				var st archive.Stats
				if code != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Records != wantN {
					t.Errorf("stats as %q: %d %s; want %d records", who, code, body, wantN)
				}
				if has := strings.Contains(string(body), `"last_change"`); has != (who == "curator") {
					t.Errorf("stats as %q: last_change shown %v, want only to curators", who, has)
				}
			}
			// Routes about no asset.
			for _, rt := range []struct {
				method, path string
				body         string
				want         map[string]int
			}{
				{"GET", "/v1/categories", "", nil},
				{"GET", "/v1/places", "", nil},
				{"GET", "/v1/openapi.json", "", nil},
				{"POST", "/v1/ingest", `{"paths":["relative/path"]}`, map[string]int{"": 401, "portal": 403, "agency": 403, "curator": 400}},
				{"GET", "/v1/export", "", map[string]int{"": 401, "portal": 403, "agency": 403, "curator": 200}},
				{"GET", "/v1/keys", "", map[string]int{"": 401, "portal": 403, "agency": 403, "curator": 403}},
				{"GET", "/v1/jobs/0123456789abcdef", "", map[string]int{"": 401, "portal": 403, "agency": 403, "curator": 404}},
				{"POST", "/v1/backup", `{"dest":"relative/path"}`, map[string]int{"": 401, "portal": 403, "agency": 403, "curator": 400}},
				{"GET", "/healthz", "", map[string]int{"revoked": 200}},
				{"GET", "/readyz", "", map[string]int{"revoked": 200}},
				{"GET", "/metrics", "", map[string]int{"": 401, "portal": 403, "agency": 403, "curator": 403, "admin": 200}},
			} {
				t.Run(rt.method+" "+rt.path, func(t *testing.T) {
					want := http.StatusOK
					if who == "revoked" {
						want = http.StatusUnauthorized
					}
					if w, ok := rt.want[who]; ok {
						want = w
					}
					resp := f.do(rt.method, rt.path, who, strings.NewReader(rt.body), "Content-Type", "application/json")
					resp.Body.Close()
					if resp.StatusCode != want {
						t.Errorf("%s %s as %q: %d, want %d", rt.method, rt.path, who, resp.StatusCode, want)
					}
				})
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.IngestRoots = []string{"/tmp", "/nonexistent"} })
	id := f.ids["pub"]
	cases := []struct {
		method, path, who string
		body, ctype       string
		want              int
	}{
		{"GET", "/v1/assets/xyz", "", "", "", 400},
		{"GET", "/v1/assets/" + strings.ToUpper(id), "", "", "", 400},
		{"GET", "/v1/assets/" + strings.Repeat("0", 64), "curator", "", "", 404},
		{"GET", "/v1/assets?page=-1", "", "", "", 400},
		{"GET", "/v1/assets?page=0", "", "", "", 400},
		{"GET", "/v1/assets?page=abc", "", "", "", 400},
		{"GET", "/v1/assets?page=99999999999999999999", "", "", "", 400},
		{"GET", "/v1/assets?page=600&size=20", "", "", "", 400},
		{"GET", "/v1/assets?size=1000000000", "", "", "", 400},
		{"GET", "/v1/assets?size=0", "", "", "", 400},
		{"GET", "/v1/assets?size=201", "", "", "", 400},
		{"GET", "/v1/assets?syntax=query&q=" + url.QueryEscape(`"unbalanced`), "", "", "", 400},
		{"GET", "/v1/assets?syntax=query&q=" + url.QueryEscape("nofield:x"), "", "", "", 400},
		{"GET", "/v1/assets?syntax=query&q=" + url.QueryEscape("width:>abc"), "", "", "", 400},
		{"GET", "/v1/assets?q=" + strings.Repeat("a", 1001), "", "", "", 400},
		{"GET", "/v1/assets?foo=bar", "", "", "", 400},
		{"GET", "/v1/assets?q=a&q=b", "", "", "", 400},
		{"GET", "/v1/assets?kind=cat", "", "", "", 400},
		{"GET", "/v1/assets?from=2020-13-01", "", "", "", 400},
		{"GET", "/v1/assets?from=2024-01-02&to=2024-01-01", "", "", "", 400},
		{"GET", "/v1/assets?near=1,2", "", "", "", 400},
		{"GET", "/v1/assets?near=91,2,3", "", "", "", 400},
		{"GET", "/v1/assets?near=NaN,2,3", "", "", "", 400},
		{"GET", "/v1/assets?bbox=a,b,c,d", "", "", "", 400},
		{"GET", "/v1/assets?sort=random", "", "", "", 400},
		{"GET", "/v1/assets?facets=nope", "", "", "", 400},
		{"GET", "/v1/assets?facet_size=1000", "", "", "", 400},
		{"GET", "/v1/assets?lang=" + url.QueryEscape("@@"), "", "", "", 400},
		{"GET", "/v1/assets?status=secret", "", "", "", 400},
		{"GET", "/v1/assets?visibility=draft", "curator", "", "", 400},
		{"GET", "/v1/assets/" + id + "/renditions/..%2F..%2F..%2Fetc%2Fpasswd", "", "", "", 404},
		{"GET", "/v1/assets/" + id + "/renditions/%2e%2e", "", "", "", 404},
		{"GET", "/v1/assets/" + id + "/renditions/thumb.jpg", "", "", "", 404},
		{"GET", "/v1/assets/" + id + "/renditions/original", "", "", "", 404},
		{"GET", "/v1/assets/..%2F..%2Fetc/renditions/thumb", "", "", "", 400},
		{"GET", "/v1/assets/zz/original", "portal", "", "", 400},
		{"GET", "/v1/nope", "", "", "", 404},
		{"GET", "/nope", "", "", "", 404},
		{"DELETE", "/v1/assets/" + id, "curator", "", "", 405},
		{"POST", "/v1/assets", "", "", "", 405},
		{"GET", "/v1/jobs/x?after=-1", "curator", "", "", 400},
		{"GET", "/v1/jobs/x?offset=1", "curator", "", "", 400},
		{"POST", "/v1/ingest", "curator", "{", "application/json", 400},
		{"POST", "/v1/ingest", "curator", `{"paths":[]}`, "application/json", 400},
		{"POST", "/v1/ingest", "curator", `{"paths":["/nonexistent/x"]}`, "application/json", 400},
		{"POST", "/v1/ingest", "curator", `{"paths":["/tmp"],"status":"gone"}`, "application/json", 400},
		{"POST", "/v1/ingest", "curator", `{"paths":["/tmp"],"extra":1}`, "application/json", 400},
		{"POST", "/v1/ingest", "curator", `x`, "text/plain", 415},
		{"POST", "/v1/ingest", "curator", "--x--", "multipart/form-data; boundary=x", 400},
		{"POST", "/v1/ingest", "curator", strings.Repeat("a", 2<<20), "application/json", 413},
		{"GET", "/v1/assets", "", "", "", 200},
	}
	for _, c := range cases {
		what := c.method + " " + c.path
		if len(what) > 120 {
			what = what[:120]
		}
		t.Run(what, func(t *testing.T) {
			hdr := []string{}
			if c.ctype != "" {
				hdr = append(hdr, "Content-Type", c.ctype)
			}
			resp := f.do(c.method, c.path, c.who, strings.NewReader(c.body), hdr...)
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("%s as %q: %d, want %d: %s", what, c.who, resp.StatusCode, c.want, buf.String())
			}
			if c.want >= 400 {
				checkProblem(t, what, c.want, buf.Bytes(), resp.Header)
			}
		})
	}
	// Authorization headers that are not a usable key.
	for _, h := range []string{"Bearer", "Bearer ", "Basic abc", "Bearer hdk_nope", "bearer " + strings.Repeat("x", 500)} {
		t.Run(strconv.Quote(h[:min(len(h), 24)]), func(t *testing.T) {
			req, _ := http.NewRequest("GET", f.ts.URL+"/v1/assets", nil)
			req.Header.Set("Authorization", h)
			resp, err := f.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("Authorization %q: %d", h, resp.StatusCode)
			}
			checkProblem(t, "auth "+h, 401, buf.Bytes(), resp.Header)
		})
	}
}

// TestIngestPathsRefused: curators ingest only from the ingest roots, and
// never from a path that is not a regular file or folder; nothing is read
// before the answer.
func TestIngestPathsRefused(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "a.jpg"), jpegBytes(t, 8, 8, 1), 0o644)
	os.Mkdir(filepath.Join(root, "le-hoi"), 0o755)
	os.WriteFile(filepath.Join(root, "le-hoi", "a.jpg"), jpegBytes(t, 8, 8, 2), 0o644)
	os.Symlink(outside, filepath.Join(root, "escape"))
	fifo := filepath.Join(root, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	tests := []struct {
		name  string
		roots []string
		path  string
		want  int
	}{
		{"no roots", nil, filepath.Join(root, "le-hoi"), 403},
		{"slash", []string{root}, "/", 403},
		{"outside", []string{root}, outside, 403},
		{"dot-dot", []string{root}, root + "/../" + filepath.Base(outside), 403},
		{"symlink out", []string{root}, filepath.Join(root, "escape"), 403},
		{"fifo", []string{root}, fifo, 400},
		{"device", []string{"/dev"}, "/dev/zero", 400},
		{"inside", []string{root}, filepath.Join(root, "le-hoi"), 202},
		{"the root", []string{root}, root, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.IngestRoots = tt.roots })
			body, _ := json.Marshal(IngestRequest{Paths: []string{tt.path}})
			resp := f.do("POST", "/v1/ingest", "curator", bytes.NewReader(body), "Content-Type", "application/json")
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("%s: %d, want %d: %s", tt.path, resp.StatusCode, tt.want, b)
			}
			if tt.want >= 400 {
				checkProblem(t, tt.name, tt.want, b, resp.Header)
			}
		})
	}
}

func TestRenditionCaching(t *testing.T) {
	f := newFixture(t, nil)
	pub, internal := f.ids["pub"], f.ids["internal"]
	code, body, h := f.get("/v1/assets/"+pub+"/renditions/thumb", "")
	if code != 200 || len(body) == 0 || h.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumb: %d %v", code, h)
	}
	etag := h.Get("ETag")
	if etag != fmt.Sprintf(`"%s-thumb-v2-r%s"`, pub, rightsOf(f.rec(pub), f.ts.URL).Hash()) {
		t.Errorf("ETag %q", etag)
	}
	if cc := h.Get("Cache-Control"); cc != "public, max-age=300, must-revalidate" {
		t.Errorf("public Cache-Control %q: a withdrawal must reach shared caches within minutes", cc)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	code, body, _ = f.get("/v1/assets/"+pub+"/renditions/thumb", "", "If-None-Match", etag)
	if code != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", code, len(body))
	}
	resp := f.do("HEAD", "/v1/assets/"+pub+"/renditions/preview", "", nil)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength <= 0 || resp.Header.Get("ETag") == "" {
		t.Errorf("HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	_, _, h = f.get("/v1/assets/"+internal+"/renditions/thumb", "agency")
	if cc := h.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("internal Cache-Control %q", cc)
	}
	// Withdrawn: a cache revalidating with its ETag is told the rendition
	// is gone, not "not modified".
	status := archive.Withdrawn
	if _, _, err := curation.New(f.a).Edit(t.Context(), pub, curation.Edit{Status: &status}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	code, _, h = f.get("/v1/assets/"+pub+"/renditions/thumb", "", "If-None-Match", etag)
	if code != http.StatusNotFound || h.Get("Cache-Control") != "no-store" {
		t.Errorf("revalidation after withdrawal: %d %q", code, h.Get("Cache-Control"))
	}
}

func TestOriginalDownload(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	want := f.content[id]
	var mu sync.Mutex
	var served []string
	f.srv.deps.OnServed = func(sid, role, what string) {
		mu.Lock()
		served = append(served, sid[:8]+" "+role+" "+what)
		mu.Unlock()
	}
	code, body, h := f.get("/v1/assets/"+id+"/original", "portal")
	if code != 200 || !bytes.Equal(body, want) {
		t.Fatalf("original: %d, %d bytes", code, len(body))
	}
	if h.Get("Content-Type") != "image/jpeg" || h.Get("Accept-Ranges") != "bytes" {
		t.Errorf("headers %v", h)
	}
	cd := h.Get("Content-Disposition")
	if cd != `attachment; filename="Le hoi Con Son.jpg"; filename*=UTF-8''L%E1%BB%85%20h%E1%BB%99i%20C%C3%B4n%20S%C6%A1n.jpg` {
		t.Errorf("Content-Disposition %q", cd)
	}
	code, body, h = f.get("/v1/assets/"+id+"/original", "portal", "Range", "bytes=10-19")
	if code != http.StatusPartialContent || !bytes.Equal(body, want[10:20]) ||
		h.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", len(want)) {
		t.Errorf("range: %d %q %q", code, h.Get("Content-Range"), body)
	}
	code, _, _ = f.get("/v1/assets/"+id+"/original", "portal", "Range", "bytes=999999-")
	if code != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("bad range: %d", code)
	}
	code, _, _ = f.get("/v1/assets/"+id+"/original", "portal", "If-None-Match", `"`+id+`"`)
	if code != http.StatusNotModified {
		t.Errorf("original If-None-Match: %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	// The full download and the range count; 416 and 304 do not.
	if len(served) != 2 || served[0] != id[:8]+" portal original" {
		t.Errorf("served %v", served)
	}
}

func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"Lễ hội Côn Sơn.jpg":    `attachment; filename="Le hoi Con Son.jpg"; filename*=UTF-8''L%E1%BB%85%20h%E1%BB%99i%20C%C3%B4n%20S%C6%A1n.jpg`,
		"Đền \"Kiếp\" Bạc;.pdf": `attachment; filename="Den _Kiep_ Bac_.pdf"; filename*=UTF-8''%C4%90%E1%BB%81n%20%22Ki%E1%BA%BFp%22%20B%E1%BA%A1c%3B.pdf`,
		"":                      `attachment; filename="abc"; filename*=UTF-8''abc`,
	} {
		t.Run(strconv.Quote(name), func(t *testing.T) {
			if got := contentDisposition(name, "abc"); got != want {
				t.Errorf("contentDisposition(%q) = %s, want %s", name, got, want)
			}
		})
	}
}

func TestAssetRecordAndLang(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	code, body, _ := f.get("/v1/assets/"+id, "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var rec map[string]any
	json.Unmarshal(body, &rec)
	if rec["attribution"] != "Nguyễn Thị Ánh / Sở VHTTDL · © 2024 Nguyễn Thị Ánh · CC BY 4.0" {
		t.Errorf("attribution %q", rec["attribution"])
	}
	rs := rec["renditions"].([]any)
	if len(rs) != 2 || rs[0].(map[string]any)["url"] != "/v1/assets/"+id+"/renditions/thumb" {
		t.Errorf("renditions %v", rs)
	}
	for _, field := range []string{"id", "kind", "mime", "size", "original_name", "source_path", "ingested_at", "captured_at", "title", "keywords", "visibility", "status", "renditions"} {
		t.Run(field, func(t *testing.T) {
			if _, ok := rec[field]; !ok {
				t.Errorf("record has no %s", field)
			}
		})
	}
	for _, c := range []struct{ lang, title, served string }{
		{"en,vi", "Con Son festival", "en"},
		{"fr", "Lễ hội Côn Sơn", "vi"},
		{"", "Lễ hội Côn Sơn", "vi"},
	} {
		t.Run("lang="+c.lang, func(t *testing.T) {
			_, body, _ := f.get("/v1/assets?q=c%C3%B4n+s%C6%A1n&lang="+c.lang, "")
			var res searchOut
			json.Unmarshal(body, &res)
			if len(res.Hits) != 1 || res.Hits[0].Title != c.title || res.Hits[0].Lang != c.served {
				t.Errorf("lang=%s: %s", c.lang, body)
			}
		})
	}
	_, body, _ = f.get("/v1/assets?status=draft&lang=en", "curator")
	var res searchOut
	json.Unmarshal(body, &res)
	if len(res.Hits) != 1 || res.Hits[0].Lang != "x-default" || res.Hits[0].Title != "Lễ hội bản nháp" {
		t.Errorf("x-default: %s", body)
	}
	for _, p := range []string{"/v1/categories", "/v1/places"} {
		t.Run(p, func(t *testing.T) {
			code, body, _ := f.get(p, "")
			if code != 200 || !strings.Contains(string(body), "van-hoa-le-hoi") && !strings.Contains(string(body), "Thanh Hà") {
				t.Errorf("%s: %d %s", p, code, body)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.RateAnon, c.BurstAnon, c.RateKey, c.BurstKey = 0.5, 2, 100, 100 })
	var codes []int
	var retry string
	for range 4 {
		resp := f.do("GET", "/v1/categories", "", nil)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 {
			retry = resp.Header.Get("Retry-After")
			if resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Error("429 is not a problem")
			}
		}
	}
	if codes[0] != 200 || codes[1] != 200 || codes[3] != 429 || retry == "" || retry == "0" {
		t.Errorf("anonymous codes %v, Retry-After %q", codes, retry)
	}
	for range 4 {
		resp := f.do("GET", "/v1/categories", "agency", nil)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("key limited: %d", resp.StatusCode)
		}
	}
	code, body, _ := f.get("/metrics", "admin")
	if code != 200 || !strings.Contains(string(body), `archive_http_rate_limited_total{client="anonymous"}`) ||
		!strings.Contains(string(body), `archive_http_requests_total{code="200",method="GET",route="/v1/categories"}`) {
		t.Errorf("metrics: %d\n%s", code, body)
	}
}

func TestCORSAndRequestID(t *testing.T) {
	f := newFixture(t, nil)
	resp := f.do("OPTIONS", "/v1/assets", "", nil, "Origin", "https://portal.example", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "Authorization")
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://portal.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp = f.do("GET", "/v1/assets", "", nil, "Origin", "https://evil.example", "X-Request-ID", "abc-123")
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS allowed an unknown origin")
	}
	if resp.Header.Get("X-Request-ID") != "abc-123" {
		t.Errorf("request id %q", resp.Header.Get("X-Request-ID"))
	}
	resp = f.do("GET", "/v1/assets", "", nil, "X-Request-ID", "bad id with spaces and <html>")
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-ID"); len(id) != 16 {
		t.Errorf("unsafe request id kept: %q", id)
	}
}

// panicky makes Get panic, to check recovery.
type panicky struct{ Records }

func (panicky) Get(string) (*archive.Record, error) { panic("secret detail") }

func TestPanicRecovery(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.deps.Records = panicky{}
	code, body, h := f.get("/v1/assets/"+f.ids["pub"], "")
	if code != 500 || strings.Contains(string(body), "secret") {
		t.Fatalf("%d %s", code, body)
	}
	checkProblem(t, "panic", 500, body, h)
}

func TestUploadIngestJob(t *testing.T) {
	f := newFixture(t, nil)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	addFile := func(field, name string, data []byte) {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		w.Write(data)
	}
	addFile("files", "Lễ hội Côn Sơn.jpg", jpegBytes(t, 50, 40, 77))
	addFile("files", "le-hoi/b.jpg", jpegBytes(t, 50, 40, 78))
	addFile("metadata", "anything.csv", []byte("file,title_vi,categories\nLễ hội Côn Sơn.jpg,Khai hội mùa xuân,van-hoa-le-hoi\n"))
	mw.WriteField("status", "published")
	mw.WriteField("visibility", "public")
	mw.Close()
	resp := f.do("POST", "/v1/ingest", "curator", &buf, "Content-Type", mw.FormDataContentType())
	var job Job
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != 202 || job.ID == "" || resp.Header.Get("Location") != "/v1/jobs/"+job.ID {
		t.Fatalf("submit: %d %+v", resp.StatusCode, job)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !job.Finished() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		_, body, _ := f.get("/v1/jobs/"+job.ID, "curator")
		job = Job{}
		json.Unmarshal(body, &job)
	}
	if job.State != JobDone || job.Summary == nil || job.Summary.Added != 2 || len(job.Results) != 2 {
		t.Fatalf("job %+v", job)
	}
	paths := map[string]string{}
	for _, r := range job.Results {
		paths[r.Path] = r.ID
	}
	id := paths["Lễ hội Côn Sơn.jpg"]
	if id == "" || paths["le-hoi/b.jpg"] == "" {
		t.Fatalf("result paths %v", paths)
	}
	rec, err := f.a.Store().Get(id)
	if err != nil || rec.Title["vi"] != "Khai hội mùa xuân" || rec.SourcePath != "Lễ hội Côn Sơn.jpg" || rec.Status != archive.Published {
		t.Fatalf("record %+v %v", rec, err)
	}
	rec2, _ := f.a.Store().Get(paths["le-hoi/b.jpg"])
	if rec2 == nil || rec2.SourcePath != "le-hoi/b.jpg" {
		t.Errorf("subfolder record %+v", rec2)
	}
	_, body, _ := f.get("/v1/assets?q="+url.QueryEscape("khai hội"), "")
	if !strings.Contains(string(body), id) {
		t.Errorf("ingested asset not found by anonymous search: %s", body)
	}
	_, body, _ = f.get("/v1/jobs/"+job.ID+"?after=1", "curator")
	var j2 Job
	json.Unmarshal(body, &j2)
	if len(j2.Results) != 1 || j2.ResultsTotal != 2 || j2.ResultsOffset != 1 {
		t.Errorf("after=1: %s", body)
	}
	// Hostile names are refused.
	for _, name := range []string{"../x.jpg", "/etc/x.jpg", "a/../../x.jpg", ".hidden.jpg", `..\x.jpg`} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename=%q`, name))
			w, _ := mw.CreatePart(h)
			w.Write([]byte("x"))
			mw.Close()
			code, body, hd := func() (int, []byte, http.Header) {
				resp := f.do("POST", "/v1/ingest", "curator", &b, "Content-Type", mw.FormDataContentType())
				defer resp.Body.Close()
				var bb bytes.Buffer
				bb.ReadFrom(resp.Body)
				return resp.StatusCode, bb.Bytes(), resp.Header
			}()
			if code != 400 {
				t.Errorf("upload %q: %d %s", name, code, body)
			} else {
				checkProblem(t, "upload "+name, 400, body, hd)
			}
		})
	}
}

// TestMetricsOnTheirOwnAddress: with metrics_addr the API's /metrics is
// gone, and MetricsHandler (served there) answers anyone.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MetricsAddr = "127.0.0.1:9100" })
	if code, _, _ := f.get("/metrics", "admin"); code != http.StatusNotFound {
		t.Errorf("/metrics on the API address: %d, want 404", code)
	}
	rec := httptest.NewRecorder()
	f.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "archive_http_requests_total") {
		t.Errorf("metrics handler: %d", rec.Code)
	}
}

// TestKeysAPI: admin keys manage keys over HTTP; a created key works at
// once, a rotated one is replaced, an expired one is refused.
func TestKeysAPI(t *testing.T) {
	f := newFixture(t, nil)
	post := func(path, who, body string, out any) int {
		t.Helper()
		resp := f.do("POST", path, who, strings.NewReader(body), "Content-Type", "application/json")
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, who, body string
		want            int
	}{
		{"anonymous", "", `{"name":"x","role":"portal"}`, 401},
		{"curator", "curator", `{"name":"x","role":"portal"}`, 403},
		{"bad role", "admin", `{"name":"x","role":"root"}`, 400},
		{"no name", "admin", `{"name":" ","role":"portal"}`, 400},
		{"past expiry", "admin", `{"name":"x","role":"portal","expires_at":"2001-01-01T00:00:00Z"}`, 400},
		{"trailing bytes", "admin", `{"name":"x","role":"portal"} x`, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code := post("/v1/keys", c.who, c.body, nil); code != c.want {
				t.Errorf("%d, want %d", code, c.want)
			}
		})
	}
	var nk NewKey
	if code := post("/v1/keys", "admin", `{"name":"Cổng tỉnh","role":"agency","expires_at":"2999-01-01T00:00:00Z"}`, &nk); code != 201 || !strings.HasPrefix(nk.Key, "hdk_") || nk.ExpiresAt == nil {
		t.Fatalf("create: %d %+v", code, nk)
	}
	f.keys["new"] = nk.Key
	if code, _, _ := f.get("/v1/assets/"+f.ids["internal"], "new"); code != 200 {
		t.Errorf("the new key: %d", code)
	}
	var rotated NewKey
	if code := post("/v1/keys/"+nk.ID+"/rotate", "admin", "", &rotated); code != 201 || rotated.ID == nk.ID || rotated.Name != "Cổng tỉnh" {
		t.Fatalf("rotate: %d %+v", code, rotated)
	}
	if code, _, _ := f.get("/v1/assets", "new"); code != 401 {
		t.Errorf("the rotated-out key: %d, want 401", code)
	}
	if code := post("/v1/keys/"+nk.ID+"/rotate", "admin", "", nil); code != 409 {
		t.Errorf("rotating a revoked key: %d, want 409", code)
	}
	if code := post("/v1/keys/ffffffffffff/revoke", "admin", "", nil); code != 404 {
		t.Errorf("revoking an unknown key: %d, want 404", code)
	}
	code, body, _ := f.get("/v1/keys", "admin")
	var list struct{ Keys []keys.APIKey }
	if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Keys) < 6 || strings.Contains(string(body), rotated.Key) {
		t.Fatalf("list: %d %s", code, body)
	}
	for _, k := range list.Keys {
		if k.ID == f.keyID("curator") && k.LastUsedAt == nil {
			t.Errorf("the curator key's last use is not recorded: %+v", k)
		}
	}
}
