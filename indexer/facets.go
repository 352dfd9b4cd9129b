package indexer

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
)

// Facets are counted here rather than by Bleve's facet builder, which
// decodes the (compressed) doc values of fieldFacets for every match. Each
// segment's facet values and capture dates are read once into columns
// (a segment never changes once written), so a change to the index costs
// the columns of its new segments only; a facetColumn is a snapshot's
// segments' columns side by side. A countingQuery wraps the query of a
// search so that every match the collector sees is counted from the
// column of the very snapshot the search runs on.

// segFacets is one segment's facet values and capture dates, deleted
// documents included (matches never hold those; date ranges leave them
// out).
type segFacets struct {
	// The values of document d are vals[start[d]:start[d+1]], each an id
	// of the index's facetTerms.
	start []uint32
	vals  []uint32
	// docs holds the documents of each value the segment has: a facet of
	// few values is counted by intersecting them with the matches.
	docs map[uint32]*roaring.Bitmap
	// byDate orders the documents with captured_at by it (filter.go).
	byDate dateIndex
}

// facetColumn is the facet values and capture dates of one snapshot: its
// segments' columns, at the global number of their first document.
type facetColumn struct {
	segs    []*segFacets
	offsets []uint64
	deleted []*roaring.Bitmap // per segment (nil: none)
	terms   []facetTerm       // by id, every value the segments hold
}

// noDate marks a document without captured_at in the dates a dateIndex is
// built from.
const noDate = math.MinInt64

// dateRange is the live documents captured from (inclusive) to
// (exclusive), as global numbers.
func (c *facetColumn) dateRange(from, to int64) *roaring.Bitmap {
	out := roaring.New()
	for i, s := range c.segs {
		bm := s.byDate.between(from, to)
		if c.deleted[i] != nil {
			bm.AndNot(c.deleted[i])
		}
		if c.offsets[i] > 0 {
			bm = roaring.AddOffset64(bm, int64(c.offsets[i]))
		}
		out.Or(bm)
	}
	return out
}

// segment is the segment of global document n and n's number in it (ok
// false past the last).
func (c *facetColumn) segment(n uint64) (seg *segFacets, local uint32, ok bool) {
	i := sort.Search(len(c.offsets), func(i int) bool { return c.offsets[i] > n }) - 1
	if i < 0 {
		return nil, 0, false
	}
	s := c.segs[i]
	local64 := n - c.offsets[i]
	if local64+1 >= uint64(len(s.start)) {
		return nil, 0, false
	}
	return s, uint32(local64), true
}

// dateBlock is the documents of one block of dateIndex.
const dateBlock = 4096

// dateIndex orders the dated documents of a segment by captured_at: docs
// and dates side by side, and each dateBlock of them as a bitmap.
type dateIndex struct {
	docs   []uint32
	dates  []int64
	blocks []*roaring.Bitmap
}

// newDateIndex indexes the dates of documents 0, 1, …; noDate for none.
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

// between is the documents captured from (inclusive) to (exclusive): the
// blocks wholly inside the range as bitmaps, the partial ones document by
// document.
func (d *dateIndex) between(from, to int64) *roaring.Bitmap {
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

// facetTerm is one name:value of fieldFacets.
type facetTerm struct {
	facet string
	value string
}

// facetColumns keeps the columns of the segments searches use, and numbers
// the facet values they hold (ids stay while the index is open).
type facetColumns struct {
	segs  segmentCache[*segFacets]
	mu    sync.Mutex
	ids   map[string]uint32
	terms []facetTerm
}

// get returns the column of r, building the columns of its segments that
// no search has used yet.
func (c *facetColumns) get(r index.IndexReader) (*facetColumn, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("indexer: facets need a scorch snapshot, not %T", r)
	}
	col := &facetColumn{}
	var segs []segment.Segment
	var offset uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		s, err := c.segs.get(seg, func() (*segFacets, error) { return c.build(seg) })
		if err != nil {
			return nil, err
		}
		segs = append(segs, seg)
		col.segs = append(col.segs, s)
		col.offsets = append(col.offsets, offset)
		col.deleted = append(col.deleted, ss.Deleted())
		offset += seg.Count()
	}
	c.segs.keep(segs)
	c.mu.Lock()
	col.terms = c.terms // append-only: every id the segments hold is in it
	c.mu.Unlock()
	return col, nil
}

// id numbers a facet value (name:value).
func (c *facetColumns) id(term string) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]uint32{}
	}
	id, ok := c.ids[term]
	if !ok {
		name, value, _ := strings.Cut(term, ":")
		id = uint32(len(c.terms))
		c.ids[term] = id
		c.terms = append(c.terms, facetTerm{facet: name, value: value})
	}
	return id
}

// reset drops the columns (the index closed or was rebuilt).
func (c *facetColumns) reset() {
	c.segs.reset()
	c.mu.Lock()
	c.ids, c.terms = nil, nil
	c.mu.Unlock()
}

// build reads seg's column from its dictionaries: the postings of every
// facet value, and of every exact capture time.
func (c *facetColumns) build(seg segment.Segment) (*segFacets, error) {
	s := &segFacets{docs: map[uint32]*roaring.Bitmap{}, start: make([]uint32, seg.Count()+1)}
	n := seg.Count()
	err := eachPostings(seg, fieldFacets, nil, nil, func(term []byte, bm *roaring.Bitmap) {
		id := c.id(string(term))
		s.docs[id] = bm
		it := bm.ManyIterator()
		var buf [256]uint32
		for k := it.NextMany(buf[:]); k > 0; k = it.NextMany(buf[:]) {
			for _, d := range buf[:k] {
				s.start[d+1]++
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for d := 1; d <= int(n); d++ {
		s.start[d] += s.start[d-1]
	}
	s.vals = make([]uint32, s.start[n])
	next := slices.Clone(s.start[:n])
	ids := slices.Sorted(maps.Keys(s.docs))
	for _, id := range ids {
		it := s.docs[id].ManyIterator()
		var buf [256]uint32
		for k := it.NextMany(buf[:]); k > 0; k = it.NextMany(buf[:]) {
			for _, d := range buf[:k] {
				s.vals[next[d]] = id
				next[d]++
			}
		}
	}
	dates := make([]int64, n)
	for d := range dates {
		dates[d] = noDate
	}
	// Dates are indexed at several precisions; shift 0 is exact.
	lo := numeric.MustNewPrefixCodedInt64(math.MinInt64, 0)
	hi := numeric.MustNewPrefixCodedInt64(math.MaxInt64, 0)
	err = eachPostings(seg, fieldCapturedAt, lo, append(hi, 0), func(term []byte, bm *roaring.Bitmap) {
		v, err := numeric.PrefixCoded(term).Int64()
		if err != nil {
			return
		}
		it := bm.ManyIterator()
		var buf [256]uint32
		for k := it.NextMany(buf[:]); k > 0; k = it.NextMany(buf[:]) {
			for _, d := range buf[:k] {
				dates[d] = v
			}
		}
	})
	if err != nil {
		return nil, err
	}
	s.byDate = newDateIndex(dates)
	return s, nil
}

// eachPostings calls fn with every term of field in seg from lo
// (inclusive) to hi (exclusive; nil: open) and its documents, deleted ones
// included.
func eachPostings(seg segment.Segment, field string, lo, hi []byte, fn func(term []byte, docs *roaring.Bitmap)) error {
	dict, err := seg.Dictionary(field)
	if err != nil {
		return fmt.Errorf("indexer: %s column: %w", field, err)
	}
	terms := dict.AutomatonIterator(&vellum.AlwaysMatch{}, lo, hi)
	for de, err := terms.Next(); de != nil || err != nil; de, err = terms.Next() {
		if err != nil {
			return fmt.Errorf("indexer: %s column: %w", field, err)
		}
		pl, err := dict.PostingsList([]byte(de.Term), nil, nil)
		if err != nil {
			return fmt.Errorf("indexer: %s column: %w", field, err)
		}
		bm, err := postingsBitmap(pl)
		if err != nil {
			return fmt.Errorf("indexer: %s column: %w", field, err)
		}
		if bm != nil {
			// The segment's own bitmap may point into its file: a copy
			// outlives it.
			fn([]byte(de.Term), bm.Clone())
		}
	}
	return nil
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

// add counts the facet values of document n (a global number).
func (t *facetTally) add(n uint64) {
	if s, d, ok := t.col.segment(n); ok {
		t.addLocal(s, d)
	}
}

// addLocal counts the facet values of document d of s.
func (t *facetTally) addLocal(s *segFacets, d uint32) {
	for _, v := range s.vals[s.start[d]:s.start[d+1]] {
		t.counts[v]++
	}
}

// countSegments counts the values of facets among the matches of each
// segment of the column (local numbers; nil: none): by intersection when
// the matches are many and the facets have few values, else document by
// document, every facet in one pass.
func (t *facetTally) countSegments(matches []*roaring.Bitmap, facets ...string) {
	var values []uint32
	for v, term := range t.col.terms {
		if slices.Contains(facets, term.facet) {
			values = append(values, uint32(v))
		}
	}
	for i, bm := range matches {
		s := t.col.segs[i]
		// A document holds a few values; intersecting costs about a word
		// per 64 documents per value, or a look-up per match when they
		// are sparse.
		if len(values) <= maxIntersectedValues*len(facets) && bm.GetCardinality()*sparseMatches > uint64(len(s.start)-1) {
			for _, v := range values {
				if docs := s.docs[v]; docs != nil {
					t.counts[v] += int32(bm.AndCardinality(docs))
				}
			}
			continue
		}
		it := bm.ManyIterator()
		var buf [256]uint32
		for n := it.NextMany(buf[:]); n > 0; n = it.NextMany(buf[:]) {
			for _, d := range buf[:n] {
				t.addLocal(s, d)
			}
		}
	}
}

// Matches are sparse when fewer than one document in sparseMatches.
const sparseMatches = 8

// maxIntersectedValues bounds the values of a facet counted by
// intersection (countSegments).
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
