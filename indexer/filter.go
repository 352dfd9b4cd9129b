package indexer

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Filters do not score: a filter narrows the matches and leaves their
// relevance alone. Bleve's own way to say so is a BooleanQuery's Filter
// clause (plan.reference), which visits every match of the text and checks
// it against the filter. The filters that are terms (kind, category, place
// code, keyword, visibility, status), the capture date or the release
// window are instead turned into one bitmap of document numbers, from the
// postings bitmaps of the snapshot's segments and their date columns,
// and searched as a conjunct that scores nothing: the conjunction
// then steps through the smaller of the two sides. The others (camera,
// geo, bbox, place by name) stay Bleve filters. Both give the same hits,
// order and scores; TestFilterBitmapMatchesBleve compares them.

// filterPart is one filter a bitmap can stand for.
type filterPart struct {
	terms    []fieldTerm  // any of these terms
	dates    bool         // captured_at in [from, to)
	from, to int64        // Unix nanoseconds; open ends are the int64 bounds
	except   []fieldRange // every document but those with a value in these
}

// fieldRange is the values from lo to hi (both included) of a field
// indexed by trieTokenizer.
type fieldRange struct {
	field  string
	lo, hi int64
}

type fieldTerm struct{ field, term string }

// termsPart is a filter matching any of terms.
func termsPart(terms ...fieldTerm) *filterPart { return &filterPart{terms: terms} }

// datePart is a filter on captured_at from (inclusive) to (exclusive); a
// zero time is an open end.
func datePart(from, to time.Time) *filterPart {
	p := &filterPart{dates: true, from: math.MinInt64, to: math.MaxInt64}
	if !from.IsZero() {
		p.from = unixNano(from)
	}
	if !to.IsZero() {
		p.to = unixNano(to)
	}
	return p
}

// bitmapFilterQuery is the filter parts ANDed, searched as a bitmap.
type bitmapFilterQuery struct {
	parts []*filterPart
	cols  *facetColumns
}

func (q *bitmapFilterQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, _ search.SearcherOptions) (search.Searcher, error) {
	bm, err := partsBitmap(ctx, r, q.parts, q.cols)
	if err != nil {
		return nil, err
	}
	return &bitmapSearcher{bm: bm, it: bm.Iterator()}, nil
}

// partsBitmap is the documents of r (global numbers) that every part
// matches.
func partsBitmap(ctx context.Context, r index.IndexReader, parts []*filterPart, cols *facetColumns) (*roaring.Bitmap, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("indexer: filters need a scorch snapshot, not %T", r)
	}
	var col *facetColumn
	var bm *roaring.Bitmap
	for _, p := range parts {
		var pb *roaring.Bitmap
		var err error
		switch {
		case p.dates:
			if col == nil {
				if col, err = cols.get(r); err != nil {
					return nil, err
				}
			}
			pb = col.dateRange(p.from, p.to)
		case p.except != nil:
			pb, err = exceptBitmap(snap, p.except)
		default:
			pb, err = termsBitmap(snap, p.terms)
		}
		if err != nil {
			return nil, err
		}
		if bm == nil {
			bm = pb
		} else {
			bm.And(pb)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if bm == nil {
		bm = roaring.New()
	}
	return bm, nil
}

// termsBitmap is the documents of snap holding any of terms, as global
// document numbers (a segment's numbers shifted by the documents of the
// segments before it).
func termsBitmap(snap *scorch.IndexSnapshot, terms []fieldTerm) (*roaring.Bitmap, error) {
	out := roaring.New()
	var offset uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		var parts []*roaring.Bitmap
		for _, t := range terms {
			dict, err := seg.Dictionary(t.field)
			if err != nil {
				return nil, fmt.Errorf("indexer: filter on %s: %w", t.field, err)
			}
			pl, err := dict.PostingsList([]byte(t.term), ss.Deleted(), nil)
			if err != nil {
				return nil, fmt.Errorf("indexer: filter on %s: %w", t.field, err)
			}
			bm, err := postingsBitmap(pl)
			if err != nil {
				return nil, fmt.Errorf("indexer: filter on %s: %w", t.field, err)
			}
			if bm != nil {
				parts = append(parts, bm)
			}
		}
		if len(parts) > 0 {
			segBM := roaring.FastOr(parts...) // a new bitmap: postings stay untouched
			if offset > 0 {
				segBM = roaring.AddOffset64(segBM, int64(offset))
			}
			out.Or(segBM)
		}
		offset += seg.Count()
	}
	return out, nil
}

// exceptBitmap is the live documents of snap (global numbers) but those
// holding a value in any of rs.
func exceptBitmap(snap *scorch.IndexSnapshot, rs []fieldRange) (*roaring.Bitmap, error) {
	out := roaring.New()
	var offset uint64
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		segBM := roaring.New()
		segBM.AddRange(0, seg.Count())
		if del := ss.Deleted(); del != nil {
			segBM.AndNot(del)
		}
		for _, fr := range rs {
			if err := exceptRange(seg, fr, segBM); err != nil {
				return nil, fmt.Errorf("indexer: filter on %s: %w", fr.field, err)
			}
		}
		if offset > 0 {
			segBM = roaring.AddOffset64(segBM, int64(offset))
		}
		out.Or(segBM)
		offset += seg.Count()
	}
	return out, nil
}

// exceptRange removes from bm the documents of seg holding a value in fr.
func exceptRange(seg segment.Segment, fr fieldRange, bm *roaring.Bitmap) error {
	dict, err := seg.Dictionary(fr.field)
	if err != nil {
		return err
	}
	for _, tr := range trieRanges(fr.lo, fr.hi) {
		// The first key after tr.hi ends the (exclusive) range.
		terms := dict.AutomatonIterator(nil, tr.lo, append(tr.hi, 0))
		for de, err := terms.Next(); de != nil || err != nil; de, err = terms.Next() {
			if err != nil {
				return err
			}
			pl, err := dict.PostingsList([]byte(de.Term), nil, nil)
			if err != nil {
				return err
			}
			docs, err := postingsBitmap(pl)
			if err != nil {
				return err
			}
			if docs != nil {
				bm.AndNot(docs)
			}
		}
	}
	return nil
}

// postingsBitmap is the documents of pl (a segment's numbers), nil when
// there are none. The bitmap may be the postings' own: callers do not
// change it.
func postingsBitmap(pl segment.PostingsList) (*roaring.Bitmap, error) {
	it := pl.Iterator(false, false, false, nil)
	opt, ok := it.(segment.OptimizablePostingsIterator)
	if !ok {
		return nil, fmt.Errorf("indexer: postings of %T are not bitmaps", it)
	}
	if n, ok := opt.DocNum1Hit(); ok {
		return roaring.BitmapOf(uint32(n)), nil
	}
	return opt.ActualBitmap(), nil
}

// bitmapSearcher returns the documents of a bitmap with no score and no
// weight, so that a conjunction with it scores as its other side alone.
type bitmapSearcher struct {
	bm  *roaring.Bitmap
	it  roaring.IntPeekable
	buf []byte
}

func (s *bitmapSearcher) match(ctx *search.SearchContext) *search.DocumentMatch {
	if !s.it.HasNext() {
		return nil
	}
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = index.NewIndexInternalID(dm.IndexInternalID, uint64(s.it.Next()))
	return dm
}

func (s *bitmapSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.match(ctx), nil
}

func (s *bitmapSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	n := id.Value()
	if n > math.MaxUint32 {
		for s.it.HasNext() {
			s.it.Next()
		}
		return nil, nil
	}
	s.it.AdvanceIfNeeded(uint32(n))
	return s.match(ctx), nil
}

func (s *bitmapSearcher) Close() error               { return nil }
func (s *bitmapSearcher) Weight() float64            { return 0 }
func (s *bitmapSearcher) SetQueryNorm(float64)       {}
func (s *bitmapSearcher) Count() uint64              { return s.bm.GetCardinality() }
func (s *bitmapSearcher) Min() int                   { return 0 }
func (s *bitmapSearcher) Size() int                  { return int(s.bm.GetSizeInBytes()) }
func (s *bitmapSearcher) DocumentMatchPoolSize() int { return 1 }

// filtered is text narrowed by filters that do not score: the bitmap
// parts as a conjunct, the others as Bleve's filter clause.
func filtered(text query.Query, bitmap *bitmapFilterQuery, others []query.Query) query.Query {
	var must []query.Query
	if text != nil {
		must = append(must, text)
	}
	if bitmap != nil {
		must = append(must, bitmap)
	}
	var q query.Query
	switch len(must) {
	case 0:
		q = nil
	case 1:
		q = must[0]
	default:
		q = query.NewConjunctionQuery(must)
	}
	if len(others) == 0 {
		if q == nil {
			return query.NewMatchAllQuery()
		}
		return q
	}
	bq := query.NewBooleanQuery(nil, nil, nil)
	if q != nil {
		bq.AddMust(q)
	}
	if len(others) == 1 {
		bq.AddFilter(others[0])
	} else {
		bq.AddFilter(query.NewConjunctionQuery(others))
	}
	return bq
}

// stayQuery makes Advance to an id its searcher has already passed return
// the document it is on, as Advance's contract says. Bleve's
// BooleanSearcher advances its should searcher without checking where it
// is; a phrase searcher asked to go back skips the document it was on, so
// a boolean query advanced by a filter conjunct scored some documents
// without their phrase. The should clause of the words query is wrapped.
type stayQuery struct{ q query.Query }

func (q stayQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	s, err := q.q.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	return &staySearcher{Searcher: s}, nil
}

type staySearcher struct {
	search.Searcher
	at    []byte // the id of the document last returned; nil: none
	score float64
}

func (s *staySearcher) keep(dm *search.DocumentMatch) *search.DocumentMatch {
	if dm == nil {
		s.at = nil
		return nil
	}
	s.at = append(s.at[:0], dm.IndexInternalID...)
	s.score = dm.Score
	return dm
}

func (s *staySearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	return s.keep(dm), err
}

func (s *staySearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if s.at != nil && bytes.Compare(s.at, id) >= 0 {
		// The caller may have put the match back in the pool: a copy.
		dm := ctx.DocumentMatchPool.Get()
		dm.IndexInternalID = append(dm.IndexInternalID[:0], s.at...)
		dm.Score = s.score
		return dm, nil
	}
	dm, err := s.Searcher.Advance(ctx, id)
	return s.keep(dm), err
}
