package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

// pageLD parses the JSON-LD of an asset page, or returns nil when the
// page has none.
func pageLD(t *testing.T, body []byte) map[string]any {
	t.Helper()
	const open = `<script type="application/ld+json">`
	i := bytes.Index(body, []byte(open))
	if i < 0 {
		return nil
	}
	rest := body[i+len(open):]
	j := bytes.Index(rest, []byte("</script>"))
	if j < 0 {
		t.Fatal("the JSON-LD script is not closed")
	}
	var ld map[string]any
	if err := json.Unmarshal(rest[:j], &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v: %s", err, rest[:j])
	}
	return ld
}

// ldString reads a path of keys ("creator.name") out of ld.
func ldString(ld map[string]any, path string) string {
	var v any = ld
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return ""
}

func TestAssetPageJSONLD(t *testing.T) {
	f := newFixture(t, nil)
	book := baseRecord("so-tay.pdf", archive.Public, archive.Published, map[string]string{"vi": "Sổ tay du lịch Chí Linh"})
	book.Kind, book.MIME, book.PageCount, book.Language, book.Creator = "publication", "application/pdf", 12, "vi", "Sở Văn hoá, Thể thao và Du lịch"
	putAsset(t, f.a, book, []byte("%PDF-1.4 sổ tay"), jpegBytes(t, 32, 24, 1))
	video := f.ids["draft"] // a video; only curators see a draft
	origin := f.ts.URL
	for _, tc := range []struct {
		name, id, who string
		want          map[string]string // path → value; "" must be absent
	}{
		{"photo", f.ids["pub"], "", map[string]string{
			"@context": "https://schema.org", "@type": "ImageObject", "name": "Lễ hội Côn Sơn", "inLanguage": "vi",
			"url": origin + "/assets/" + f.ids["pub"], "acquireLicensePage": origin + "/assets/" + f.ids["pub"],
			"contentUrl":   origin + "/v1/assets/" + f.ids["pub"] + "/renditions/preview",
			"thumbnailUrl": origin + "/v1/assets/" + f.ids["pub"] + "/renditions/thumb",
			"license":      "http://creativecommons.org/licenses/by/4.0/", "creditText": "Sở VHTTDL",
			"creator.@type": "Person", "creator.name": "Nguyễn Thị Ánh", "copyrightNotice": "© 2024 Nguyễn Thị Ánh",
			"dateCreated": "2024-02-10T09:00:00+07:00", "contentLocation.@type": "Place",
			"contentLocation.name": "Thành phố Chí Linh", "encodingFormat": "image/jpeg",
		}},
		{"video for a curator", video, "curator", map[string]string{
			"@type": "VideoObject", "name": "Lễ hội bản nháp", "uploadDate": "2024-02-10T09:00:00+07:00",
			"contentUrl": origin + "/v1/assets/" + video + "/original", "thumbnailUrl": origin + "/v1/assets/" + video + "/renditions/thumb",
			"license": "http://creativecommons.org/licenses/by/4.0/", "creator.name": "Nguyễn Thị Ánh",
		}},
		{"publication", book.ID, "", map[string]string{
			"@type": "Book", "name": "Sổ tay du lịch Chí Linh", "inLanguage": "vi", "numberOfPages": "12",
			"image": origin + "/v1/assets/" + book.ID + "/renditions/preview", "contentUrl": "",
			"creator.@type": "Organization", "creator.name": "Sở Văn hoá, Thể thao và Du lịch", "datePublished": "2024-02-10T09:00:00+07:00",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := f.get("/assets/"+tc.id, tc.who)
			if code != 200 {
				t.Fatalf("%d", code)
			}
			ld := pageLD(t, body)
			if ld == nil {
				t.Fatal("no JSON-LD on the page")
			}
			for path, want := range tc.want {
				if got := ldString(ld, path); got != want {
					t.Errorf("%s: %q, want %q", path, got, want)
				}
			}
		})
	}
	t.Run("nothing for what the visitor may not see", func(t *testing.T) {
		for _, id := range []string{f.ids["internal"], video} {
			code, body, _ := f.get("/assets/"+id, "")
			if code != 404 || pageLD(t, body) != nil {
				t.Errorf("%s: %d, JSON-LD %v", id[:8], code, pageLD(t, body))
			}
		}
	})
	t.Run("a title cannot close the script", func(t *testing.T) {
		title := `Đêm hội </script><script>alert("x")</script> & <!-- "Côn Sơn"`
		if _, _, err := curation.New(f.a).Edit(t.Context(), f.ids["pub"], curation.Edit{Title: map[string]string{"vi": title}},
			archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
			t.Fatal(err)
		}
		_, body, _ := f.get("/assets/"+f.ids["pub"], "")
		if bytes.Contains(body, []byte(`<script>alert(`)) {
			t.Fatal("the title's </script> closed the JSON-LD element")
		}
		if got := ldString(pageLD(t, body), "name"); got != title {
			t.Errorf("name %q, want %q", got, title)
		}
	})
}
