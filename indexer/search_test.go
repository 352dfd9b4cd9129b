package indexer

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, exact, fold string }{
		{"Hải Dương", "hải dương", "hai duong"},
		{norm.NFD.String("Hải Dương"), "hải dương", "hai duong"},
		{"ĐỀN ĐÔ", "đền đô", "den do"},
		{"Huế", "huế", "hue"},
		{"huệ", "huệ", "hue"},
		{"Chu Dau", "chu dau", "chu dau"},
		{"한국", "한국", "한국"}, // Hangul survives NFD → NFC
		{"東京 がっこう", "東京 がっこう", "東京 かっこう"},
		{"Ελλάδα", "ελλάδα", "ελλαδα"},   // not quick: Greek
		{"\u1100\u1161\u11a8", "각", "각"}, // conjoining jamo compose
		{"Straße İstanbul", "straße istanbul", "straße istanbul"},
		{"\xff Hải", "\ufffd hải", "\ufffd hai"}, // invalid UTF-8
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := ExactForm(c.in); got != c.exact {
				t.Errorf("ExactForm(%q) = %q, want %q", c.in, got, c.exact)
			}
			if got := Fold(c.in); got != c.fold {
				t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.fold)
			}
		})
	}
}

// TestFoldQuickEveryRune compares the one-pass fold with Fold's definition
// on every rune of the Basic Multilingual Plane alone, after "A" and before
// combining marks.
func TestFoldQuickEveryRune(t *testing.T) {
	for r := rune(0); r <= 0xFFFF; r++ {
		for _, s := range []string{string(r), "A" + string(r), string(r) + "\u0301", string(r) + "\u11a8"} {
			if got, ok := foldQuick(s); ok && got != foldFull(s) {
				t.Fatalf("foldQuick(%q) = %q, want %q", s, got, foldFull(s))
			}
		}
	}
}

// FuzzFold checks the one-pass fold against Fold's definition.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"Hải Dương", "ĐỀN ĐÔ", "한국 각", "東京 がっこう", "Ελλάδα", "İ", "\u1100\u1161", "a\u0301\u0323"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := foldQuick(s); ok && got != foldFull(s) {
			t.Errorf("foldQuick(%q) = %q, want %q", s, got, foldFull(s))
		}
	})
}

func searchFixture(t *testing.T) *Index {
	t.Helper()
	a, path := newStore(t, append(slices.Clone(fixture), fillers(25)...))
	return openIndex(t, path, a.Store())
}

func TestSearchText(t *testing.T) {
	ix := searchFixture(t)
	for _, c := range []struct {
		name  string
		text  string
		want  []string // must all be present
		none  []string // must be absent
		first string   // expected top hit
		query bool     // SyntaxQuery
	}{
		{name: "no diacritics finds Vietnamese", text: "hai duong", want: []string{"hd2", "hd3"}, none: []string{"hue1"}},
		{name: "diacritics find English", text: "Hải Dương", want: []string{"hd2", "hd3"}},
		{name: "NFD input", text: norm.NFD.String("Hải Dương"), want: []string{"hd2", "hd3"}},
		{name: "đ folds to d", text: "den do", want: []string{"dd"}, first: "dd"},
		{name: "đ exact", text: "Đền Đô", first: "dd"},
		{name: "exact tone ranks first", text: "Huế", want: []string{"hue1", "hue2", "hue3"}, first: "hue1"},
		{name: "other tone ranks first", text: "huệ", want: []string{"hue1", "hue2", "hue3"}, first: "hue2"},
		{name: "multi-syllable name", text: "Côn Sơn Kiếp Bạc", first: "hd1"},
		{name: "multi-syllable unaccented", text: "con son kiep bac", first: "hd1"},
		{name: "quoted phrase", text: `"chợ nổi"`, want: []string{"cho1"}, none: []string{"cho2"}, query: true},
		{name: "plain phrase ranks phrase first", text: "chợ nổi", want: []string{"cho1", "cho2"}, first: "cho1"},
		{name: "words are ANDed", text: "chợ Huế", none: []string{"cho1", "cho2", "hue1"}},
		{name: "English title", text: "floating market", first: "cho1"},
		{name: "mixed-language record, vi", text: "gốm chu đậu", first: "mixed"},
		{name: "mixed-language record, en", text: "ceramics", first: "mixed"},
		{name: "description", text: "pottery", first: "mixed"},
		{name: "historical place name", text: "Thanh Hà", want: []string{"th"}},
		{name: "current place name finds historical", text: "hai phong", want: []string{"hp", "th", "hd1", "hd2"}},
		{name: "Korean", text: "관광객", first: "ko"},
		{name: "query string", text: `keyword:"chợ nổi" kind:photo`, want: []string{"cho1"}, none: []string{"cho2", "hd3"}, query: true},
		{name: "query string folded", text: `keyword:"cho noi"`, want: []string{"cho1"}, none: []string{"cho2"}, query: true},
		{name: "query string exclusion", text: `hai duong -kind:video`, want: []string{"hd2"}, none: []string{"hd3"}, query: true},
		{name: "query string place code", text: `place:294`, want: []string{"th", "hp"}, none: []string{"hd1"}, query: true},
		{name: "wildcard", text: `thie*`, want: []string{"th"}, query: true},
		{name: "number word", text: "Ảnh số 7", want: []string{"f024"}, none: []string{"hd1"}},
		{name: "numeric range", text: "kind:photo width:>100", none: []string{"hd1"}, query: true},
		{name: "date range from", text: `captured_at:>="2021-01-01"`, want: []string{"hd3", "cho1"}, none: []string{"hd1", "hd2"}, query: true},
		{name: "date range to", text: `captured_at:<"2018-03-04"`, want: []string{"hue1"}, none: []string{"hue2", "hue3", "hd1"}, query: true},
		{name: "date range exclusive instant", text: `captured_at:>"2018-03-04T10:00:00Z" captured_at:<"2018-03-06"`, want: []string{"hue3"}, none: []string{"hue1", "hue2"}, query: true},
		{name: "date range inclusive instant", text: `captured_at:>="2018-03-04T10:00:00Z" captured_at:<="2018-03-05T10:00:00Z"`, want: []string{"hue2", "hue3"}, none: []string{"hue1", "cho1"}, query: true},
		{name: "ingested range", text: `hai duong ingested_at:<"2026-01-01"`, none: []string{"hd2", "hd3"}, query: true},
		{name: "ingested range inclusive", text: `hai duong ingested_at:<="2026-01-01T00:00:00Z"`, want: []string{"hd2", "hd3"}, query: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := Query{Text: c.text, Size: 50}
			if c.query {
				q.Syntax = SyntaxQuery
			}
			res, err := ix.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res)
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q: missing %s in %v", c.text, w, got)
				}
			}
			for _, n := range c.none {
				if slices.Contains(got, n) {
					t.Errorf("%q: unexpected %s in %v", c.text, n, got)
				}
			}
			if c.first != "" && (len(got) == 0 || got[0] != c.first) {
				t.Errorf("%q: first hit %v, want %s", c.text, got, c.first)
			}
			if int(res.Total) != len(got) {
				t.Errorf("total %d, hits %d", res.Total, len(got))
			}
			for _, h := range res.Hits {
				if h.Record == nil || h.Record.ID != h.ID {
					t.Errorf("hit %s has no record", h.ID)
				}
			}
		})
	}
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSearchFilters(t *testing.T) {
	ix := searchFixture(t)
	for _, c := range []struct {
		name string
		q    Query
		want []string // exactly, in any order
	}{
		{"kind", Query{Kinds: []string{"video"}}, []string{"hd3"}},
		{"kind and text", Query{Text: "hai duong", Kinds: []string{"video"}}, []string{"hd3"}},
		{"category", Query{Categories: []string{"lang-nghe-dac-san"}}, []string{"th", "mixed"}},
		{"historical place finds current", Query{Places: []string{"294"}}, []string{"th", "hp"}},
		{"current place finds historical", Query{Places: []string{"31"}}, []string{"th", "hp", "hd1", "hd2", "hd3", "mixed"}},
		{"province finds districts", Query{Places: []string{"30"}, Text: "vải"}, []string{"th"}},
		{"province", Query{Places: []string{"30"}}, []string{"th", "hd1", "hd2", "hd3", "mixed", "hp"}},
		{"place by name", Query{Places: []string{"Thanh Ha"}}, []string{"th"}},
		{"keyword any diacritics", Query{Keywords: []string{"vai thieu"}}, []string{"th"}},
		{"camera", Query{Camera: "iphone"}, []string{"th"}},
		{"camera facet value", Query{Camera: "Canon EOS 5D"}, []string{"hd2"}},
		{"date range", Query{From: date("2019-01-01"), To: date("2020-06-01")}, []string{"hd1", "hd2"}},
		{"date range end exclusive", Query{From: date("2018-03-04"), To: date("2018-03-05")}, []string{"hue2"}},
		{"near Côn Sơn", Query{Near: &Near{Lat: 21.15, Lon: 106.38, Km: 5}}, []string{"hd1"}},
		{"near Hải Dương wide", Query{Near: &Near{Lat: 21.0, Lon: 106.35, Km: 30}}, []string{"hd1", "hd2"}},
		{"bbox Cần Thơ", Query{BBox: &BBox{MinLat: 9.5, MinLon: 105.5, MaxLat: 10.5, MaxLon: 106}}, []string{"cho1"}},
		{"status", Query{Status: []string{"draft"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res)
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestSearchFacets(t *testing.T) {
	ix := searchFixture(t)
	count := func(fc []FacetCount, v string) int {
		for _, c := range fc {
			if c.Value == v {
				return c.Count
			}
		}
		return 0
	}
	res, err := ix.Search(context.Background(), Query{Categories: []string{"danh-thang"}, Facets: []string{"kind", "place", "year", "category", "camera", "keyword"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := count(res.Facets["kind"], "photo"); got != 1 {
		t.Errorf("kind photo = %d, want 1 (%v)", got, res.Facets)
	}
	if got := count(res.Facets["kind"], "video"); got != 1 {
		t.Errorf("kind video = %d, want 1", got)
	}
	if got := count(res.Facets["place"], "288"); got != 2 {
		t.Errorf("place 288 = %d, want 2", got)
	}
	if l := res.Facets["place"][0].Label; l != "Thành phố Hải Dương" {
		t.Errorf("place label %q", l)
	}
	if got := count(res.Facets["camera"], "Canon EOS 5D"); got != 1 {
		t.Errorf("camera = %v", res.Facets["camera"])
	}
	if got := count(res.Facets["category"], "du-lich"); got != 4 {
		t.Errorf("category (own filter ignored) = %v", res.Facets["category"])
	}
	if got := count(res.Facets["year"], "2021"); got != 1 {
		t.Errorf("year = %v", res.Facets["year"])
	}

	// A facet's counts respect the other filters but not its own.
	res, err = ix.Search(context.Background(), Query{Kinds: []string{"photo"}, Categories: []string{"danh-thang"}, Facets: []string{"kind", "category"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 {
		t.Errorf("total %d, want 1", res.Total)
	}
	if count(res.Facets["kind"], "video") != 1 || count(res.Facets["kind"], "photo") != 1 {
		t.Errorf("kind facet ignores its own filter: %v", res.Facets["kind"])
	}
	if count(res.Facets["category"], "danh-thang") != 1 || count(res.Facets["category"], "du-lich") != 4 {
		t.Errorf("category facet under kind=photo: %v", res.Facets["category"])
	}
	if count(res.Facets["category"], "tong-quan") != 26 {
		t.Errorf("category tong-quan: %v", res.Facets["category"])
	}
}

func TestSearchPaging(t *testing.T) {
	ix := searchFixture(t)
	for _, sort := range []string{"relevance", "captured_at", "-captured_at", "ingested_at"} {
		t.Run(sort, func(t *testing.T) {
			var all []string
			for page := 1; page <= 3; page++ {
				res, err := ix.Search(context.Background(), Query{Text: "ảnh tư liệu", Sort: sort, Page: page, Size: 10})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != 25 {
					t.Fatalf("total %d", res.Total)
				}
				all = append(all, ids(res)...)
			}
			if len(all) != 25 {
				t.Fatalf("%d hits over 3 pages", len(all))
			}
			if !slices.IsSorted(all) {
				t.Errorf("equal keys not ordered by id: %v", all)
			}
			again, err := ix.Search(context.Background(), Query{Text: "ảnh tư liệu", Sort: sort, Page: 2, Size: 10})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(again), all[10:20]) {
				t.Errorf("page 2 not stable")
			}
		})
	}
	res, err := ix.Search(context.Background(), Query{Sort: "-captured_at", Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); !slices.Equal(got, []string{"hp", "ko", "cho2"}) {
		t.Errorf("-captured_at: %v", got)
	}
}

func TestSearchBadQueries(t *testing.T) {
	ix := searchFixture(t)
	for _, c := range []struct {
		name  string
		q     Query
		param string
	}{
		{"unclosed phrase", Query{Text: `title:"chợ nổi`, Syntax: SyntaxQuery}, "text"},
		{"dangling field", Query{Text: `kind:`, Syntax: SyntaxQuery}, "text"},
		{"two colons", Query{Text: `hai:duong:x`, Syntax: SyntaxQuery}, "text"},
		{"bad date", Query{Text: `captured_at:>"yesterday"`, Syntax: SyntaxQuery}, "text"},
		{"bad fuzziness", Query{Text: `hue~x`, Syntax: SyntaxQuery}, "text"},
		{"unknown field", Query{Text: `colour:red`, Syntax: SyntaxQuery}, "text"},
		{"size too big", Query{Size: 500}, "size"},
		{"page zero or less", Query{Page: -1}, "page"},
		{"deep page", Query{Page: 1000, Size: 100}, "page"},
		{"sort", Query{Sort: "title"}, "sort"},
		{"facet", Query{Facets: []string{"colour"}}, "facets"},
		{"kind", Query{Kinds: []string{"audio"}}, "kinds"},
		{"near", Query{Near: &Near{Lat: 91, Lon: 0, Km: 1}}, "near"},
		{"near distance", Query{Near: &Near{Lat: 21, Lon: 106, Km: 0}}, "near"},
		{"bbox", Query{BBox: &BBox{MinLat: 22, MaxLat: 21}}, "bbox"},
		{"dates", Query{From: date("2020-01-01"), To: date("2019-01-01")}, "from/to"},
		{"syntax", Query{Text: "x", Syntax: "lucene"}, "syntax"},
		{"twenty *a* terms", Query{Text: strings.Repeat("*a* ", 20), Syntax: SyntaxQuery}, "text"},
		{"five patterns", Query{Text: "a* b* c* d~1 /e.*/", Syntax: SyntaxQuery}, "text"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), c.q)
			var qe *QueryError
			if !errors.As(err, &qe) || !errors.Is(err, ErrBadQuery) {
				t.Fatalf("err = %v, want a *QueryError", err)
			}
			if qe.Param != c.param {
				t.Errorf("param %q, want %q (%v)", qe.Param, c.param, err)
			}
			t.Log(err)
		})
	}
}

// TestFileDateIsNoCaptureTime: a record dated only by its file's
// modification time counts as YearUnknown in the year facet, falls outside
// date ranges and sorts after the dated records.
func TestFileDateIsNoCaptureTime(t *testing.T) {
	a, path := newStore(t, []rec{
		{id: "taken", vi: "Ảnh có ngày chụp", captured: "2021-03-03"},
		{id: "copied", vi: "Ảnh chép hôm nay", captured: "2026-12-02", fileDate: true},
		{id: "nodate", vi: "Ảnh không có ngày"},
	})
	ix := openIndex(t, path, a.Store())
	res, err := ix.Search(context.Background(), Query{Facets: []string{"year"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range res.Facets["year"] {
		got[c.Value] = c.Count
	}
	if want := map[string]int{"2021": 1, YearUnknown: 2}; !maps.Equal(got, want) {
		t.Errorf("year facet = %v, want %v", got, want)
	}
	if got, want := ids(res), []string{"taken", "copied", "nodate"}; !slices.Equal(got, want) {
		t.Errorf("-captured_at order = %v, want %v", got, want)
	}
	for _, c := range []struct {
		name string
		q    Query
		want []string
	}{
		{"range of the file date", Query{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"range of the capture date", Query{From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"taken"}},
		{"year:unknown", Query{Text: "year:" + YearUnknown, Syntax: SyntaxQuery, Sort: "ingested_at"}, []string{"copied", "nodate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res); !slices.Equal(got, c.want) {
				t.Errorf("ids = %v, want %v", got, c.want)
			}
		})
	}
}
