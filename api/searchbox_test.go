package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// What is typed into q is words: punctuation never makes a 400 and finds
// what the words alone find; syntax=query reads q as query-string syntax.
func TestSearchBoxWords(t *testing.T) {
	f := newFixture(t, nil)
	search := func(params string) (int, searchOut, string) {
		t.Helper()
		code, body, _ := f.get("/v1/assets?"+params, "")
		var res searchOut
		if code == http.StatusOK {
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatal(err)
			}
		}
		return code, res, string(body)
	}
	hitIDs := func(r searchOut) []string {
		var out []string
		for _, h := range r.Hits {
			out = append(out, h.ID)
		}
		return out
	}
	for _, c := range []struct{ typed, words string }{
		{"Côn Sơn: lễ hội", "Côn Sơn lễ hội"},
		{"Côn Sơn - lễ hội", "Côn Sơn lễ hội"},
		{"côn sơn?", "côn sơn"},
		{"lễ hội (2026)", "lễ hội 2026"},
		{"nofield:x", "nofield x"},
		{`"unbalanced`, "unbalanced"},
		{strings.Repeat("*a* ", 20), "a"},
	} {
		t.Run(c.typed, func(t *testing.T) {
			code, got, body := search("q=" + url.QueryEscape(c.typed))
			if code != http.StatusOK {
				t.Fatalf("%q: %d %s", c.typed, code, body)
			}
			_, want, _ := search("q=" + url.QueryEscape(c.words))
			if got.Total != want.Total || !slices.Equal(hitIDs(got), hitIDs(want)) {
				t.Errorf("%q: %d %v; %q: %d %v", c.typed, got.Total, hitIDs(got), c.words, want.Total, hitIDs(want))
			}
		})
	}
	if _, res, body := search("q=" + url.QueryEscape("Côn Sơn: lễ hội")); res.Total != 1 {
		t.Errorf("Côn Sơn: lễ hội: %s", body)
	}
	for _, c := range []struct {
		params string
		code   int
	}{
		{"syntax=query&q=" + url.QueryEscape(`title:"côn sơn"`), http.StatusOK},
		{"syntax=query&q=" + url.QueryEscape("Côn Sơn: lễ hội"), http.StatusBadRequest},
		{"syntax=query&q=" + url.QueryEscape(strings.Repeat("*a* ", 20)), http.StatusBadRequest},
		{"syntax=lucene&q=x", http.StatusBadRequest},
	} {
		if code, _, body := search(c.params); code != c.code {
			t.Errorf("%s: %d, want %d: %s", c.params, code, c.code, body)
		}
	}
	// A misspelling is retried with one edit, and the answer says so.
	if _, res, body := search("q=festivel"); res.Corrected != "festival" || res.Total != 1 {
		t.Errorf("festivel: %s", body)
	}
}

// The search page reads q as words, has an advanced switch and says when
// it shows near spellings.
func TestSearchPageWords(t *testing.T) {
	f := newFixture(t, nil)
	b := newBrowser(f, "")
	code, body := b.get("/?q=" + url.QueryEscape("Côn Sơn: lễ hội"))
	if code != http.StatusOK || !strings.Contains(body, `<span id="total">1</span>`) {
		t.Errorf("words with punctuation: %d\n%s", code, body)
	}
	if code, body = b.get("/?syntax=query&q=" + url.QueryEscape("Côn Sơn: lễ hội")); code != http.StatusBadRequest || !strings.Contains(body, `name="syntax" value="query" checked`) {
		t.Errorf("advanced: %d\n%s", code, body)
	}
	if _, body = b.get("/?q=festivel"); !strings.Contains(body, `id="corrected"`) || !strings.Contains(body, "festival") {
		t.Errorf("no correction shown:\n%s", body)
	}
}
