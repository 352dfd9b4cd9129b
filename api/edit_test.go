package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
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
		{`{"title":{"en":"a"}} {"title":{"en":"b"}}`, http.StatusBadRequest}, // trailing JSON
		{`{"title":{"en":"a"}}x`, http.StatusBadRequest},                     // trailing bytes
		{`{"title":{"fr":"Fête"}}`, http.StatusUnprocessableEntity},          // not an archive language
		{`{"add_keywords":[` + strings.Repeat(`"k",`, 200) + `"k"]}`, http.StatusUnprocessableEntity},
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

// failingEditor is the curator on a disk that fills up: before (nothing
// written) or after the commit.
type failingEditor struct {
	*curation.Curator
	afterCommit bool
}

func (e failingEditor) Edit(ctx context.Context, id string, ed curation.Edit, by archive.Actor) (*archive.Record, []archive.AuditEntry, error) {
	if e.afterCommit {
		e.Curator.Edit(ctx, id, ed, by)
	}
	return nil, nil, fmt.Errorf("archive: update: write archive.db: %w", syscall.ENOSPC)
}

// TestPatchOnAFullDisk: a write either commits and says 200, or fails,
// changes nothing and says 507; reads go on either way.
func TestPatchOnAFullDisk(t *testing.T) {
	for _, tt := range []struct {
		name        string
		afterCommit bool
		want        int
	}{{"nothing written", false, http.StatusInsufficientStorage}, {"committed", true, http.StatusOK}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			srv, err := New(DefaultConfig(), Deps{Records: f.a.Store(), Search: f.ix, Stats: f.a.Store(), Files: f.a,
				Editor: failingEditor{curation.New(f.a), tt.afterCommit}, AdminToken: "hdl_test"})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			id := f.ids["pub"]
			var out map[string]any
			code := call(t, ts, "PATCH", "/v1/assets/"+id, `{"title":{"en":"Full disk"}}`, &out)
			if code != tt.want {
				t.Fatalf("PATCH: %d %v, want %d", code, out, tt.want)
			}
			rec, _ := f.a.Store().Get(id)
			if committed := rec.Title["en"] == "Full disk"; committed != tt.afterCommit {
				t.Errorf("title %q after a %d", rec.Title["en"], code)
			}
			if code == http.StatusInsufficientStorage && out["type"] != "/v1/problems/insufficient-storage" {
				t.Errorf("problem %v", out)
			}
			for range 3 {
				if code := call(t, ts, "GET", "/v1/assets/"+id, "", nil); code != http.StatusOK {
					t.Errorf("read after a failed write: %d", code)
				}
			}
		})
	}
}
