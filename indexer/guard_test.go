package indexer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// Text typed into a search box is words: punctuation never makes an error
// and finds what the words without it find.
func TestSearchBoxPunctuation(t *testing.T) {
	ix := searchFixture(t)
	for _, c := range []struct {
		typed, words string
		some         bool // the words find something
	}{
		{"Côn Sơn: lễ hội", "Côn Sơn lễ hội", true},
		{"Côn Sơn - Kiếp Bạc", "Côn Sơn Kiếp Bạc", true},
		{"vải thiều?", "vải thiều", true},
		{"lễ hội (2026)", "lễ hội 2026", false},
		{`title:"chợ nổi" +kind:photo -x`, "title chợ nổi kind photo x", false},
		{`"unbalanced`, "unbalanced", false},
		{"*a* " + strings.Repeat("*a* ", 19), "a", false},
		{"???", "", true}, // no words: every record
	} {
		t.Run(c.typed, func(t *testing.T) {
			got, err := ix.Search(context.Background(), Query{Text: c.typed, Size: 50})
			if err != nil {
				t.Fatalf("%q: %v", c.typed, err)
			}
			want, err := ix.Search(context.Background(), Query{Text: c.words, Size: 50})
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || !slices.Equal(ids(got), ids(want)) {
				t.Errorf("%q: %d %v; %q: %d %v", c.typed, got.Total, ids(got), c.words, want.Total, ids(want))
			}
			if c.some && got.Total == 0 {
				t.Errorf("%q found nothing", c.typed)
			}
		})
	}
}

// A wildcard standing for more words than maxExpansion is refused before
// it runs.
func TestSearchPatternExpansion(t *testing.T) {
	recs := make([]rec, maxExpansion+10)
	for i := range recs {
		recs[i] = rec{id: fmt.Sprintf("w%04d", i), vi: fmt.Sprintf("xa%04d", i), captured: "2020-01-01"}
	}
	a, path := newStore(t, recs)
	ix := openIndex(t, path, a.Store())
	for _, c := range []struct {
		text  string
		total uint64 // 0: refused
	}{
		{"xa*", 0},
		{"title:xa*", 0},
		{"/xa.*/", 0},
		{"xa00*", 100},
		{"xa0001", 1},
	} {
		t.Run(c.text, func(t *testing.T) {
			start := time.Now()
			res, err := ix.Search(context.Background(), Query{Text: c.text, Syntax: SyntaxQuery})
			if c.total == 0 {
				if !errors.Is(err, ErrBadQuery) {
					t.Fatalf("err = %v, want a bad query", err)
				}
				t.Logf("%v (%v)", err, time.Since(start))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != c.total {
				t.Errorf("total %d, want %d", res.Total, c.total)
			}
		})
	}
}

func TestSearchDeadline(t *testing.T) {
	a, path := newStore(t, fixture)
	ix, err := Open(context.Background(), path, a.Store(), Options{SearchTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Search(context.Background(), Query{Text: "hội"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client went away
	if _, err := ix.Search(ctx, Query{Text: "hội"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want cancelled", err)
	}
}

// A search Bleve estimates to need more memory than the budget is refused
// before it runs.
func TestSearchMemoryBudget(t *testing.T) {
	a, path := newStore(t, fixture)
	ix, err := Open(context.Background(), path, a.Store(), Options{SearchMemory: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Search(context.Background(), Query{Text: "hội", Size: 200}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("err = %v, want a bad query", err)
	}
}

func TestGate(t *testing.T) {
	g := newGate(3, 2)
	ctx := context.Background()
	var releases []func()
	for range 2 {
		r, err := g.enter(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := g.enter(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third search of one client: err = %v, want it to wait and time out", err)
	}
	rb, err := g.enter(ctx, "b")
	if err != nil {
		t.Fatalf("another client: %v", err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if _, err := g.enter(short2, "c"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("over the global bound: err = %v, want a timeout", err)
	}
	rb()
	releases[0]()
	r, err := g.enter(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	r()
	releases[1]()
	if len(g.clients) != 0 {
		t.Errorf("idle clients kept: %v", g.clients)
	}
}

// A misspelt word of five letters or more that finds nothing is retried
// with one edit, and the result says so.
func TestSearchCorrection(t *testing.T) {
	ix := searchFixture(t)
	for _, c := range []struct {
		text, corrected string
		want            string
	}{
		{"ceramcs", "ceramics", "mixed"},
		{"potery", "pottery", "mixed"},
		{"floating markat", "floating market", "cho1"},
		{"Kinh thanh", "", "hue1"}, // found as typed
		{"xyzzyq", "", ""},         // nothing near
		{"gom", "", ""},            // too short to correct; "gốm" folds to it anyway
	} {
		t.Run(c.text, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Query{Text: c.text})
			if err != nil {
				t.Fatal(err)
			}
			if res.Corrected != c.corrected {
				t.Errorf("corrected %q, want %q", res.Corrected, c.corrected)
			}
			if c.want != "" && !slices.Contains(ids(res), c.want) {
				t.Errorf("hits %v, want %s", ids(res), c.want)
			}
		})
	}
	res, err := ix.Search(context.Background(), Query{Text: "ceramcs", Syntax: SyntaxQuery})
	if err != nil || res.Total != 0 || res.Corrected != "" {
		t.Errorf("query syntax is not corrected: %v %+v", err, res)
	}
}

// FuzzSearchText: whatever is typed into a search box plans without error
// (words), and query-string syntax either plans or is a *QueryError.
func FuzzSearchText(f *testing.F) {
	for _, s := range []string{"Côn Sơn: lễ hội", "lễ hội (2026)", `title:"chợ nổi`, "*a* *a*", "/[/", "a~3", `\`, "width:>abc"} {
		f.Add(s)
	}
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		f.Fatal(err)
	}
	g, err := newGazetteer(tax)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := g.plan(Query{Text: s})
		if err != nil {
			t.Fatalf("words %q: %v", s, err)
		}
		if len(p.words) > maxWords {
			t.Fatalf("%d words", len(p.words))
		}
		if _, err := g.plan(Query{Text: s, Syntax: SyntaxQuery}); err != nil && !errors.Is(err, ErrBadQuery) {
			t.Fatalf("query %q: %v", s, err)
		}
	})
}
