package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/haiduong/promo-archive/archive"
)

// Result is one page of matches.
type Result struct {
	Total  uint64                  `json:"total"`
	Page   int                     `json:"page"`
	Size   int                     `json:"size"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
	Took   time.Duration           `json:"-"`
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

// Search runs q. Errors in q are *QueryError (errors.Is ErrBadQuery).
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	start := time.Now()
	p, err := ix.gaz.plan(q)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil, ErrClosed
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
	bq := p.query("")
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
		freq := bleve.NewSearchRequestOptions(&countingQuery{q: p.query(facetFilterKey(f)), tally: ft}, 0, 0, false)
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
	out.Took = time.Since(start)
	return out, nil
}

// facetFilterKey is the filter a facet excludes from its own counts.
func facetFilterKey(facet string) string {
	return facet // the filter keys of addFilters are the facet names
}

// query is the text and every filter except the one keyed without.
func (p *plan) query(without string) query.Query {
	var qs []query.Query
	if p.text != nil {
		qs = append(qs, p.text)
	}
	for _, k := range filterKeys() {
		if f, ok := p.filters[k]; ok && k != without {
			qs = append(qs, f)
		}
	}
	switch len(qs) {
	case 0:
		return query.NewMatchAllQuery()
	case 1:
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// searchError classifies a Bleve search error: cancellation passes through,
// the rest are query problems found late (a range on a text field…).
func searchError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
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
