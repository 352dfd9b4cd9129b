package curation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

var apiActor = archive.Actor{Who: "portal-editor", Via: archive.ViaAPI}

func ptr[T any](v T) *T { return &v }

// idOf is an asset id made of one hex digit repeated.
func idOf(n byte) string { return strings.Repeat(strconv.FormatInt(int64(n%16), 16), 64) }

// auditCount is the number of entries in a's audit trail.
func auditCount(a *archive.Archive) (uint64, error) {
	var n uint64
	err := a.Store().AuditSince(0, func(archive.AuditEntry) error { n++; return nil })
	return n, err
}

// testRecord is a small photo record titled in Vietnamese.
func testRecord(id string) *archive.Record {
	r := &archive.Record{ID: id, Kind: "photo", MIME: "image/jpeg", Size: 3, Title: map[string]string{"vi": "Hải Dương"}}
	r.Normalize()
	return r
}

// editArchive is an archive with two records: a draft with a Vietnamese
// title and a record under review without one.
func editArchive(t *testing.T) (*archive.Archive, string, string) {
	t.Helper()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	a, err := archive.Open(t.TempDir(), archive.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	r1 := testRecord(idOf(1))
	r1.Status, r1.Visibility, r1.Keywords = archive.Draft, archive.Public, []string{"chợ", "sông"}
	r1.Provenance = map[string]string{"keywords": "iptc"}
	r2 := testRecord(idOf(2))
	r2.Title = map[string]string{"en": "Floating market"}
	r2.Status, r2.Visibility = archive.Review, archive.Internal
	for _, r := range []*archive.Record{r1, r2} {
		if _, err := a.Store().Put(r); err != nil {
			t.Fatal(err)
		}
	}
	return a, r1.ID, r2.ID
}

func TestEditAppliesAndAudits(t *testing.T) {
	tests := []struct {
		name   string
		id     byte
		ed     Edit
		fields []string // audit fields, in order
		check  func(t *testing.T, r *archive.Record)
	}{
		{
			name: "texts in NFD and odd tags", id: 1,
			ed:     Edit{Title: map[string]string{"EN": " Hai Duong ", "vi": "Ha\u0309i Phòng"}, Description: map[string]string{"zh-hant": "海陽"}},
			fields: []string{"title.en", "title.vi", "description.zh-Hant"},
			check: func(t *testing.T, r *archive.Record) {
				if r.Title["en"] != "Hai Duong" || r.Title["vi"] != "Hải Phòng" || r.Description["zh-Hant"] != "海陽" {
					t.Errorf("title %v description %v", r.Title, r.Description)
				}
				if r.Provenance["title.en"] != "curator" || r.Provenance["description.zh-Hant"] != "curator" {
					t.Errorf("provenance %v", r.Provenance)
				}
			},
		},
		{
			name: "keywords, categories, place, rights", id: 1,
			ed: Edit{AddKeywords: []string{"lễ hội", "chợ"}, RemoveKeywords: []string{"sông"}, Categories: &[]string{"du-lich", "lich-su"},
				Place: ptr("294"), Credit: ptr("Sở VHTTDL"), Agency: ptr("UBND huyện Thanh Hà")},
			fields: []string{"keywords", "categories", "place", "credit", "agency"},
			check: func(t *testing.T, r *archive.Record) {
				if strings.Join(r.Keywords, "|") != "chợ|lễ hội" || r.Place.Name != "Huyện Thanh Hà" || r.Agency == "" {
					t.Errorf("record %+v", r)
				}
				if r.Provenance["keywords"] != "curator" || r.Provenance["place"] != "curator" {
					t.Errorf("provenance %v", r.Provenance)
				}
			},
		},
		{
			name: "workflow and review state", id: 1,
			ed:     Edit{Status: ptr(archive.Review), Visibility: ptr(archive.Internal), LangStatus: map[string]string{"vi": "reviewed"}},
			fields: []string{"visibility", "lang_status.vi", "status"},
			check: func(t *testing.T, r *archive.Record) {
				if r.Status != archive.Review || r.Visibility != archive.Internal || r.LangStatus["vi"] != archive.LangReviewed {
					t.Errorf("record %+v", r)
				}
			},
		},
		{
			name: "publish with the Vietnamese title in the same edit", id: 2,
			ed:     Edit{Title: map[string]string{"vi": "Chợ nổi"}, Status: ptr(archive.Published)},
			fields: []string{"title.vi", "status"},
		},
		{
			name: "clearing", id: 2,
			ed:     Edit{Title: map[string]string{"en": ""}, Categories: &[]string{}, Place: ptr("")},
			fields: []string{"title.en"},
			check: func(t *testing.T, r *archive.Record) {
				if _, ok := r.Title["en"]; ok {
					t.Errorf("title %v", r.Title)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := editArchive(t)
			id := idOf(tt.id)
			seq0, _ := a.Store().LastSeq()
			rec, entries, err := New(a).Edit(context.Background(), id[:8], tt.ed, apiActor)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Field)
				if e.ID != id || e.Who != "portal-editor" || e.Via != archive.ViaAPI || e.Seq == 0 {
					t.Errorf("entry %+v", e)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("audit fields %v, want %v", got, tt.fields)
			}
			if seq, _ := a.Store().LastSeq(); seq != seq0+1 {
				t.Errorf("change sequence %d → %d, want one change", seq0, seq)
			}
			hist, err := a.Store().History(id)
			if err != nil || len(hist) != len(tt.fields) {
				t.Errorf("history %v %v", hist, err)
			}
			stored, _ := a.Store().Get(id)
			if !stored.UpdatedAt.Equal(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)) {
				t.Errorf("updated_at %v", stored.UpdatedAt)
			}
			if tt.check != nil {
				tt.check(t, rec)
				tt.check(t, stored)
			}
		})
	}
}

func TestEditRefusedWritesNothing(t *testing.T) {
	tests := []struct {
		name  string
		id    byte
		ed    Edit
		field string
		is    error
	}{
		{"unknown category", 1, Edit{Categories: &[]string{"du-lich", "bogus"}}, "categories", nil},
		{"unknown place", 1, Edit{Place: ptr("999")}, "place", nil},
		{"bad visibility", 1, Edit{Visibility: ptr(archive.Visibility("secret"))}, "visibility", nil},
		{"visibility cleared", 1, Edit{Visibility: ptr(archive.Visibility(""))}, "visibility", nil},
		{"bad status", 1, Edit{Status: ptr(archive.Status("live"))}, "status", nil},
		{"bad language tag", 1, Edit{Title: map[string]string{"not a tag!": "x"}}, "title", nil},
		{"bad review state", 1, Edit{LangStatus: map[string]string{"en": "done"}}, "lang_status.en", nil},
		{"draft straight to published", 1, Edit{Status: ptr(archive.Published)}, "status", ErrTransition},
		{"publish without a Vietnamese title", 2, Edit{Status: ptr(archive.Published), Keywords: &[]string{"x"}}, "title.vi", ErrNeedsVietnamese},
		{"a language outside the archive's", 1, Edit{Title: map[string]string{"fr": "Fête"}}, "title.fr", nil},
		{"too many title languages", 1, Edit{Title: manyLangs(13)}, "title", nil},
		{"title too long", 1, Edit{Title: map[string]string{"vi": strings.Repeat("ă", 501)}}, "title.vi", nil},
		{"description too long", 1, Edit{Description: map[string]string{"en": strings.Repeat("a", 10_001)}}, "description.en", nil},
		{"too many keywords", 1, Edit{Keywords: ptr(numbered(201))}, "keywords", nil},
		{"too many keywords added", 1, Edit{AddKeywords: numbered(201)}, "add_keywords", nil},
		{"keywords added beyond the cap", 1, Edit{Keywords: ptr(numbered(150)), AddKeywords: numbered(201)[100:]}, "keywords", nil},
		{"keyword too long", 1, Edit{AddKeywords: []string{strings.Repeat("k", 101)}}, "add_keywords", nil},
		{"creator too long", 1, Edit{Creator: ptr(strings.Repeat("c", 1001))}, "creator", nil},
		{"valid text with an invalid status", 1, Edit{Title: map[string]string{"en": "ok"}, Status: ptr(archive.Published)}, "status", ErrTransition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := editArchive(t)
			id := idOf(tt.id)
			before, _ := a.Store().Get(id)
			seq0, _ := a.Store().LastSeq()
			_, _, err := New(a).Edit(context.Background(), id, tt.ed, apiActor)
			var fe *FieldError
			if !errors.Is(err, ErrInvalidEdit) || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want a *FieldError on %s", err, tt.field)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if seq, _ := a.Store().LastSeq(); seq != seq0 {
				t.Errorf("change sequence moved %d → %d", seq0, seq)
			}
			if n, _ := auditCount(a); n != 0 {
				t.Errorf("%d audit entries written", n)
			}
			after, _ := a.Store().Get(id)
			if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Status != before.Status || len(after.Keywords) != len(before.Keywords) {
				t.Errorf("record changed: %+v", after)
			}
		})
	}
}

func TestEditNoChangeAndUnknownRecord(t *testing.T) {
	a, id1, _ := editArchive(t)
	seq0, _ := a.Store().LastSeq()
	_, entries, err := New(a).Edit(context.Background(), id1, Edit{Title: map[string]string{"vi": "Hải Dương"}, Status: ptr(archive.Draft)}, apiActor)
	if err != nil || len(entries) != 0 {
		t.Fatalf("no-op edit: %v %v", entries, err)
	}
	if seq, _ := a.Store().LastSeq(); seq != seq0 {
		t.Errorf("a no-op edit appended a change")
	}
	if _, _, err := New(a).Edit(context.Background(), idOf(9), Edit{Creator: ptr("x")}, apiActor); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, _, err := New(a).Edit(context.Background(), id1, Edit{Creator: ptr("x")}, archive.Actor{Who: "x", Via: "fax"}); err == nil {
		t.Errorf("unknown via accepted")
	}
}

func TestEditResetsReviewOfChangedText(t *testing.T) {
	a, id1, _ := editArchive(t)
	ctx := context.Background()
	if _, _, err := New(a).Edit(ctx, id1, Edit{Title: map[string]string{"en": "A"}, LangStatus: map[string]string{"en": "reviewed"}}, apiActor); err != nil {
		t.Fatal(err)
	}
	rec, entries, err := New(a).Edit(ctx, id1, Edit{Title: map[string]string{"en": "B"}}, apiActor)
	if err != nil || rec.LangStatus["en"] == archive.LangReviewed || len(entries) != 2 || entries[1].Field != "lang_status.en" {
		t.Errorf("lang_status %v entries %+v err %v", rec.LangStatus, entries, err)
	}
}

func TestHistoryOrder(t *testing.T) {
	a, id1, id2 := editArchive(t)
	ctx := context.Background()
	steps := []struct {
		id string
		ed Edit
	}{
		{id1, Edit{Creator: ptr("A")}},
		{id2, Edit{Creator: ptr("B")}},
		{id1, Edit{Creator: ptr("C"), Credit: ptr("D")}},
		{id1, Edit{Creator: ptr("")}},
	}
	for _, s := range steps {
		if _, _, err := New(a).Edit(ctx, s.id, s.ed, apiActor); err != nil {
			t.Fatal(err)
		}
	}
	h, err := a.Store().History(id1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var last uint64
	for _, e := range h {
		got = append(got, e.Field+":"+string(e.Old)+">"+string(e.New))
		if e.Seq <= last {
			t.Errorf("seq %d after %d", e.Seq, last)
		}
		last = e.Seq
	}
	want := `creator:null>"A",creator:"A">"C",credit:null>"D",creator:"C">null`
	if strings.Join(got, ",") != want {
		t.Errorf("history\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	if h2, _ := a.Store().History(id2); len(h2) != 1 {
		t.Errorf("history of the other record: %v", h2)
	}
	if h3, _ := a.Store().History(idOf(7)); len(h3) != 0 {
		t.Errorf("history of an unedited id: %v", h3)
	}
}

func TestTaxonomyFile(t *testing.T) {
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := testRecord(idOf(1))
	if _, err := a.Store().Put(r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := New(a).Edit(context.Background(), r.ID, Edit{Place: ptr("10507")}, apiActor); !errors.Is(err, ErrInvalidEdit) {
		t.Fatalf("unknown commune accepted: %v", err)
	}
	a.Close()
	p := filepath.Join(root, "taxonomy.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("taxonomy.json not seeded: %v", err)
	}
	// A curator adds a commune by hand.
	edited := strings.Replace(string(b), `"places": [`, `"places": [{"code": "10507", "vi": "Xã Thanh Hồng", "en": "Thanh Hong Commune", "parent": "294"},`, 1)
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err = archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := New(a).Edit(context.Background(), r.ID, Edit{Place: ptr("10507")}, apiActor)
	if err != nil || rec.Place.Name != "Xã Thanh Hồng" {
		t.Fatalf("hand-added commune: %+v %v", rec, err)
	}
	if _, ok := a.Taxonomy().Place("10507"); !ok {
		t.Error("Taxonomy() lacks the new unit")
	}
	a.Close()

	for name, content := range map[string]string{
		"broken JSON":   `{"categories": [`,
		"repeated code": `{"categories": [{"code": "a"}, {"code": "a"}], "places": []}`,
		"unknown field": `{"categorys": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := archive.Open(root, archive.Options{})
			if !errors.Is(err, archive.ErrTaxonomy) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want ErrTaxonomy naming %s", err, p)
			}
		})
	}
}

// numbered returns n distinct keywords.
func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("k%d", i)
	}
	return out
}

// manyLangs returns a title in n distinct (valid) language tags.
func manyLangs(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("vi-x-%d", i)] = ""
	}
	return m
}
