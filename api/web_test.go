package api

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/archive/media"
)

// browser is a cookie-keeping client of the fixture's pages that does not
// follow redirects.
type browser struct {
	t   *testing.T
	f   *fixture
	jar map[string]string
}

func newBrowser(f *fixture, who string) *browser {
	b := &browser{t: f.t, f: f, jar: map[string]string{}}
	if who != "" {
		id, _, err := keys.New(f.a.Store()).StartSession(f.keys[who], time.Now(), time.Hour)
		if errors.Is(err, keys.ErrKeyRevoked) {
			id = "hds_a-session-that-ended" // what a browser of a revoked key holds
		} else if err != nil {
			f.t.Fatal(err)
		}
		b.jar[sessionCookieName] = id
	}
	return b
}

func (b *browser) do(method, path string, form url.Values, hdr ...string) (int, string, *http.Response) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.ts.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	for k, v := range b.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	c := *b.f.ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(b.jar, ck.Name)
		} else {
			b.jar[ck.Name] = ck.Value
		}
	}
	return resp.StatusCode, string(out), resp
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	code, body, _ := b.do(http.MethodGet, path, nil)
	return code, body
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token reads the CSRF token of a page's form.
func (b *browser) token(path string) string {
	b.t.Helper()
	_, body := b.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

func TestWebSearchVisibility(t *testing.T) {
	f := newFixture(t, nil)
	q := "/?q=" + url.QueryEscape("lễ hội")
	for _, c := range []struct {
		who           string
		pub, int, dra bool
	}{
		{"", true, false, false},
		{"portal", true, false, false},
		{"agency", true, true, false},
		{"curator", true, true, true},
		{"revoked", true, false, false},
	} {
		t.Run(whoName(c.who), func(t *testing.T) {
			code, body := newBrowser(f, c.who).get(q)
			if code != 200 {
				t.Fatalf("%s: search page %d", c.who, code)
			}
			for _, x := range []struct {
				title string
				want  bool
			}{{"Lễ hội Côn Sơn", c.pub}, {"Lễ hội nội bộ", c.int}, {"Lễ hội bản nháp", c.dra}} {
				t.Run(x.title, func(t *testing.T) {
					if strings.Contains(body, x.title) != x.want {
						t.Errorf("%q as %q: shown %v, want %v", x.title, c.who, !x.want, x.want)
					}
				})
			}
			// Facet counts count only what the caller may see.
			if c.who == "" && strings.Contains(body, "Kinh tế") {
				t.Errorf("anonymous facets show the internal asset's category")
			}
		})
	}
	// A revoked key's cookie is cleared.
	b := newBrowser(f, "revoked")
	b.get("/")
	if _, ok := b.jar[sessionCookieName]; ok {
		t.Error("the cookie of a revoked key was kept")
	}
}

func TestWebFacetsAndFilters(t *testing.T) {
	f := newFixture(t, nil)
	b := newBrowser(f, "agency")
	code, body := b.get("/?q=" + url.QueryEscape("lễ hội"))
	if code != 200 || !strings.Contains(body, `<span id="total">2</span>`) {
		t.Fatalf("agency search: %d %s", code, body)
	}
	// The category facet links narrow the search.
	m := regexp.MustCompile(`href="(/\?[^"]*category=kinh-te-dau-tu[^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no facet link for kinh-te-dau-tu in\n%s", body)
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	_, body = b.get(link)
	if !strings.Contains(body, `<span id="total">1</span>`) || !strings.Contains(body, "Lễ hội nội bộ") || strings.Contains(body, "Lễ hội Côn Sơn") {
		t.Errorf("facet link %s did not narrow:\n%s", link, body)
	}
	if !strings.Contains(body, `aria-current="true"`) {
		t.Error("the chosen facet value is not marked")
	}
	// Year facet → from/to; a bad date is a 400 page, not a problem.
	if _, body = b.get("/?from=2024-01-01&to=2024-12-31"); !strings.Contains(body, `<span id="total">2</span>`) {
		t.Errorf("year filter: %s", body)
	}
	if code, body := b.get("/?from=yesterday"); code != 400 || !strings.Contains(body, "from") {
		t.Errorf("bad date: %d", code)
	}
	// Unknown parameters (tracking tags) are ignored, not refused.
	if code, _ := b.get("/?utm_source=mail"); code != 200 {
		t.Errorf("unknown parameter: %d", code)
	}
}

func TestWebAssetPage(t *testing.T) {
	f := newFixture(t, nil)
	pub, internal, draft := f.ids["pub"], f.ids["internal"], f.ids["draft"]
	code, body := newBrowser(f, "").get("/assets/" + pub)
	if code != 200 {
		t.Fatalf("asset page %d", code)
	}
	for _, want := range []string{"Lễ hội Côn Sơn", "Nguyễn Thị Ánh / Sở VHTTDL · © 2024 Nguyễn Thị Ánh · CC BY 4.0",
		`alt="Lễ hội Côn Sơn"`, "/v1/assets/" + pub + "/renditions/preview", "Thành phố Chí Linh"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(body, want) {
				t.Errorf("asset page lacks %q", want)
			}
		})
	}
	if strings.Contains(body, "/original") {
		t.Error("anonymous asset page offers the original")
	}
	if code, _ := newBrowser(f, "").get("/assets/" + internal); code != 404 {
		t.Errorf("internal asset signed out: %d", code)
	}
	code, body = newBrowser(f, "agency").get("/assets/" + internal)
	if code != 200 || !strings.Contains(body, "/v1/assets/"+internal+"/original") {
		t.Errorf("internal asset as agency: %d", code)
	}
	if code, _ := newBrowser(f, "agency").get("/assets/" + draft); code != 404 {
		t.Errorf("draft as agency: %d", code)
	}
	code, body = newBrowser(f, "curator").get("/assets/" + draft)
	if code != 200 || !strings.Contains(body, "Lịch sử thay đổi") || !strings.Contains(body, "/edit") {
		t.Errorf("draft as curator: %d", code)
	}
	if code, _ := newBrowser(f, "").get("/assets/nope"); code != 404 {
		t.Errorf("bad id: %d", code)
	}
	// English with fallback: the internal asset has only a Vietnamese title.
	_, body = newBrowser(f, "agency").get("/assets/" + internal + "?lang=en")
	if !strings.Contains(body, `<h1 lang="vi" id="asset-title">Lễ hội nội bộ</h1>`) || !strings.Contains(body, "Download") {
		t.Errorf("English page with a Vietnamese title:\n%s", body)
	}
}

func TestWebGPSLink(t *testing.T) {
	f := newFixture(t, nil)
	rec, _ := f.a.Store().Get(f.ids["pub"])
	rec.GPS = &media.GPS{Lat: 21.1071, Lon: 106.3957}
	if _, err := f.a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
	_, body := newBrowser(f, "").get("/assets/" + rec.ID)
	if !strings.Contains(body, "21.107100, 106.395700") ||
		!strings.Contains(body, "https://www.openstreetmap.org/?mlat=21.107100&amp;mlon=106.395700#map=15/21.107100/106.395700") {
		t.Errorf("no coordinates or map link:\n%s", body)
	}
}

func TestWebSessionCookieScope(t *testing.T) {
	f := newFixture(t, nil)
	b := newBrowser(f, "agency")
	internal := f.ids["internal"]
	// Renditions and originals: the cookie works for GET.
	if code, _ := b.get("/v1/assets/" + internal + "/renditions/thumb"); code != 200 {
		t.Errorf("thumb of an internal asset with the cookie: %d", code)
	}
	if code, _ := b.get("/v1/assets/" + internal + "/original"); code != 200 {
		t.Errorf("original with the cookie: %d", code)
	}
	if code, _ := newBrowser(f, "").get("/v1/assets/" + internal + "/renditions/thumb"); code != 404 {
		t.Errorf("thumb of an internal asset signed out: %d", code)
	}
	// The JSON API's search and state-changing requests ignore the cookie.
	if _, body := b.get("/v1/assets?q=" + url.QueryEscape("nội bộ")); strings.Contains(body, internal) {
		t.Error("the cookie authenticated a /v1 search")
	}
	c := newBrowser(f, "curator")
	req, _ := http.NewRequest(http.MethodPatch, f.ts.URL+"/v1/assets/"+f.ids["pub"], strings.NewReader(`{"title":{"vi":"x"}}`))
	req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: f.keys["curator"]})
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("PATCH with only the cookie: %d, want 401", resp.StatusCode)
	}
	_ = c
}

func TestWebSignIn(t *testing.T) {
	f := newFixture(t, nil)
	b := newBrowser(f, "")
	tok := b.token("/signin")
	code, _, resp := b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "key": {f.keys["agency"]}, "next": {"/assets/" + f.ids["internal"]}})
	if code != 303 || resp.Header.Get("Location") != "/assets/"+f.ids["internal"] {
		t.Fatalf("sign-in: %d %s", code, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookieName {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/" || !strings.HasPrefix(sc.Value, "hds_") || strings.Contains(sc.Value, f.keys["agency"]) {
		t.Fatalf("session cookie %+v: want a session id, never the key", sc)
	}
	if code, body := b.get("/assets/" + f.ids["internal"]); code != 200 || !strings.Contains(body, "Sở Du lịch agency") {
		t.Errorf("after sign-in: %d", code)
	}
	// Sign out clears it.
	tok = b.token("/")
	if code, _, _ := b.do(http.MethodPost, "/signout", url.Values{"csrf": {tok}}); code != 303 {
		t.Errorf("sign-out: %d", code)
	}
	if _, ok := b.jar[sessionCookieName]; ok {
		t.Error("sign-out kept the cookie")
	}
	// The session ended in the server too: the old cookie is worth nothing.
	b.jar[sessionCookieName] = sc.Value
	if code, _ := b.get("/assets/" + f.ids["internal"]); code != 404 {
		t.Errorf("the signed-out session still sees internal assets: %d", code)
	}
	// Revoking a key ends its sessions.
	b = newBrowser(f, "agency")
	if code, _ := b.get("/assets/" + f.ids["internal"]); code != 200 {
		t.Fatalf("signed in: %d", code)
	}
	var k struct{ ID string }
	resp = f.do("GET", "/v1/keys", "admin", nil)
	var list struct{ Keys []struct{ ID, Role string } }
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	for _, key := range list.Keys {
		if key.Role == "agency" {
			k.ID = key.ID
		}
	}
	if resp := f.do("POST", "/v1/keys/"+k.ID+"/revoke", "admin", nil); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code, _ := b.get("/assets/" + f.ids["internal"]); code != 404 {
		t.Errorf("a session of a revoked key still sees internal assets: %d", code)
	}
	// A wrong key, and an open redirect attempt.
	b = newBrowser(f, "")
	tok = b.token("/signin")
	if code, body, _ := b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "key": {f.keys["revoked"]}}); code != 401 || !strings.Contains(body, "signin-error") {
		t.Errorf("revoked key sign-in: %d", code)
	}
	code, _, resp = b.do(http.MethodPost, "/signin", url.Values{"csrf": {tok}, "key": {f.keys["portal"]}, "next": {"//evil.example/"}})
	if code != 303 || resp.Header.Get("Location") != "/" {
		t.Errorf("open redirect: %d %q", code, resp.Header.Get("Location"))
	}
}

func TestWebCSRF(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	b := newBrowser(f, "curator")
	_, form := b.get("/assets/" + id + "/edit")
	updated := regexp.MustCompile(`name="updated" value="(\d+)"`).FindStringSubmatch(form)
	if updated == nil {
		t.Fatalf("edit form:\n%s", form)
	}
	post := url.Values{"title.vi": {"Lễ hội mùa thu Côn Sơn"}, "updated": {updated[1]}, "visibility": {"public"}, "status": {"published"},
		"category": {"van-hoa-le-hoi"}, "place": {"290"}, "keywords": {"lễ hội"}, "creator": {"Nguyễn Thị Ánh"}, "credit": {"Sở VHTTDL"},
		"rights": {"© 2024 Nguyễn Thị Ánh"}, "licence": {"cc-by-4.0"}, "title.en": {"Con Son festival"}}
	for _, c := range []struct {
		name string
		tok  string
		hdr  []string
	}{
		{"no token", "", nil},
		{"wrong token", "AAAA", nil},
		{"cross-site", csrfRE.FindStringSubmatch(form)[1], []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := maps.Clone(post)
			if c.tok != "" {
				v.Set("csrf", c.tok)
			}
			if code, _, _ := b.do(http.MethodPost, "/assets/"+id+"/edit", v, c.hdr...); code != 403 {
				t.Errorf("%s: %d, want 403", c.name, code)
			}
		})
	}
	// A token of another session does not do either.
	other := newBrowser(f, "agency")
	v := maps.Clone(post)
	v.Set("csrf", other.token("/"))
	if code, _, _ := b.do(http.MethodPost, "/assets/"+id+"/edit", v); code != 403 {
		t.Errorf("another session's token: %d", code)
	}
	if rec, _ := f.a.Store().Get(id); rec.Title["vi"] != "Lễ hội Côn Sơn" {
		t.Fatal("a refused post changed the record")
	}
	// With the token the edit goes through the editor, with an audit entry.
	v = maps.Clone(post)
	v.Set("csrf", csrfRE.FindStringSubmatch(form)[1])
	code, _, resp := b.do(http.MethodPost, "/assets/"+id+"/edit", v)
	if code != 303 || !strings.HasSuffix(resp.Header.Get("Location"), "?saved=1") {
		t.Fatalf("edit: %d", code)
	}
	hist, _ := f.a.Store().History(id)
	if len(hist) != 1 || hist[0].Field != "title.vi" || hist[0].Via != archive.ViaWeb || hist[0].Who != "Sở Du lịch curator" {
		t.Errorf("audit %+v", hist)
	}
	_, body := newBrowser(f, "").get("/?q=" + url.QueryEscape("mùa thu"))
	if !strings.Contains(body, "Lễ hội mùa thu Côn Sơn") {
		t.Error("the edited title is not found by search")
	}
	// The same form again is a conflict: the record changed meanwhile.
	if code, _, _ := b.do(http.MethodPost, "/assets/"+id+"/edit", v); code != 409 {
		t.Errorf("stale form: %d, want 409", code)
	}
	// Agency keys cannot edit; anonymous visitors are sent to sign in.
	if code, _ := newBrowser(f, "agency").get("/assets/" + id + "/edit"); code != 403 {
		t.Errorf("agency edit form: %d", code)
	}
	if code, _, resp := newBrowser(f, "").do(http.MethodGet, "/assets/"+id+"/edit", nil); code != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
		t.Errorf("anonymous edit form: %d", code)
	}
}

func TestWebLangSwitch(t *testing.T) {
	f := newFixture(t, nil)
	b := newBrowser(f, "")
	_, body := b.get("/?q=" + url.QueryEscape("côn sơn"))
	if !strings.Contains(body, `<html lang="vi">`) || !strings.Contains(body, "Lễ hội Côn Sơn") || !strings.Contains(body, "Tìm kiếm") {
		t.Error("default page is not Vietnamese")
	}
	_, body = b.get("/?q=" + url.QueryEscape("côn sơn") + "&lang=en")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Con Son festival") || !strings.Contains(body, "Best match") {
		t.Errorf("lang=en page:\n%s", body)
	}
	if b.jar[langCookieName] != "en" {
		t.Fatalf("lang cookie %q", b.jar[langCookieName])
	}
	// Remembered.
	if _, body = b.get("/"); !strings.Contains(body, `<html lang="en">`) {
		t.Error("language not remembered")
	}
	if _, body = b.get("/?lang=vi"); !strings.Contains(body, `<html lang="vi">`) || b.jar[langCookieName] != "vi" {
		t.Error("switch back to Vietnamese")
	}
	// Categories come from the taxonomy in the chosen language.
	_, body = b.get("/?lang=en")
	if !strings.Contains(body, "Culture, heritage sites and festivals") || !strings.Contains(body, "Chi Linh City") {
		t.Error("English facet labels missing")
	}
}

// TestWebLabels: the server holds the labels of every page language, both
// languages have the same keys, none empty, and every key the templates use
// exists.
func TestWebLabels(t *testing.T) {
	web, err := newWebUI("")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slices.Sorted(maps.Keys(web.labels)), slices.Sorted(slices.Values(pageLangs()))) {
		t.Fatalf("label sets for %v, want %v", slices.Collect(maps.Keys(web.labels)), pageLangs())
	}
	vi, en := web.labels["vi"], web.labels["en"]
	if !slices.Equal(slices.Sorted(maps.Keys(vi)), slices.Sorted(maps.Keys(en))) {
		t.Fatal("vi and en labels have different keys")
	}
	for k := range vi {
		if strings.TrimSpace(vi[k]) == "" || strings.TrimSpace(en[k]) == "" {
			t.Errorf("label %s is empty in a language", k)
		}
	}
	used := map[string]bool{}
	re := regexp.MustCompile(`\.T "([a-z.]+)"`)
	fs.WalkDir(webFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(webFiles, p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return nil
	})
	// Keys the Go code builds.
	goRE := regexp.MustCompile(`T\("([a-z]+\.[a-z]*)"`)
	srcs, _ := filepath.Glob("web*.go")
	for _, src := range srcs {
		b, _ := os.ReadFile(src)
		for _, m := range goRE.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				used[m[1]] = true
			}
		}
	}
	for _, prefix := range []string{"kind.photo", "kind.video", "kind.publication", "vis.public", "vis.internal",
		"status.draft", "status.review", "status.published", "status.withdrawn", "role.portal", "role.agency", "role.curator", "role.admin",
		"job.queued", "job.running", "job.done", "job.failed", "job.interrupted", "err.resume",
		"job.title.backup", "job.title.verify", "job.title.rethumb", "job.title.reindex",
		"sort.relevance", "sort.newest", "sort.oldest", "sort.added", "err.csrf", "err.curator", "err.notfound", "err.slow", "err.noedit", "edit.saved"} {
		used[prefix] = true
	}
	for _, f := range pageFacets() {
		used["facet."+f] = true
	}
	for _, name := range archive.RenditionNames() {
		used["download."+name] = true
	}
	if len(used) < 50 {
		t.Fatalf("found only %d label keys in use", len(used))
	}
	for k := range used {
		if _, ok := vi[k]; !ok {
			t.Errorf("label %q is used but not defined", k)
		}
	}
}

// TestWebLabelsBuiltOnce: a page gets the server's label set of its
// language, not a copy built per request.
func TestWebLabelsBuiltOnce(t *testing.T) {
	f := newFixture(t, nil)
	for _, lang := range pageLangs() {
		t.Run(lang, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/?lang="+lang, nil)
			pg := f.srv.newPage(httptest.NewRecorder(), req)
			if want := f.srv.web.labels[lang]; pg.Lang != lang || reflect.ValueOf(pg.L).UnsafePointer() != reflect.ValueOf(want).UnsafePointer() {
				t.Errorf("page %s has its own labels, not the server's", pg.Lang)
			}
		})
	}
}

func TestWebEscapesUserText(t *testing.T) {
	f := newFixture(t, nil)
	rec, _ := f.a.Store().Get(f.ids["pub"])
	rec.Title["vi"] = `<script>alert("x")</script> Côn Sơn`
	rec.Creator = `<img src=x onerror=alert(1)>`
	if _, err := f.a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/assets/" + rec.ID, "/"} {
		t.Run(p, func(t *testing.T) {
			_, body := newBrowser(f, "curator").get(p)
			if strings.Contains(body, `<script>alert`) || strings.Contains(body, `<img src=x`) {
				t.Errorf("%s: user text not escaped", p)
			}
			if !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Côn Sơn`) {
				t.Errorf("%s: escaped title missing", p)
			}
		})
	}
}

func TestWebHeadersAndStatic(t *testing.T) {
	f := newFixture(t, nil)
	_, _, resp := newBrowser(f, "").do(http.MethodGet, "/", nil)
	if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
		resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("page headers %v", resp.Header)
	}
	for _, p := range []string{"/static/style.css", "/static/app.js"} {
		t.Run(p, func(t *testing.T) {
			if code, body := newBrowser(f, "").get(p); code != 200 || len(body) < 100 {
				t.Errorf("%s: %d", p, code)
			}
		})
	}
	if code, _ := newBrowser(f, "").get("/static/nope.css"); code != 404 {
		t.Errorf("missing static file: %d", code)
	}
	// Unknown paths stay problems; the pages do not swallow them.
	if code, body, _ := newBrowser(f, "").do(http.MethodGet, "/nope", nil); code != 404 || !strings.Contains(body, "not-found") {
		t.Errorf("/nope: %d %s", code, body)
	}
}

func TestWebIngest(t *testing.T) {
	src := t.TempDir()
	f := newFixture(t, func(c *Config) { c.IngestRoots = []string{src} })
	writeFile(t, filepath.Join(src, "a.jpg"), jpegBytes(t, 50, 40, 77))
	writeFile(t, filepath.Join(src, "metadata.csv"), []byte("file,title_vi\na.jpg,Chùa Côn Sơn\n"))
	b := newBrowser(f, "curator")
	tok := b.token("/ingest")
	code, _, resp := b.do(http.MethodPost, "/ingest", url.Values{"csrf": {tok}, "paths": {src}, "status": {"published"}, "visibility": {"public"}})
	if code != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/jobs/") {
		t.Fatalf("ingest post: %d", code)
	}
	jobURL := resp.Header.Get("Location")
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, body = b.get(jobURL)
		if strings.Contains(body, `data-finished="true"`) {
			break
		}
	}
	if !strings.Contains(body, `id="job-summary"`) || !strings.Contains(body, "a.jpg") {
		t.Fatalf("job page:\n%s", body)
	}
	// The progress poll reads the job with the cookie.
	if code, _ := b.get("/v1/jobs/" + strings.TrimPrefix(jobURL, "/jobs/")); code != 200 {
		t.Errorf("job JSON with the cookie: %d", code)
	}
	// A relative path is refused with the API's reason, on the form, in Vietnamese.
	code, body, _ = b.do(http.MethodPost, "/ingest", url.Values{"csrf": {tok}, "paths": {"relative/dir"}, "status": {"draft"}, "visibility": {"public"}})
	if code != 400 || !strings.Contains(body, "không phải đường dẫn tuyệt đối") {
		t.Errorf("relative path: %d", code)
	}
	if code, _ := newBrowser(f, "agency").get("/ingest"); code != 403 {
		t.Errorf("ingest page as agency: %d", code)
	}
}

// TestWebDateLabels: the asset page names a record's date for what it is,
// and a file's modification time is neither a capture date on the cards nor
// a year of the year facet.
func TestWebDateLabels(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	for _, c := range []struct {
		kind       media.Kind
		source     string
		lang, want string
	}{
		{media.KindPhoto, "exif", "vi", "Thời điểm chụp"},
		{media.KindPhoto, "exif", "en", "Taken"},
		{media.KindPhoto, archive.CapturedFromFile, "vi", "Ngày của tệp"},
		{media.KindPhoto, archive.CapturedFromFile, "en", "File date"},
		{media.KindVideo, "quicktime", "vi", "Thời điểm quay"},
		{media.KindVideo, archive.CapturedFromFile, "en", "File date"},
		{media.KindPublication, "pdf", "vi", "Ngày xuất bản"},
		{media.KindPublication, "epub", "en", "Publication date"},
	} {
		t.Run(string(c.kind)+"/"+c.source+"/"+c.lang, func(t *testing.T) {
			rec, err := f.a.Store().Get(id)
			if err != nil {
				t.Fatal(err)
			}
			rec.Kind, rec.CapturedAtSource = c.kind, c.source
			if _, err := f.a.Store().Put(rec); err != nil {
				t.Fatal(err)
			}
			_, body := newBrowser(f, "").get("/assets/" + id + "?lang=" + c.lang)
			if !strings.Contains(body, c.want) {
				t.Errorf("page lacks %q", c.want)
			}
			for _, other := range []string{"Thời điểm chụp", "Taken", "Ngày của tệp", "File date", "Ngày xuất bản", "Publication date", "Thời điểm quay", "Recorded"} {
				if other != c.want && strings.Contains(body, ">"+other) {
					t.Errorf("page also says %q", other)
				}
			}
		})
	}

	// With only a file date, the search page offers the record under
	// "date unknown", not 2024, and that link finds it.
	rec, err := f.a.Store().Get(id)
	if err != nil {
		t.Fatal(err)
	}
	rec.CapturedAtSource = archive.CapturedFromFile
	if _, err := f.a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(f, "")
	_, body := b.get("/?facets=year")
	if strings.Contains(body, ">2024<") {
		t.Errorf("the file date counts as a year:\n%s", body)
	}
	m := regexp.MustCompile(`href="(/\?[^"]*)"[^>]*>\s*(?:<[^>]+>\s*)*Không rõ ngày`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no date-unknown facet link in\n%s", body)
	}
	_, body = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if !strings.Contains(body, `<span id="total">1</span>`) || !strings.Contains(body, "Lễ hội Côn Sơn") || strings.Contains(body, "10/02/2024") {
		t.Errorf("date-unknown link %s:\n%s", m[1], body)
	}
}
