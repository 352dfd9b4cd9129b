package indexer

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// referenceFacets counts facet f of the query p.referenceQuery(without f's filter
// when set) with Bleve's facet builder, the way Search used to.
func referenceFacets(t *testing.T, ix *Index, q Query, f string) map[string]int {
	t.Helper()
	p, err := ix.gaz.plan(q)
	if err != nil {
		t.Fatal(err)
	}
	without := ""
	if _, ok := p.filters[facetFilterKey(f)]; ok {
		without = facetFilterKey(f)
	}
	req := bleve.NewSearchRequestOptions(p.referenceQuery(without), 0, 0, false)
	req.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, 1<<20))
	res, err := ix.idx.SearchInContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	if fr := res.Facets[fieldFacets]; fr != nil && fr.Terms != nil {
		for _, tf := range fr.Terms.Terms() {
			if v, ok := strings.CutPrefix(tf.Term, f+":"); ok {
				out[v] = tf.Count
			}
		}
	}
	return out
}

func checkFacets(t *testing.T, ix *Index, q Query) {
	t.Helper()
	q.Facets = FacetNames()
	q.FacetSize = maxFacet
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range FacetNames() {
		want := referenceFacets(t, ix, q, f)
		got := map[string]int{}
		for i, c := range res.Facets[f] {
			got[c.Value] = c.Count
			if i > 0 {
				prev := res.Facets[f][i-1]
				if prev.Count < c.Count || prev.Count == c.Count && prev.Value > c.Value {
					t.Errorf("%+v facet %s not ordered: %v", q, f, res.Facets[f])
				}
			}
		}
		if len(want) > maxFacet {
			continue // truncated: compare the order checks only
		}
		if len(got) != len(want) {
			t.Errorf("%+v facet %s = %v, want %v", q, f, got, want)
			continue
		}
		for v, n := range want {
			if got[v] != n {
				t.Errorf("%+v facet %s %s = %d, want %d", q, f, v, got[v], n)
			}
		}
	}
}

// TestFacetColumn checks the facet counts of Search against Bleve's facet
// builder, before and after the index changes.
func TestFacetColumn(t *testing.T) {
	recs := benchRecords(600)
	src := newMemSource(recs[:400])
	ix, err := Open(context.Background(), filepath.Join(t.TempDir(), "index.bleve"), src, Options{BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	queries := []struct {
		name string
		q    Query
	}{
		{"everything", Query{}},
		{"text", Query{Text: "Hải Dương"}},
		{"text and kind", Query{Text: "lễ hội", Kinds: []string{"photo"}}},
		{"text, categories and place", Query{Text: "chua", Categories: []string{"du-lich", "lich-su"}, Places: []string{"288"}}},
		{"keyword by ingest time", Query{Keywords: []string{"du lịch"}, Sort: "ingested_at"}},
	}
	for _, c := range queries {
		t.Run(c.name, func(t *testing.T) { checkFacets(t, ix, c.q) })
	}
	// Later records, some replacing earlier ones: the column must follow.
	more := slices.Clone(recs[400:])
	for i := range 50 {
		r := *recs[400+i]
		r.ID = recs[i].ID
		more[i] = &r
	}
	for i := 0; i < len(more); i += 40 {
		batch := more[i:min(i+40, len(more))]
		src.recs = append(src.recs, batch...)
		for _, r := range batch {
			src.byID[r.ID] = r
		}
		if err := ix.Index(context.Background(), batch, uint64(len(src.recs))); err != nil {
			t.Fatal(err)
		}
		checkFacets(t, ix, queries[i/40%len(queries)].q)
	}
	for _, c := range queries {
		t.Run("after the changes: "+c.name, func(t *testing.T) { checkFacets(t, ix, c.q) })
	}
}

// TestDateRange compares the date index's ranges (whole blocks as bitmaps,
// the edges document by document) with a scan of the dates.
func TestDateRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	dates := make([]int64, 3*dateBlock+123)
	for i := range dates {
		dates[i] = int64(rng.IntN(1000))
		if rng.IntN(10) == 0 {
			dates[i] = noDate
		}
	}
	d := newDateIndex(dates)
	for range 200 {
		from, to := int64(rng.IntN(1100))-50, int64(rng.IntN(1100))-50
		want := roaring.New()
		for n, d := range dates {
			if d != noDate && d >= from && d < to {
				want.Add(uint32(n))
			}
		}
		if got := d.between(from, to); !got.Equals(want) {
			t.Fatalf("[%d, %d): %d documents, want %d", from, to, got.GetCardinality(), want.GetCardinality())
		}
	}
}

// TestFacetColumnKeepsSegments checks that a change to the index reads
// the columns of its new segments only: a segment the snapshots before
// and after share keeps its column.
func TestFacetColumnKeepsSegments(t *testing.T) {
	recs := benchRecords(300)
	src := newMemSource(recs[:250])
	ix, err := Open(context.Background(), filepath.Join(t.TempDir(), "index.bleve"), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	columns := func() map[segment.Segment]*segFacets {
		out := map[segment.Segment]*segFacets{}
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		err := ix.withReader(func(r index.IndexReader) error {
			col, err := ix.facets.get(r)
			if err != nil {
				return err
			}
			for i, ss := range r.(*scorch.IndexSnapshot).Segments() {
				out[ss.Segment()] = col.segs[i]
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := columns()
	batch := recs[250:260]
	src.recs = append(src.recs, batch...)
	for _, r := range batch {
		src.byID[r.ID] = r
	}
	if err := ix.Index(context.Background(), batch, uint64(len(src.recs))); err != nil {
		t.Fatal(err)
	}
	after := columns()
	shared := 0
	for seg, col := range after {
		if old, ok := before[seg]; ok {
			shared++
			if old != col {
				t.Error("a segment's column was read again after a change")
			}
		}
	}
	if shared == 0 {
		t.Log("the change merged every segment: nothing to compare")
	}
	checkFacets(t, ix, Query{Text: "Hải Dương"})
}
