package indexer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is one search: optional free text narrowed by filters. The CLI and
// the HTTP API both build it.
type Query struct {
	// Text is what was typed in a search box: its words, all of which must
	// match, with or without diacritics; punctuation separates words and is
	// otherwise ignored, so no text is an error. With Syntax SyntaxQuery it
	// is Bleve's query-string syntax instead: "quoted phrases", field:value
	// (title, description, keyword, place, creator, credit, camera, kind,
	// category, mime, year, status, visibility), +must, -mustnot,
	// wildcards, ranges such as width:>1000 or captured_at:>="2020-01-01".
	Text string `json:"text,omitempty"`
	// Syntax is SyntaxWords (or "") or SyntaxQuery.
	Syntax string `json:"syntax,omitempty"`
	// Client identifies who asks (an address, a key): concurrent searches
	// are limited per client. Empty means one shared anonymous client.
	Client string `json:"-"`

	Kinds      []string `json:"kinds,omitempty"`      // photo | video | publication
	Categories []string `json:"categories,omitempty"` // taxonomy codes
	Places     []string `json:"places,omitempty"`     // gazetteer codes or names; historical ↔ current
	Keywords   []string `json:"keywords,omitempty"`   // whole keywords, any diacritics
	Camera     string   `json:"camera,omitempty"`     // words of make and model
	// From (inclusive) and To (exclusive) bound captured_at; zero is open.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	Near *Near     `json:"near,omitempty"`
	BBox *BBox     `json:"bbox,omitempty"`

	Visibility []string `json:"visibility,omitempty"` // public | internal
	Status     []string `json:"status,omitempty"`     // draft | review | published | withdrawn
	// ReleasedAt, when set, keeps only records released at that instant:
	// past publish_at and before unpublish_at and rights_expire_at.
	ReleasedAt time.Time `json:"released_at,omitzero"`

	// Sort is relevance, captured_at, -captured_at, ingested_at or
	// -ingested_at; empty means relevance with text, -captured_at without.
	// Every order ends with the id, so paging is stable.
	Sort string `json:"sort,omitempty"`
	Page int    `json:"page,omitempty"` // 1-based; 0 means 1
	Size int    `json:"size,omitempty"` // 1..MaxSize; 0 means DefaultSize
	// Facets to count, from FacetNames(). A facet's counts respect every
	// filter but its own, so other values stay visible.
	Facets    []string `json:"facets,omitempty"`
	FacetSize int      `json:"facet_size,omitempty"` // values per facet; 0 means 10
}

// Near selects records within Km of a point.
type Near struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	Km  float64 `json:"km"`
}

// BBox selects records inside a box.
type BBox struct {
	MinLat float64 `json:"min_lat"`
	MinLon float64 `json:"min_lon"`
	MaxLat float64 `json:"max_lat"`
	MaxLon float64 `json:"max_lon"`
}

// Syntaxes of Query.Text.
const (
	SyntaxWords = "words"
	SyntaxQuery = "query"
)

// Paging limits and the bounds that keep one query from hurting the
// server.
const (
	DefaultSize = 20
	MaxSize     = 200
	maxWindow   = 10000 // page*size
	maxFacet    = 100
	// maxWords bounds the words of a search box taken into account; more
	// are ignored.
	maxWords = 32
	// maxPatterns bounds the wildcard, regexp and fuzzy terms of one
	// query; maxExpansion the index terms one of them may stand for.
	maxPatterns  = 4
	maxExpansion = 1000
)

// ErrBadQuery matches every *QueryError.
var ErrBadQuery = errors.New("indexer: bad query")

// QueryError is a query the index cannot run as given: a syntax error or a
// bad parameter. Its message names the parameter and the problem.
type QueryError struct {
	Param string // "text", "size", "near", …
	Msg   string
	Err   error
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("bad query: %s: %s", e.Param, e.Msg)
}

func (e *QueryError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrBadQuery) true.
func (e *QueryError) Is(target error) bool { return target == ErrBadQuery }

func badQuery(param, format string, args ...any) *QueryError {
	return &QueryError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// plan is a validated Query turned into Bleve terms.
type plan struct {
	text     query.Query            // nil: no text
	words    []string               // the words of a search box (SyntaxWords)
	patterns []pattern              // wildcards and regexps, checked against the index
	filters  map[string]query.Query // by facet name or another key
	// parts are the filters a bitmap can stand for (filter.go), by the
	// same keys; each also has its query in filters.
	parts map[string]*filterPart
	// reference: run the filters as Bleve would (tests compare).
	reference bool
	sort      []string
	from      int
	size      int
	facets    []string
	fsize     int
}

// filterKeys orders filters deterministically; every key addFilters sets
// must be here.
func filterKeys() []string {
	return []string{"kind", "category", "place", "keyword", "camera", "year", "geo", "bbox", "visibility", "status", "released"}
}

func (g *gazetteer) plan(q Query) (*plan, error) {
	p := &plan{filters: map[string]query.Query{}, parts: map[string]*filterPart{}}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Size == 0 {
		q.Size = DefaultSize
	}
	switch {
	case q.Page < 1:
		return nil, badQuery("page", "must be 1 or more, not %d", q.Page)
	case q.Size < 1 || q.Size > MaxSize:
		return nil, badQuery("size", "must be between 1 and %d, not %d", MaxSize, q.Size)
	case (q.Page-1)*q.Size+q.Size > maxWindow:
		return nil, badQuery("page", "page %d of size %d goes past the first %d results; narrow the query", q.Page, q.Size, maxWindow)
	}
	p.from, p.size = (q.Page-1)*q.Size, q.Size

	var err error
	switch q.Syntax {
	case "", SyntaxWords:
		p.words = searchWords(q.Text)
		p.text = g.wordsQuery(p.words)
	case SyntaxQuery:
		if p.text, p.patterns, err = g.textQuery(q.Text); err != nil {
			return nil, err
		}
	default:
		return nil, badQuery("syntax", "%q is not %s or %s", q.Syntax, SyntaxWords, SyntaxQuery)
	}
	if err := g.addFilters(p, q); err != nil {
		return nil, err
	}

	sort := q.Sort
	if sort == "" {
		sort = "relevance"
		if p.text == nil {
			sort = "-captured_at"
		}
	}
	switch sort {
	case "relevance":
		p.sort = []string{"-_score", "_id"}
	case "captured_at", "-captured_at", "ingested_at", "-ingested_at":
		p.sort = []string{sort, "_id"}
	default:
		return nil, badQuery("sort", "%q is not one of relevance, captured_at, -captured_at, ingested_at, -ingested_at", q.Sort)
	}

	p.fsize = q.FacetSize
	if p.fsize == 0 {
		p.fsize = 10
	}
	if p.fsize < 1 || p.fsize > maxFacet {
		return nil, badQuery("facet_size", "must be between 1 and %d, not %d", maxFacet, q.FacetSize)
	}
	for _, f := range q.Facets {
		f = strings.TrimSpace(f)
		if f == "" || slices.Contains(p.facets, f) {
			continue
		}
		if _, ok := facetField(f); !ok {
			return nil, badQuery("facets", "unknown facet %q (known: %s)", f, strings.Join(FacetNames(), ", "))
		}
		p.facets = append(p.facets, f)
	}
	return p, nil
}

// addFilters turns the structured filters into Bleve queries.
func (g *gazetteer) addFilters(p *plan, q Query) error {
	anyOf := func(vals []string, one func(string) query.Query) query.Query {
		var qs []query.Query
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				qs = append(qs, one(v))
			}
		}
		if len(qs) == 0 {
			return nil
		}
		return query.NewDisjunctionQuery(qs)
	}
	set := func(key string, qq query.Query) {
		if qq != nil {
			p.filters[key] = qq
		}
	}
	if err := checkValues("kinds", q.Kinds, "photo", "video", "publication"); err != nil {
		return err
	}
	if err := checkValues("visibility", q.Visibility, "public", "internal"); err != nil {
		return err
	}
	if err := checkValues("status", q.Status, "draft", "review", "published", "withdrawn"); err != nil {
		return err
	}
	set("kind", anyOf(q.Kinds, func(v string) query.Query { return term(fieldKind, v) }))
	set("category", anyOf(q.Categories, func(v string) query.Query { return term(fieldCategory, v) }))
	set("place", anyOf(q.Places, g.placeQuery))
	set("keyword", anyOf(q.Keywords, keywordQuery))
	set("visibility", anyOf(q.Visibility, func(v string) query.Query { return term(fieldVisibility, v) }))
	set("status", anyOf(q.Status, func(v string) query.Query { return term(fieldStatus, v) }))
	termPart := func(key string, vals []string, terms func(string) []fieldTerm) {
		if _, ok := p.filters[key]; !ok {
			return
		}
		var all []fieldTerm
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				ts := terms(v)
				if ts == nil {
					return // not terms: Bleve filters it
				}
				all = append(all, ts...)
			}
		}
		p.parts[key] = termsPart(all...)
	}
	one := func(field string) func(string) []fieldTerm {
		return func(v string) []fieldTerm { return []fieldTerm{{field, v}} }
	}
	termPart("kind", q.Kinds, one(fieldKind))
	termPart("category", q.Categories, one(fieldCategory))
	termPart("place", q.Places, g.placeCodeTerms)
	termPart("keyword", q.Keywords, func(v string) []fieldTerm {
		return []fieldTerm{{fieldKeyword, ExactForm(v)}, {fieldKeywordF, Fold(v)}}
	})
	termPart("visibility", q.Visibility, one(fieldVisibility))
	termPart("status", q.Status, one(fieldStatus))
	if at := q.ReleasedAt; !at.IsZero() {
		// Released at at: not published after it, not withdrawn at or
		// before it. Records without a window have neither field.
		ns := unixNano(at)
		except := []fieldRange{{fieldReleaseFrom, ns + 1, math.MaxInt64}, {fieldReleaseUntil, math.MinInt64, ns}}
		if ns == math.MaxInt64 {
			except = except[1:]
		}
		notReleased := make([]query.Query, len(except))
		for i, r := range except {
			notReleased[i] = trieRangeQuery(r.field, r.lo, r.hi)
		}
		p.filters["released"] = query.NewBooleanQuery([]query.Query{query.NewMatchAllQuery()}, nil, notReleased)
		p.parts["released"] = &filterPart{except: except}
	}
	if c := strings.TrimSpace(q.Camera); c != "" {
		p.filters["camera"] = query.NewDisjunctionQuery([]query.Query{
			term(fieldCameraModel, c), g.textPair("camera", c, false, 1),
		})
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
			return badQuery("from/to", "from (%s) must be before to (%s)", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
		}
		t, f := true, false
		p.filters["year"] = dateQuery(fieldCapturedAt, q.From, q.To, &t, &f)
		p.parts["year"] = datePart(q.From, q.To)
	}
	if n := q.Near; n != nil {
		if err := checkLatLon("near", n.Lat, n.Lon); err != nil {
			return err
		}
		if !(n.Km > 0 && n.Km <= 20040) {
			return badQuery("near", "distance must be more than 0 and at most 20040 km, not %v", n.Km)
		}
		gq := query.NewGeoDistanceQuery(n.Lon, n.Lat, strconv.FormatFloat(n.Km, 'f', -1, 64)+"km")
		gq.SetField(fieldGPS)
		p.filters["geo"] = gq
	}
	if b := q.BBox; b != nil {
		if err := checkLatLon("bbox", b.MinLat, b.MinLon); err != nil {
			return err
		}
		if err := checkLatLon("bbox", b.MaxLat, b.MaxLon); err != nil {
			return err
		}
		if b.MinLat > b.MaxLat {
			return badQuery("bbox", "min latitude %v is north of max latitude %v", b.MinLat, b.MaxLat)
		}
		bq := query.NewGeoBoundingBoxQuery(b.MinLon, b.MaxLat, b.MaxLon, b.MinLat)
		bq.SetField(fieldGPS)
		p.filters["bbox"] = bq
	}
	return nil
}

func checkValues(param string, vals []string, allowed ...string) error {
	for _, v := range vals {
		if !slices.Contains(allowed, strings.TrimSpace(v)) {
			return badQuery(param, "%q is not one of %s", v, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func checkLatLon(param string, lat, lon float64) error {
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return badQuery(param, "latitude %v is outside -90..90", lat)
	}
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return badQuery(param, "longitude %v is outside -180..180", lon)
	}
	return nil
}

func term(field, v string) query.Query {
	t := query.NewTermQuery(v)
	t.SetField(field)
	return t
}

// placeQuery matches a place given by code or name. A code matches records
// tagged with it or any unit under it (place_codes), and records tagged with
// the units that hold it today (Thanh Hà 294 ↔ Hải Phòng 31). A name is
// matched as a phrase, with or without diacritics.
func (g *gazetteer) placeQuery(v string) query.Query {
	ts := g.placeCodeTerms(v)
	if ts == nil {
		return g.textPair("place_name", v, true, 1)
	}
	qs := make([]query.Query, len(ts))
	for i, t := range ts {
		qs[i] = term(t.field, t.term)
	}
	return query.NewDisjunctionQuery(qs)
}

// placeCodeTerms are the terms placeQuery searches for a place code; nil
// for a name.
func (g *gazetteer) placeCodeTerms(v string) []fieldTerm {
	if _, known := g.units[v]; !known {
		return nil
	}
	out := []fieldTerm{{fieldPlaceCodes, v}}
	for _, s := range g.successors(v) {
		out = append(out, fieldTerm{fieldPlace, s})
	}
	return out
}

// keywordQuery matches a whole keyword, with or without diacritics.
func keywordQuery(v string) query.Query {
	return query.NewDisjunctionQuery([]query.Query{term(fieldKeyword, ExactForm(v)), term(fieldKeywordF, Fold(v))})
}

// match matches text in one field: its words ANDed, or as a phrase.
func match(field, text string, phrase bool, boost float64) query.Query {
	if phrase {
		m := query.NewMatchPhraseQuery(text)
		m.SetField(field)
		m.SetBoost(boost)
		return m
	}
	m := query.NewMatchQuery(text)
	m.SetField(field)
	m.SetBoost(boost)
	m.SetOperator(query.MatchQueryOperatorAnd)
	return m
}

// textPair matches text in one text field of textAliases. The title is
// searched in both forms, the exact one boosted; the other fields have only
// a folded form without positions, so a phrase there is matched as its
// words in the field and as a phrase in text_f.
func (g *gazetteer) textPair(field, text string, phrase bool, boost float64) query.Query {
	if field == "place_name" {
		// The record's own wording of its place, or a unit's name.
		qs := []query.Query{g.textPair("place_name_own", text, phrase, boost)}
		if pq := g.placeTerms(text, phrase, boost); pq != nil {
			qs = append(qs, pq)
		}
		return query.NewDisjunctionQuery(qs)
	}
	if field == "place_name_own" {
		field = "place_name"
	}
	if field == fieldTitle {
		return query.NewDisjunctionQuery([]query.Query{
			match(fieldTitle, text, phrase, boost*exactBoost), match(fieldTitleF, text, phrase, boost),
		})
	}
	q := match(field+foldSuffix, text, false, boost)
	if !phrase {
		return q
	}
	return query.NewConjunctionQuery([]query.Query{q, match(fieldTextF, text, true, 0)})
}

// crossFields matches text in any text field: four lookups per word (title
// and the combined text, each in both forms), the title and the exact form
// boosted. A phrase has no exact form outside the title (text has no
// positions).
func (g *gazetteer) crossFields(text string, phrase bool) query.Query {
	qs := []query.Query{
		match(fieldTitle, text, phrase, titleBoost*exactBoost),
		match(fieldTitleF, text, phrase, titleBoost),
	}
	if !phrase {
		qs = append(qs, match(fieldText, text, false, exactBoost))
	}
	qs = append(qs, match(fieldTextF, text, phrase, 1))
	if pq := g.placeTerms(text, phrase, 1); pq != nil {
		qs = append(qs, pq)
	}
	return query.NewDisjunctionQuery(qs)
}

// termFields may be named in the query string as they are.
func termFields() []string {
	return []string{
		fieldKind, fieldMIME, fieldCategory, fieldPlaceCodes, fieldYear, fieldCameraModel,
		fieldVisibility, fieldStatus, fieldCapturedAt, fieldIngestedAt, fieldWidth, fieldHeight,
	}
}

// searchWords splits search-box text into its words as the text analyzers
// do (punctuation separates words), in their exact form, each once, at
// most maxWords.
func searchWords(text string) []string {
	var out []string
	for _, w := range tokens(text, ExactForm) {
		if !slices.Contains(out, w) && len(out) < maxWords {
			out = append(out, w)
		}
	}
	return out
}

// wordsQuery matches records holding every word in any text field, in
// either form; several words also score as a folded title phrase, so names
// of several syllables ("Côn Sơn Kiếp Bạc") rank first when they appear as
// a phrase (the exact form is already scored per word).
func (g *gazetteer) wordsQuery(words []string) query.Query {
	if len(words) == 0 {
		return nil
	}
	must := make([]query.Query, len(words))
	for i, w := range words {
		must[i] = g.crossFields(w, false)
	}
	q := query.NewBooleanQuery(must, nil, nil)
	if len(words) < 2 {
		return q
	}
	bq := query.NewBooleanQuery([]query.Query{q}, []query.Query{
		match(fieldTitleF, strings.Join(words, " "), true, titleBoost*exactBoost),
	}, nil)
	bq.Should = stayQuery{bq.Should}
	return bq
}

// textQuery parses text in Bleve's query-string syntax and rewrites it for
// this index: unfielded words search every text field in both forms, words
// are ANDed, and plain multi-word text is searched as wordsQuery searches
// it. It also returns the wildcards and regexps to check against the index.
func (g *gazetteer) textQuery(text string) (query.Query, []pattern, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil, nil
	}
	parsed, err := query.NewQueryStringQuery(text).Parse()
	if err != nil {
		return nil, nil, &QueryError{Param: "text", Err: err, Msg: fmt.Sprintf(
			"cannot parse %q: %v; quote phrases (\"chợ nổi\"), write fields as field:value, and escape + - ! ( ) { } [ ] ^ \" ~ * ? : \\ / with a backslash", text, err)}
	}
	rw := rewriter{g: g, plain: true}
	q := rw.rewrite(parsed)
	switch {
	case rw.err != nil:
		return nil, nil, rw.err
	case rw.fuzzy+len(rw.patterns) > maxPatterns:
		return nil, nil, badQuery("text", "%d wildcard, regexp or fuzzy terms; at most %d in one query", rw.fuzzy+len(rw.patterns), maxPatterns)
	case rw.plain && rw.words >= 2:
		return g.wordsQuery(searchWords(text)), nil, nil
	}
	return q, rw.patterns, nil
}

// rewriter walks a parsed query-string query.
type rewriter struct {
	g        *gazetteer
	err      error
	words    int  // unfielded match terms
	plain    bool // only unfielded words, no operators or fields
	fuzzy    int  // fuzzy terms
	patterns []pattern
}

// pattern is a wildcard or regexp term of a query: the index terms it
// stands for are counted before the search runs (checkPatterns).
type pattern struct {
	text   string   // as written, for the error message
	re     string   // the regexp Bleve matches whole terms against
	fields []string // the fields it searches
}

func (rw *rewriter) rewrite(q query.Query) query.Query {
	switch q := q.(type) {
	case *query.BooleanQuery:
		var must, mustNot []query.Query
		if c, ok := q.Must.(*query.ConjunctionQuery); ok {
			rw.plain = false
			must = append(must, rw.all(c.Conjuncts)...)
		}
		if d, ok := q.Should.(*query.DisjunctionQuery); ok {
			// Default operator AND: what people expect of a search box.
			must = append(must, rw.all(d.Disjuncts)...)
		}
		if d, ok := q.MustNot.(*query.DisjunctionQuery); ok {
			rw.plain = false
			mustNot = rw.all(d.Disjuncts)
		}
		if len(must) == 0 {
			must = []query.Query{query.NewMatchAllQuery()}
		}
		return query.NewBooleanQuery(must, nil, mustNot)
	case *query.ConjunctionQuery:
		return query.NewConjunctionQuery(rw.all(q.Conjuncts))
	case *query.DisjunctionQuery:
		var qs []query.Query
		for _, c := range q.Disjuncts {
			if nr, ok := c.(*query.NumericRangeQuery); ok && nr.FieldVal != fieldWidth && nr.FieldVal != fieldHeight {
				continue // a number on a non-numeric field is searched as a word
			}
			qs = append(qs, rw.rewrite(c))
		}
		if len(qs) == 1 {
			return qs[0]
		}
		return query.NewDisjunctionQuery(qs)
	case *query.MatchQuery:
		if q.Fuzziness > 0 {
			rw.fuzzy++
		}
		if q.FieldVal == "" {
			rw.words++
			if q.Fuzziness > 0 || q.BoostVal != nil {
				rw.plain = false
			}
			return rw.boosted(rw.g.crossFields(q.Match, false), q.BoostVal)
		}
		return rw.fielded(q.FieldVal, q.Match, false, q)
	case *query.MatchPhraseQuery:
		rw.plain = false
		if q.FieldVal == "" {
			return rw.boosted(rw.g.crossFields(q.MatchPhrase, true), q.BoostVal)
		}
		return rw.fielded(q.FieldVal, q.MatchPhrase, true, q)
	case *query.WildcardQuery:
		rw.plain = false
		if q.FieldVal != "" {
			out := rw.checkField(q.FieldVal, q)
			rw.patterns = append(rw.patterns, pattern{text: q.Wildcard, re: wildcardRegexp(q.Wildcard), fields: []string{q.Field()}})
			return out
		}
		return rw.foldedPattern(Fold(q.Wildcard), wildcardRegexp(Fold(q.Wildcard)), func(p string) query.FieldableQuery { return query.NewWildcardQuery(p) })
	case *query.RegexpQuery:
		rw.plain = false
		if q.FieldVal != "" {
			out := rw.checkField(q.FieldVal, q)
			rw.patterns = append(rw.patterns, pattern{text: q.Regexp, re: q.Regexp, fields: []string{q.Field()}})
			return out
		}
		return rw.foldedPattern(Fold(q.Regexp), Fold(q.Regexp), func(p string) query.FieldableQuery { return query.NewRegexpQuery(p) })
	case *query.NumericRangeQuery:
		rw.plain = false
		out := rw.checkField(q.FieldVal, q)
		if isTrieField(q.FieldVal) {
			out = rw.boosted(numberQuery(q), q.BoostVal)
		}
		return out
	case *query.DateRangeQuery:
		rw.plain = false
		out := rw.checkField(q.FieldVal, q)
		if isTrieField(q.FieldVal) {
			out = rw.boosted(dateQuery(q.FieldVal, q.Start.Time, q.End.Time, q.InclusiveStart, q.InclusiveEnd), q.BoostVal)
		}
		return out
	case query.FieldableQuery:
		rw.plain = false
		return rw.checkField(q.Field(), q)
	default:
		rw.plain = false
		return q
	}
}

func (rw *rewriter) all(qs []query.Query) []query.Query {
	out := make([]query.Query, 0, len(qs))
	for _, q := range qs {
		out = append(out, rw.rewrite(q))
	}
	return out
}

func (rw *rewriter) boosted(q query.Query, b *query.Boost) query.Query {
	if b != nil {
		if bq, ok := q.(query.BoostableQuery); ok {
			bq.SetBoost(b.Value())
		}
	}
	return q
}

// foldedPattern searches a wildcard or regexp against the folded title and
// text.
func (rw *rewriter) foldedPattern(pat, re string, mk func(string) query.FieldableQuery) query.Query {
	qs := make([]query.Query, 0, 3)
	if r, err := regexp.Compile("^(?:" + re + ")$"); err == nil {
		if pq := rw.g.placePattern(r); pq != nil {
			qs = append(qs, pq)
		}
	}
	fields := []string{fieldTitleF, fieldTextF}
	for _, f := range fields {
		q := mk(pat)
		q.SetField(f)
		qs = append(qs, q)
	}
	rw.patterns = append(rw.patterns, pattern{text: pat, re: re, fields: fields})
	return query.NewDisjunctionQuery(qs)
}

// wildcardRegexp turns a wildcard pattern (* and ?) into a regexp.
func wildcardRegexp(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// fielded rewrites field:value.
func (rw *rewriter) fielded(field, text string, phrase bool, orig query.FieldableQuery) query.Query {
	rw.plain = false
	var b *query.Boost
	switch o := orig.(type) {
	case *query.MatchQuery:
		b = o.BoostVal
	case *query.MatchPhraseQuery:
		b = o.BoostVal
	}
	switch field {
	case "place":
		return rw.boosted(rw.g.placeQuery(text), b)
	case "keyword":
		return rw.boosted(query.NewDisjunctionQuery([]query.Query{keywordQuery(text), rw.g.textPair("keywords", text, true, 1)}), b)
	}
	if isTextAlias(field) {
		return rw.boosted(rw.g.textPair(field, text, phrase, 1), b)
	}
	return rw.checkField(field, orig)
}

// checkField passes a query on a known non-text field through and reports
// an unknown field.
func (rw *rewriter) checkField(field string, q query.Query) query.Query {
	if slices.Contains(termFields(), field) || isTextAlias(strings.TrimSuffix(field, foldSuffix)) {
		if fq, ok := q.(query.FieldableQuery); ok && field != fieldTitle && isTextAlias(field) {
			fq.SetField(field + foldSuffix) // only the folded form exists
		}
		return q
	}
	if rw.err == nil {
		known := append(slices.Sorted(slices.Values(textAliases())), "keyword", "place")
		known = append(known, termFields()...)
		rw.err = badQuery("text", "unknown field %q (known: %s)", field, strings.Join(known, ", "))
	}
	return q
}

// ParseDateBound reads a bound of the captured-date filter as the CLI and
// the API take it: YYYY-MM-DD in loc, or RFC 3339. An end bound given as a
// day covers that whole day (Query.To is exclusive). "" is an open bound.
func ParseDateBound(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not YYYY-MM-DD or RFC 3339", s)
	}
	return t, nil
}
