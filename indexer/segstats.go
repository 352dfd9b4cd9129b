package indexer

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
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
	// A document's norms, one per ranked field as the postings store it
	// (a float32; the same for every term of the field), are the row
	// normRow[d] of normTable. Documents share few rows: one small column
	// is read per document instead of one large column per field.
	normRow   []uint32
	normTable []float32 // rows of len(rankedFields())
	// classes holds, per field, the documents of each norm, largest
	// first: the largest norm among some documents is a few bitmap tests.
	classes map[string][]normClass
	// many lists, per field and term, the documents whose frequency is
	// above one (most are one).
	many map[string]map[string]freqList
	// titles is the folded title of every document, token by token in
	// order (phrases are checked on it instead of reading positions).
	titles titleTokens
}

// titleTokens holds the title_f tokens of each document in CSR form: those
// of document d are at start[d]:start[d+1], ordered by value and
// position.
type titleTokens struct {
	ids   map[string]uint32 // term → token id
	start []uint32
	tok   []titleToken
}

type titleToken struct {
	id       uint32
	arr, pos uint32 // value (array position) and position in it
}

// hasPhrase reports whether document d's folded title holds terms at
// consecutive positions of one value.
func (t *titleTokens) hasPhrase(d uint32, terms []string) bool {
	ids := make([]uint32, len(terms))
	for i, term := range terms {
		id, ok := t.ids[term]
		if !ok {
			return false
		}
		ids[i] = id
	}
	toks := t.tok[t.start[d]:t.start[d+1]]
next:
	for i := range toks {
		if i+len(ids) > len(toks) {
			return false
		}
		for k, id := range ids {
			tk := toks[i+k]
			if tk.id != id || tk.arr != toks[i].arr || tk.pos != toks[i].pos+uint32(k) {
				continue next
			}
		}
		return true
	}
	return false
}

// normClass is the documents of a field with one norm.
type normClass struct {
	norm float32
	docs *roaring.Bitmap
}

// norm is document d's norm of the ranked field at fi.
func (s *segStats) norm(fi int, d uint32) float32 {
	return s.normTable[int(s.normRow[d])*len(rankedFields())+fi]
}

// rankedField is the index of field in rankedFields.
func rankedField(field string) int {
	return slices.Index(rankedFields(), field)
}

// maxNorm is the largest norm of field among docs (0 when none holds it):
// up to a quarter of the segment's documents are looked up, more tested
// class by class.
func (s *segStats) maxNorm(field string, docs *roaring.Bitmap) float32 {
	classes, fi := s.classes[field], rankedField(field)
	if len(classes) == 0 {
		return 0
	}
	if docs.GetCardinality() <= uint64(len(s.normRow)/4) {
		var m float32
		var buf [256]uint32
		it := docs.ManyIterator()
		for n := it.NextMany(buf[:]); n > 0 && m < classes[0].norm; n = it.NextMany(buf[:]) {
			for _, d := range buf[:n] {
				m = max(m, s.norm(fi, d))
			}
		}
		return m
	}
	for _, c := range classes {
		if c.docs.Intersects(docs) {
			return c.norm
		}
	}
	return 0
}

// freqList is the documents of a term with a frequency above one, sorted,
// and those frequencies.
type freqList struct {
	docs []uint32
	freq []uint32
	// classes are the documents of each frequency above one, largest
	// first.
	classes []freqClass
}

type freqClass struct {
	freq uint32
	docs *roaring.Bitmap
}

// freq is the frequency of term in document d's field, which holds it.
func (s *segStats) freq(field, term string, d uint32) uint64 {
	fl := s.many[field][term]
	if i, ok := slices.BinarySearch(fl.docs, d); ok {
		return uint64(fl.freq[i])
	}
	return 1
}

// maxFreq is the largest frequency of term in field among docs.
func (s *segStats) maxFreq(field, term string, docs *roaring.Bitmap) uint64 {
	for _, c := range s.many[field][term].classes {
		if c.docs.Intersects(docs) {
			return uint64(c.freq)
		}
	}
	return 1
}

func buildSegStats(ctx context.Context, seg segment.Segment) (*segStats, error) {
	st := &segStats{classes: map[string][]normClass{}, many: map[string]map[string]freqList{}}
	fields := rankedFields()
	norms := make([][]float32, len(fields))
	for fi, field := range fields {
		dict, err := seg.Dictionary(field)
		if err != nil {
			return nil, fmt.Errorf("indexer: scoring columns of %s: %w", field, err)
		}
		norms[fi] = make([]float32, seg.Count())
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
				norms[fi][d] = float32(p.Norm())
				if f := p.Frequency(); f > 1 {
					fl.docs = append(fl.docs, uint32(d))
					fl.freq = append(fl.freq, uint32(f))
				}
			}
			if len(fl.docs) > 0 {
				byFreq := map[uint32]*roaring.Bitmap{}
				for i, d := range fl.docs {
					if byFreq[fl.freq[i]] == nil {
						byFreq[fl.freq[i]] = roaring.New()
					}
					byFreq[fl.freq[i]].Add(d)
				}
				for f, docs := range byFreq {
					fl.classes = append(fl.classes, freqClass{f, docs})
				}
				slices.SortFunc(fl.classes, func(a, b freqClass) int { return cmp.Compare(b.freq, a.freq) })
				many[de.Term] = fl
			}
		}
		st.many[field] = many
		if field == fieldTitleF {
			if st.titles, err = buildTitleTokens(ctx, seg, dict); err != nil {
				return nil, err
			}
		}
		byNorm := map[float32]*roaring.Bitmap{}
		for d, n := range norms[fi] {
			if n == 0 {
				continue
			}
			if byNorm[n] == nil {
				byNorm[n] = roaring.New()
			}
			byNorm[n].Add(uint32(d))
		}
		for n, docs := range byNorm {
			st.classes[field] = append(st.classes[field], normClass{n, docs})
		}
		slices.SortFunc(st.classes[field], func(a, b normClass) int { return cmp.Compare(b.norm, a.norm) })
	}
	st.normRow = make([]uint32, seg.Count())
	rows := map[string]uint32{}
	key := make([]byte, 0, 4*len(fields))
	for d := range st.normRow {
		key = key[:0]
		for fi := range fields {
			key = binary.LittleEndian.AppendUint32(key, math.Float32bits(norms[fi][d]))
		}
		id, ok := rows[string(key)]
		if !ok {
			id = uint32(len(rows))
			rows[string(key)] = id
			for fi := range fields {
				st.normTable = append(st.normTable, norms[fi][d])
			}
		}
		st.normRow[d] = id
	}
	return st, nil
}

// buildTitleTokens reads the positions of every title_f term of seg.
func buildTitleTokens(ctx context.Context, seg segment.Segment, dict segment.TermDictionary) (titleTokens, error) {
	t := titleTokens{ids: map[string]uint32{}, start: make([]uint32, seg.Count()+1)}
	type posting struct {
		doc uint32
		tok titleToken
	}
	var all []posting
	terms := dict.AutomatonIterator(&vellum.AlwaysMatch{}, nil, nil)
	var it segment.PostingsIterator
	for {
		de, err := terms.Next()
		if err != nil {
			return t, fmt.Errorf("indexer: title tokens: %w", err)
		}
		if de == nil {
			break
		}
		if err := ctx.Err(); err != nil {
			return t, err
		}
		id := uint32(len(t.ids))
		t.ids[de.Term] = id
		pl, err := dict.PostingsList([]byte(de.Term), nil, nil)
		if err != nil {
			return t, fmt.Errorf("indexer: title tokens: %w", err)
		}
		it = pl.Iterator(true, true, true, it)
		for {
			p, err := it.Next()
			if err != nil {
				return t, fmt.Errorf("indexer: title tokens: %w", err)
			}
			if p == nil {
				break
			}
			for _, l := range p.Locations() {
				var arr uint32
				if ap := l.ArrayPositions(); len(ap) > 0 {
					arr = uint32(ap[0])
				}
				all = append(all, posting{uint32(p.Number()), titleToken{id, arr, uint32(l.Pos())}})
			}
		}
	}
	// Placed by document (a counting sort), then each document's few
	// tokens ordered by value and position.
	for _, p := range all {
		t.start[p.doc+1]++
	}
	for d := 1; d < len(t.start); d++ {
		t.start[d] += t.start[d-1]
	}
	t.tok = make([]titleToken, len(all))
	next := slices.Clone(t.start[:len(t.start)-1])
	for _, p := range all {
		t.tok[next[p.doc]] = p.tok
		next[p.doc]++
	}
	for d := 0; d+1 < len(t.start); d++ {
		slices.SortFunc(t.tok[t.start[d]:t.start[d+1]], func(a, b titleToken) int {
			if c := cmp.Compare(a.arr, b.arr); c != 0 {
				return c
			}
			return cmp.Compare(a.pos, b.pos)
		})
	}
	return t, nil
}

// segmentCache keeps a value per segment (its columns), built on first
// use and kept while searches use the segment: a segment never changes
// once written.
type segmentCache[T any] struct {
	mu  sync.Mutex
	seg map[segment.Segment]*segmentEntry[T]
}

type segmentEntry[T any] struct {
	once sync.Once
	v    T
	err  error
}

// get returns seg's value, building it on first use (once, however many
// searches ask at the same time).
func (c *segmentCache[T]) get(seg segment.Segment, build func() (T, error)) (T, error) {
	c.mu.Lock()
	if c.seg == nil {
		c.seg = map[segment.Segment]*segmentEntry[T]{}
	}
	e, ok := c.seg[seg]
	if !ok {
		e = &segmentEntry[T]{}
		c.seg[seg] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = build() })
	return e.v, e.err
}

// keep drops the values of segments not in segs (merged away).
func (c *segmentCache[T]) keep(segs []segment.Segment) {
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

// reset drops every value.
func (c *segmentCache[T]) reset() {
	c.mu.Lock()
	c.seg = nil
	c.mu.Unlock()
}

// statsCache keeps the scoring columns of the segments searches use.
type statsCache struct {
	segmentCache[*segStats]
}

// get returns seg's columns, building them on first use.
func (c *statsCache) get(ctx context.Context, seg segment.Segment) (*segStats, error) {
	return c.segmentCache.get(seg, func() (*segStats, error) { return buildSegStats(context.WithoutCancel(ctx), seg) })
}
