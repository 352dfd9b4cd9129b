package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// A record titled in en-US and vi: every reader asking for English gets the
// en-US title, the JSON API and the pages alike (one picker,
// archive.PickLang).
func TestTitleLanguageEnUS(t *testing.T) {
	f := newFixture(t, nil)
	rec := baseRecord("cho-noi.jpg", "public", "published", map[string]string{"vi": "Chợ nổi Cái Răng", "en-US": "Cai Rang floating market"})
	rec.Description = map[string]string{"vi": "Chợ trên sông", "en-US": "A market on the river"}
	putAsset(t, f.a, rec, jpegBytes(t, 40, 30, 99), jpegBytes(t, 32, 24, 1))
	if err := f.ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	const en, vi = "Cai Rang floating market", "Chợ nổi Cái Răng"

	t.Run("api", func(t *testing.T) {
		for _, tc := range []struct{ name, lang, title, served, desc string }{
			{"en finds en-US", "en", en, "en-US", "A market on the river"},
			{"en-US exactly", "en-US", en, "en-US", "A market on the river"},
			{"vi", "vi", vi, "vi", "Chợ trên sông"},
			{"unknown language falls back to vi", "fr", vi, "vi", "Chợ trên sông"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, body, _ := f.get("/v1/assets?q=cai+rang&lang="+tc.lang, "")
				var res searchOut
				if err := json.Unmarshal(body, &res); err != nil || code != 200 {
					t.Fatalf("%d %v: %s", code, err, body)
				}
				var hit *hitOut
				for i := range res.Hits {
					if res.Hits[i].ID == rec.ID {
						hit = &res.Hits[i]
					}
				}
				if hit == nil {
					t.Fatalf("no hit for the record: %s", body)
				}
				if hit.Title != tc.title || hit.Lang != tc.served || hit.Description != tc.desc {
					t.Errorf("hit title %q (%s), description %q; want %q (%s), %q", hit.Title, hit.Lang, hit.Description, tc.title, tc.served, tc.desc)
				}
			})
		}
	})

	t.Run("pages", func(t *testing.T) {
		for _, tc := range []struct{ name, lang, want string }{
			{"en finds en-US", "en", `lang="en-US"`},
			{"vi", "vi", `lang="vi"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				title := map[string]string{"en": en, "vi": vi}[tc.lang]
				_, body := newBrowser(f, "").get("/assets/" + rec.ID + "?lang=" + tc.lang)
				if want := `<h1 ` + tc.want + ` id="asset-title">` + title + `</h1>`; !strings.Contains(body, want) {
					t.Errorf("asset page lacks %s:\n%s", want, body)
				}
				_, body = newBrowser(f, "").get("/?q=cai+rang&lang=" + tc.lang)
				if want := `<span class="title" ` + tc.want + `>` + title + `</span>`; !strings.Contains(body, want) {
					t.Errorf("search page lacks %s:\n%s", want, body)
				}
			})
		}
	})
}
