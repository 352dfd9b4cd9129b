package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/indexer"
)

// assetOut is the record of RECORD.md as the API returns it: every field of
// the record, renditions with their URLs, links and an attribution line.
type assetOut struct {
	*archive.Record
	Renditions  []renditionOut `json:"renditions"`
	Attribution string         `json:"attribution"`
	Links       links          `json:"links"`
}

type renditionOut struct {
	archive.Rendition
	URL string `json:"url"`
}

type links struct {
	Self     string `json:"self"`
	Original string `json:"original"`
}

func assetPath(id string) string { return "/v1/assets/" + id }

// renditionPath is the URL path of asset id's rendition called name.
func renditionPath(id, name string) string { return assetPath(id) + "/renditions/" + name }

func newAssetOut(rec *archive.Record) *assetOut {
	out := &assetOut{Record: rec, Renditions: make([]renditionOut, 0, len(rec.Renditions)),
		Attribution: attribution(rec), Links: links{Self: assetPath(rec.ID), Original: assetPath(rec.ID) + "/original"}}
	for _, r := range rec.Renditions {
		out.Renditions = append(out.Renditions, renditionOut{Rendition: r, URL: renditionPath(rec.ID, r.Name)})
	}
	return out
}

// attribution is the line to print under an image: creator and credit,
// rights notice and licence.
func attribution(r *archive.Record) string {
	who := strings.TrimSpace(r.Creator)
	if c := strings.TrimSpace(r.Credit); c != "" && c != who {
		if who != "" {
			who += " / "
		}
		who += c
	}
	rights, licence := strings.TrimSpace(r.Rights), licenceLabel(r.Licence)
	if licence != "" && strings.Contains(alnumFold(rights), alnumFold(licence)) {
		licence = "" // the rights say it already: "Apache-2.0 (…)" and apache-2.0
	}
	var parts []string
	for _, p := range []string{who, rights, licence} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// alnumFold is s lower-cased with only its letters and digits, to compare
// "CC BY-SA 4.0" with "cc-by-sa-4.0".
func alnumFold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// licenceLabel writes a Creative Commons code as people know it
// (cc-by-sa-4.0 → CC BY-SA 4.0, cc0-1.0 → CC0 1.0); other licences are
// shown as given.
func licenceLabel(code string) string {
	code = strings.TrimSpace(code)
	lc := strings.ToLower(code)
	if !strings.HasPrefix(lc, "cc") {
		return code
	}
	parts := strings.Split(lc, "-")
	if len(parts) < 2 {
		return strings.ToUpper(code)
	}
	last := parts[len(parts)-1]
	words := parts[:len(parts)-1]
	if last == "" || last[0] < '0' || last[0] > '9' {
		words, last = parts, ""
	}
	out := strings.ToUpper(words[0])
	if len(words) > 1 {
		out += " " + strings.ToUpper(strings.Join(words[1:], "-"))
	}
	if last != "" {
		out += " " + last
	}
	return out
}

// searchOut is a page of GET /v1/assets.
type searchOut struct {
	Total  uint64                          `json:"total"`
	Page   int                             `json:"page"`
	Size   int                             `json:"size"`
	TookMS float64                         `json:"took"`
	Hits   []hitOut                        `json:"hits"`
	Facets map[string][]indexer.FacetCount `json:"facets,omitempty"`
	// Corrected: the words found nothing; these near spellings did.
	Corrected string `json:"corrected,omitempty"`
}

type hitOut struct {
	ID              string     `json:"id"`
	Score           float64    `json:"score"`
	Kind            string     `json:"kind"`
	Lang            string     `json:"lang,omitempty"`
	Title           string     `json:"title"`
	DescriptionLang string     `json:"description_lang,omitempty"`
	Description     string     `json:"description,omitempty"`
	CapturedAt      *time.Time `json:"captured_at"`
	Thumb           string     `json:"thumb,omitempty"`
	Preview         string     `json:"preview,omitempty"`
	Attribution     string     `json:"attribution"`
	URL             string     `json:"url"`
	Record          *assetOut  `json:"record"`
}

// restrict narrows q to what p may see. It returns false when the caller
// asked only for visibilities or statuses it may not see: the answer is
// then empty, as if none existed.
func restrict(p Principal, q *indexer.Query, now time.Time) bool {
	vis, status := p.allowed()
	if vis != nil || status != nil {
		q.ReleasedAt = now // embargoes, unpublish dates and expired rights
	}
	narrow := func(asked, allowed []string) ([]string, bool) {
		if allowed == nil {
			return asked, true
		}
		if len(asked) == 0 {
			return allowed, true
		}
		var out []string
		for _, a := range asked {
			if slices.Contains(allowed, a) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out, len(out) > 0
	}
	var ok1, ok2 bool
	q.Visibility, ok1 = narrow(q.Visibility, vis)
	q.Status, ok2 = narrow(q.Status, status)
	return ok1 && ok2
}

// cachedSearch runs q through the search cache, limited per client
// (clientIP). The release instant is judged to the second: repeated
// searches within a second share an entry.
func (s *Server) cachedSearch(ctx context.Context, r *http.Request, q indexer.Query) (*indexer.Result, error) {
	if !q.ReleasedAt.IsZero() {
		q.ReleasedAt = q.ReleasedAt.Truncate(time.Second)
	}
	q.Client = clientIP(r)
	seq, err := s.deps.Stats.LastSeq()
	if err != nil {
		return nil, err
	}
	return s.searches.search(ctx, q, seq, s.deps.Search.Search)
}

func (s *Server) handleSearch() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		sr, err := parseSearch(r.URL.Query(), s.loc)
		if pe, ok := asParamError(err); ok {
			badParam(w, r, pe.name, pe.reason)
			return
		}
		for _, c := range []struct {
			name    string
			vals    []string
			allowed []string
		}{
			{"visibility", sr.q.Visibility, []string{"public", "internal"}},
			{"status", sr.q.Status, []string{"draft", "review", "published", "withdrawn"}},
		} {
			for _, v := range c.vals {
				if !slices.Contains(c.allowed, v) {
					badParam(w, r, c.name, v+" is not one of "+strings.Join(c.allowed, ", "))
					return
				}
			}
		}
		q := sr.q
		out := &searchOut{Page: q.Page, Size: q.Size, Hits: []hitOut{}}
		now := s.now()
		if !restrict(p, &q, now) {
			// Validate the rest of the query all the same, so errors do not
			// depend on the caller's role.
			q.Visibility, q.Status = []string{"public"}, []string{"published"}
			q.Size, q.Page, q.Facets = 1, 1, nil
			if _, err := s.deps.Search.Search(r.Context(), q); err != nil {
				s.searchError(w, r, err)
				return
			}
			if len(sr.q.Facets) > 0 {
				out.Facets = map[string][]indexer.FacetCount{}
				for _, f := range sr.q.Facets {
					out.Facets[f] = []indexer.FacetCount{}
				}
			}
			writeJSON(w, r, http.StatusOK, out)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
		defer cancel()
		res, err := s.cachedSearch(ctx, r, q)
		if err != nil {
			s.searchError(w, r, err)
			return
		}
		out.Total, out.Page, out.Size, out.Facets, out.Corrected = res.Total, res.Page, res.Size, res.Facets, res.Corrected
		out.TookMS = float64(res.Took.Microseconds()) / 1000
		for _, h := range res.Hits {
			// The index may lag the store: the record decides.
			if !visibleTo(p, h.Record, now) {
				continue
			}
			out.Hits = append(out.Hits, newHit(h, sr.lang))
		}
		writeJSON(w, r, http.StatusOK, out)
	}
}

func newHit(h indexer.Hit, lang []string) hitOut {
	rec := h.Record
	a := newAssetOut(rec)
	ho := hitOut{ID: h.ID, Score: h.Score, Kind: string(rec.Kind), CapturedAt: rec.CapturedAt,
		Attribution: a.Attribution, URL: a.Links.Self, Record: a}
	ho.Title, ho.Lang = rec.DisplayTitle(lang...)
	ho.Description, ho.DescriptionLang = archive.PickLang(rec.Description, lang)
	for _, rd := range a.Renditions {
		switch rd.Name {
		case archive.RenditionThumb:
			ho.Thumb = rd.URL
		case archive.RenditionPreview:
			ho.Preview = rd.URL
		}
	}
	return ho
}

func (s *Server) searchError(w http.ResponseWriter, r *http.Request, err error) {
	if pe, ok := asParamError(err); ok {
		badParam(w, r, pe.name, pe.reason)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		writeProblem(w, r, http.StatusServiceUnavailable, "the search took too long; narrow it")
		return
	}
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	s.internalError(w, r, err)
}

// visibleRecord returns the asset the path names when the caller may see
// it. Otherwise it has answered (400 for a malformed id, 404 for missing
// and hidden alike) and returns nil.
func (s *Server) visibleRecord(w http.ResponseWriter, r *http.Request) *archive.Record {
	id := r.PathValue("id")
	if !archive.ValidID(id) {
		badParam(w, r, "id", "an asset id is 64 lower-case hex digits")
		return nil
	}
	rec, err := s.deps.Records.Get(id)
	if errors.Is(err, archive.ErrNotFound) || err == nil && !visibleTo(principalFrom(r.Context()), rec, s.now()) {
		notFound(w, r)
		return nil
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil
	}
	return rec
}

func (s *Server) handleAsset() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, newAssetOut(rec))
	}
}

func (s *Server) handleCategories() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeJSON(w, r, http.StatusOK, map[string]any{"categories": s.deps.Taxonomy.Categories})
	}
}

func (s *Server) handlePlaces() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeJSON(w, r, http.StatusOK, map[string]any{"places": s.deps.Taxonomy.Places})
	}
}

// statsCache remembers the statistics of each audience until the store
// changes or the second turns (embargoes lift with time).
type statsCache struct {
	mu      sync.Mutex
	entries map[int]statsEntry
}

type statsEntry struct {
	seq    uint64
	second time.Time
	stats  *archive.Stats
}

func (s *Server) handleStats() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, err := s.statsFor(principalFrom(r.Context()))
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, st)
	}
}

// statsFor counts only the records p may see.
func (s *Server) statsFor(p Principal) (*archive.Stats, error) {
	seq, err := s.deps.Stats.LastSeq()
	if err != nil {
		return nil, err
	}
	class := min(p.rank(), 3)
	if class == 1 {
		class = 0 // portal keys see what anonymous clients see
	}
	now := s.now()
	second := now.Truncate(time.Second) // release windows, to the second
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	if e, ok := s.stats.entries[class]; ok && e.seq == seq && e.second.Equal(second) {
		return e.stats, nil
	}
	st, err := s.deps.Stats.StatsWhere(now, func(r *archive.Record) bool { return visibleTo(p, r, now) })
	if err != nil {
		return nil, err
	}
	if s.stats.entries == nil {
		s.stats.entries = map[int]statsEntry{}
	}
	s.stats.entries[class] = statsEntry{seq: seq, second: second, stats: st}
	return st, nil
}
