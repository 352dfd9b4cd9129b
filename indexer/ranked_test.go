package indexer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	index "github.com/blevesearch/bleve_index_api"

	"github.com/haiduong/promo-archive/archive"
)

// rankedRecords are the benchmark's records with what makes ranking hard:
// repeated words (frequencies above one), titles in several languages,
// identical titles (ties broken by id), internal records, long titles and
// records whose words are only in a short description (they outrank
// titles that hold the words among many others).
func rankedRecords(n int) []*archive.Record {
	recs := benchRecords(n)
	for i, r := range recs {
		switch i % 11 {
		case 0:
			r.Title["vi"] += " " + r.Title["vi"] // every word twice
		case 1:
			r.Title = map[string]string{"vi": "Lễ hội Côn Sơn mùa xuân"} // many ties
		case 2:
			r.Title["en"] = "Hai Duong " + r.Title["vi"]
		case 3:
			r.Description["vi"] = "Côn Sơn, Côn Sơn và lễ hội Côn Sơn"
		case 4:
			r.Visibility = archive.Internal
		case 5:
			r.Title["vi"] += strings.Repeat(" và những điều khác nữa", 8)
		case 6:
			r.Description = map[string]string{"vi": strings.Repeat(r.Title["vi"]+" ", 3)}
			r.Title = map[string]string{"vi": "Ảnh"}
		}
	}
	return recs
}

// TestRankedMatchesBleve compares the words ranked from the postings
// (ranked.go) with Bleve's own execution of the same query: same total,
// hits, order, scores and facets, on random words, pages and filters, as
// records change (several segments, deleted documents). It also checks
// that the ranked path is the one that answered.
func TestRankedMatchesBleve(t *testing.T) {
	recs := rankedRecords(1500)
	src := newMemSource(recs[:1000])
	ix, err := Open(context.Background(), filepath.Join(t.TempDir(), "index.bleve"), src, Options{BatchSize: 150, rankPart: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	rng := rand.New(rand.NewPCG(21, 21))
	texts := append(benchQueries(60), "côn sơn", "con son", "lễ hội côn sơn", "hải dương", "hai duong", "sơn côn",
		"côn côn sơn", "đền", "hội xuân mùa", "festival", "Côn Sơn: lễ hội", "kiếp bạc 2010")
	ranked := 0
	compare := func(round int) {
		for i := range 60 {
			q := randomQuery(rng)
			q.Text = texts[rng.IntN(len(texts))]
			q.Sort = ""
			q.Camera = "" // a Bleve filter: leaves the ranked path
			if rng.IntN(3) == 0 {
				q.Page = 1 + rng.IntN(4)
			}
			name := fmt.Sprintf("round %d query %d %+v", round, i, q)
			matchesBleve(t, ix, q, name)
			if bitmapFiltersOnly(t, ix, q) {
				if !rankedAnswers(t, ix, q) {
					t.Fatalf("%s: left to Bleve", name)
				}
				ranked++
			}
		}
	}
	compare(0)
	for round := 1; round <= 2; round++ {
		indexLater(t, ix, src, recs[1000+(round-1)*250:1000+round*250], recs[:1000], 2, rng)
		compare(round)
	}
	if ranked < 60 {
		t.Errorf("the ranked path answered only %d of 180 queries", ranked)
	}
}

// bitmapFiltersOnly reports whether every filter of q is one a bitmap
// stands for (filter.go): the ranked path must answer such a query.
func bitmapFiltersOnly(t *testing.T, ix *Index, q Query) bool {
	t.Helper()
	p, err := ix.gaz.plan(q)
	if err != nil {
		t.Fatal(err)
	}
	for k := range p.filters {
		if _, ok := p.parts[k]; !ok {
			return false
		}
	}
	return true
}

// rankedAnswers reports whether rankWords answers q.
func rankedAnswers(t *testing.T, ix *Index, q Query) bool {
	t.Helper()
	p, err := ix.gaz.plan(q)
	if err != nil {
		t.Fatal(err)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var ok bool
	err = ix.withReader(func(r index.IndexReader) error {
		_, ok, err = ix.rankWords(context.Background(), p, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestRankedUntitledOutrank checks the bound of the matches lacking a word
// in the title where it is tight: identical records whose words are only
// in a description (twice), against records with the words in the title
// (out of order: no phrase) whose title norms fall below theirs page by
// page. Every page must be Bleve's.
func TestRankedUntitledOutrank(t *testing.T) {
	recs := benchRecords(260)
	for i, r := range recs {
		r.Keywords, r.Camera, r.Creator = nil, nil, ""
		r.Place = &archive.Place{Code: benchPlaceCodes[0]}
		r.Title = map[string]string{"vi": "Sơn Côn" + strings.Repeat(" ảnh", i/10)}
		r.Description = map[string]string{}
		if i >= 200 {
			r.Title = map[string]string{"vi": "Ảnh đẹp"}
			r.Description = map[string]string{"vi": "côn sơn côn sơn" + strings.Repeat(" ảnh", 6)}
		}
	}
	ix, err := Open(context.Background(), filepath.Join(t.TempDir(), "index.bleve"), newMemSource(recs), Options{rankPart: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for page := 1; page <= 13; page++ {
		q := Query{Text: "côn sơn", Page: page}
		matchesBleve(t, ix, q, fmt.Sprintf("page %d", page))
		if !rankedAnswers(t, ix, q) {
			t.Fatalf("page %d: left to Bleve", page)
		}
	}
}
