package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
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
	// that filter; the others ride on the main search.
	req := bleve.NewSearchRequestOptions(p.query(""), p.size, p.from, false)
	req.SortBy(p.sort)
	if p.sort[0] != "-_score" {
		req.Score = bleve.ScoreNone // sorted by a field: scores are not needed
	}
	var separate, riding []string
	for _, f := range p.facets {
		if _, filtered := p.filters[facetFilterKey(f)]; filtered {
			separate = append(separate, f)
			continue
		}
		riding = append(riding, f)
	}
	if len(riding) > 0 {
		req.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, allFacetValues))
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
		out.Facets[f] = ix.gaz.facetCounts(f, res.Facets[fieldFacets], p.fsize)
	}
	for _, f := range separate {
		freq := bleve.NewSearchRequestOptions(p.query(facetFilterKey(f)), 0, 0, false)
		freq.Score = bleve.ScoreNone
		freq.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, allFacetValues))
		fres, err := ix.idx.SearchInContext(ctx, freq)
		if err != nil {
			return nil, searchError(err)
		}
		out.Facets[f] = ix.gaz.facetCounts(f, fres.Facets[fieldFacets], p.fsize)
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

// allFacetValues asks Bleve for every value of fieldFacets: the values of
// each facet are picked from them by prefix.
const allFacetValues = 1 << 20

// facetCounts picks the values of one facet from the counts of fieldFacets
// (name:value): the size most frequent, ties by value.
func (g *gazetteer) facetCounts(name string, fr *search.FacetResult, size int) []FacetCount {
	if fr == nil || fr.Terms == nil {
		return []FacetCount{}
	}
	prefix := name + ":"
	out := []FacetCount{}
	for _, t := range fr.Terms.Terms() {
		v, ok := strings.CutPrefix(t.Term, prefix)
		if !ok {
			continue
		}
		out = append(out, FacetCount{Value: v, Count: t.Count, Label: g.label(name, v)})
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out[:min(len(out), size)]
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
