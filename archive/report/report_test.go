package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

func TestParsePeriod(t *testing.T) {
	loc := archive.DefaultLocation()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, loc) }
	tests := []struct {
		in       string
		from, to time.Time
		bad      bool
	}{
		{in: "2026", from: d(2026, 1, 1), to: d(2026, 12, 31)},
		{in: "2026-H1", from: d(2026, 1, 1), to: d(2026, 6, 30)},
		{in: "2026-h2", from: d(2026, 7, 1), to: d(2026, 12, 31)},
		{in: "2026-Q3", from: d(2026, 7, 1), to: d(2026, 9, 30)},
		{in: "2026-01-01..2026-06-30", from: d(2026, 1, 1), to: d(2026, 6, 30)},
		{in: "2026-H3", bad: true},
		{in: "26", bad: true},
		{in: "2026-06-30..2026-01-01", bad: true},
		{in: "2026-13-01..2026-12-31", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in, loc)
			if tt.bad {
				if err == nil {
					t.Errorf("ParsePeriod(%q) = %+v, want an error", tt.in, p)
				}
				return
			}
			if err != nil || !p.From.Equal(tt.from) || !p.To.Equal(tt.to) {
				t.Errorf("ParsePeriod(%q) = %v – %v, %v", tt.in, p.From, p.To, err)
			}
		})
	}
	p, _ := ParsePeriod("2026-H1", loc)
	if !p.Contains(time.Date(2026, 6, 30, 23, 59, 0, 0, loc)) || p.Contains(time.Date(2026, 7, 1, 0, 0, 0, 0, loc)) {
		t.Error("Contains: the last day is in, the next is out")
	}
}

// reportFixture stores records with known ingested_at, category, kind,
// place, agency and status, and served counts, and returns the archive.
func reportFixture(t *testing.T) (*archive.Archive, []string) {
	t.Helper()
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	loc := a.Location()
	type fx struct {
		at     time.Time
		cats   []string
		kind   string
		place  string
		agency string
		status archive.Status
		title  map[string]string
		ls     map[string]string
	}
	fixtures := []fx{
		{time.Date(2026, 1, 5, 9, 0, 0, 0, loc), []string{"du-lich", "danh-thang"}, "photo", "294", "Sở Du lịch", archive.Published, map[string]string{"vi": "Vải Thanh Hà", "en": "Thanh Ha lychee"}, map[string]string{"vi": "reviewed"}},
		{time.Date(2026, 3, 1, 9, 0, 0, 0, loc), []string{"du-lich"}, "video", "294", "Sở Du lịch", archive.Draft, map[string]string{"vi": "Lễ hội"}, nil},
		{time.Date(2026, 6, 30, 23, 0, 0, 0, loc), nil, "publication", "", "", archive.Review, map[string]string{"en": "Guide"}, nil},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, loc), []string{"lich-su"}, "photo", "290", "UBND Chí Linh", archive.Published, map[string]string{"vi": "Côn Sơn"}, nil}, // H2
		{time.Date(2025, 12, 31, 23, 59, 0, 0, loc), []string{"lich-su"}, "photo", "", "", archive.Draft, nil, nil},                                                // 2025
	}
	var ids []string
	for i, f := range fixtures {
		r := &archive.Record{ID: strings.Repeat(fmt.Sprintf("%x", i+1), 64), MIME: "image/jpeg", Size: 3}
		r.IngestedAt, r.Categories, r.Kind, r.Agency, r.Status, r.Title, r.LangStatus = f.at, f.cats, media.Kind(f.kind), f.agency, f.status, f.title, f.ls
		if f.place != "" {
			r.Place = &archive.Place{Code: f.place}
		}
		r.Normalize()
		if _, err := a.Store().Put(r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	ctx := context.Background()
	c := NewServedCounter(a, time.Hour, slog.New(slog.DiscardHandler)) // flushed by Close below, not by time
	jan := time.Date(2026, 1, 10, 12, 0, 0, 0, loc)
	for range 3 {
		c.CountServed(jan, ids[0], "portal", archive.ServedRendition)
	}
	c.CountServed(jan, ids[0], "agency", archive.ServedOriginal)
	c.CountServed(time.Date(2026, 6, 30, 16, 59, 0, 0, time.UTC), ids[1], "portal", archive.ServedOriginal) // 23:59 +07:00: still H1
	c.CountServed(time.Date(2026, 6, 30, 17, 0, 0, 0, time.UTC), ids[1], "portal", archive.ServedOriginal)  // 00:00 on 1 July +07:00: H2
	if err := c.CountServed(jan, "nope", "portal", archive.ServedOriginal); err == nil {
		t.Error("CountServed accepted a bad id")
	}
	if err := c.CountServed(jan, ids[0], "portal", "thumbnail"); err == nil {
		t.Error("CountServed accepted a bad kind")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// The archive.Store's unbatched path adds to the same counts.
	one, err := archive.NewServedCount(jan, ids[0], "portal", archive.ServedRendition)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store().AddServed(ctx, []archive.ServedCount{one}); err != nil {
		t.Fatal(err)
	}
	return a, ids
}

func TestReportCounts(t *testing.T) {
	a, ids := reportFixture(t)
	p, err := ParsePeriod("2026-H1", a.Location())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(context.Background(), a, p, Names{Department: "Sở Văn hóa, Thể thao và Du lịch"})
	if err != nil {
		t.Fatal(err)
	}
	eq := func(name string, got, want map[string]int) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", name, got, want)
				return
			}
		}
	}
	if rep.Department != "Sở Văn hóa, Thể thao và Du lịch" || rep.Records != 5 || rep.Added != 3 {
		t.Errorf("header: %q records %d added %d", rep.Department, rep.Records, rep.Added)
	}
	eq("by category", rep.ByCategory, map[string]int{"du-lich": 2, "danh-thang": 1, "": 1})
	eq("by kind", rep.ByKind, map[string]int{"photo": 1, "video": 1, "publication": 1})
	eq("by place", rep.ByPlace, map[string]int{"294 Huyện Thanh Hà": 2, "": 1})
	eq("by agency", rep.ByAgency, map[string]int{"Sở Du lịch": 2, "": 1})
	eq("by status", rep.ByStatus, map[string]int{"published": 1, "draft": 1, "review": 1})
	if rep.Languages["vi"] != (LangCoverage{Title: 2, Reviewed: 1}) || rep.Languages["en"] != (LangCoverage{Title: 2}) || rep.WithoutVietnamese != 1 {
		t.Errorf("languages %+v, without vi %d", rep.Languages, rep.WithoutVietnamese)
	}
	if rep.Served != (ServedTotals{Originals: 2, Renditions: 4}) {
		t.Errorf("served %+v", rep.Served)
	}
	if rep.ServedByRole["portal"] != (ServedTotals{Originals: 1, Renditions: 4}) || rep.ServedByRole["agency"] != (ServedTotals{Originals: 1}) {
		t.Errorf("served by role %+v", rep.ServedByRole)
	}
	if len(rep.ServedAssets) != 2 || rep.ServedAssets[0].ID != ids[0] || rep.ServedAssets[0].Title != "Vải Thanh Hà" ||
		rep.ServedAssets[0].ByRole["portal"].Renditions != 4 || rep.ServedAssets[1].Total.Originals != 1 {
		t.Errorf("served assets %+v", rep.ServedAssets)
	}

	var md, csvOut, js bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sở Văn hóa, Thể thao và Du lịch", "(By category)", "| Du lịch (Tourism) | 2 |", "| 294 Huyện Thanh Hà | 2 |", "| **Tổng (total)** | 2 | 4 |"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(md.String(), want) {
				t.Errorf("markdown lacks %q:\n%s", want, md.String())
			}
		})
	}
	if err := rep.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\xef\xbb\xbfsection,key,label,role,count\n", "agency,Sở Du lịch,Sở Du lịch,,2\n", "downloads,,,,2\n", "rendition_requests," + ids[0] + ",Vải Thanh Hà,portal,4\n"} {
		t.Run(strconv.Quote(want), func(t *testing.T) {
			if !strings.Contains(csvOut.String(), want) {
				t.Errorf("csv lacks %q:\n%s", want, csvOut.String())
			}
		})
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Added != 3 || back.Served != rep.Served {
		t.Errorf("json round trip: %+v %v", back, err)
	}
}

func TestDefaultDepartment(t *testing.T) {
	a, _ := reportFixture(t)
	p, _ := ParsePeriod("2026", a.Location())
	rep, err := Build(context.Background(), a, p, Names{Department: " "})
	if err != nil || rep.Department != DefaultDepartment || rep.Province != archive.DefaultProvince {
		t.Fatalf("%+v %v", rep, err)
	}
}

// TestReportReadsWell: the heading names the archive as the site title
// does, with the settings' province and department; kinds, statuses and
// languages are named in Vietnamese; categories come in the order of their
// names, the uncategorised last.
func TestReportReadsWell(t *testing.T) {
	a, _ := reportFixture(t)
	p, _ := ParsePeriod("2026-H1", a.Location())
	rep, err := Build(context.Background(), a, p, Names{Department: "Sở Văn hóa, Thể thao và Du lịch thành phố Hải Phòng", Province: "Hải Phòng"})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, want := range []string{"# Báo cáo Kho ảnh quảng bá Hải Phòng (Hải Phòng promotion archive report)",
		"Đơn vị quản lý (Managing department): Sở Văn hóa, Thể thao và Du lịch thành phố Hải Phòng",
		"| Ảnh (photo) | 1 |", "| Ấn phẩm (publication) | 1 |", "| Đã xuất bản (published) | 1 |", "| Chờ duyệt (review) | 1 |",
		"| Tiếng Việt (vi) |",
		"| Danh lam thắng cảnh (Landscapes and landmarks) | 1 |\n| Du lịch (Tourism) | 2 |\n| (không có / none) | 1 |"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(out, want) {
				t.Errorf("markdown lacks %q:\n%s", want, out)
			}
		})
	}
}

func TestCategoriesSortedByLabel(t *testing.T) {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{ByCategory: map[string]int{"con-nguoi": 1, "doi-ngoai-su-kien": 1, "": 1, "danh-thang": 1, "lang-nghe-dac-san": 1}}
	var keys []string
	for _, r := range rep.rows(tax) {
		if r.Section == "category" {
			keys = append(keys, r.Key)
		}
	}
	// Danh lam …, Danh nhân …, Hoạt động …, Làng nghề …, then none.
	if want := []string{"danh-thang", "con-nguoi", "doi-ngoai-su-kien", "lang-nghe-dac-san", ""}; !slices.Equal(keys, want) {
		t.Errorf("categories in the order %q, want %q", keys, want)
	}
}
