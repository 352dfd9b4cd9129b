package api

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/archive/media"
)

func ptr[T any](v T) *T { return &v }

func TestPatchAndHistory(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	patch := func(body string) (int, []byte) {
		resp := f.do("PATCH", "/v1/assets/"+id, "curator", strings.NewReader(body), "Content-Type", "application/json")
		defer resp.Body.Close()
		var b json.RawMessage
		json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	code, body := patch(`{"title":{"en":"Côn Sơn spring festival"},"add_keywords":["mùa xuân"]}`)
	if code != http.StatusOK || !strings.Contains(string(body), "Côn Sơn spring festival") {
		t.Fatalf("patch: %d %s", code, body)
	}
	// The index knows at once: search finds the new words.
	code, body, _ = f.get("/v1/assets?q="+url.QueryEscape("spring festival"), "")
	if code != http.StatusOK || !strings.Contains(string(body), id) {
		t.Errorf("search after edit: %d %s", code, body)
	}
	for _, c := range []struct {
		body string
		want int
	}{
		{`{"status":"launched"}`, http.StatusUnprocessableEntity}, // not a status at all
		{`{"colour":"red"}`, http.StatusBadRequest},               // unknown field
		{`{"place":"9999"}`, http.StatusUnprocessableEntity},      // unknown code
		{`{"categories":["nope"]}`, http.StatusUnprocessableEntity},
		{`not json`, http.StatusBadRequest},
	} {
		t.Run(c.body, func(t *testing.T) {
			if code, body := patch(c.body); code != c.want || !strings.Contains(string(body), `"status"`) {
				t.Errorf("patch %s: %d %s, want %d with a problem body", c.body, code, body, c.want)
			}
		})
	}
	code, body, _ = f.get("/v1/assets/"+id+"/history", "curator")
	var h struct {
		History []archive.AuditEntry `json:"history"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &h) != nil || len(h.History) != 2 {
		t.Fatalf("history: %d %s", code, body)
	}
	for _, e := range h.History {
		if e.Via != archive.ViaAPI || !strings.Contains(e.Who, "curator") {
			t.Errorf("audit entry %+v: want via api by the curator key's name", e)
		}
	}
}

func TestEmbargo(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	now := time.Now()
	f.srv.deps.Now = func() time.Time { return now }
	at := now.Add(48 * time.Hour)
	rec, err := f.a.Store().Get(id)
	if err != nil {
		t.Fatal(err)
	}
	rec.PublishAt = &at
	if _, err := f.a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	visible := func(who string) (record, search bool) {
		code, _, _ := f.get("/v1/assets/"+id, who)
		_, body, _ := f.get("/v1/assets?q="+url.QueryEscape("Côn Sơn"), who)
		return code == http.StatusOK, strings.Contains(string(body), id)
	}
	for _, who := range []string{"", "portal", "agency"} {
		t.Run(whoName(who), func(t *testing.T) {
			if r, s := visible(who); r || s {
				t.Errorf("before the embargo lifts, %q sees the record (%v) or finds it (%v)", who, r, s)
			}
		})
	}
	if r, s := visible("curator"); !r || !s {
		t.Errorf("curator cannot see the embargoed record (%v, %v)", r, s)
	}
	now = at.Add(time.Minute)
	for _, who := range []string{"", "portal", "agency"} {
		t.Run(whoName(who), func(t *testing.T) {
			if r, s := visible(who); !r || !s {
				t.Errorf("after the embargo, %q: record %v, search %v", who, r, s)
			}
		})
	}
}

// editFormValues is the edit form as the page fills it from rec, with the
// CSRF token and the record's version: what a browser posts unchanged.
func editFormValues(b *browser, rec *archive.Record) url.Values {
	b.t.Helper()
	v := url.Values{"csrf": {b.token("/assets/" + rec.ID + "/edit")}, "updated": {strconv.FormatInt(rec.UpdatedAt.UnixNano(), 10)},
		"keywords": {strings.Join(rec.Keywords, "; ")}, "category": rec.Categories, "creator": {rec.Creator}, "credit": {rec.Credit},
		"rights": {rec.Rights}, "licence": {rec.Licence}, "visibility": {string(rec.Visibility)}, "status": {string(rec.Status)}}
	for l, t := range rec.Title {
		v.Set("title."+l, t)
	}
	for l, d := range rec.Description {
		v.Set("description."+l, d)
	}
	if rec.Place != nil {
		v.Set("place", rec.Place.Code)
	}
	return v
}

// TestPublishNeedsVietnamese: PATCH and the web form refuse to publish a
// record without a Vietnamese title, and to take the title off a published
// one, with the same error.
func TestPublishNeedsVietnamese(t *testing.T) {
	f := newFixture(t, nil)
	draft := f.ids["draft"] // titled in x-default only
	if _, _, err := curation.New(f.a).Edit(t.Context(), draft, curation.Edit{Status: ptr(archive.Review)}, archive.Actor{Who: "t", Via: archive.ViaCLI}); err != nil {
		t.Fatal(err)
	}
	patch := func(id, body string) (int, string) {
		resp := f.do("PATCH", "/v1/assets/"+id, "curator", strings.NewReader(body), "Content-Type", "application/json")
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	t.Run("PATCH publish", func(t *testing.T) {
		if code, body := patch(draft, `{"status":"published"}`); code != http.StatusUnprocessableEntity || !strings.Contains(body, "title.vi") {
			t.Errorf("%d %s, want 422 naming title.vi", code, body)
		}
	})
	t.Run("PATCH clear title.vi", func(t *testing.T) {
		if code, body := patch(f.ids["pub"], `{"title":{"vi":""}}`); code != http.StatusUnprocessableEntity || !strings.Contains(body, "title.vi") {
			t.Errorf("%d %s, want 422 naming title.vi", code, body)
		}
	})
	t.Run("web form publish", func(t *testing.T) {
		b := newBrowser(f, "curator")
		rec, _ := f.a.Store().Get(draft)
		v := editFormValues(b, rec)
		v.Set("status", "published")
		code, body, _ := b.do(http.MethodPost, "/assets/"+draft+"/edit", v)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="edit-error"`) {
			t.Errorf("%d, want 422 with the error on the form\n%s", code, body)
		}
	})
	if rec, _ := f.a.Store().Get(draft); rec.Status != archive.Review {
		t.Errorf("status %s after the refused edits", rec.Status)
	}
	if rec, _ := f.a.Store().Get(f.ids["pub"]); rec.Title["vi"] == "" {
		t.Error("the Vietnamese title of a published record was removed")
	}
}

// TestReleaseWindowEdits: PATCH and the web form set and clear publish_at,
// unpublish_at and the rights expiry, in the archive's time zone, audited;
// the record is hidden outside its window.
func TestReleaseWindowEdits(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	resp := f.do("PATCH", "/v1/assets/"+id, "curator", strings.NewReader(`{"publish_at":"2099-01-01","rights_expire_at":"2100-01-01T00:00:00Z"}`), "Content-Type", "application/json")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("patch: %d", resp.StatusCode)
	}
	rec, _ := f.a.Store().Get(id)
	if rec.PublishAt == nil || rec.PublishAt.Format(time.RFC3339) != "2099-01-01T00:00:00+07:00" ||
		rec.RightsExpireAt == nil || rec.RightsExpireAt.Format(time.RFC3339) != "2100-01-01T07:00:00+07:00" {
		t.Fatalf("after PATCH: publish_at %v, rights_expire_at %v", rec.PublishAt, rec.RightsExpireAt)
	}
	if code, _, _ := f.get("/v1/assets/"+id, ""); code != http.StatusNotFound {
		t.Errorf("embargoed record answers %d to anonymous callers", code)
	}

	b := newBrowser(f, "curator")
	_, form := b.get("/assets/" + id + "/edit")
	if !strings.Contains(form, `name="publish_at" value="2099-01-01T00:00"`) || !strings.Contains(form, "Asia/Ho_Chi_Minh") {
		t.Errorf("the form does not show publish_at in the archive's zone:\n%s", form)
	}
	v := editFormValues(b, rec)
	v.Set("publish_at", "")
	v.Set("unpublish_at", "2098-06-30T17:00")
	v.Set("rights_expire_at", "2100-01-01T07:00") // unchanged
	if code, body, _ := b.do(http.MethodPost, "/assets/"+id+"/edit", v); code != http.StatusSeeOther {
		t.Fatalf("form post: %d\n%s", code, body)
	}
	rec, _ = f.a.Store().Get(id)
	if rec.PublishAt != nil || rec.UnpublishAt == nil || rec.UnpublishAt.Format(time.RFC3339) != "2098-06-30T17:00:00+07:00" {
		t.Errorf("after the form: publish_at %v, unpublish_at %v", rec.PublishAt, rec.UnpublishAt)
	}
	hist, _ := f.a.Store().History(id)
	var fields []string
	for _, e := range hist {
		fields = append(fields, e.Field+"="+string(e.New))
	}
	if got := strings.Join(fields, " "); got != `publish_at="2099-01-01T00:00:00+07:00" rights_expire_at="2100-01-01T07:00:00+07:00" publish_at=null unpublish_at="2098-06-30T17:00:00+07:00"` {
		t.Errorf("audit trail: %s", got)
	}
	if code, _, _ := f.get("/v1/assets/"+id, ""); code != http.StatusOK {
		t.Errorf("record inside its window answers %d", code)
	}
}

// visibleText is a page's text as people read it: without tags.
func visibleText(html string) string {
	return regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(html, " ")
}

// TestWebEditLanguages: the form offers the five languages by name, calls
// x-default "language not stated" (never by its tag) and moves its text to
// a language when asked.
func TestWebEditLanguages(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["draft"] // titled in x-default only
	b := newBrowser(f, "curator")
	for lang, names := range map[string][]string{
		"vi": {"Tiếng Việt", "Tiếng Anh", "Tiếng Trung", "Tiếng Nhật", "Tiếng Hàn", "Chưa rõ ngôn ngữ"},
		"en": {"Vietnamese", "English", "Chinese", "Japanese", "Korean", "Language not stated"},
	} {
		t.Run(lang, func(t *testing.T) {
			_, form := b.get("/assets/" + id + "/edit?lang=" + lang)
			text := visibleText(form)
			for _, n := range names {
				if !strings.Contains(form, "<legend>"+n+"</legend>") {
					t.Errorf("no section %q", n)
				}
			}
			if strings.Contains(text, "x-default") {
				t.Errorf("the page shows x-default to people:\n%s", text)
			}
			for _, tag := range []string{"zh", "ja", "ko"} {
				if !strings.Contains(form, `name="title.`+tag+`"`) {
					t.Errorf("no title field for %s", tag)
				}
			}
		})
	}
	b.get("/?lang=vi") // the pages remember the last language asked for
	post := func(mod func(url.Values)) (int, string) {
		rec, _ := f.a.Store().Get(id)
		v := editFormValues(b, rec)
		mod(v)
		code, body, _ := b.do(http.MethodPost, "/assets/"+id+"/edit", v)
		return code, body
	}
	if code, body := post(func(v url.Values) { v.Set("title.ja", "祭り"); v.Set("title.en", "Festival") }); code != http.StatusSeeOther {
		t.Fatalf("Japanese title: %d\n%s", code, body)
	}
	if code, body := post(func(v url.Values) { v.Set("move.x-default", "en") }); code != http.StatusUnprocessableEntity || !strings.Contains(body, "đã có văn bản riêng") {
		t.Errorf("move onto a language with its own text: %d\n%s", code, body)
	}
	if code, body := post(func(v url.Values) { v.Set("move.x-default", "vi") }); code != http.StatusSeeOther {
		t.Fatalf("move to Vietnamese: %d\n%s", code, body)
	}
	rec, _ := f.a.Store().Get(id)
	if want := map[string]string{"vi": "Lễ hội bản nháp", "en": "Festival", "ja": "祭り"}; !maps.Equal(rec.Title, want) {
		t.Errorf("titles %v, want %v", rec.Title, want)
	}
	if _, form := b.get("/assets/" + id + "/edit"); strings.Contains(form, "Chưa rõ ngôn ngữ") {
		t.Error("the form still offers a section of no stated language after the move")
	}
}

// TestWebHistoryReadable: the history table names fields, categories,
// places, statuses, visibilities and paths in the reader's language, never
// as raw JSON or codes; an edit made in the form is recorded via web.
func TestWebHistoryReadable(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["draft"] // categories ["lich-su"], place 290, x-default title
	b := newBrowser(f, "curator")
	rec, _ := f.a.Store().Get(id)
	v := editFormValues(b, rec)
	v["category"] = []string{"danh-thang", "du-lich"}
	v.Set("place", "294")
	v.Set("visibility", "internal")
	v.Set("status", "review")
	v.Set("publish_at", "2027-01-01T08:00")
	v.Set("title.vi", "Lễ hội")
	if code, body, _ := b.do(http.MethodPost, "/assets/"+id+"/edit", v); code != http.StatusSeeOther {
		t.Fatalf("form post: %d\n%s", code, body)
	}
	hist, _ := f.a.Store().History(id)
	for _, e := range hist {
		if e.Via != archive.ViaWeb {
			t.Errorf("%s recorded via %q, want web", e.Field, e.Via)
		}
	}
	for lang, want := range map[string][]string{
		"vi": {"<td>Chủ đề</td><td>Lịch sử</td><td>Danh lam thắng cảnh; Du lịch</td><td>trang web</td>",
			"<td>Địa danh</td><td>Thành phố Chí Linh</td><td>Huyện Thanh Hà</td>",
			"<td>Phạm vi</td><td>Công khai</td><td>Nội bộ</td>", "<td>Trạng thái</td><td>Bản nháp</td><td>Chờ duyệt</td>",
			"<td>Công bố từ</td><td>—</td><td>01/01/2027 08:00</td>", "<td>Tiêu đề (Tiếng Việt)</td><td>—</td><td>Lễ hội</td>"},
		"en": {"<td>Categories</td><td>History</td><td>Landscapes and landmarks; Tourism</td><td>web pages</td>",
			"<td>Place</td><td>Chi Linh City</td><td>Thanh Ha District</td>", "<td>Status</td><td>Draft</td><td>In review</td>",
			"<td>Published from</td><td>—</td><td>1 Jan 2027 08:00</td>", "<td>Title (Vietnamese)</td><td>—</td><td>Lễ hội</td>"},
	} {
		t.Run(lang, func(t *testing.T) {
			_, page := b.get("/assets/" + id + "?lang=" + lang)
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("history lacks %s", w)
				}
			}
			if strings.Contains(page, `["`) || strings.Contains(page, "danh-thang") {
				t.Errorf("history shows raw JSON or codes:\n%s", page)
			}
		})
	}
}

// TestIngestOSUser: the os_user of an ingest request names who ingested
// only when the local admin token (ROOT/server.json) sends it.
func TestIngestOSUser(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.adminToken, f.keys["local"] = "local-token", "local-token"
	for i, c := range []struct{ who, want string }{{"local", "nguyen"}, {"curator", "Sở Du lịch curator"}} {
		t.Run(c.who, func(t *testing.T) {
			src := t.TempDir()
			writeFile(t, filepath.Join(src, "a.jpg"), jpegBytes(t, 20, 10, uint8(90+i)))
			body, _ := json.Marshal(IngestRequest{Paths: []string{src}, OSUser: "nguyen"})
			resp := f.do("POST", "/v1/ingest", c.who, bytes.NewReader(body), "Content-Type", "application/json")
			var job Job
			json.NewDecoder(resp.Body).Decode(&job)
			resp.Body.Close()
			for deadline := time.Now().Add(30 * time.Second); !job.Finished() && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				_, b, _ := f.get("/v1/jobs/"+job.ID, "curator")
				job = Job{}
				json.Unmarshal(b, &job)
			}
			if job.State != JobDone || len(job.Results) != 1 {
				t.Fatalf("job %+v", job)
			}
			hist, _ := f.a.Store().History(job.Results[0].ID)
			if len(hist) != 1 || hist[0].Who != c.want {
				t.Errorf("ingest recorded as %+v, want %q", hist, c.want)
			}
		})
	}
}

// TestWebSiteTitleFromSettings: the site title names the settings'
// province, as the reports do (archive.SiteTitle).
func TestWebSiteTitleFromSettings(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Province = "Hải Phòng" })
	for lang, want := range map[string]string{"vi": "Kho ảnh quảng bá Hải Phòng", "en": "Hải Phòng promotion archive"} {
		if _, body := newBrowser(f, "").get("/?lang=" + lang); !strings.Contains(body, `class="brand" href="/">`+want+"</a>") {
			t.Errorf("%s: no site title %q", lang, want)
		}
	}
}

// TestWebReasonsInVietnamese: the reasons a curator reads on the pages (a
// file's result and warnings, a refused edit) are in Vietnamese on the
// Vietnamese pages and as written on the English ones.
func TestWebReasonsInVietnamese(t *testing.T) {
	f := newFixture(t, nil)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "a.jpg"), jpegBytes(t, 50, 40, 71)) // no Vietnamese title: added as review
	writeFile(t, filepath.Join(src, "empty.jpg"), nil)
	b := newBrowser(f, "curator")
	code, _, resp := b.do(http.MethodPost, "/ingest", url.Values{"csrf": {b.token("/ingest")}, "paths": {src}, "status": {"published"}, "visibility": {"public"}})
	if code != http.StatusSeeOther {
		t.Fatalf("ingest post: %d", code)
	}
	jobURL := resp.Header.Get("Location")
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, body := b.get(jobURL); strings.Contains(body, `data-finished="true"`) {
			break
		}
	}
	for lang, want := range map[string][]string{
		"vi": {"Thêm mới</a>", "đã thêm ở trạng thái Chờ duyệt, chưa xuất bản: muốn xuất bản cần có tiêu đề tiếng Việt", "Bị từ chối — tệp rỗng"},
		"en": {"Added</a>", ingest.WarnNotPublished, "Rejected — empty file"},
	} {
		t.Run("job page "+lang, func(t *testing.T) {
			_, body := b.get(jobURL + "?lang=" + lang)
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("job page lacks %q:\n%s", w, body)
				}
			}
		})
	}
	b.get("/?lang=vi")
	draft := f.ids["draft"]
	for name, c := range map[string]struct{ status, want string }{
		"skipping review": {"published", "Trạng thái: không thể chuyển trạng thái như vậy"},
		"bad date":        {"draft", "Công bố từ: &#34;mai&#34; không phải ngày giờ hợp lệ"},
	} {
		t.Run(name, func(t *testing.T) {
			rec, _ := f.a.Store().Get(draft)
			v := editFormValues(b, rec)
			v.Set("status", c.status)
			if c.status == "draft" {
				v.Set("publish_at", "mai")
			}
			code, body, _ := b.do(http.MethodPost, "/assets/"+draft+"/edit", v)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
				t.Errorf("%d, want 422 with %q:\n%s", code, c.want, body)
			}
		})
	}
}

func TestAttributionAndLicence(t *testing.T) {
	tests := []struct {
		name                     string
		creator, credit, rights  string
		licence, wantAttribution string
	}{
		{"licence named in the rights", "", "Perkeep authors", "Apache-2.0 (perkeep/perkeep)", "apache-2.0", "Perkeep authors · Apache-2.0 (perkeep/perkeep)"},
		{"CC licence named in the rights", "", "exif-samples contributors", "CC BY-SA 4.0 (ianare/exif-samples)", "cc-by-sa-4.0", "exif-samples contributors · CC BY-SA 4.0 (ianare/exif-samples)"},
		{"licence apart from the rights", "Nguyễn Thị Ánh", "Sở VHTTDL", "© 2024 Nguyễn Thị Ánh", "cc-by-nc-nd-4.0", "Nguyễn Thị Ánh / Sở VHTTDL · © 2024 Nguyễn Thị Ánh · CC BY-NC-ND 4.0"},
		{"CC0", "", "", "", "cc0-1.0", "CC0 1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &archive.Record{Creator: tt.creator, Credit: tt.credit, Rights: tt.rights, Licence: tt.licence}
			if got := attribution(r); got != tt.wantAttribution {
				t.Errorf("attribution = %q, want %q", got, tt.wantAttribution)
			}
		})
	}
}

// TestWebCameraLine: the asset page names the camera without its make
// repeated.
func TestWebCameraLine(t *testing.T) {
	f := newFixture(t, nil)
	rec, _ := f.a.Store().Get(f.ids["pub"])
	rec.Camera = &media.Camera{Make: "Canon", Model: "Canon PowerShot G9"}
	if _, err := f.a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
	_, body := newBrowser(f, "").get("/assets/" + rec.ID)
	if !strings.Contains(body, "<dd>Canon PowerShot G9</dd>") || strings.Contains(body, "Canon Canon") {
		t.Errorf("camera line:\n%s", body)
	}
}
