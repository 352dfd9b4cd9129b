package indexer

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"golang.org/x/sync/errgroup"
)

// Words ranked at scale. A search box's words at a million records match
// tens of thousands of documents; Bleve's searchers score each of them
// through a tree of term, disjunction, conjunction and phrase searchers,
// decoding every posting on the way. rankWords gives the same page from
// bitmaps and per-segment columns (segstats.go):
//
//   - the matches are bitmaps (per word, the OR of its lookups; the words
//     ANDed; the filters ANDed), so the total and the facets are bitmap
//     work;
//   - every match gets a score computed from its terms' frequencies and
//     its fields' norms, read from the segment's columns instead of the
//     postings. Without the title phrase, which needs positions, it is a
//     lower bound; with the phrase's full weight an upper one;
//   - the phrase is checked, and the exact score computed, only for the
//     documents whose upper bound can still reach the page, best first;
//   - the exact score is Bleve's own arithmetic: the same searcher tree
//     (children ordered by count as Bleve orders them), the same
//     operations in the same order, so scores are bit for bit Bleve's, and
//     the page is ordered as Bleve orders it (score, then id).
//
// Anything else (query syntax, sorts by date, filters a bitmap cannot
// stand for, a word analysed into several tokens) is left to Bleve's own
// execution, the reference TestRankedMatchesBleve compares with.

// boundTolerance covers the difference between the bounds, summed in
// another order, and the exact scores.
const boundTolerance = 1e-9

// rankClause is one term lookup of the words query.
type rankClause struct {
	field, term string
	boost       float64
	word        int // the word it belongs to
	count       uint64
	idf         float64
	// weight is Bleve's query weight, boost · idf · query norm.
	weight float64
}

// rankNode is a searcher of Bleve's tree for the words query: a term
// (clause ≥ 0), or a conjunction, disjunction or boolean (must, should)
// of children in Bleve's order.
type rankNode struct {
	op       byte // 't' term, 'c' conjunction, 'd' disjunction, 'b' boolean
	clause   int
	boost    float64 // a term's boost (a phrase term has the phrase's)
	children []*rankNode
	count    uint64
	weight   float64 // sum of squared weights, as Bleve sums them
	phrase   bool    // the title phrase: its terms must also be in sequence
}

// rankPlan is the words query of a plan as term lookups and Bleve's tree.
type rankPlan struct {
	clauses []rankClause
	title   []int // per word: its title clause
	titleF  []int // per word: its title_f clause
	root    *rankNode
	norm    float64 // Bleve's query norm
	// weights of the leaves by (clause, phrase): phrase terms weigh with
	// the phrase's boost.
	phraseWeight []float64
	// minPart is the fewest documents bounds gives a core (0: 16384).
	minPart int
}

// analyze returns the tokens m's analyzer for field makes of text, or nil
// when any token is not at the next position.
func analyze(m mapping.IndexMapping, field, text string) []string {
	a := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
	if a == nil {
		return nil
	}
	var out []string
	for i, t := range a.Analyze([]byte(text)) {
		if t.Position != i+1 {
			return nil
		}
		out = append(out, string(t.Term))
	}
	return out
}

// byCount orders searchers as Bleve's OrderedSearcherList does (sort.Sort
// by Count, so ties fall as Bleve's sort lets them).
type byCount []*rankNode

func (b byCount) Len() int           { return len(b) }
func (b byCount) Less(i, j int) bool { return b[i].count < b[j].count }
func (b byCount) Swap(i, j int)      { b[i], b[j] = b[j], b[i] }

// composite builds a conjunction or disjunction of children as Bleve's
// constructors do: children sorted by count, counts and weights summed in
// that order.
func composite(op byte, children []*rankNode) *rankNode {
	sorted := slices.Clone(children)
	sort.Sort(byCount(sorted))
	n := &rankNode{op: op, children: sorted}
	for _, c := range sorted {
		n.count += c.count
		n.weight += c.weight
	}
	return n
}

func (rp *rankPlan) leaf(ci int, boost float64) *rankNode {
	c := rp.clauses[ci]
	w := boost * c.idf
	return &rankNode{op: 't', clause: ci, boost: boost, count: c.count, weight: w * w}
}

// rankPlanFor returns the words query of p as lookups and the tree Bleve
// builds for it (wordsQuery, crossFields, match); ok is false when p is
// not one rankWords can rank.
func (g *gazetteer) rankPlanFor(r index.IndexReader, m mapping.IndexMapping, p *plan) (rp *rankPlan, ok bool, err error) {
	if len(p.words) == 0 || p.reference || p.sort[0] != "-_score" || len(p.patterns) > 0 || len(p.words) > 32 {
		return nil, false, nil
	}
	for k := range p.filters {
		if _, bitmap := p.parts[k]; !bitmap {
			return nil, false, nil
		}
	}
	rp = &rankPlan{}
	type child struct {
		clauses []int
		single  bool // a term query as it is, not a match query's conjunction
	}
	var words [][]child
	for i, w := range p.words {
		var cs []child
		for _, f := range []struct {
			field string
			boost float64
		}{{fieldTitle, titleBoost * exactBoost}, {fieldTitleF, titleBoost}, {fieldText, exactBoost}, {fieldTextF, 1}} {
			toks := analyze(m, f.field, w)
			if len(toks) != 1 {
				return nil, false, nil
			}
			switch f.field {
			case fieldTitle:
				rp.title = append(rp.title, len(rp.clauses))
			case fieldTitleF:
				rp.titleF = append(rp.titleF, len(rp.clauses))
			}
			cs = append(cs, child{clauses: []int{len(rp.clauses)}})
			rp.clauses = append(rp.clauses, rankClause{field: f.field, term: toks[0], boost: f.boost, word: i})
		}
		if units := g.placeUnits(w, false, 1); len(units) > 0 {
			c := child{single: len(units) == 1}
			for _, u := range units {
				c.clauses = append(c.clauses, len(rp.clauses))
				rp.clauses = append(rp.clauses, rankClause{field: fieldPlaceCodes, term: u.code, boost: u.boost, word: i})
			}
			cs = append(cs, c)
		}
		words = append(words, cs)
	}
	phrase := len(p.words) > 1
	if phrase {
		// The phrase's terms are the words' title_f terms, in order.
		toks := analyze(m, fieldTitleF, strings.Join(p.words, " "))
		if len(toks) != len(p.words) {
			return nil, false, nil
		}
		for i, t := range toks {
			if rp.clauses[rp.titleF[i]].term != t {
				return nil, false, nil
			}
		}
	}
	docs, err := r.DocCount()
	if err != nil {
		return nil, false, err
	}
	for i := range rp.clauses {
		c := &rp.clauses[i]
		tfr, err := r.TermFieldReader(context.Background(), []byte(c.term), c.field, false, false, false)
		if err != nil {
			return nil, false, err
		}
		c.count = tfr.Count()
		tfr.Close()
		c.idf = 1.0 + math.Log(float64(docs)/float64(c.count+1.0))
	}

	// Bleve's tree: per word a disjunction of match queries (each a
	// conjunction of its one term) and the place units (a term, or a
	// disjunction of terms); the words in a conjunction; with several
	// words, a boolean whose must is that conjunction (in a conjunction of
	// its own) and whose should is a disjunction of the phrase (a
	// conjunction of its terms).
	var disjs []*rankNode
	for _, cs := range words {
		var kids []*rankNode
		for _, c := range cs {
			switch {
			case c.single:
				kids = append(kids, rp.leaf(c.clauses[0], rp.clauses[c.clauses[0]].boost))
			case rp.clauses[c.clauses[0]].field == fieldPlaceCodes:
				var units []*rankNode
				for _, ci := range c.clauses {
					units = append(units, rp.leaf(ci, rp.clauses[ci].boost))
				}
				kids = append(kids, composite('d', units))
			default:
				kids = append(kids, composite('c', []*rankNode{rp.leaf(c.clauses[0], rp.clauses[c.clauses[0]].boost)}))
			}
		}
		disjs = append(disjs, composite('d', kids))
	}
	must := composite('c', disjs)
	rp.root = must
	if phrase {
		var terms []*rankNode
		for _, ci := range rp.titleF {
			terms = append(terms, rp.leaf(ci, titleBoost*exactBoost))
		}
		ph := composite('c', terms)
		ph.phrase = true
		should := composite('d', []*rankNode{ph})
		outer := composite('c', []*rankNode{must})
		rp.root = &rankNode{op: 'b', children: []*rankNode{outer, should},
			count: outer.count + should.count, weight: 0.0 + outer.weight + should.weight}
	}
	rp.norm = 1.0 / math.Sqrt(rp.root.weight)
	for i := range rp.clauses {
		c := &rp.clauses[i]
		c.weight = c.boost * c.idf * rp.norm
	}
	rp.phraseWeight = make([]float64, len(rp.clauses))
	for _, ci := range rp.titleF {
		rp.phraseWeight[ci] = titleBoost * exactBoost * rp.clauses[ci].idf * rp.norm
	}
	return rp, true, nil
}

// termInput is what a document's term lookup scores from.
type termInput struct {
	matched bool
	freq    uint64
	norm    float64
}

// score is Bleve's score of a document from its inputs per clause, and
// whether the node matches it; phraseOK says whether the title holds the
// words in sequence.
func (rp *rankPlan) score(n *rankNode, in []termInput, phraseOK bool) (float64, bool) {
	switch n.op {
	case 't':
		t := in[n.clause]
		if !t.matched {
			return 0, false
		}
		c := rp.clauses[n.clause]
		s := math.Sqrt(float64(t.freq)) * t.norm * c.idf
		return s * (n.boost * c.idf * rp.norm), true
	case 'c':
		if n.phrase && !phraseOK {
			return 0, false
		}
		var sum float64
		for _, c := range n.children {
			s, ok := rp.score(c, in, phraseOK)
			if !ok {
				return 0, false
			}
			sum += s
		}
		return sum, true
	case 'd':
		var sum float64
		matched := 0
		for _, c := range n.children {
			if s, ok := rp.score(c, in, phraseOK); ok {
				sum += s
				matched++
			}
		}
		if matched == 0 {
			return 0, false
		}
		return sum * (float64(matched) / float64(len(n.children))), true
	default: // 'b'
		must, ok := rp.score(n.children[0], in, phraseOK)
		if !ok {
			return 0, false
		}
		var sum float64
		sum += must
		if should, ok := rp.score(n.children[1], in, phraseOK); ok {
			sum += should
		}
		return sum, true
	}
}

// segRank is one segment's part of a ranked search.
type segRank struct {
	offset uint64 // its first document's global number
	snap   *scorch.SegmentSnapshot
	stats  *segStats
	lists  []*roaring.Bitmap // per clause: its postings (local numbers; nil: none)
	words  *roaring.Bitmap   // every word matched, before the filters
	match  *roaring.Bitmap   // and the filters
	ranked *roaring.Bitmap   // the matches whose bounds are computed
	local  []uint32          // ranked, sorted
}

// rankWords answers p from bitmaps and columns (see above); ok is false
// when p is left to Bleve.
func (ix *Index) rankWords(ctx context.Context, p *plan, r index.IndexReader) (*Result, bool, error) {
	snap, isSnap := r.(*scorch.IndexSnapshot)
	if !isSnap {
		return nil, false, nil
	}
	rp, ok, err := ix.gaz.rankPlanFor(r, ix.idx.Mapping(), p)
	if err != nil || !ok {
		return nil, false, err
	}
	rp.minPart = ix.opts.rankPart

	// The filters, as global bitmaps: all of them, and each facet's own
	// left out for that facet's counts.
	filter := func(without string) (*roaring.Bitmap, error) {
		var parts []*filterPart
		for _, k := range filterKeys() {
			if part, ok := p.parts[k]; ok && k != without {
				parts = append(parts, part)
			}
		}
		if len(parts) == 0 {
			return nil, nil
		}
		return partsBitmap(ctx, r, parts, &ix.facets)
	}
	all, err := filter("")
	if err != nil {
		return nil, false, err
	}

	segs := snap.Segments()
	per := make([]segRank, len(segs))
	var offset, total uint64
	for si, ss := range segs {
		sr := segRank{offset: offset, snap: ss, lists: make([]*roaring.Bitmap, len(rp.clauses))}
		offset += ss.Segment().Count()
		wordBMs := make([][]*roaring.Bitmap, len(p.words))
		for ci, c := range rp.clauses {
			dict, err := ss.Segment().Dictionary(c.field)
			if err != nil {
				return nil, false, fmt.Errorf("indexer: %s: %w", c.field, err)
			}
			pl, err := dict.PostingsList([]byte(c.term), ss.Deleted(), nil)
			if err != nil {
				return nil, false, fmt.Errorf("indexer: %s: %w", c.field, err)
			}
			bm, err := postingsBitmap(pl)
			if err != nil {
				return nil, false, err
			}
			if bm != nil {
				sr.lists[ci] = bm
				wordBMs[c.word] = append(wordBMs[c.word], bm)
			}
		}
		for _, bms := range wordBMs {
			w := roaring.FastOr(bms...)
			if sr.words == nil {
				sr.words = w
			} else {
				sr.words.And(w)
			}
		}
		sr.match = sr.words
		if all != nil {
			sr.match = roaring.And(sr.words, roaring.AddOffset64(all, -int64(sr.offset)))
		}
		total += sr.match.GetCardinality()
		per[si] = sr
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	// What the arrays below take per match, and a page's hits.
	const bytesPerMatch, bytesPerHit = 40, 256
	if total*bytesPerMatch+uint64(p.from+p.size)*bytesPerHit > ix.opts.SearchMemory {
		return nil, false, badQuery("text", "the query needs more memory than a search may use (%d MiB); narrow it", ix.opts.SearchMemory>>20)
	}

	out := &Result{Total: total, Page: p.from/p.size + 1, Size: p.size, Hits: []Hit{}}
	if len(p.facets) > 0 {
		out.Facets = make(map[string][]FacetCount, len(p.facets))
		col, err := ix.facets.get(r)
		if err != nil {
			return nil, false, err
		}
		// The facets without a filter of their own count the matches,
		// together; the others, the matches of the other filters.
		var shared []string
		for _, f := range p.facets {
			if _, separate := p.parts[facetFilterKey(f)]; !separate {
				shared = append(shared, f)
				continue
			}
			own, err := filter(facetFilterKey(f))
			if err != nil {
				return nil, false, err
			}
			t := &facetTally{col: col, counts: make([]int32, len(col.terms))}
			t.countBitmap(globalOf(per, func(sr segRank) *roaring.Bitmap {
				if own == nil {
					return sr.words
				}
				return roaring.And(sr.words, roaring.AddOffset64(own, -int64(sr.offset)))
			}), f)
			out.Facets[f] = t.facetCounts(ix.gaz, f, p.fsize)
		}
		if len(shared) > 0 {
			t := &facetTally{col: col, counts: make([]int32, len(col.terms))}
			t.countBitmap(globalOf(per, func(sr segRank) *roaring.Bitmap { return sr.match }), shared...)
			for _, f := range shared {
				out.Facets[f] = t.facetCounts(ix.gaz, f, p.fsize)
			}
		}
	}
	need := min(p.from+p.size, int(total))
	if need == 0 || p.from >= int(total) {
		return out, true, nil
	}
	ix.stats.keep(segmentsOf(snap))
	for i := range per {
		if per[i].stats, err = ix.stats.get(ctx, per[i].snap.Segment()); err != nil {
			return nil, false, err
		}
	}
	b, err := rp.titledBounds(ctx, per, need)
	if err != nil {
		return nil, false, err
	}
	if b == nil {
		for i := range per {
			per[i].ranked = per[i].match
			per[i].local = per[i].match.ToArray()
		}
		if b, err = rp.bounds(ctx, per, int(total)); err != nil {
			return nil, false, err
		}
	}
	hits, err := rp.page(ctx, r, per, b, need)
	if err != nil {
		return nil, false, err
	}
	out.Hits = hits[min(p.from, len(hits)):]
	return out, true, nil
}

// globalOf is the union of a bitmap of each segment, in global numbers.
func globalOf(per []segRank, of func(segRank) *roaring.Bitmap) *roaring.Bitmap {
	global := roaring.New()
	for _, sr := range per {
		bm := of(sr)
		if sr.offset > 0 {
			bm = roaring.AddOffset64(bm, int64(sr.offset))
		}
		global.Or(bm)
	}
	return global
}

// rankBounds holds, for every match, the bounds of its score.
type rankBounds struct {
	seg   []int32   // its segment
	local []uint32  // its number in the segment
	low   []float64 // the score without the phrase
	bonus []float64 // what the phrase adds when it matches
	title []uint32  // bit i: word i is in the folded title
	full  uint32    // every word
}

// bounds computes every match's bounds from the columns, clause by
// clause, word by word, as the disjunctions and the conjunction sum them
// (in another order than Bleve's: the exact score comes later).
func (rp *rankPlan) bounds(ctx context.Context, per []segRank, total int) (*rankBounds, error) {
	b := &rankBounds{
		seg: make([]int32, 0, total), local: make([]uint32, 0, total),
		low: make([]float64, total), bonus: make([]float64, total), title: make([]uint32, total),
	}
	words := rp.clauses[len(rp.clauses)-1].word + 1
	b.full = uint32(1<<words - 1)
	acc := &boundSums{
		sum: make([]float64, total), cnt: make([]uint8, total),
		sumIn: make([]float64, total), cntIn: make([]uint8, total),
		children: make([]int, words), units: make([]int, words),
	}
	for _, c := range rp.clauses {
		if c.field == fieldPlaceCodes {
			acc.units[c.word]++
		} else {
			acc.children[c.word]++
		}
	}
	// Documents are independent: large segments are split among the
	// cores, each part summing into its own range of the arrays.
	minPart := rp.minPart
	if minPart == 0 {
		minPart = 16384
	}
	parts := runtime.GOMAXPROCS(0)
	var g errgroup.Group
	for si, sr := range per {
		base := len(b.local)
		for _, d := range sr.local {
			b.seg = append(b.seg, int32(si))
			b.local = append(b.local, d)
		}
		n := len(sr.local)
		k := max(1, min(parts, n/minPart))
		for i := range k {
			lo, hi := n*i/k, n*(i+1)/k
			if lo == hi {
				continue
			}
			g.Go(func() error { return rp.boundPart(ctx, b, acc, sr, base, lo, hi) })
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return b, nil
}

// boundSums are the running sums of bounds: per document the current
// word's disjunction (and its place units'), and per word its children.
type boundSums struct {
	sum, sumIn      []float64
	cnt, cntIn      []uint8
	children, units []int
}

// boundPart computes the bounds of sr.local[lo:hi], at b's indexes from
// base+lo.
func (rp *rankPlan) boundPart(ctx context.Context, b *rankBounds, acc *boundSums, sr segRank, base, lo, hi int) error {
	local := sr.local[lo:hi]
	part := sr.ranked
	if lo > 0 || hi < len(sr.local) {
		part = roaring.BitmapOf(local...)
	}
	base += lo
	for ci, c := range rp.clauses {
		var docs []uint32
		if sr.lists[ci] != nil {
			docs = roaring.And(sr.lists[ci], part).ToArray()
		}
		norms := sr.stats.norms[c.field]
		sum, cnt := acc.sum, acc.cnt
		if c.field == fieldPlaceCodes && acc.units[c.word] > 1 {
			sum, cnt = acc.sumIn, acc.cntIn
		}
		pw, bit := rp.phraseWeight[ci], uint32(1)<<uint(c.word)
		add := func(g int, s float64) {
			sum[g] += s * c.weight
			if pw != 0 {
				b.bonus[g] += s * pw
				b.title[g] |= bit
			}
		}
		// Every document at frequency one, then the few above one
		// corrected.
		j := 0
		for _, d := range docs {
			if j >= len(local) || local[j] != d {
				j = seek(local, j, d)
			}
			add(base+j, float64(norms[d])*c.idf)
			cnt[base+j]++
			j++
		}
		if freqs := sr.stats.many[c.field][c.term]; len(docs) > 0 {
			j = 0
			for fi := seek(freqs.docs, 0, docs[0]); fi < len(freqs.docs) && freqs.docs[fi] <= docs[len(docs)-1]; fi++ {
				d := freqs.docs[fi]
				if j = seek(local, j, d); j < len(local) && local[j] == d {
					add(base+j, (math.Sqrt(float64(freqs.freq[fi]))-1)*float64(norms[d])*c.idf)
				}
			}
		}
		if last := ci == len(rp.clauses)-1 || rp.clauses[ci+1].word != c.word; !last {
			continue
		}
		n := acc.children[c.word]
		if acc.units[c.word] > 0 {
			n++
		}
		for j := range local {
			g := base + j
			if acc.cntIn[g] > 0 {
				acc.sum[g] += acc.sumIn[g] * float64(acc.cntIn[g]) / float64(acc.units[c.word])
				acc.cnt[g]++
				acc.sumIn[g], acc.cntIn[g] = 0, 0
			}
			b.low[g] += acc.sum[g] * float64(acc.cnt[g]) / float64(n)
			acc.sum[g], acc.cnt[g] = 0, 0
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// titledBounds computes the bounds of only the matches most likely on the
// page, when no other match can reach it: the matches with every word in
// the title (in either form), and of those, when they are many, the ones
// with the largest title norms. The others are bounded by class: a match
// lacking word w in the title scores at most as a document with every
// other lookup matched at the largest frequency and norm among such
// matches; the titled matches left out, likewise, and when they may reach
// the page, class by class of title norm, the classes that may get their
// bounds computed too. It returns nil when every match needs its bounds.
func (rp *rankPlan) titledBounds(ctx context.Context, per []segRank, need int) (*rankBounds, error) {
	titled := make([]*roaring.Bitmap, len(per))
	type class struct {
		norm float32
		seg  int
		docs *roaring.Bitmap
	}
	var classes []class
	var n, total uint64
	for i, sr := range per {
		total += sr.match.GetCardinality()
		t := sr.match.Clone()
		for w := range rp.title {
			var both []*roaring.Bitmap
			for _, ci := range []int{rp.title[w], rp.titleF[w]} {
				if bm := sr.lists[ci]; bm != nil {
					both = append(both, bm)
				}
			}
			t.And(roaring.FastOr(both...))
		}
		titled[i] = t
		n += t.GetCardinality()
		for _, c := range sr.stats.classes[fieldTitle] {
			classes = append(classes, class{c.norm, i, c.docs})
		}
	}
	if n < uint64(need) {
		return nil, nil
	}
	// The title norm above which some 8 pages of titled matches are:
	// the classes of every segment, largest norm first, counted until
	// those pages are reached.
	slices.SortStableFunc(classes, func(a, b class) int { return cmp.Compare(b.norm, a.norm) })
	var cutoff float32
	var top uint64
	for _, c := range classes {
		if top >= uint64(8*need) {
			break
		}
		if k := c.docs.AndCardinality(titled[c.seg]); k > 0 {
			cutoff, top = c.norm, top+k
		}
	}
	layered := top < n
	n = 0
	for i, sr := range per {
		layer := titled[i]
		if layered {
			layer = roaring.New()
			for _, c := range sr.stats.classes[fieldTitle] {
				if c.norm < cutoff {
					break
				}
				layer.Or(roaring.And(c.docs, titled[i]))
			}
		}
		per[i].ranked = layer
		per[i].local = layer.ToArray()
		n += uint64(len(per[i].local))
	}
	b, err := rp.bounds(ctx, per, int(n))
	if err != nil {
		return nil, err
	}
	if len(b.low) < need {
		return nil, nil
	}
	floor := kthLargest(b.low, need) * (1 - boundTolerance)
	in := make([]termInput, len(rp.clauses))
	norms := map[string]float32{}
	// reaches reports whether a document of docs (a segment's) lacking
	// the title lookups of word without (-1: none) may reach the floor.
	// A clause's frequency is the largest among docs (its frequency
	// classes hold only documents with the term); its norm, first the
	// largest among docs, which is cheap, and only when that bound
	// reaches and exact is set, the largest among those holding the term.
	reaches := func(sr segRank, docs *roaring.Bitmap, without int, exact bool) bool {
		clear(norms)
		bound := func(exact bool) bool {
			for ci, c := range rp.clauses {
				in[ci] = termInput{}
				if sr.lists[ci] == nil || without >= 0 && c.word == without && (ci == rp.title[without] || ci == rp.titleF[without]) {
					continue
				}
				var n float32
				switch {
				case exact:
					n = sr.stats.maxNorm(c.field, roaring.And(sr.lists[ci], docs))
				case sr.lists[ci].Intersects(docs):
					var ok bool
					if n, ok = norms[c.field]; !ok {
						n = sr.stats.maxNorm(c.field, docs)
						norms[c.field] = n
					}
				}
				if n > 0 {
					in[ci] = termInput{matched: true, freq: sr.stats.maxFreq(c.field, c.term, docs), norm: float64(n)}
				}
			}
			s, ok := rp.score(rp.root, in, without < 0)
			return ok && s*(1+boundTolerance) >= floor
		}
		return bound(false) && (!exact || bound(true))
	}
	// The titled matches below the cutoff: when they may reach the floor,
	// those of each title norm class that may have their bounds computed
	// too (a tighter bound of the class would cost as much). The untitled
	// ones are bounded by the word lacking in the title; when such a class
	// may reach the floor, every match needs its bounds.
	// The commonest words first: lacking those costs least, so their
	// classes are likeliest to reach.
	words := make([]int, len(rp.title))
	for w := range words {
		words[w] = w
	}
	slices.SortStableFunc(words, func(v, w int) int {
		return cmp.Compare(rp.clauses[rp.title[v]].idf, rp.clauses[rp.title[w]].idf)
	})
	extra := make([]*roaring.Bitmap, len(per))
	var more uint64
	grouped := false
	for i, sr := range per {
		extra[i] = roaring.New()
		rest := roaring.AndNot(titled[i], sr.ranked)
		if !layered || rest.IsEmpty() || !reaches(sr, rest, -1, true) {
			continue
		}
		grouped = true
		for _, c := range sr.stats.classes[fieldTitle] {
			if c.norm >= cutoff {
				continue
			}
			if g := roaring.And(c.docs, rest); !g.IsEmpty() && reaches(sr, g, -1, false) {
				extra[i].Or(g)
				// Bounding most matches by class saves nothing.
				if more+extra[i].GetCardinality() > total/2 {
					return nil, nil
				}
			}
		}
		more += extra[i].GetCardinality()
	}
	for i, sr := range per {
		if titled[i].GetCardinality() == sr.match.GetCardinality() {
			continue
		}
		// When titled matches were grouped, an exact bound of the class
		// costs more than the bounds of every match, unless they are many.
		exact := !grouped || sr.match.GetCardinality() > sr.snap.Count()/4
		for _, w := range words {
			rest := sr.match.Clone()
			for _, ci := range []int{rp.title[w], rp.titleF[w]} {
				if bm := sr.lists[ci]; bm != nil {
					rest.AndNot(bm)
				}
			}
			if !rest.IsEmpty() && reaches(sr, rest, w, exact) {
				return nil, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if more == 0 {
		return b, nil
	}
	n = 0
	for i := range per {
		per[i].ranked = roaring.Or(per[i].ranked, extra[i])
		per[i].local = per[i].ranked.ToArray()
		n += uint64(len(per[i].local))
	}
	return rp.bounds(ctx, per, int(n))
}

// segmentsOf lists snap's segments.
func segmentsOf(snap *scorch.IndexSnapshot) []segment.Segment {
	var out []segment.Segment
	for _, ss := range snap.Segments() {
		out = append(out, ss.Segment())
	}
	return out
}

// seek returns the index in xs (sorted) of the first value ≥ v from j on:
// a few steps, then galloping.
func seek(xs []uint32, j int, v uint32) int {
	for range 4 {
		if j == len(xs) || xs[j] >= v {
			return j
		}
		j++
	}
	return j + gallop(xs[j:], v)
}

// gallop returns the index in xs (sorted) of the first value ≥ v.
func gallop(xs []uint32, v uint32) int {
	step := 1
	hi := 0
	for hi < len(xs) && xs[hi] < v {
		hi += step
		step *= 2
	}
	lo := max(0, hi-step/2)
	hi = min(hi, len(xs))
	return lo + sort.Search(hi-lo, func(i int) bool { return xs[lo+i] >= v })
}

// rankHit is a document with its exact score.
type rankHit struct {
	g     int // its index in rankBounds
	score float64
	id    string
}

// page returns the best need documents, in Bleve's order: exact scores for
// the documents whose bound can reach the page, best bound first, the
// phrase checked in document order.
func (rp *rankPlan) page(ctx context.Context, r index.IndexReader, per []segRank, b *rankBounds, need int) ([]Hit, error) {
	upper := func(g int) float64 {
		if len(rp.titleF) > 1 && b.title[g] == b.full {
			return b.low[g] + b.bonus[g]
		}
		return b.low[g]
	}
	floor := kthLargest(b.low, need) * (1 - boundTolerance)
	type cand struct {
		g     int
		upper float64
	}
	var cands []cand
	for g := range b.low {
		if u := upper(g); u >= floor {
			cands = append(cands, cand{g, u})
		}
	}
	slices.SortFunc(cands, func(x, y cand) int {
		if c := cmp.Compare(y.upper, x.upper); c != 0 {
			return c
		}
		return x.g - y.g
	})
	var scored []rankHit
	best := make([]float64, 0, need) // a min-heap of the best exact scores
	in := make([]termInput, len(rp.clauses))
	phraseTerms := make([]string, len(rp.titleF))
	for i, ci := range rp.titleF {
		phraseTerms[i] = rp.clauses[ci].term
	}
	for i, c := range cands {
		if len(best) == need && c.upper < best[0]*(1-boundTolerance) {
			break
		}
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		sr := per[b.seg[c.g]]
		d := b.local[c.g]
		for ci, cl := range rp.clauses {
			in[ci] = termInput{}
			if sr.lists[ci] == nil || !sr.lists[ci].Contains(d) {
				continue
			}
			in[ci] = termInput{matched: true, freq: sr.stats.freq(cl.field, cl.term, d), norm: float64(sr.stats.norms[cl.field][d])}
		}
		phrased := len(phraseTerms) > 1 && b.title[c.g] == b.full && sr.stats.titles.hasPhrase(d, phraseTerms)
		s, ok := rp.score(rp.root, in, phrased)
		if !ok {
			return nil, fmt.Errorf("indexer: ranked a document its query does not match")
		}
		scored = append(scored, rankHit{g: c.g, score: s})
		best = pushBest(best, need, s)
	}
	edge := best[0]
	// Every document above the edge is on the page; of those at it, the
	// smallest ids.
	var page []rankHit
	for _, h := range scored {
		if h.score >= edge {
			id, err := r.ExternalID(index.NewIndexInternalID(nil, per[b.seg[h.g]].offset+uint64(b.local[h.g])))
			if err != nil {
				return nil, err
			}
			h.id = id
			page = append(page, h)
		}
	}
	slices.SortFunc(page, func(x, y rankHit) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
	page = page[:need]
	hits := make([]Hit, len(page))
	for i, h := range page {
		hits[i] = Hit{ID: h.id, Score: h.score}
	}
	return hits, nil
}

// kthLargest is the k-th largest of vals (1 ≤ k ≤ len(vals)).
func kthLargest(vals []float64, k int) float64 {
	best := make([]float64, 0, k)
	for _, v := range vals {
		best = pushBest(best, k, v)
	}
	return best[0]
}

// pushBest adds v to best, a min-heap of at most k values that keeps the
// largest.
func pushBest(best []float64, k int, v float64) []float64 {
	if len(best) < k {
		best = append(best, v)
		for i := len(best) - 1; i > 0; {
			parent := (i - 1) / 2
			if best[parent] <= best[i] {
				break
			}
			best[parent], best[i] = best[i], best[parent]
			i = parent
		}
		return best
	}
	if v <= best[0] {
		return best
	}
	best[0] = v
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(best) && best[l] < best[small] {
			small = l
		}
		if l+1 < len(best) && best[l+1] < best[small] {
			small = l + 1
		}
		if small == i {
			return best
		}
		best[i], best[small] = best[small], best[i]
		i = small
	}
}
