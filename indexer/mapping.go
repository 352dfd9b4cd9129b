package indexer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// mappingVersion changes whenever the mapping, the analysis or the document
// built from a record changes. An index with another version is rebuilt on
// open.
const mappingVersion = 1

// Text fields: each is indexed under its name (exact form) and under
// name+foldSuffix (folded form).
const foldSuffix = "_f"

// textFields are the text fields searched by free text, with their boosts.
var textFields = []struct {
	name  string
	boost float64
}{
	{"title", 4}, {"keywords", 3}, {"place_name", 2}, {"description", 1},
	{"creator", 1}, {"credit", 1}, {"camera", 1},
}

// exactBoost multiplies the score of a match in the exact form over the
// folded form, so "Huế" ranks "Huế" above "huệ" and "Hue".
const exactBoost = 2.0

// Keyword (exact-term) fields.
const (
	fieldKind        = "kind"
	fieldMIME        = "mime"
	fieldCategory    = "category"
	fieldPlace       = "place"       // the record's own unit code
	fieldPlaceCodes  = "place_codes" // own code, ancestors and successors
	fieldKeyword     = "keyword"     // each keyword whole, NFC lower-cased
	fieldKeywordF    = "keyword_f"   // each keyword whole, folded
	fieldYear        = "year"        // of captured_at
	fieldCameraModel = "camera_model"
	fieldVisibility  = "visibility"
	fieldStatus      = "status"
	fieldCapturedAt  = "captured_at"
	fieldIngestedAt  = "ingested_at"
	fieldGPS         = "gps"
	fieldWidth       = "width"
	fieldHeight      = "height"
)

// facetFields maps the facet names of Query.Facets to index fields.
var facetFields = map[string]string{
	"kind":     fieldKind,
	"category": fieldCategory,
	"place":    fieldPlace,
	"keyword":  fieldKeyword,
	"year":     fieldYear,
	"camera":   fieldCameraModel,
}

// FacetNames lists the facets Query.Facets accepts.
func FacetNames() []string {
	return []string{"kind", "category", "place", "keyword", "year", "camera"}
}

// newMapping builds the index mapping: explicit fields only, no _all, doc
// values only where facets or sorting need them, term vectors only on text
// (phrases need positions).
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
	for _, tf := range textFields {
		dm.AddFieldMappingsAt(tf.name, text(AnalyzerExact))
		dm.AddFieldMappingsAt(tf.name+foldSuffix, text(AnalyzerFolded))
	}
	for _, f := range []struct {
		name, analyzer string
		docValues      bool
	}{
		{fieldKind, keyword.Name, true},
		{fieldMIME, keyword.Name, false},
		{fieldCategory, keyword.Name, true},
		{fieldPlace, keyword.Name, true},
		{fieldPlaceCodes, keyword.Name, false},
		{fieldKeyword, AnalyzerKeywordExact, true},
		{fieldKeywordF, AnalyzerKeywordFolded, false},
		{fieldYear, keyword.Name, true},
		{fieldCameraModel, keyword.Name, true},
		{fieldVisibility, keyword.Name, false},
		{fieldStatus, keyword.Name, false},
	} {
		dm.AddFieldMappingsAt(f.name, kw(f.analyzer, f.docValues))
	}
	for _, name := range []string{fieldCapturedAt, fieldIngestedAt} {
		f := bleve.NewDateTimeFieldMapping()
		f.Store, f.IncludeInAll, f.DocValues = false, false, true
		dm.AddFieldMappingsAt(name, f)
	}
	for _, name := range []string{fieldWidth, fieldHeight} {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.IncludeInAll, f.DocValues = false, false, false
		dm.AddFieldMappingsAt(name, f)
	}
	geo := bleve.NewGeoPointFieldMapping()
	geo.Store, geo.IncludeInAll, geo.DocValues = false, false, false
	dm.AddFieldMappingsAt(fieldGPS, geo)
	m.DefaultMapping = dm
	return m
}

// gazetteer answers the place questions of indexing and querying from the
// taxonomy: which codes and names a record's place stands for.
type gazetteer struct {
	units      map[string]archive.Unit
	categories map[string]string // code → Vietnamese label
	// version fingerprints the taxonomy: place expansion is baked into the
	// documents, so another taxonomy means another index.
	version string
}

func newGazetteer(tax *archive.Taxonomy) (*gazetteer, error) {
	g := &gazetteer{units: make(map[string]archive.Unit, len(tax.Places)), categories: map[string]string{}}
	for _, u := range tax.Places {
		g.units[u.Code] = u
	}
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

// names returns the names of every related unit, Vietnamese and English.
func (g *gazetteer) names(p *archive.Place) []string {
	var out []string
	if p.Name != "" {
		out = append(out, p.Name)
	}
	for _, c := range g.related(p.Code) {
		u, ok := g.units[c]
		if !ok {
			continue
		}
		for _, n := range []string{u.VI, u.EN} {
			if n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// document turns a record into the map Bleve indexes.
func (g *gazetteer) document(r *archive.Record) map[string]any {
	d := make(map[string]any, 40)
	pair := func(name string, vals []string) {
		vals = slices.DeleteFunc(vals, func(s string) bool { return strings.TrimSpace(s) == "" })
		if len(vals) == 0 {
			return
		}
		d[name] = vals
		d[name+foldSuffix] = vals
	}
	pair("title", mapValues(r.Title))
	pair("description", mapValues(r.Description))
	pair("keywords", r.Keywords)
	pair("creator", []string{r.Creator})
	pair("credit", []string{r.Credit})
	if len(r.Keywords) > 0 {
		d[fieldKeyword] = r.Keywords
		d[fieldKeywordF] = r.Keywords
	}
	if r.Camera != nil {
		model := cameraName(r.Camera)
		pair("camera", []string{model})
		if model != "" {
			d[fieldCameraModel] = model
		}
	}
	if r.Place != nil && r.Place.Code != "" {
		d[fieldPlace] = r.Place.Code
		d[fieldPlaceCodes] = g.related(r.Place.Code)
		pair("place_name", g.names(r.Place))
	}
	d[fieldKind] = string(r.Kind)
	d[fieldMIME] = r.MIME
	if len(r.Categories) > 0 {
		d[fieldCategory] = r.Categories
	}
	d[fieldVisibility] = string(r.Visibility)
	d[fieldStatus] = string(r.Status)
	if r.CapturedAt != nil {
		d[fieldCapturedAt] = *r.CapturedAt
		d[fieldYear] = strconv.Itoa(r.CapturedAt.Year())
	}
	if !r.IngestedAt.IsZero() {
		d[fieldIngestedAt] = r.IngestedAt
	}
	if r.GPS != nil {
		d[fieldGPS] = map[string]any{"lat": r.GPS.Lat, "lon": r.GPS.Lon}
	}
	if r.Width > 0 {
		d[fieldWidth] = float64(r.Width)
	}
	if r.Height > 0 {
		d[fieldHeight] = float64(r.Height)
	}
	return d
}

// cameraName is "Make Model" without the make repeated ("Canon Canon EOS").
func cameraName(c *media.Camera) string {
	mk, model := strings.TrimSpace(c.Make), strings.TrimSpace(c.Model)
	if mk != "" && strings.HasPrefix(strings.ToLower(model), strings.ToLower(mk)) {
		return model
	}
	return strings.TrimSpace(mk + " " + model)
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
