package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
	"github.com/haiduong/promo-archive/indexer"
)

// pageFacets are the facets the search page shows, in order.
func pageFacets() []string { return []string{"kind", "category", "place", "year", "keyword"} }

// pageSize is the search page's default number of results.
const pageSize = 24

type searchPage struct {
	Query     string
	Advanced  bool   // syntax=query
	Corrected string // the near spellings the results are for
	From, To  string
	Sort      string
	Sorts     []option
	Total     uint64
	Hits      []hitView
	Facets    []facetView
	Page      int
	Pages     int
	PrevURL   string
	NextURL   string
	Error     string
	Filtered  bool
	ClearURL  string
	Hidden    []option // filters the form keeps (facet selections)
}

type option struct {
	Value, Label string
	Selected     bool
}

type hitView struct {
	ID, URL, Title, TitleLang, Thumb, Kind, Date, Attribution string
}

type facetView struct {
	Name, Label string
	Values      []facetValue
}

type facetValue struct {
	Label    string
	Count    int
	Selected bool
	URL      string
}

// searchValues picks the search parameters of params.go out of the page's
// URL (others, such as lang, are the page's own or ignored) and asks for
// the page's facets.
func searchValues(in url.Values) url.Values {
	v := url.Values{}
	for name, vals := range in {
		if name == "lang" || name == "facets" || name == "facet_size" {
			continue
		}
		if slices.Contains(singleParams(), name) || slices.Contains(listParams(), name) {
			v[name] = vals
		}
	}
	if v.Get("size") == "" {
		v.Set("size", strconv.Itoa(pageSize))
	}
	v.Set("facets", strings.Join(pageFacets(), ","))
	v.Set("facet_size", "12")
	return v
}

func (s *Server) pageSearch() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg := s.newPage(w, r)
		pg.Title = pg.T("search.title")
		in := r.URL.Query()
		sp := &searchPage{Query: in.Get("q"), Advanced: in.Get("syntax") == indexer.SyntaxQuery, From: in.Get("from"), To: in.Get("to"), Sort: in.Get("sort"), Page: 1}
		pg.Data = sp
		for _, o := range []string{"", "-captured_at", "captured_at", "-ingested_at"} {
			sp.Sorts = append(sp.Sorts, option{Value: o, Label: pg.T("sort." + sortKey(o)), Selected: o == sp.Sort})
		}
		for _, name := range []string{"kind", "category", "place", "keyword"} {
			for _, v := range in[name] {
				sp.Hidden = append(sp.Hidden, option{Value: v, Label: name})
			}
		}
		sp.Filtered = len(sp.Hidden) > 0 || sp.From != "" || sp.To != ""
		sp.ClearURL = pageURL("/", url.Values{"q": {sp.Query}})
		sr, err := parseSearch(searchValues(in), s.loc)
		if pe, ok := asParamError(err); ok {
			sp.Error = pe.Error()
			s.render(w, r, http.StatusBadRequest, "search", pg)
			return
		}
		p := principalFrom(r.Context())
		q := sr.q
		now := s.now()
		if !restrict(p, &q, now) {
			s.render(w, r, http.StatusOK, "search", pg)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
		defer cancel()
		res, err := s.cachedSearch(ctx, r, q)
		if pe, ok := asParamError(err); ok {
			sp.Error = pe.Error()
			s.render(w, r, http.StatusBadRequest, "search", pg)
			return
		}
		if errors.Is(err, context.DeadlineExceeded) {
			s.renderError(w, r, http.StatusServiceUnavailable, "err.slow")
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		sp.Total, sp.Page, sp.Corrected = res.Total, res.Page, res.Corrected
		sp.Pages = int((res.Total + uint64(res.Size) - 1) / uint64(max(res.Size, 1)))
		for _, h := range res.Hits {
			if !visibleTo(p, h.Record, now) { // the index may lag the store
				continue
			}
			sp.Hits = append(sp.Hits, s.hitView(h.Record, pg))
		}
		for _, f := range pageFacets() {
			sp.Facets = append(sp.Facets, s.facetView(f, res.Facets[f], in, pg))
		}
		if sp.Page > 1 {
			sp.PrevURL = withParam(in, "page", strconv.Itoa(sp.Page-1))
		}
		if sp.Page < sp.Pages {
			sp.NextURL = withParam(in, "page", strconv.Itoa(sp.Page+1))
		}
		s.render(w, r, http.StatusOK, "search", pg)
	}
}

func sortKey(o string) string {
	switch o {
	case "":
		return "relevance"
	case "-captured_at":
		return "newest"
	case "captured_at":
		return "oldest"
	}
	return "added"
}

// hitView is one card of the grid, in the page's language.
func (s *Server) hitView(rec *archive.Record, pg *page) hitView {
	title, lang := rec.DisplayTitle(pg.Lang)
	h := hitView{ID: rec.ID, URL: "/assets/" + rec.ID, Title: title, TitleLang: htmlLang(lang), Kind: pg.T("kind." + string(rec.Kind)),
		Attribution: attribution(rec)}
	if _, ok := rec.Rendition(archive.RenditionThumb); ok {
		h.Thumb = renditionPath(rec.ID, archive.RenditionThumb)
	}
	if t := rec.CaptureTime(); t != nil {
		h.Date = formatDate(*t, s.loc, pg.Lang)
	}
	return h
}

// htmlLang is the lang attribute of a text picked from a language map:
// none for x-default, whose language is unknown.
func htmlLang(l string) string {
	if l == media.XDefault {
		return ""
	}
	return l
}

func formatDate(t time.Time, loc *time.Location, lang string) string {
	t = t.In(loc)
	if lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// yearUnknownTerm selects the records of the year facet's "date unknown"
// bucket in the query text.
const yearUnknownTerm = "year:" + indexer.YearUnknown

// facetView turns a facet's counts into links that add or remove the value
// (paging starts over).
func (s *Server) facetView(name string, counts []indexer.FacetCount, in url.Values, pg *page) facetView {
	fv := facetView{Name: name, Label: pg.T("facet." + name)}
	for _, c := range counts {
		v := facetValue{Label: s.facetLabel(name, c, pg), Count: c.Count}
		q := cloneValues(in)
		q.Del("page")
		switch {
		case name == "year" && c.Value == indexer.YearUnknown:
			// No date range holds these: filter with the query syntax.
			words := strings.Fields(in.Get("q"))
			v.Selected = slices.Contains(words, yearUnknownTerm)
			if v.Selected {
				words = slices.DeleteFunc(words, func(w string) bool { return w == yearUnknownTerm })
			} else {
				words = append(words, yearUnknownTerm)
			}
			q.Set("q", strings.Join(words, " "))
			q.Set("syntax", indexer.SyntaxQuery) // a field term, not a word
			if len(words) == 0 {
				q.Del("q")
				q.Del("syntax")
			}
		case name == "year":
			from, to := c.Value+"-01-01", c.Value+"-12-31"
			v.Selected = in.Get("from") == from && in.Get("to") == to
			if v.Selected {
				q.Del("from")
				q.Del("to")
			} else {
				q.Set("from", from)
				q.Set("to", to)
			}
		default:
			v.Selected = slices.Contains(in[name], c.Value)
			if v.Selected {
				q[name] = slices.DeleteFunc(slices.Clone(q[name]), func(x string) bool { return x == c.Value })
			} else {
				q.Add(name, c.Value)
			}
		}
		v.URL = pageURL("/", q)
		fv.Values = append(fv.Values, v)
	}
	return fv
}

// facetLabel names a facet value in the page's language: kinds from the
// labels, categories and places from the taxonomy.
func (s *Server) facetLabel(name string, c indexer.FacetCount, pg *page) string {
	switch name {
	case "kind":
		return pg.T("kind." + c.Value)
	case "category":
		if cat, ok := s.deps.Taxonomy.Category(c.Value); ok {
			return taxLabel(cat.VI, cat.EN, pg.Lang)
		}
	case "place":
		if u, ok := s.deps.Taxonomy.Place(c.Value); ok {
			return taxLabel(u.VI, u.EN, pg.Lang)
		}
	case "year":
		if c.Value == indexer.YearUnknown {
			return pg.T("facet.yearunknown")
		}
	}
	if c.Label != "" {
		return c.Label
	}
	return c.Value
}

func taxLabel(vi, en, lang string) string {
	if lang == "en" && en != "" {
		return en
	}
	if vi != "" {
		return vi
	}
	return en
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func withParam(in url.Values, name, value string) string {
	q := cloneValues(in)
	q.Set(name, value)
	return pageURL("/", q)
}

func pageURL(path string, q url.Values) string {
	for k, vs := range q {
		if len(vs) == 0 || len(vs) == 1 && vs[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
