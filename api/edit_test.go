package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

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
