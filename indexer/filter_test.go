package indexer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// referenceSearch runs q with every filter as Bleve's own filter clause.
func referenceSearch(t *testing.T, ix *Index, q Query) *Result {
	t.Helper()
	p, err := ix.gaz.plan(q)
	if err != nil {
		t.Fatal(err)
	}
	p.reference = true
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res, err := ix.search(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// matchesBleve checks that Search answers q as Bleve's own execution
// does: same total, hits, order, scores and facets.
func matchesBleve(t *testing.T, ix *Index, q Query, name string) {
	t.Helper()
	got, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := referenceSearch(t, ix, q)
	if got.Total != want.Total || !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("%s:\n got %d %v\nwant %d %v", name, got.Total, ids(got), want.Total, ids(want))
	}
	for j := range got.Hits {
		// Without text nothing scores (the filters alone differ in what
		// they call a score).
		if q.Text != "" && got.Hits[j].Score != want.Hits[j].Score {
			t.Fatalf("%s: hit %d score %v, want %v", name, j, got.Hits[j].Score, want.Hits[j].Score)
		}
	}
	for _, f := range q.Facets {
		if !slices.Equal(got.Facets[f], want.Facets[f]) {
			t.Fatalf("%s: facet %s %v, want %v", name, f, got.Facets[f], want.Facets[f])
		}
	}
}

// randomQuery draws a query over the benchmark's vocabulary.
func randomQuery(r *rand.Rand) Query {
	var q Query
	if r.IntN(4) > 0 {
		q.Text = pick(r, benchQueries(40))
	}
	some := func(vals []string, n int) []string {
		var out []string
		for range 1 + r.IntN(n) {
			out = append(out, pick(r, vals))
		}
		return out
	}
	if r.IntN(2) == 0 {
		q.Kinds = some([]string{"photo", "video", "publication"}, 2)
	}
	if r.IntN(3) == 0 {
		q.Categories = some(benchCategories, 2)
	}
	if r.IntN(3) == 0 {
		q.Places = some(append(slices.Clone(benchPlaceCodes), "Thanh Hà"), 2)
	}
	if r.IntN(4) == 0 {
		q.Keywords = some(benchKeywords, 2)
	}
	if r.IntN(2) == 0 {
		q.From = time.Date(2000+r.IntN(26), 1, 1, 0, 0, 0, 0, time.UTC)
		if r.IntN(2) == 0 {
			q.From = time.Time{}
		}
		q.To = time.Date(2010+r.IntN(20), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		if !q.From.Before(q.To) {
			q.From = time.Time{}
		}
	}
	if r.IntN(4) == 0 {
		q.Visibility = []string{pick(r, []string{"public", "internal"})}
	}
	if r.IntN(4) == 0 {
		q.Status = []string{"published"}
		q.ReleasedAt = pick(r, releaseInstants)
	}
	if r.IntN(6) == 0 {
		q.Camera = "canon"
	}
	if r.IntN(3) == 0 {
		q.Facets = []string{"kind", "category", "year", "place"}
	}
	if r.IntN(4) == 0 {
		q.Sort = pick(r, []string{"-captured_at", "ingested_at", "relevance"})
	}
	q.Size = 1 + r.IntN(30)
	return q
}

// releaseInstants are the instants random queries ask what is released
// at; withReleaseWindow's windows open and close at them and between them.
var releaseInstants = []time.Time{
	time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
}

// withReleaseWindow gives some records a publish date, an unpublish date
// or an expiry of rights.
func withReleaseWindow(r *archive.Record, i int) {
	at := func(k int) *time.Time {
		t := releaseInstants[k%len(releaseInstants)].AddDate(0, k%3-1, 0)
		if k%2 == 0 {
			t = releaseInstants[k%len(releaseInstants)] // the very instant
		}
		return &t
	}
	if i%5 == 0 {
		r.PublishAt = at(i / 5)
	}
	if i%11 == 0 {
		r.UnpublishAt = at(i/11 + 1)
	}
	if i%13 == 0 {
		r.RightsExpireAt = at(i / 13)
	}
}

// TestFilterBitmapMatchesBleve compares Search, which searches term and
// date filters as one bitmap, with Bleve running the same filters as its
// filter clause: same total, hits, order, scores and facets, on random
// queries, as records change (new segments, deleted documents).
func TestFilterBitmapMatchesBleve(t *testing.T) {
	recs := benchRecords(900)
	for i, r := range recs {
		if i%7 == 0 {
			r.Visibility = archive.Internal
		}
		withReleaseWindow(r, i)
	}
	src := newMemSource(recs[:600])
	ix, err := Open(context.Background(), filepath.Join(t.TempDir(), "index.bleve"), src, Options{BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	rng := rand.New(rand.NewPCG(13, 13))
	compare := func(round int) {
		for i := range 40 {
			q := randomQuery(rng)
			name := fmt.Sprintf("round %d query %d %+v", round, i, q)
			matchesBleve(t, ix, q, name)
		}
	}
	compare(0)
	// Updates: later records, some replacing earlier ones.
	for round := 1; round <= 3; round++ {
		indexLater(t, ix, src, recs[600+(round-1)*100:600+round*100], recs[:600], 3, rng)
		compare(round)
	}
}

// indexLater indexes later records, every every-th of them replacing one
// of earlier (new segments, deleted documents).
func indexLater(t *testing.T, ix *Index, src *memSource, later, earlier []*archive.Record, every int, rng *rand.Rand) {
	t.Helper()
	var batch []*archive.Record
	for i, rec := range later {
		r := *rec
		if i%every == 0 {
			r.ID = earlier[rng.IntN(len(earlier))].ID
		}
		batch = append(batch, &r)
	}
	src.recs = append(src.recs, batch...)
	for _, r := range batch {
		src.byID[r.ID] = r
	}
	if err := ix.Index(context.Background(), batch, uint64(len(src.recs))); err != nil {
		t.Fatal(err)
	}
}
