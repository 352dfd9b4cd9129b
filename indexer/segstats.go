package indexer

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/blevesearch/vellum"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A segment's scoring columns: what Bleve reads from the postings to score
// a document, kept per document so that ranked.go need not decode the
// postings of every match. A segment never changes once written, so its
// columns are built once (a pass over the postings of the ranked fields)
// and kept while the index uses the segment.

// rankedFields are the fields the words query scores.
func rankedFields() []string {
	return []string{fieldTitle, fieldTitleF, fieldText, fieldTextF, fieldPlaceCodes}
}

// segStats is one segment's scoring columns.
type segStats struct {
	// norms holds, per field, each document's norm as the postings store
	// it (a float32; the same for every term of the field).
	norms map[string][]float32
	// many lists, per field and term, the documents whose frequency is
	// above one (most are one).
	many map[string]map[string]freqList
}

// freqList is the documents of a term with a frequency above one, sorted,
// and those frequencies.
type freqList struct {
	docs []uint32
	freq []uint32
}

// freq is the frequency of term in document d's field, which holds it.
func (s *segStats) freq(field, term string, d uint32) uint64 {
	fl := s.many[field][term]
	if i, ok := slices.BinarySearch(fl.docs, d); ok {
		return uint64(fl.freq[i])
	}
	return 1
}

func buildSegStats(ctx context.Context, seg segment.Segment) (*segStats, error) {
	st := &segStats{norms: map[string][]float32{}, many: map[string]map[string]freqList{}}
	for _, field := range rankedFields() {
		dict, err := seg.Dictionary(field)
		if err != nil {
			return nil, fmt.Errorf("indexer: scoring columns of %s: %w", field, err)
		}
		norms := make([]float32, seg.Count())
		many := map[string]freqList{}
		terms := dict.AutomatonIterator(&vellum.AlwaysMatch{}, nil, nil)
		var it segment.PostingsIterator
		for n := 0; ; n++ {
			de, err := terms.Next()
			if err != nil {
				return nil, fmt.Errorf("indexer: scoring columns of %s: %w", field, err)
			}
			if de == nil {
				break
			}
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			pl, err := dict.PostingsList([]byte(de.Term), nil, nil)
			if err != nil {
				return nil, fmt.Errorf("indexer: scoring columns of %s: %w", field, err)
			}
			it = pl.Iterator(true, true, false, it)
			var fl freqList
			for {
				p, err := it.Next()
				if err != nil {
					return nil, fmt.Errorf("indexer: scoring columns of %s: %w", field, err)
				}
				if p == nil {
					break
				}
				d := p.Number()
				norms[d] = float32(p.Norm())
				if f := p.Frequency(); f > 1 {
					fl.docs = append(fl.docs, uint32(d))
					fl.freq = append(fl.freq, uint32(f))
				}
			}
			if len(fl.docs) > 0 {
				many[de.Term] = fl
			}
		}
		st.norms[field], st.many[field] = norms, many
	}
	return st, nil
}

// statsCache keeps the scoring columns of the segments searches use.
type statsCache struct {
	mu  sync.Mutex
	seg map[segment.Segment]*statsEntry
}

type statsEntry struct {
	once  sync.Once
	stats *segStats
	err   error
}

// get returns seg's columns, building them on first use.
func (c *statsCache) get(ctx context.Context, seg segment.Segment) (*segStats, error) {
	c.mu.Lock()
	if c.seg == nil {
		c.seg = map[segment.Segment]*statsEntry{}
	}
	e, ok := c.seg[seg]
	if !ok {
		e = &statsEntry{}
		c.seg[seg] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.stats, e.err = buildSegStats(context.WithoutCancel(ctx), seg) })
	return e.stats, e.err
}

// keep drops the columns of segments not in segs (merged away).
func (c *statsCache) keep(segs []segment.Segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seg) <= len(segs) {
		return
	}
	for s := range c.seg {
		if !slices.Contains(segs, s) {
			delete(c.seg, s)
		}
	}
}
