package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/haiduong/promo-archive/archive"
)

// Result is one page of matches.
type Result struct {
	Total  uint64                  `json:"total"`
	Page   int                     `json:"page"`
	Size   int                     `json:"size"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
	// Corrected is set when the words as typed found nothing and the
	// result is for these near spellings instead (folded, one edit on
	// words of five letters or more).
	Corrected string        `json:"corrected,omitempty"`
	Took      time.Duration `json:"-"`
}

// MarshalJSON adds "took" in milliseconds.
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		*plain
		TookMS float64 `json:"took"`
	}{(*plain)(r), float64(r.Took.Microseconds()) / 1000})
}

// Hit is one match. Record is read from the store; it is nil if the record
// vanished between the search and the read.
type Hit struct {
	ID     string          `json:"id"`
	Score  float64         `json:"score"`
	Record *archive.Record `json:"record,omitempty"`
}

// FacetCount is one value of a facet and the number of matches with it.
// Label is the Vietnamese name of a category or place code.
type FacetCount struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	Count int    `json:"count"`
}

// Search runs q under the index's search deadline, after waiting for a
// slot of q.Client's (see guard.go). When the words of a search box find
// nothing, it retries once with near spellings (Result.Corrected). Errors
// in q are *QueryError (errors.Is ErrBadQuery); a search that runs out of
// time returns an error matching context.DeadlineExceeded.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	start := time.Now()
	p, err := ix.gaz.plan(q)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ix.opts.SearchTimeout)
	defer cancel()
	release, err := ix.gate.enter(ctx, q.Client)
	if err != nil {
		return nil, err
	}
	defer release()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil, ErrClosed
	}
	out, err := ix.search(ctx, p)
	if err != nil || out.Total > 0 || len(p.words) == 0 {
		out = withTook(out, start)
		return out, err
	}
	words, changed, err := ix.correction(ctx, p.words)
	if err != nil || !changed {
		return withTook(out, start), err
	}
	q.Text, q.Syntax = strings.Join(words, " "), SyntaxWords
	p2, err := ix.gaz.plan(q)
	if err != nil {
		return nil, err
	}
	fixed, err := ix.search(ctx, p2)
	if err != nil || fixed.Total == 0 {
		return withTook(out, start), err
	}
	fixed.Corrected = q.Text
	return withTook(fixed, start), nil
}

func withTook(r *Result, start time.Time) *Result {
	if r != nil {
		r.Took = time.Since(start)
	}
	return r
}

// correction proposes near spellings of words (see correct).
func (ix *Index) correction(ctx context.Context, words []string) (out []string, changed bool, err error) {
	err = ix.withReader(func(r index.IndexReader) error {
		out, changed, err = correct(ctx, r, words)
		return err
	})
	return out, changed, err
}

// withReader calls fn with a reader of the index's current snapshot;
// ix.mu is held.
func (ix *Index) withReader(fn func(index.IndexReader) error) error {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return fmt.Errorf("indexer: read the index: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("indexer: read the index: %w", err)
	}
	defer r.Close()
	return fn(r)
}

// search runs a plan on the open index; ix.mu is held.
func (ix *Index) search(ctx context.Context, p *plan) (*Result, error) {
	ctx = context.WithValue(ctx, search.MaxTermSearchersKey, maxTermSearchers)
	ctx = context.WithValue(ctx, bleve.SearchQueryStartCallbackKey, bleve.SearchQueryStartCallbackFn(func(size uint64) error {
		if size > ix.opts.SearchMemory {
			return badQuery("text", "the query needs more memory than a search may use (%d MiB); narrow it", ix.opts.SearchMemory>>20)
		}
		return nil
	}))
	if len(p.patterns) > 0 {
		if err := ix.checkPatterns(p.patterns); err != nil {
			return nil, err
		}
	}

	if res, ok, err := ix.searchRanked(ctx, p); err != nil || ok {
		return res, err
	}

	// Facets whose own filter is set are counted in a second search without
	// that filter; the others are counted during the main search.
	var separate, riding []string
	for _, f := range p.facets {
		if _, filtered := p.filters[facetFilterKey(f)]; filtered {
			separate = append(separate, f)
			continue
		}
		riding = append(riding, f)
	}
	var tally *facetTally
	bq := p.query("", &ix.facets)
	if len(riding) > 0 {
		tally = &facetTally{cols: &ix.facets}
		bq = &countingQuery{q: bq, tally: tally}
	}
	req := bleve.NewSearchRequestOptions(bq, p.size, p.from, false)
	req.SortBy(p.sort)
	if p.sort[0] != "-_score" {
		req.Score = bleve.ScoreNone // sorted by a field: scores are not needed
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, searchError(err)
	}
	out := &Result{Total: res.Total, Page: p.from/p.size + 1, Size: p.size, Hits: make([]Hit, 0, len(res.Hits))}
	if len(p.facets) > 0 {
		out.Facets = make(map[string][]FacetCount, len(p.facets))
	}
	for _, f := range riding {
		out.Facets[f] = tally.facetCounts(ix.gaz, f, p.fsize)
	}
	for _, f := range separate {
		ft := &facetTally{cols: &ix.facets}
		freq := bleve.NewSearchRequestOptions(&countingQuery{q: p.query(facetFilterKey(f), &ix.facets), tally: ft}, 0, 0, false)
		freq.Score = bleve.ScoreNone
		if _, err := ix.idx.SearchInContext(ctx, freq); err != nil {
			return nil, searchError(err)
		}
		out.Facets[f] = ft.facetCounts(ix.gaz, f, p.fsize)
	}
	for _, h := range res.Hits {
		rec, err := ix.src.Get(h.ID)
		if err != nil && !errors.Is(err, archive.ErrNotFound) {
			return nil, fmt.Errorf("indexer: read hit %s: %w", h.ID, err)
		}
		out.Hits = append(out.Hits, Hit{ID: h.ID, Score: h.Score, Record: rec})
	}
	return out, nil
}

// searchRanked answers p with rankWords where it can (ok).
func (ix *Index) searchRanked(ctx context.Context, p *plan) (out *Result, ok bool, err error) {
	err = ix.withReader(func(r index.IndexReader) error {
		out, ok, err = ix.rankWords(ctx, p, r)
		return err
	})
	if err != nil || !ok {
		return nil, false, err
	}
	for i, h := range out.Hits {
		rec, err := ix.src.Get(h.ID)
		if err != nil && !errors.Is(err, archive.ErrNotFound) {
			return nil, false, fmt.Errorf("indexer: read hit %s: %w", h.ID, err)
		}
		out.Hits[i].Record = rec
	}
	return out, true, nil
}

// checkPatterns checks the wildcards and regexps of a query against the
// index's terms (see checkPatterns in guard.go).
func (ix *Index) checkPatterns(pats []pattern) error {
	return ix.withReader(func(r index.IndexReader) error { return checkPatterns(r, pats) })
}

// facetFilterKey is the filter a facet excludes from its own counts.
func facetFilterKey(facet string) string {
	return facet // the filter keys of addFilters are the facet names
}

// reference is the text narrowed by every filter but the one keyed
// without, in Bleve's own terms: the filters, which do not score, in a
// BooleanQuery's Filter clause.
func (p *plan) referenceQuery(without string) query.Query {
	var fs []query.Query
	for _, k := range filterKeys() {
		if f, ok := p.filters[k]; ok && k != without {
			fs = append(fs, f)
		}
	}
	return filtered(p.text, nil, fs)
}

// query is what Search runs: reference, with the filters a bitmap can
// stand for searched as one conjunct (filter.go). With reference set it is
// reference itself.
func (p *plan) query(without string, cols *facetColumns) query.Query {
	if p.reference {
		return p.referenceQuery(without)
	}
	var parts []*filterPart
	var others []query.Query
	for _, k := range filterKeys() {
		f, ok := p.filters[k]
		if !ok || k == without {
			continue
		}
		if part, ok := p.parts[k]; ok {
			parts = append(parts, part)
		} else {
			others = append(others, f)
		}
	}
	var bq *bitmapFilterQuery
	if len(parts) > 0 {
		bq = &bitmapFilterQuery{parts: parts, cols: cols}
	}
	return filtered(p.text, bq, others)
}

// searchError classifies a Bleve search error: cancellation passes through,
// the rest are query problems found late (a range on a text field…).
func searchError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrBadQuery) {
		return err
	}
	return &QueryError{Param: "text", Msg: err.Error(), Err: err}
}

func (g *gazetteer) label(facet, code string) string {
	switch facet {
	case "place":
		return g.units[code].VI
	case "category":
		return g.categories[code]
	}
	return ""
}
