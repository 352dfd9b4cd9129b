package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestWebCollections(t *testing.T) {
	f := newFixture(t, nil)
	b := newBrowser(f, "agency")
	// The search results and the asset page offer to add to a collection.
	if _, body := b.get("/?q=" + url.QueryEscape("lễ hội")); !strings.Contains(body, `form="add-form"`) || !strings.Contains(body, `value="`+f.ids["internal"]+`"`) {
		t.Fatalf("search results without selection boxes:\n%s", body)
	}
	if _, body := b.get("/assets/" + f.ids["pub"]); !strings.Contains(body, "/collections/add?ids="+f.ids["pub"]) {
		t.Error("the asset page does not offer to add it to a collection")
	}
	if _, body := newBrowser(f, "").get("/?q=" + url.QueryEscape("lễ hội")); strings.Contains(body, `form="add-form"`) {
		t.Error("anonymous visitors are offered collections")
	}
	// Several at once from the search results, into a new collection.
	add := "/collections/add?ids=" + f.ids["pub"] + "&ids=" + f.ids["internal"] + "&ids=" + f.ids["draft"]
	code, body := b.get(add)
	if code != 200 || !strings.Contains(body, "Lễ hội nội bộ") || strings.Contains(body, `value="`+f.ids["draft"]+`"`) {
		t.Fatalf("chooser %d: lists the draft or not the others:\n%s", code, body)
	}
	tok := b.token(add)
	code, _, resp := b.do("POST", "/collections/add", url.Values{"csrf": {tok}, "new_title": {"Tập gấp Côn Sơn"}, "ids": {f.ids["pub"], f.ids["internal"]}})
	if code != http.StatusSeeOther {
		t.Fatalf("add: %d", code)
	}
	page := resp.Header.Get("Location")
	code, body = b.get(page)
	if code != 200 || !strings.Contains(body, "Tập gấp Côn Sơn") || !strings.Contains(body, "Lễ hội nội bộ") || !strings.Contains(body, `id="zip-form"`) {
		t.Fatalf("collection page %d:\n%s", code, body)
	}
	// Move the second first, then share it with downloads.
	tok = b.token(page)
	if code, _, _ := b.do("POST", page, url.Values{"csrf": {tok}, "action": {"movefirst"}, "ids": {f.ids["internal"]}}); code != http.StatusSeeOther {
		t.Fatalf("move: %d", code)
	}
	if _, body = b.get(page); strings.Index(body, "Lễ hội nội bộ") > strings.Index(body, "Lễ hội Côn Sơn") {
		t.Error("the moved asset is not first")
	}
	code, body, _ = b.do("POST", page, url.Values{"csrf": {tok}, "action": {"share"}, "days": {"7"}, "download": {"1"}})
	m := regexp.MustCompile(`href="(/shares/hds_[^"]+)"`).FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("share: %d, no link:\n%s", code, body)
	}
	// The link's page, without a key: both assets, downloads offered.
	code, body = newBrowser(f, "").get(m[1])
	if code != 200 || !strings.Contains(body, "Lễ hội nội bộ") || !strings.Contains(body, "/v1/shares/hds_") || !strings.Contains(body, `value="original"`) {
		t.Fatalf("share page %d:\n%s", code, body)
	}
	// Others see neither the private collection nor its page.
	if code, _ := newBrowser(f, "portal").get(page); code != 404 {
		t.Errorf("portal sees a private collection: %d", code)
	}
	if _, body := newBrowser(f, "portal").get("/collections"); strings.Contains(body, "Tập gấp Côn Sơn") || strings.Contains(body, `id="new-collection"`) {
		t.Error("portal lists the private collection or may create one")
	}
	// Remove; a POST without the token is refused.
	if code, _, _ := b.do("POST", page, url.Values{"action": {"remove"}, "ids": {f.ids["pub"]}}); code != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d", code)
	}
	if code, _, _ := b.do("POST", page, url.Values{"csrf": {tok}, "action": {"remove"}, "ids": {f.ids["pub"]}}); code != http.StatusSeeOther {
		t.Errorf("remove: %d", code)
	}
	if _, body = b.get(page); strings.Contains(body, "Lễ hội Côn Sơn</span>") {
		t.Error("the removed asset is still shown")
	}
	// The session cookie lets the ZIP link download with the key's rights.
	if code, _, resp := b.do("GET", "/v1"+strings.TrimPrefix(page, "")+"/download?size=original", nil); code != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Errorf("ZIP through the session: %d", code)
	}
}

func TestWebAssetSizes(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		who          string
		wantOriginal bool
	}{{"", false}, {"portal", true}} {
		t.Run("as "+tc.who, func(t *testing.T) {
			_, body := newBrowser(f, tc.who).get("/assets/" + f.ids["pub"])
			if !strings.Contains(body, `action="/v1/assets/`+f.ids["pub"]+`/download"`) || !strings.Contains(body, `value="press"`) {
				t.Fatalf("no size form:\n%s", body)
			}
			if got := strings.Contains(body, `<option value="original">`); got != tc.wantOriginal {
				t.Errorf("original offered: %v, want %v", got, tc.wantOriginal)
			}
		})
	}
}
