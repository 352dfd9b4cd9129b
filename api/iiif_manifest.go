package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
	"github.com/haiduong/promo-archive/indexer"
)

// IIIF Presentation API 3.0 (https://iiif.io/api/presentation/3.0/): a
// Manifest per asset, whose one Canvas is painted with the IIIF image
// service (photos, publications' first pages) or the video, and a
// Collection per category and per place of what the caller may see.

const (
	presContext = "http://iiif.io/api/presentation/3/context.json"
	// presCollectionMax bounds the manifests one collection lists.
	presCollectionMax = 5000
)

// langMap is a IIIF language map: tag → values ("none" when unknown).
type langMap map[string][]string

// presLangMap turns a record's text map into a language map, every
// language kept; x-default (language unknown) becomes "none".
func presLangMap(m map[string]string) langMap {
	out := langMap{}
	for tag, text := range m {
		if strings.TrimSpace(text) == "" {
			continue
		}
		if tag == "x-default" {
			tag = "none"
		}
		out[tag] = []string{text}
	}
	return out
}

type presPair struct {
	Label langMap `json:"label"`
	Value langMap `json:"value"`
}

type presResource struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Format   string          `json:"format,omitempty"`
	Label    langMap         `json:"label,omitempty"`
	Width    int             `json:"width,omitempty"`
	Height   int             `json:"height,omitempty"`
	Duration float64         `json:"duration,omitempty"`
	Service  []presService   `json:"service,omitempty"`
	Items    []presResource  `json:"items,omitempty"`
	Thumb    []presResource  `json:"thumbnail,omitempty"`
	Motive   string          `json:"motivation,omitempty"`
	Body     *presResource   `json:"body,omitempty"`
	Target   string          `json:"target,omitempty"`
	PartOf   []iiifReference `json:"partOf,omitempty"`
}

type presService struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Profile string `json:"profile"`
}

// presManifest is a Manifest or a Collection.
type presManifest struct {
	Context           string         `json:"@context"`
	ID                string         `json:"id"`
	Type              string         `json:"type"`
	Label             langMap        `json:"label"`
	Summary           langMap        `json:"summary,omitempty"`
	Metadata          []presPair     `json:"metadata,omitempty"`
	Rights            string         `json:"rights,omitempty"`
	RequiredStatement *presPair      `json:"requiredStatement,omitempty"`
	Thumbnail         []presResource `json:"thumbnail,omitempty"`
	Items             []presResource `json:"items"`
}

// bilingual is a label in Vietnamese and English.
func bilingual(vi, en string) langMap { return langMap{"vi": {vi}, "en": {en}} }

// presLabel is the record's title in every language, or its file name.
func presLabel(rec *archive.Record) langMap {
	if l := presLangMap(rec.Title); len(l) > 0 {
		return l
	}
	return langMap{"none": {rec.OriginalName}}
}

// presThumbnail is the asset's thumbnail through the image service.
func presThumbnail(base string, v iiifView) []presResource {
	var th *archive.Rendition
	for i := range v.rec.Renditions {
		if v.rec.Renditions[i].Name == "thumb" && !v.rec.Renditions[i].Placeholder {
			th = &v.rec.Renditions[i]
		}
	}
	if th == nil {
		return nil
	}
	w, h := fitInto(v.limits.width, v.limits.height, min(th.Width, v.limits.width), min(th.Height, v.limits.height), true)
	return []presResource{{ID: base + "/full/" + strconv.Itoa(w) + "," + strconv.Itoa(h) + "/0/default.jpg", Type: "Image", Format: "image/jpeg",
		Width: w, Height: h, Service: []presService{{ID: base, Type: "ImageService3", Profile: "level2"}}}}
}

// newPresManifest describes rec, seen through v, at base (its image
// service's URI); origin is the server's scheme and host.
func (s *Server) newPresManifest(origin, base string, v iiifView, haveImage bool) presManifest {
	rec := v.rec
	m := presManifest{Context: presContext, ID: base + "/manifest", Type: "Manifest", Label: presLabel(rec),
		Summary: presLangMap(rec.Description), Rights: licenceURI(rec.Licence), Items: []presResource{}}
	add := func(vi, en string, value langMap) {
		if len(value) > 0 {
			m.Metadata = append(m.Metadata, presPair{bilingual(vi, en), value})
		}
	}
	text := func(s string) langMap {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return langMap{"none": {s}}
	}
	add("Loại", "Kind", text(string(rec.Kind)))
	add("Tác giả", "Creator", text(rec.Creator))
	add("Nguồn", "Credit", text(rec.Credit))
	add("Bản quyền", "Rights", text(rec.Rights))
	add("Giấy phép", "Licence", text(licenceLabel(rec.Licence)))
	if rec.CapturedAt != nil {
		add("Thời điểm chụp", "Captured", text(rec.CapturedAt.Format(time.RFC3339)))
	}
	if rec.Place != nil {
		if u, ok := s.deps.Taxonomy.Place(rec.Place.Code); ok {
			add("Địa danh", "Place", bilingual(u.VI, u.EN))
		} else {
			add("Địa danh", "Place", text(rec.Place.Name))
		}
	}
	for _, code := range rec.Categories {
		if c, ok := s.deps.Taxonomy.Category(code); ok {
			add("Chủ đề", "Category", bilingual(c.VI, c.EN))
		}
	}
	if len(rec.Keywords) > 0 {
		add("Từ khóa", "Keywords", langMap{"none": slices.Clone(rec.Keywords)})
	}
	if a := attribution(rec); a != "" {
		m.RequiredStatement = &presPair{bilingual("Ghi công", "Attribution"), langMap{"none": {a}}}
	}
	if !haveImage {
		return m
	}
	m.Thumbnail = presThumbnail(base, v)
	canvas := presResource{ID: base + "/canvas/1", Type: "Canvas", Width: v.limits.width, Height: v.limits.height}
	// The body is what full/max answers.
	maxPlan, _ := iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, format: "jpg"}.resolve(v.limits)
	body := presResource{ID: base + "/full/max/0/default.jpg", Type: "Image", Format: "image/jpeg",
		Width: maxPlan.w, Height: maxPlan.h, Service: []presService{{ID: base, Type: "ImageService3", Profile: "level2"}}}
	if rec.Kind == media.KindVideo && rec.DurationS != nil && *rec.DurationS > 0 {
		canvas.Duration = *rec.DurationS
		canvas.Thumb = presThumbnail(base, v)
		body = presResource{ID: origin + assetPath(rec.ID) + "/original", Type: "Video", Format: rec.MIME,
			Width: v.limits.width, Height: v.limits.height, Duration: *rec.DurationS}
	}
	canvas.Items = []presResource{{ID: base + "/page/1", Type: "AnnotationPage", Items: []presResource{{
		ID: base + "/annotation/1", Type: "Annotation", Motive: "painting", Body: &body, Target: canvas.ID,
	}}}}
	m.Items = []presResource{canvas}
	return m
}

// handleIIIFManifest answers an asset's manifest.
func (s *Server) handleIIIFManifest() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		v, err := s.iiifViewOf(rec, principalFrom(r.Context()).canDownloadOriginals())
		haveImage := err == nil && s.iiif.pics != nil
		if err != nil && !errors.Is(err, errNoIIIFPicture) {
			s.internalError(w, r, err)
			return
		}
		v.rec = rec
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Add("Vary", "Authorization")
		w.Header().Set("Cache-Control", iiifCacheControl(rec, s))
		writeJSONAs(w, r, `application/ld+json;profile="`+presContext+`"`,
			s.newPresManifest(origin(r), iiifBase(r, rec.ID), v, haveImage))
	}
}

// origin is the scheme and host the request came to.
func origin(r *http.Request) string {
	return strings.TrimSuffix(iiifBase(r, ""), "/iiif/3/")
}

func (s *Server) handleIIIFCategory() http.HandlerFunc { return s.handleIIIFCollection("categories") }

func (s *Server) handleIIIFPlace() http.HandlerFunc { return s.handleIIIFCollection("places") }

// handleIIIFCollection answers the collection of a category or a place:
// the manifests of the assets the caller may see there, newest first.
func (s *Server) handleIIIFCollection(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		q := indexer.Query{Sort: "-ingested_at", Size: indexer.MaxSize}
		var label langMap
		switch kind {
		case "categories":
			c, ok := s.deps.Taxonomy.Category(code)
			if !ok {
				notFound(w, r)
				return
			}
			label, q.Categories = bilingual(c.VI, c.EN), []string{code}
		default:
			u, ok := s.deps.Taxonomy.Place(code)
			if !ok {
				notFound(w, r)
				return
			}
			label, q.Places = bilingual(u.VI, u.EN), []string{code}
		}
		p := principalFrom(r.Context())
		now := s.now()
		col := presManifest{Context: presContext, ID: origin(r) + r.URL.Path, Type: "Collection", Label: label, Items: []presResource{}}
		if restrict(p, &q, now) {
			ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
			defer cancel()
			for q.Page = 1; len(col.Items) < presCollectionMax; q.Page++ {
				res, err := s.deps.Search.Search(ctx, q)
				if err != nil {
					s.searchError(w, r, err)
					return
				}
				for _, h := range res.Hits {
					if !visibleTo(p, h.Record, now) {
						continue
					}
					base := iiifBase(r, h.ID)
					item := presResource{ID: base + "/manifest", Type: "Manifest", Label: presLabel(h.Record)}
					if v, err := s.iiifViewOf(h.Record, p.canDownloadOriginals()); err == nil {
						item.Thumb = presThumbnail(base, v)
					}
					col.Items = append(col.Items, item)
				}
				if len(res.Hits) < q.Size || uint64(q.Page*q.Size) >= res.Total {
					break
				}
			}
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Add("Vary", "Authorization")
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSONAs(w, r, `application/ld+json;profile="`+presContext+`"`, col)
	}
}
