package api

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

func (f *fixture) changes(t *testing.T, query, who string) changesOut {
	t.Helper()
	code, body, _ := f.get("/v1/changes"+query, who)
	if code != 200 {
		t.Fatalf("%s as %q: %d %s", query, who, code, body)
	}
	var out changesOut
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// kinds maps the fixture's tags to the change types in out.
func (f *fixture) kinds(out changesOut) map[string]string {
	got := map[string]string{}
	for _, c := range out.Changes {
		for tag, id := range f.ids {
			if c.ID == id {
				got[tag] = c.Type
			}
		}
	}
	return got
}

func TestChangeFeed(t *testing.T) {
	f := newFixture(t, nil)
	f.serveWith(func(d *Deps) { d.Changes = f.a.Store() })
	for _, c := range []struct {
		who  string
		want map[string]string
	}{
		{"", map[string]string{"pub": "created"}},
		{"portal", map[string]string{"pub": "created"}},
		{"agency", map[string]string{"pub": "created", "internal": "created"}},
		{"curator", map[string]string{"pub": "created", "internal": "created", "draft": "created"}},
	} {
		out := f.changes(t, "", c.who)
		if got := f.kinds(out); !maps.Equal(got, c.want) || out.Next != "3" || out.More {
			t.Errorf("as %q: %v next %s more %v, want %v", c.who, got, out.Next, out.More, c.want)
		}
		if c.who == "" && (out.Changes[0].Record == nil || out.Changes[0].Record.Attribution == "") {
			t.Errorf("a created asset comes with its record: %+v", out.Changes[0])
		}
	}
	ctx, by := t.Context(), archive.Actor{Who: "t", Via: archive.ViaAPI}
	internal, public, withdrawn := archive.Internal, archive.Public, archive.Withdrawn
	edit := func(tag string, ed curation.Edit) {
		if _, _, err := curation.New(f.a).Edit(ctx, f.ids[tag], ed, by); err != nil {
			t.Fatal(err)
		}
	}
	edit("pub", curation.Edit{Title: map[string]string{"en": "Con Son, retitled"}})
	edit("pub", curation.Edit{Visibility: &internal}) // the last change of pub is what counts
	edit("internal", curation.Edit{Visibility: &public})
	edit("draft", curation.Edit{Title: map[string]string{"en": "Draft, retitled"}})
	f.serveWith(func(d *Deps) { d.Changes = f.a.Store() }) // cursors outlive the server
	for _, c := range []struct {
		who  string
		want map[string]string
	}{
		{"", map[string]string{"pub": "hidden", "internal": "updated"}},
		{"agency", map[string]string{"pub": "updated", "internal": "updated"}},
		{"curator", map[string]string{"pub": "updated", "internal": "updated", "draft": "updated"}},
	} {
		out := f.changes(t, "?since=3", c.who)
		if got := f.kinds(out); !maps.Equal(got, c.want) || out.Next != "7" {
			t.Errorf("since 3 as %q: %v next %s, want %v", c.who, got, out.Next, c.want)
		}
	}
	// A withdrawn asset that the caller could see is "withdrawn".
	edit("internal", curation.Edit{Status: &withdrawn})
	if got := f.kinds(f.changes(t, "?since=7", "")); !maps.Equal(got, map[string]string{"internal": "withdrawn"}) {
		t.Errorf("since 7: %v", got)
	}
	// Paging: one change at a time, each asset once, to the end.
	seen := map[string]string{}
	next, pages := "0", 0
	for more := true; more; pages++ {
		out := f.changes(t, "?limit=1&since="+next, "curator")
		for tag, kind := range f.kinds(out) {
			if _, dup := seen[tag]; dup {
				t.Errorf("%s twice", tag)
			}
			seen[tag] = kind
		}
		next, more = out.Next, out.More
	}
	if len(seen) != 3 || next != "8" {
		t.Errorf("paged: %v, next %s after %d pages", seen, next, pages)
	}
	for _, q := range []string{"?since=x", "?since=-1", "?limit=0", "?limit=1001"} {
		code, body, h := f.get("/v1/changes"+q, "")
		if code != 400 {
			t.Errorf("%s: %d", q, code)
		}
		checkProblem(t, q, 400, body, h)
	}
}
