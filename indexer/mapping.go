package indexer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	bleveunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// mappingVersion changes whenever the mapping, the analysis or the document
// built from a record changes. An index with another version is rebuilt on
// open.
//
// 2: one combined text field pair instead of seven field pairs (queries
// cost four term lookups per word instead of fourteen); per-field text is
// kept folded only, without positions, for field:value queries.
//
// 4: a file's modification time (archive.CapturedFromFile) is no longer
// indexed as captured_at; the year facet says YearUnknown instead.
//
// 5: dates and numbers at three precisions instead of sixteen (trie.go);
// an open end of the release window is no term at all; no _all field.
const mappingVersion = 5

// Text fields. Free text searches four fields per word: the title in both
// forms (ranking) and every other text of the record in both forms (text,
// text_f), plus the place codes whose names hold the word (placeTerms). The other text fields exist, folded only, for field:value
// queries and filters.
const (
	foldSuffix = "_f"

	fieldTitle  = "title"   // exact, with positions
	fieldTitleF = "title_f" // folded, with positions
	fieldText   = "text"    // exact: every text but the title, no positions
	fieldTextF  = "text_f"  // folded: every text but the title, with positions
)

// textAliases maps the text field names of the query-string syntax to the
// fields they search. Only title has an exact form; the others are folded
// only (name+foldSuffix).
func textAliases() []string {
	return []string{"title", "description", "keywords", "creator", "credit", "camera", "place_name"}
}

// isTextAlias reports whether name is one of textAliases.
func isTextAlias(name string) bool { return slices.Contains(textAliases(), name) }

// Boosts of free text: a word in the title outranks one elsewhere, and the
// exact form outranks the folded one, so "Huế" ranks "Huế" above "huệ" and
// "Hue".
const (
	titleBoost = 4.0
	exactBoost = 2.0
)

// Keyword (exact-term) fields.
const (
	fieldKind        = "kind"
	fieldMIME        = "mime"
	fieldCategory    = "category"
	fieldPlace       = "place"       // the record's own unit code
	fieldPlaceCodes  = "place_codes" // own code, ancestors and successors
	fieldKeyword     = "keyword"     // each keyword whole, NFC lower-cased
	fieldKeywordF    = "keyword_f"   // each keyword whole, folded
	fieldYear        = "year"        // of captured_at, or YearUnknown
	fieldCameraModel = "camera_model"
	fieldVisibility  = "visibility"
	fieldStatus      = "status"
	fieldCapturedAt  = "captured_at"
	fieldIngestedAt  = "ingested_at"
	// fieldReleaseFrom and fieldReleaseUntil bound when a published record
	// may be shown to anyone but curators: publish_at and the earlier of
	// unpublish_at and rights_expire_at. An open end is not indexed.
	fieldReleaseFrom  = "release_from"
	fieldReleaseUntil = "release_until"
	fieldGPS          = "gps"
	// fieldFacets holds every facet value of a record as name:value, the
	// only field with doc values besides the sort dates: facets are
	// counted from one doc-value read per match instead of one per facet.
	fieldFacets = "facets"
	fieldWidth  = "width"
	fieldHeight = "height"
)

// YearUnknown is the year facet's value for records without a capture
// time (no date in the file; archive.Record.CaptureTime).
const YearUnknown = "unknown"

// facetField maps a facet name of Query.Facets to the index field its
// filter searches; counts come from fieldFacets. ok is false for a name
// that is not a facet.
func facetField(name string) (field string, ok bool) {
	switch name {
	case "kind":
		return fieldKind, true
	case "category":
		return fieldCategory, true
	case "place":
		return fieldPlace, true
	case "keyword":
		return fieldKeyword, true
	case "year":
		return fieldYear, true
	case "camera":
		return fieldCameraModel, true
	}
	return "", false
}

// FacetNames lists the facets Query.Facets accepts.
func FacetNames() []string {
	return []string{"kind", "category", "place", "keyword", "year", "camera"}
}

// newMapping builds the index mapping: explicit fields only, no _all,
// nothing stored, doc values only where facets or sorting need them,
// positions (term vectors) only on the fields phrases are searched in
// (title, title_f, text_f).
func newMapping() *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = AnalyzerExact
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	dm := bleve.NewDocumentStaticMapping()

	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true
		f.DocValues = false
		return f
	}
	kw := func(analyzer string, docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = docValues
		return f
	}
	folded := func() *mapping.FieldMapping {
		f := text(AnalyzerFolded)
		f.IncludeTermVectors = false
		return f
	}
	exact := text(AnalyzerExact)
	exact.IncludeTermVectors = false
	dm.AddFieldMappingsAt(fieldTitle, text(AnalyzerExact))
	dm.AddFieldMappingsAt(fieldTitleF, text(AnalyzerFolded))
	dm.AddFieldMappingsAt(fieldText, exact)
	dm.AddFieldMappingsAt(fieldTextF, text(AnalyzerFolded))
	for _, name := range textAliases() {
		if name != fieldTitle {
			dm.AddFieldMappingsAt(name+foldSuffix, folded())
		}
	}
	for _, f := range []struct {
		name, analyzer string
		docValues      bool
	}{
		{fieldKind, keyword.Name, false},
		{fieldMIME, keyword.Name, false},
		{fieldCategory, keyword.Name, false},
		{fieldPlace, keyword.Name, false},
		{fieldPlaceCodes, keyword.Name, false},
		{fieldKeyword, AnalyzerKeywordExact, false},
		{fieldKeywordF, AnalyzerKeywordFolded, false},
		{fieldYear, keyword.Name, false},
		{fieldCameraModel, keyword.Name, false},
		{fieldVisibility, keyword.Name, false},
		{fieldStatus, keyword.Name, false},
		{fieldFacets, keyword.Name, true},
	} {
		dm.AddFieldMappingsAt(f.name, kw(f.analyzer, f.docValues))
	}
	for _, name := range []string{fieldCapturedAt, fieldIngestedAt, fieldReleaseFrom, fieldReleaseUntil, fieldWidth, fieldHeight} {
		// Dates and numbers at three precisions (trie.go).
		f := text(analyzerTrie)
		f.IncludeTermVectors = false
		f.DocValues = name == fieldCapturedAt || name == fieldIngestedAt // sort keys
		dm.AddFieldMappingsAt(name, f)
	}
	geo := bleve.NewGeoPointFieldMapping()
	geo.Store, geo.IncludeInAll, geo.DocValues = false, false, false
	dm.AddFieldMappingsAt(fieldGPS, geo)
	// No field goes to _all, but Bleve would still add the composite
	// field to every document, and every segment would carry it.
	dm.AddSubDocumentMapping("_all", &mapping.DocumentMapping{Enabled: false})
	m.DefaultMapping = dm
	return m
}

// gazetteer answers the place questions of indexing and querying from the
// taxonomy: which codes and names a record's place stands for.
type gazetteer struct {
	units map[string]archive.Unit
	// names holds the tokens of each unit's names (Vietnamese and English),
	// in both forms: free text is matched against them at query time
	// instead of indexing every record's place names.
	names      []unitNames
	categories map[string]string // code → Vietnamese label
	// version fingerprints the taxonomy: place expansion is baked into the
	// documents, so another taxonomy means another index.
	version string
}

func newGazetteer(tax *archive.Taxonomy) (*gazetteer, error) {
	g := &gazetteer{units: make(map[string]archive.Unit, len(tax.Places)), categories: map[string]string{}}
	for _, u := range tax.Places {
		g.units[u.Code] = u
		un := unitNames{code: u.Code}
		for _, n := range []string{u.VI, u.EN} {
			if e := tokens(n, ExactForm); len(e) > 0 {
				un.exact = append(un.exact, e)
				un.folded = append(un.folded, tokens(n, Fold))
			}
		}
		g.names = append(g.names, un)
	}
	slices.SortFunc(g.names, func(a, b unitNames) int { return strings.Compare(a.code, b.code) })
	for _, c := range tax.Categories {
		g.categories[c.Code] = c.VI
	}
	b, err := json.Marshal(tax)
	if err != nil {
		return nil, fmt.Errorf("indexer: fingerprint taxonomy: %w", err)
	}
	sum := sha256.Sum256(b)
	g.version = hex.EncodeToString(sum[:6])
	return g, nil
}

// related returns code, its ancestors and the successors of each (and their
// ancestors): every unit under which a record tagged code is found.
func (g *gazetteer) related(code string) []string {
	var out []string
	var visit func(c string)
	visit = func(c string) {
		if c == "" || slices.Contains(out, c) || len(out) > 64 {
			return
		}
		out = append(out, c)
		u, ok := g.units[c]
		if !ok {
			return
		}
		visit(u.Parent)
		visit(u.Successor)
	}
	visit(code)
	return out
}

// successors returns the units that hold code's place later: its successor
// chain and its ancestors' successors. A filter on a historical unit also
// matches records tagged with these.
func (g *gazetteer) successors(code string) []string {
	var out []string
	for _, c := range g.related(code) {
		if c == code || g.isAncestor(c, code) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (g *gazetteer) isAncestor(anc, code string) bool {
	for i, c := 0, g.units[code].Parent; c != "" && i < 64; i, c = i+1, g.units[c].Parent {
		if c == anc {
			return true
		}
	}
	return false
}

// document turns a record into the map Bleve indexes.
func (g *gazetteer) document(r *archive.Record) map[string]any {
	d := make(map[string]any, 32)
	var all []string // every text but the title
	add := func(name string, vals ...string) {
		vals = slices.DeleteFunc(vals, func(s string) bool { return strings.TrimSpace(s) == "" })
		if len(vals) == 0 {
			return
		}
		all = append(all, vals...)
		d[name+foldSuffix] = vals
	}
	if titles := nonEmpty(mapValues(r.Title)); len(titles) > 0 {
		d[fieldTitle] = titles
		d[fieldTitleF] = titles
	}
	add("description", mapValues(r.Description)...)
	add("keywords", r.Keywords...)
	add("creator", r.Creator)
	add("credit", r.Credit)
	if len(r.Keywords) > 0 {
		d[fieldKeyword] = r.Keywords
		d[fieldKeywordF] = r.Keywords
	}
	if r.Camera != nil {
		model := cameraName(r.Camera)
		add("camera", model)
		if model != "" {
			d[fieldCameraModel] = model
		}
	}
	if r.Place != nil && r.Place.Code != "" {
		d[fieldPlace] = r.Place.Code
		d[fieldPlaceCodes] = g.related(r.Place.Code)
		// The units' names are matched at query time (placeTerms); only
		// the record's own wording of its place is indexed.
		add("place_name", r.Place.Name)
	}
	if len(all) > 0 {
		d[fieldText] = all
		d[fieldTextF] = all
	}
	d[fieldKind] = string(r.Kind)
	d[fieldMIME] = r.MIME
	if len(r.Categories) > 0 {
		d[fieldCategory] = r.Categories
	}
	d[fieldVisibility] = string(r.Visibility)
	d[fieldStatus] = string(r.Status)
	// A file's modification time is not a capture time: such records sort
	// after the dated ones, fall outside date ranges and count as
	// YearUnknown in the year facet.
	if t := r.CaptureTime(); t != nil {
		d[fieldCapturedAt] = trieDate(*t)
		d[fieldYear] = strconv.Itoa(t.Year())
	} else {
		d[fieldYear] = YearUnknown
	}
	if !r.IngestedAt.IsZero() {
		d[fieldIngestedAt] = trieDate(r.IngestedAt)
	}
	if r.PublishAt != nil {
		d[fieldReleaseFrom] = trieDate(*r.PublishAt)
	}
	if until := releaseUntil(r); until != nil {
		d[fieldReleaseUntil] = trieDate(*until)
	}
	if r.GPS != nil {
		d[fieldGPS] = map[string]any{"lat": r.GPS.Lat, "lon": r.GPS.Lon}
	}
	if r.Width > 0 {
		d[fieldWidth] = trieNumber(float64(r.Width))
	}
	if r.Height > 0 {
		d[fieldHeight] = trieNumber(float64(r.Height))
	}
	d[fieldFacets] = facetValues(d)
	return d
}

// facetValues lists the facet values of a document as name:value (see
// fieldFacets), in the form the facet's own field indexes them.
func facetValues(d map[string]any) []string {
	var out []string
	for _, name := range FacetNames() {
		field, _ := facetField(name)
		switch v := d[field].(type) {
		case string:
			if v != "" {
				out = append(out, name+":"+v)
			}
		case []string:
			for _, s := range v {
				if s == "" {
					continue
				}
				if name == "keyword" {
					s = ExactForm(s)
				}
				out = append(out, name+":"+s)
			}
		}
	}
	return out
}

// cameraName is "Make Model" without the make repeated ("Canon Canon EOS").
func cameraName(c *media.Camera) string { return c.Name() }

func nonEmpty(vals []string) []string {
	return slices.DeleteFunc(vals, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// mapValues returns a text map's values in key order (deterministic).
func mapValues(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// unitNames are the tokens of a unit's names.
type unitNames struct {
	code   string
	exact  [][]string // per name
	folded [][]string
}

// tokens splits s as the text analyzers do and applies form to each token.
func tokens(s string, form func(string) string) []string {
	var out []string
	for _, t := range bleveunicode.NewUnicodeTokenizer().Tokenize([]byte(s)) { // stateless and free to make
		out = append(out, form(string(t.Term)))
	}
	return out
}

// placeTerms matches the records whose place, or a unit above or after it,
// has a name holding text: every word of it (phrase false) or the words in
// sequence (phrase true), in either form. A record's place_codes are its
// own unit, its ancestors and their successors — the units whose names
// used to be indexed with it — so this is a lookup per matching unit
// instead of the names of every record in the index. A unit matched in the
// exact form is boosted. It returns nil when no unit matches.
func (g *gazetteer) placeTerms(text string, phrase bool, boost float64) query.Query {
	units := g.placeUnits(text, phrase, boost)
	qs := make([]query.Query, len(units))
	for i, u := range units {
		t := query.NewTermQuery(u.code)
		t.SetField(fieldPlaceCodes)
		t.SetBoost(u.boost)
		qs[i] = t
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// placeUnit is a unit placeTerms looks up, with its boost.
type placeUnit struct {
	code  string
	boost float64
}

// placeUnits lists the units placeTerms looks up, in its order.
func (g *gazetteer) placeUnits(text string, phrase bool, boost float64) []placeUnit {
	qe, qf := tokens(text, ExactForm), tokens(text, Fold)
	if len(qf) == 0 {
		return nil
	}
	var out []placeUnit
	for _, u := range g.names {
		switch {
		case namesHold(u.exact, qe, phrase):
			out = append(out, placeUnit{u.code, boost * exactBoost})
		case namesHold(u.folded, qf, phrase):
			out = append(out, placeUnit{u.code, boost})
		}
	}
	return out
}

// placePattern matches the records under a unit with a folded name token
// matching re.
func (g *gazetteer) placePattern(re *regexp.Regexp) query.Query {
	var qs []query.Query
	for _, u := range g.names {
		if slices.ContainsFunc(u.folded, func(name []string) bool { return slices.ContainsFunc(name, re.MatchString) }) {
			qs = append(qs, term(fieldPlaceCodes, u.code))
		}
	}
	if len(qs) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(qs)
}

// namesHold reports whether the names, together, hold every word of q, or
// whether one name holds q as a sequence.
func namesHold(names [][]string, q []string, phrase bool) bool {
	if phrase {
		for _, n := range names {
			for i := 0; i+len(q) <= len(n); i++ {
				if slices.Equal(n[i:i+len(q)], q) {
					return true
				}
			}
		}
		return false
	}
	for _, w := range q {
		if !slices.ContainsFunc(names, func(n []string) bool { return slices.Contains(n, w) }) {
			return false
		}
	}
	return true
}

// releaseUntil is the instant r stops being shown to non-curators: the
// earlier of its unpublish date and the expiry of its rights; nil if it
// has neither.
func releaseUntil(r *archive.Record) *time.Time {
	until := r.UnpublishAt
	if t := r.RightsExpireAt; t != nil && (until == nil || t.Before(*until)) {
		until = t
	}
	return until
}
