package indexer

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Facets are counted here rather than by Bleve's facet builder, which
// decodes the (compressed) doc values of fieldFacets for every match. A
// facetColumn holds, for one index snapshot, the facet values of every
// internal document number as small ints; a countingQuery wraps the query of
// a search so that every match the collector sees is counted from the
// column of the very snapshot the search runs on.

// facetColumn is the facet values of every document of one snapshot, in
// CSR form: the values of document n are vals[start[n]:start[n+1]], each an
// index into terms.
type facetColumn struct {
	reader index.IndexReader // the snapshot the column describes
	start  []uint32
	vals   []uint32
	terms  []facetTerm
	// docs holds the documents of each term (global numbers): a facet of
	// few values is counted by intersecting them with the matches.
	docs []*roaring.Bitmap
	// dates holds captured_at of every document in Unix nanoseconds,
	// noDate where there is none (or the document is deleted): date
	// filters use byDate, built from it (filter.go).
	dates  []int64
	byDate dateIndex
}

// noDate marks a document without captured_at in facetColumn.dates.
const noDate = math.MinInt64

// dateRange is the documents captured from (inclusive) to (exclusive):
// the blocks of byDate wholly inside the range as bitmaps, the partial
// ones document by document.
func (c *facetColumn) dateRange(from, to int64) *roaring.Bitmap {
	d := &c.byDate
	lo, _ := slices.BinarySearch(d.dates, from)
	hi, _ := slices.BinarySearch(d.dates, to)
	if lo >= hi {
		return roaring.New()
	}
	first, last := (lo+dateBlock-1)/dateBlock, hi/dateBlock // whole blocks [first, last)
	if first >= last {
		return roaring.BitmapOf(d.docs[lo:hi]...)
	}
	bm := roaring.FastOr(d.blocks[first:last]...)
	bm.AddMany(d.docs[lo : first*dateBlock])
	bm.AddMany(d.docs[last*dateBlock : hi])
	return bm
}

// dateBlock is the documents of one block of dateIndex.
const dateBlock = 4096

// dateIndex orders the dated documents of a snapshot by captured_at: docs
// and dates side by side, and each dateBlock of them as a bitmap.
type dateIndex struct {
	docs   []uint32
	dates  []int64
	blocks []*roaring.Bitmap
}

func newDateIndex(dates []int64) dateIndex {
	var d dateIndex
	for n, t := range dates {
		if t != noDate {
			d.docs = append(d.docs, uint32(n))
		}
	}
	slices.SortStableFunc(d.docs, func(a, b uint32) int { return cmp.Compare(dates[a], dates[b]) })
	d.dates = make([]int64, len(d.docs))
	for i, n := range d.docs {
		d.dates[i] = dates[n]
	}
	for i := 0; i+dateBlock <= len(d.docs); i += dateBlock {
		d.blocks = append(d.blocks, roaring.BitmapOf(d.docs[i:i+dateBlock]...))
	}
	return d
}

// facetTerm is one name:value of fieldFacets.
type facetTerm struct {
	facet string
	value string
}

// facetColumns caches the column of the latest snapshot a faceted search
// ran on.
type facetColumns struct {
	mu  sync.Mutex
	col *facetColumn
}

// get returns the column of r, building it when r is another snapshot than
// the cached column's. Scorch hands out the same snapshot value until the
// index changes (a batch, a merge), so the comparison is by identity.
func (c *facetColumns) get(r index.IndexReader) (*facetColumn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.col != nil && c.col.reader == r {
		return c.col, nil
	}
	c.col = nil // release the old snapshot before building
	col, err := buildFacetColumn(r)
	if err != nil {
		return nil, err
	}
	c.col = col
	return col, nil
}

// reset drops the cached column (the index changed or closed).
func (c *facetColumns) reset() {
	c.mu.Lock()
	c.col = nil
	c.mu.Unlock()
}

func buildFacetColumn(r index.IndexReader) (*facetColumn, error) {
	col := &facetColumn{reader: r}
	ids := map[string]uint32{}
	type docVals struct {
		doc      uint64
		from, to uint32
		date     int64
	}
	var docs []docVals
	ir, err := r.DocIDReaderAll()
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	dvr, err := r.DocValueReader([]string{fieldFacets, fieldCapturedAt})
	if err != nil {
		return nil, err
	}
	var vals []uint32
	date := int64(noDate)
	visit := func(field string, term []byte) {
		if field == fieldCapturedAt {
			// Dates are indexed at several precisions; shift 0 is exact.
			if pc := numeric.PrefixCoded(term); len(term) > 0 {
				if shift, err := pc.Shift(); err == nil && shift == 0 {
					if v, err := pc.Int64(); err == nil {
						date = v
					}
				}
			}
			return
		}
		if field != fieldFacets {
			return
		}
		id, ok := ids[string(term)]
		if !ok {
			name, value, _ := strings.Cut(string(term), ":")
			id = uint32(len(col.terms))
			ids[string(term)] = id
			col.terms = append(col.terms, facetTerm{facet: name, value: value})
		}
		vals = append(vals, id)
	}
	sorted := true
	for {
		iid, err := ir.Next()
		if err != nil {
			return nil, err
		}
		if iid == nil {
			break
		}
		n := iid.Value()
		from := uint32(len(vals))
		date = noDate
		if err := dvr.VisitDocValues(iid, visit); err != nil {
			return nil, err
		}
		if len(docs) > 0 && docs[len(docs)-1].doc >= n {
			sorted = false
		}
		docs = append(docs, docVals{doc: n, from: from, to: uint32(len(vals)), date: date})
	}
	if !sorted { // scorch yields documents in order; be safe anyway
		slices.SortStableFunc(docs, func(a, b docVals) int { return cmp.Compare(a.doc, b.doc) })
	}
	var size uint64
	if len(docs) > 0 {
		size = docs[len(docs)-1].doc + 1
	}
	col.start = make([]uint32, size+1)
	col.vals = make([]uint32, 0, len(vals))
	col.dates = make([]int64, size)
	d := 0
	for n := range size {
		col.start[n] = uint32(len(col.vals))
		col.dates[n] = noDate
		for ; d < len(docs) && docs[d].doc == n; d++ {
			col.vals = append(col.vals, vals[docs[d].from:docs[d].to]...)
			col.dates[n] = docs[d].date
		}
	}
	col.start[size] = uint32(len(col.vals))
	perTerm := make([][]uint32, len(col.terms))
	for n := range size {
		for _, v := range col.vals[col.start[n]:col.start[n+1]] {
			perTerm[v] = append(perTerm[v], uint32(n))
		}
	}
	col.docs = make([]*roaring.Bitmap, len(col.terms))
	for v, docs := range perTerm {
		col.docs[v] = roaring.BitmapOf(docs...)
	}
	col.byDate = newDateIndex(col.dates)
	return col, nil
}

// facetTally counts the facet values of the matches of one search.
type facetTally struct {
	cols   *facetColumns
	col    *facetColumn
	counts []int32
}

// countingQuery runs q and counts the facet values of every match.
type countingQuery struct {
	q     query.Query
	tally *facetTally
}

func (cq *countingQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	col, err := cq.tally.cols.get(r)
	if err != nil {
		return nil, err
	}
	cq.tally.col = col
	cq.tally.counts = make([]int32, len(col.terms))
	s, err := cq.q.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	return &countingSearcher{Searcher: s, facetTally: cq.tally}, nil
}

// countingSearcher counts the facet values of each match it returns.
type countingSearcher struct {
	search.Searcher
	*facetTally
}

func (s *countingSearcher) count(dm *search.DocumentMatch) {
	if dm != nil {
		s.add(dm.IndexInternalID.Value())
	}
}

// add counts the facet values of document n.
func (t *facetTally) add(n uint64) {
	if n+1 >= uint64(len(t.col.start)) {
		return
	}
	for _, v := range t.col.vals[t.col.start[n]:t.col.start[n+1]] {
		t.counts[v]++
	}
}

// countBitmap counts the values of facets among the documents of bm
// (global numbers): by intersection when the documents are many and the
// facets have few values, else document by document, every facet in one
// pass.
func (t *facetTally) countBitmap(bm *roaring.Bitmap, facets ...string) {
	var values []int
	for v, term := range t.col.terms {
		if slices.Contains(facets, term.facet) {
			values = append(values, v)
		}
	}
	// A document holds a few values; intersecting costs about a word per
	// 64 documents per value, or a look-up per match when they are sparse.
	if len(values) <= maxIntersectedValues*len(facets) && bm.GetCardinality()*sparseMatches > uint64(len(t.col.start)) {
		for _, v := range values {
			t.counts[v] += int32(bm.AndCardinality(t.col.docs[v]))
		}
		return
	}
	it := bm.ManyIterator()
	var buf [256]uint32
	for n := it.NextMany(buf[:]); n > 0; n = it.NextMany(buf[:]) {
		for _, d := range buf[:n] {
			t.add(uint64(d))
		}
	}
}

// Matches are sparse when fewer than one document in sparseMatches.
const sparseMatches = 8

// maxIntersectedValues bounds the values of a facet counted by
// intersection (countBitmap).
const maxIntersectedValues = 64

func (s *countingSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	s.count(dm)
	return dm, err
}

func (s *countingSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	s.count(dm)
	return dm, err
}

// facetCounts picks the values of one facet from the tally: the size most
// frequent, ties by value.
func (t *facetTally) facetCounts(g *gazetteer, name string, size int) []FacetCount {
	out := []FacetCount{}
	if t.col == nil {
		return out
	}
	for i, term := range t.col.terms {
		if term.facet != name || t.counts[i] == 0 {
			continue
		}
		out = append(out, FacetCount{Value: term.value, Count: int(t.counts[i])})
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	out = out[:min(len(out), size)]
	for i := range out {
		out[i].Label = g.label(name, out[i].Value)
	}
	return out
}
