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
//     postings, document by document with every clause's matches walked
//     in step. Without the title phrase, which needs positions, it is a
//     lower bound; with the phrase's full weight an upper one. Only the
//     matches whose upper bound reaches the best lower bounds so far are
//     kept;
//   - when the matches are many, those with every word in the title come
//     first, and the others are ruled out by class when they cannot reach
//     the page (the province's name matches nearly every record);
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
	fi          int // field's index in rankedFields
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
	// minPart is the fewest documents bounds gives a core, and a quarter
	// of the matches above which rank bounds the titled ones first (0:
	// 16384).
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
			rp.clauses = append(rp.clauses, rankClause{field: f.field, fi: rankedField(f.field), term: toks[0], boost: f.boost, word: i})
		}
		if units := g.placeUnits(w, false, 1); len(units) > 0 {
			c := child{single: len(units) == 1}
			for _, u := range units {
				c.clauses = append(c.clauses, len(rp.clauses))
				rp.clauses = append(rp.clauses, rankClause{field: fieldPlaceCodes, fi: rankedField(fieldPlaceCodes), term: u.code, boost: u.boost, word: i})
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
			t.countSegments(eachSegment(per, func(sr segRank) *roaring.Bitmap {
				if own == nil {
					return sr.words
				}
				return roaring.And(sr.words, roaring.AddOffset64(own, -int64(sr.offset)))
			}), f)
			out.Facets[f] = t.facetCounts(ix.gaz, f, p.fsize)
		}
		if len(shared) > 0 {
			t := &facetTally{col: col, counts: make([]int32, len(col.terms))}
			t.countSegments(eachSegment(per, func(sr segRank) *roaring.Bitmap { return sr.match }), shared...)
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
	cands, err := rp.rank(ctx, per, need, total)
	if err != nil {
		return nil, false, err
	}
	hits, err := rp.page(ctx, r, per, cands, need)
	if err != nil {
		return nil, false, err
	}
	out.Hits = hits[min(p.from, len(hits)):]
	return out, true, nil
}

// eachSegment is a bitmap of each segment.
func eachSegment(per []segRank, of func(segRank) *roaring.Bitmap) []*roaring.Bitmap {
	out := make([]*roaring.Bitmap, len(per))
	for i, sr := range per {
		out[i] = of(sr)
	}
	return out
}

// rankCand is a match whose score may reach the page, with the bounds of
// its score.
type rankCand struct {
	seg   int32   // its segment
	local uint32  // its number in the segment
	low   float64 // the score without the phrase
	upper float64 // and with the phrase, when every word is in the title
	// titled: every word is in the folded title (the phrase may match)
	titled bool
}

// rank bounds the scores of the matches of per (a document's score without
// the phrase is known from the columns; the phrase may add to it) and
// returns the candidates: every match whose upper bound reaches the
// need-th best lower bound. When the matches are many (more than four
// parts), those with every word in the title (in either form) are bounded
// first, and the others only when a class of them may reach the floor
// those set (titledReach).
func (rp *rankPlan) rank(ctx context.Context, per []segRank, need int, total uint64) ([]rankCand, error) {
	minPart := rp.part()
	if total <= uint64(4*minPart) {
		for i := range per {
			per[i].ranked = per[i].match
		}
		return rp.bounds(ctx, per, need, nil)
	}
	var rest uint64
	for i, sr := range per {
		t := sr.match.Clone()
		for w := range rp.title {
			t.And(rp.inTitle(sr, w))
		}
		per[i].ranked = t
		rest += sr.match.GetCardinality() - t.GetCardinality()
	}
	cands, err := rp.bounds(ctx, per, need, nil)
	if err != nil || rest == 0 {
		return cands, err
	}
	var best []float64
	for _, c := range cands {
		best = pushBest(best, need, c.low)
	}
	// A few untitled matches cost less to bound than to rule out.
	if len(best) == need && rest > uint64(minPart) {
		reach, err := rp.titledReach(ctx, per, best[0]*(1-boundTolerance))
		if err != nil || !reach {
			return cands, err
		}
	}
	for i, sr := range per {
		per[i].ranked = roaring.AndNot(sr.match, sr.ranked)
	}
	more, err := rp.bounds(ctx, per, need, best)
	return append(cands, more...), err
}

// part is the fewest documents bounds gives a core.
func (rp *rankPlan) part() int {
	if rp.minPart == 0 {
		return 16384
	}
	return rp.minPart
}

// bounds computes the bounds of the documents of each segment's ranked
// bitmap, from the columns: document by document, each clause's matches
// walked in step (in another order than Bleve's sums: the exact score
// comes later). It keeps those whose upper bound reaches the need-th best
// lower bound so far (best: a min-heap of lower bounds of other
// documents).
func (rp *rankPlan) bounds(ctx context.Context, per []segRank, need int, best []float64) ([]rankCand, error) {
	// Documents are independent: large segments are split among the
	// cores, each part keeping its own candidates.
	minPart, parts := rp.part(), runtime.GOMAXPROCS(0)
	type job struct {
		seg   int32
		steps []clauseStep
		local []uint32
	}
	var jobs []job
	for si, sr := range per {
		local := sr.ranked.ToArray()
		if len(local) == 0 {
			continue
		}
		steps := rp.stepsOf(sr)
		k := max(1, min(parts, len(local)/minPart))
		for i := range k {
			if lo, hi := len(local)*i/k, len(local)*(i+1)/k; lo < hi {
				jobs = append(jobs, job{int32(si), steps, local[lo:hi]})
			}
		}
	}
	found := make([][]rankCand, len(jobs))
	var g errgroup.Group
	for i, j := range jobs {
		g.Go(func() error {
			var err error
			found[i], err = rp.boundPart(ctx, per[j.seg].stats, j.steps, j.seg, j.local, need, slices.Clone(best))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}

// clauseStep is a clause's matches among the documents bounded, with
// what a document's score takes from it.
type clauseStep struct {
	docs   []uint32 // its postings among the documents bounded, sorted
	many   freqList // its frequencies above one
	field  int      // its field's index in rankedFields
	scale  float64  // idf · weight: the score of frequency one and norm one
	phrase float64  // idf · the phrase's weight (0: not a phrase term)
	bit    uint32   // its word's bit
	unit   bool     // one of several place units of its word
	last   bool     // its word's last clause
	n      float64  // its word's children
	units  float64  // its word's place units
}

// stepsOf returns the steps of every clause over sr.ranked.
func (rp *rankPlan) stepsOf(sr segRank) []clauseStep {
	children, units := map[int]int{}, map[int]int{}
	for _, c := range rp.clauses {
		if c.field == fieldPlaceCodes {
			units[c.word]++
		} else {
			children[c.word]++
		}
	}
	steps := make([]clauseStep, len(rp.clauses))
	for ci, c := range rp.clauses {
		n := children[c.word]
		if units[c.word] > 0 {
			n++
		}
		st := clauseStep{
			field: c.fi, many: sr.stats.many[c.field][c.term],
			scale: c.idf * c.weight, phrase: c.idf * rp.phraseWeight[ci], bit: uint32(1) << uint(c.word),
			unit: c.field == fieldPlaceCodes && units[c.word] > 1,
			last: ci == len(rp.clauses)-1 || rp.clauses[ci+1].word != c.word,
			n:    float64(n), units: float64(units[c.word]),
		}
		if sr.lists[ci] != nil {
			st.docs = roaring.And(sr.lists[ci], sr.ranked).ToArray()
		}
		steps[ci] = st
	}
	return steps
}

// boundPart bounds the scores of local (sorted documents of segment seg)
// and returns those that may reach the page (see bounds).
func (rp *rankPlan) boundPart(ctx context.Context, stats *segStats, steps []clauseStep, seg int32, local []uint32, need int, best []float64) ([]rankCand, error) {
	nf := len(rankedFields())
	full := uint32(1)<<len(rp.title) - 1
	phrase := len(rp.titleF) > 1
	var cands []rankCand
	// Each clause's next posting, and next frequency above one.
	next := make([]int, len(steps))
	nextMany := make([]int, len(steps))
	for ci, st := range steps {
		next[ci] = gallop(st.docs, local[0])
		nextMany[ci] = gallop(st.many.docs, local[0])
	}
	for j, d := range local {
		if j%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var low, bonus, sum, sumIn float64
		var title uint32
		var cnt, cntIn int
		norms := stats.normTable[int(stats.normRow[d])*nf:]
		for ci := range steps {
			st := &steps[ci]
			if k := next[ci]; k < len(st.docs) && st.docs[k] == d {
				next[ci]++
				s := float64(norms[st.field])
				if m := &st.many; len(m.docs) > 0 {
					k := nextMany[ci]
					for k < len(m.docs) && m.docs[k] < d {
						k++
					}
					if k < len(m.docs) && m.docs[k] == d {
						s *= math.Sqrt(float64(m.freq[k]))
						k++
					}
					nextMany[ci] = k
				}
				if st.unit {
					sumIn += s * st.scale
					cntIn++
				} else {
					sum += s * st.scale
					cnt++
				}
				if st.phrase != 0 {
					bonus += s * st.phrase
					title |= st.bit
				}
			}
			if st.last {
				if cntIn > 0 {
					sum += sumIn * float64(cntIn) / st.units
					cnt++
				}
				low += sum * float64(cnt) / st.n
				sum, sumIn, cnt, cntIn = 0, 0, 0, 0
			}
		}
		titled := phrase && title == full
		upper := low
		if titled {
			upper += bonus
		}
		if len(best) < need || upper >= best[0]*(1-boundTolerance) {
			cands = append(cands, rankCand{seg: seg, local: d, low: low, upper: upper, titled: titled})
		}
		best = pushBest(best, need, low)
	}
	return cands, nil
}

// titledReach reports whether a match of per lacking some word in the
// title (in either form) may reach floor: such a match scores at most as
// a document with every other lookup matched at the largest frequency and
// norm among them.
func (rp *rankPlan) titledReach(ctx context.Context, per []segRank, floor float64) (bool, error) {
	in := make([]termInput, len(rp.clauses))
	norms := map[string]float32{}
	// reaches reports whether a document of docs (a segment's) lacking
	// the title lookups of word without may reach the floor. A clause's
	// frequency is the largest among docs (its frequency classes hold only
	// documents with the term); its norm, first the largest among docs,
	// which is cheap, and only when that bound reaches, the largest among
	// those holding the term.
	reaches := func(sr segRank, docs *roaring.Bitmap, without int) bool {
		clear(norms)
		bound := func(exact bool) bool {
			for ci, c := range rp.clauses {
				in[ci] = termInput{}
				if sr.lists[ci] == nil || c.word == without && (ci == rp.title[without] || ci == rp.titleF[without]) {
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
			s, ok := rp.score(rp.root, in, false)
			return ok && s*(1+boundTolerance) >= floor
		}
		return bound(false) && bound(true)
	}
	// The commonest words first: lacking those costs least, so their
	// classes are likeliest to reach.
	words := make([]int, len(rp.title))
	for w := range words {
		words[w] = w
	}
	slices.SortStableFunc(words, func(v, w int) int {
		return cmp.Compare(rp.clauses[rp.title[v]].idf, rp.clauses[rp.title[w]].idf)
	})
	for _, sr := range per {
		for _, w := range words {
			rest := roaring.AndNot(sr.match, rp.inTitle(sr, w))
			if !rest.IsEmpty() && reaches(sr, rest, w) {
				return true, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
	return false, nil
}

// inTitle is the documents of sr with word w in the title, in either form.
func (rp *rankPlan) inTitle(sr segRank, w int) *roaring.Bitmap {
	var both []*roaring.Bitmap
	for _, ci := range []int{rp.title[w], rp.titleF[w]} {
		if bm := sr.lists[ci]; bm != nil {
			both = append(both, bm)
		}
	}
	return roaring.FastOr(both...)
}

// segmentsOf lists snap's segments.
func segmentsOf(snap *scorch.IndexSnapshot) []segment.Segment {
	var out []segment.Segment
	for _, ss := range snap.Segments() {
		out = append(out, ss.Segment())
	}
	return out
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
	seg   int32
	local uint32
	score float64
	id    string
}

// page returns the best need documents, in Bleve's order: exact scores for
// the documents whose bound can reach the page, best bound first, the
// phrase checked in document order.
func (rp *rankPlan) page(ctx context.Context, r index.IndexReader, per []segRank, all []rankCand, need int) ([]Hit, error) {
	lows := make([]float64, len(all))
	for i, c := range all {
		lows[i] = c.low
	}
	floor := kthLargest(lows, need) * (1 - boundTolerance)
	var cands []rankCand
	for _, c := range all {
		if c.upper >= floor {
			cands = append(cands, c)
		}
	}
	slices.SortFunc(cands, func(x, y rankCand) int {
		if c := cmp.Compare(y.upper, x.upper); c != 0 {
			return c
		}
		if c := cmp.Compare(x.seg, y.seg); c != 0 {
			return c
		}
		return cmp.Compare(x.local, y.local)
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
		sr, d := per[c.seg], c.local
		for ci, cl := range rp.clauses {
			in[ci] = termInput{}
			if sr.lists[ci] == nil || !sr.lists[ci].Contains(d) {
				continue
			}
			in[ci] = termInput{matched: true, freq: sr.stats.freq(cl.field, cl.term, d), norm: float64(sr.stats.norm(cl.fi, d))}
		}
		phrased := c.titled && sr.stats.titles.hasPhrase(d, phraseTerms)
		s, ok := rp.score(rp.root, in, phrased)
		if !ok {
			return nil, fmt.Errorf("indexer: ranked a document its query does not match")
		}
		scored = append(scored, rankHit{seg: c.seg, local: d, score: s})
		best = pushBest(best, need, s)
	}
	edge := best[0]
	// Every document above the edge is on the page; of those at it, the
	// smallest ids.
	var page []rankHit
	for _, h := range scored {
		if h.score >= edge {
			id, err := r.ExternalID(index.NewIndexInternalID(nil, per[h.seg].offset+uint64(h.local)))
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
