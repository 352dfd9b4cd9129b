package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/similar"
)

// withLookalikes gives the fixture a near-duplicate index: the public and
// the internal published assets 1 bit apart, the draft 2 bits from the
// public one, and a fourth public asset far from all of them.
func withLookalikes(t *testing.T, f *fixture) {
	t.Helper()
	ix, err := similar.New(similar.DefaultThreshold)
	if err != nil {
		t.Fatal(err)
	}
	const h = 0x0f0f_0f0f_0f0f_0f0f
	for tag, hash := range map[string]uint64{"pub": h, "internal": h ^ 1, "draft": h ^ 0b110} {
		if _, err := ix.Add(t.Context(), f.ids[tag], hash); err != nil {
			t.Fatal(err)
		}
	}
	f.srv.deps.Similar = ix
}

func TestSimilarVisibility(t *testing.T) {
	f := newFixture(t, nil)
	withLookalikes(t, f)
	cases := []struct {
		who, of string
		code    int
		want    []string // tags, nearest first
	}{
		{"", "pub", 200, nil},
		{"portal", "pub", 200, nil},
		{"agency", "pub", 200, []string{"internal"}},
		{"curator", "pub", 200, []string{"internal", "draft"}},
		{"curator", "draft", 200, []string{"pub", "internal"}},
		{"", "internal", 404, nil},
		{"agency", "draft", 404, nil},
	}
	for _, c := range cases {
		t.Run(whoName(c.who)+" "+c.of, func(t *testing.T) {
			code, body, _ := f.get("/v1/assets/"+f.ids[c.of]+"/similar", c.who)
			if code != c.code {
				t.Fatalf("status %d, want %d: %s", code, c.code, body)
			}
			if code != 200 {
				return
			}
			var out similarOut
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range out.Similar {
				for tag, id := range f.ids {
					if id == it.Asset.ID {
						got = append(got, tag)
					}
				}
			}
			if !slices.Equal(got, c.want) || out.Threshold != similar.DefaultThreshold || out.Similar == nil {
				t.Errorf("similar = %v (threshold %d), want %v", got, out.Threshold, c.want)
			}
		})
	}
}

func TestSimilarWithoutHashOrIndex(t *testing.T) {
	f := newFixture(t, nil)
	if code, _, _ := f.get("/v1/assets/"+f.ids["pub"]+"/similar", ""); code != http.StatusServiceUnavailable {
		t.Errorf("without an index: %d, want 503", code)
	}
	ix, err := similar.New(similar.DefaultThreshold)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.deps.Similar = ix
	code, body, _ := f.get("/v1/assets/"+f.ids["pub"]+"/similar", "")
	if code != 200 || !strings.Contains(string(body), `"similar":[]`) {
		t.Errorf("an asset without a hash: %d %s, want 200 and an empty list", code, body)
	}
}

func TestWebDuplicates(t *testing.T) {
	f := newFixture(t, nil)
	withLookalikes(t, f)
	if code, _ := newBrowser(f, "agency").get("/duplicates"); code != 403 {
		t.Errorf("duplicates page as agency: %d, want 403", code)
	}
	b := newBrowser(f, "curator")
	code, body := b.get("/duplicates?lang=en")
	if code != 200 {
		t.Fatalf("duplicates page: %d", code)
	}
	for _, tag := range []string{"pub", "internal", "draft"} {
		if !strings.Contains(body, `name="id" value="`+f.ids[tag]+`"`) {
			t.Errorf("the group lacks %s", tag)
		}
	}
	// The best described is preselected to keep.
	if n := strings.Count(body, " checked>"); n != 1 || !strings.Contains(body, `value="`+f.ids["pub"]+`" checked>`) {
		t.Errorf("%d assets preselected to keep, want 1: the public one", n)
	}
	// Side by side with date and completeness: pub has every field but a
	// description, the internal one lacks the English title too.
	for _, want := range []string{"Taken", ">10/11<", ">9/11<", "Metadata complete"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	tok := csrfRE.FindStringSubmatch(body)[1]

	// Keep the public one, merge the internal one's categories and keywords
	// into it and withdraw the internal one; the draft, not chosen, stays in
	// the group.
	form := url.Values{"csrf": {tok}, "keep": {f.ids["pub"]}, "id": {f.ids["pub"], f.ids["internal"]}, "action": {"merge"}}
	code, body, resp := b.do(http.MethodPost, "/duplicates", form)
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/duplicates?done=1" {
		t.Fatalf("merge: %d %s", code, body)
	}
	kept, err := f.a.Store().Get(f.ids["pub"])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(kept.Categories, "kinh-te-dau-tu") || !slices.Contains(kept.Keywords, "mật") {
		t.Errorf("kept record after the merge: categories %v, keywords %v", kept.Categories, kept.Keywords)
	}
	other, err := f.a.Store().Get(f.ids["internal"])
	if err != nil {
		t.Fatal(err)
	}
	if other.Status != archive.Withdrawn {
		t.Errorf("the other's status is %s, want withdrawn", other.Status)
	}
	for _, c := range []struct{ tag, field string }{{"internal", "status"}, {"pub", "categories"}} {
		hist, err := f.srv.deps.Editor.History(f.ids[c.tag])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(hist, func(e archive.AuditEntry) bool { return e.Field == c.field }) {
			t.Errorf("no audit entry for %s of %s: %v", c.field, c.tag, hist)
		}
	}
	// The withdrawn asset leaves the group; pub and draft remain.
	_, body = b.get("/duplicates")
	if strings.Contains(body, f.ids["internal"]) || !strings.Contains(body, f.ids["draft"]) {
		t.Errorf("after the merge the page still lists the withdrawn asset or lost the draft")
	}
	// A draft duplicate can be set aside too: withdrawn from the draft.
	form = url.Values{"csrf": {tok}, "keep": {f.ids["pub"]}, "id": {f.ids["pub"], f.ids["draft"]}, "action": {"withdraw"}}
	if code, body, _ = b.do(http.MethodPost, "/duplicates", form); code != http.StatusSeeOther {
		t.Errorf("withdrawing a draft: %d, want 303\n%s", code, body)
	}
	if rec, _ := f.a.Store().Get(f.ids["draft"]); rec.Status != archive.Withdrawn {
		t.Errorf("the draft duplicate is %s, want withdrawn", rec.Status)
	}
	// A keep that is not one of the group is a bad request.
	form = url.Values{"csrf": {tok}, "keep": {f.ids["internal"]}, "id": {f.ids["pub"], f.ids["draft"]}, "action": {"withdraw"}}
	if code, _, _ := b.do(http.MethodPost, "/duplicates", form); code != http.StatusBadRequest {
		t.Errorf("keep outside the group: %d, want 400", code)
	}
}

func TestMergeEdit(t *testing.T) {
	kept := &archive.Record{Title: map[string]string{"vi": "Giữ"}, Keywords: []string{"a"}, Categories: []string{"du-lich"}}
	place := &archive.Place{Code: "294"}
	others := []*archive.Record{
		{Title: map[string]string{"vi": "Khác", "en": "Other"}, Keywords: []string{"a", "b"}, Creator: "X", Place: place},
		{Title: map[string]string{"en": "Second"}, Description: map[string]string{"vi": "Mô tả"}, Creator: "Y", Categories: []string{"lich-su"}},
	}
	ed, ok := mergeEdit(kept, others)
	if !ok {
		t.Fatal("nothing to merge")
	}
	switch {
	case len(ed.Title) != 1 || ed.Title["en"] != "Other":
		t.Errorf("titles %v: want only en from the first other", ed.Title)
	case ed.Description["vi"] != "Mô tả":
		t.Errorf("descriptions %v", ed.Description)
	case !slices.Equal(ed.AddKeywords, []string{"b"}):
		t.Errorf("keywords %v", ed.AddKeywords)
	case ed.Categories == nil || !slices.Equal(*ed.Categories, []string{"du-lich", "lich-su"}):
		t.Errorf("categories %v", ed.Categories)
	case ed.Creator == nil || *ed.Creator != "X" || ed.Place == nil || *ed.Place != "294":
		t.Errorf("creator %v, place %v", ed.Creator, ed.Place)
	case ed.Credit != nil:
		t.Errorf("credit %v: nobody has one", *ed.Credit)
	}
	if _, ok := mergeEdit(others[0], nil); ok {
		t.Error("merging nothing is not a change")
	}
}
