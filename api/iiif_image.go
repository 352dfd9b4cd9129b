package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// Pictures draws what the IIIF Image API serves; *thumbs.Renderer
// implements it.
type Pictures interface {
	// Picture decodes an original upright and opaque, at its own size.
	Picture(ctx context.Context, in archive.RenderInput) (image.Image, error)
	// Scale returns the part crop of an opaque img scaled to w×h.
	Scale(img image.Image, crop image.Rectangle, w, h int) *image.NRGBA
}

// IIIFOptions configure the IIIF Image API (/iiif/3/…). Without Pictures
// the image routes answer 503.
type IIIFOptions struct {
	Pictures Pictures
	// CacheDir holds derivatives (ROOT/cache/iiif); "" keeps none.
	CacheDir string
	// CacheBytes bounds CacheDir; default 1 GiB.
	CacheBytes int64
	// SourceBytes bounds the decoded pictures kept in memory; default
	// 512 MiB (five 24 MP photos).
	SourceBytes int64
}

// iiifTile is the tile size of info.json.
const iiifTile = 512

// iiifContext and friends are the URIs info.json is built from.
const (
	iiifContext  = "http://iiif.io/api/image/3/context.json"
	iiifProtocol = "http://iiif.io/api/image"
	iiifLevel2   = "http://iiif.io/api/image/3/level2.json"
)

// iiifService is the state behind the image routes.
type iiifService struct {
	pics    Pictures
	cache   *derivCache // nil: no disk cache
	sources *sourceCache
	work    chan struct{} // one token per derivative being drawn
}

func newIIIFService(o IIIFOptions) (*iiifService, error) {
	if o.CacheBytes <= 0 {
		o.CacheBytes = 1 << 30
	}
	if o.SourceBytes <= 0 {
		o.SourceBytes = 512 << 20
	}
	svc := &iiifService{pics: o.Pictures, sources: newSourceCache(o.SourceBytes),
		work: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if o.CacheDir != "" {
		c, err := openDerivCache(o.CacheDir, o.CacheBytes)
		if err != nil {
			return nil, err
		}
		svc.cache = c
	}
	return svc, nil
}

// iiifView is an asset as one caller's IIIF service shows it: the full
// image's size, the limits, and where the pixels come from. Callers with a
// key see photos through their originals; everyone else sees every asset
// through its preview rendition, so that no request can get more detail
// than the preview holds (regions are still in full-image coordinates).
type iiifView struct {
	rec      *archive.Record
	limits   iiifLimits
	original bool              // pixels from the original, else from the preview
	preview  archive.Rendition // the preview (zero when there is none)
}

// errNoIIIFPicture is an asset with no picture to serve: no preview, or
// only a placeholder card.
var errNoIIIFPicture = errors.New("api: the asset has no picture")

// iiifViewOf decides the view of rec for a caller who may (full) or may
// not see originals.
func (s *Server) iiifViewOf(rec *archive.Record, full bool) (iiifView, error) {
	v := iiifView{rec: rec}
	var pv *archive.Rendition
	for i := range rec.Renditions {
		if rec.Renditions[i].Name == "preview" {
			pv = &rec.Renditions[i]
		}
	}
	if rec.Kind == media.KindPhoto && full && s.iiif.pics != nil && rec.Width > 0 && rec.Height > 0 {
		w, h := uprightSize(rec, pv)
		v.original = true
		if pv != nil {
			v.preview = *pv // the fallback of iiifSource
		}
		v.limits = iiifLimits{width: w, height: h, maxW: w, maxH: h}
		return v, nil
	}
	if pv == nil || pv.Placeholder || pv.Width < 1 || pv.Height < 1 {
		return v, errNoIIIFPicture
	}
	v.preview = *pv
	w, h := pv.Width, pv.Height
	if rec.Kind == media.KindPhoto && rec.Width > 0 && rec.Height > 0 {
		w, h = uprightSize(rec, pv)
	}
	v.limits = iiifLimits{width: w, height: h, maxW: pv.Width, maxH: pv.Height}
	return v, nil
}

// uprightSize is a photo's size as shown: the record's width and height,
// swapped when the preview (always upright) is the other way round.
func uprightSize(rec *archive.Record, pv *archive.Rendition) (int, int) {
	w, h := rec.Width, rec.Height
	if pv != nil && !pv.Placeholder && (pv.Width > pv.Height) != (w > h) && pv.Width != pv.Height {
		return h, w
	}
	if pv == nil && rec.Orientation >= 5 && rec.Orientation <= 8 {
		return h, w
	}
	return w, h
}

// iiifSource returns the view's pixels, decoded once and kept in memory.
// An original that cannot be drawn (over the pixel cap, a missing tool)
// falls back to the preview: the request still maps onto it, with the
// preview's detail.
func (s *Server) iiifSource(ctx context.Context, v iiifView) (image.Image, error) {
	if v.original {
		img, err := s.iiif.sources.get(ctx, v.rec.ID+"|original", func() (image.Image, error) {
			path, err := s.deps.Files.OriginalPath(v.rec.ID)
			if err != nil {
				return nil, err
			}
			in := archive.RenderInput{Path: path, MIME: v.rec.MIME, Kind: v.rec.Kind, Width: v.rec.Width,
				Height: v.rec.Height, Orientation: v.rec.Orientation, Rotation: v.rec.Rotation}
			return s.iiif.pics.Picture(ctx, in)
		})
		if err == nil || ctx.Err() != nil || v.preview.Width < 1 || v.preview.Placeholder {
			return img, err
		}
		s.log.WarnContext(ctx, "iiif: original not drawable; serving from the preview", "id", v.rec.ID, "err", err)
	}
	key := fmt.Sprintf("%s|preview|v%d", v.rec.ID, v.preview.Version)
	return s.iiif.sources.get(ctx, key, func() (image.Image, error) {
		path, err := s.deps.Files.RenditionPath(v.rec.ID, v.preview)
		if err != nil {
			return nil, err
		}
		in := archive.RenderInput{Path: path, MIME: "image/jpeg", Kind: media.KindPhoto}
		return s.iiif.pics.Picture(ctx, in)
	})
}

// iiifBase is the service's base URI for an asset on this request's host.
func iiifBase(r *http.Request, id string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/iiif/3/" + id
}

// iiifAsset does what every IIIF route does first: the asset the path
// names when the caller may see it, and its view. Otherwise it has
// answered and ok is false.
func (s *Server) iiifAsset(w http.ResponseWriter, r *http.Request) (iiifView, bool) {
	if s.iiif.pics == nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "the IIIF image service is not configured")
		return iiifView{}, false
	}
	rec := s.visibleRecord(w, r)
	if rec == nil {
		return iiifView{}, false
	}
	v, err := s.iiifViewOf(rec, principalFrom(r.Context()).canDownloadOriginals())
	if errors.Is(err, errNoIIIFPicture) {
		writeProblem(w, r, http.StatusNotFound, "the asset has no picture yet (run archive rethumb)")
		return iiifView{}, false
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Add("Vary", "Authorization")
	return v, true
}

// handleIIIFBase redirects the base URI to info.json (baseUriRedirect).
func (s *Server) handleIIIFBase() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.iiifAsset(w, r); !ok {
			return
		}
		http.Redirect(w, r, iiifBase(r, r.PathValue("id"))+"/info.json", http.StatusSeeOther)
	}
}

// iiifInfo is the image information document (section 5).
type iiifInfo struct {
	Context        string          `json:"@context"`
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Protocol       string          `json:"protocol"`
	Profile        string          `json:"profile"`
	Width          int             `json:"width"`
	Height         int             `json:"height"`
	MaxWidth       int             `json:"maxWidth"`
	MaxHeight      int             `json:"maxHeight"`
	Sizes          []iiifSizeOut   `json:"sizes"`
	Tiles          []iiifTileOut   `json:"tiles"`
	Rights         string          `json:"rights,omitempty"`
	ExtraQualities []string        `json:"extraQualities"`
	ExtraFeatures  []string        `json:"extraFeatures"`
	PartOf         []iiifReference `json:"partOf,omitempty"`
}

type iiifSizeOut struct {
	Type   string `json:"type"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

type iiifTileOut struct {
	Type         string `json:"type"`
	Width        int    `json:"width"`
	ScaleFactors []int  `json:"scaleFactors"`
}

type iiifReference struct {
	ID    string              `json:"id"`
	Type  string              `json:"type"`
	Label map[string][]string `json:"label,omitempty"`
}

// newIIIFInfo describes the view v of an asset served at base. maxWidth
// and maxHeight are always given (sizeUpscaling requires them): the full
// size for callers who see originals, the preview's size otherwise.
func newIIIFInfo(base string, v iiifView) iiifInfo {
	l := v.limits
	info := iiifInfo{
		Context: iiifContext, ID: base, Type: "ImageService3", Protocol: iiifProtocol, Profile: "level2",
		Width: l.width, Height: l.height, MaxWidth: l.maxW, MaxHeight: l.maxH,
		Rights:         licenceURI(v.rec.Licence),
		ExtraQualities: []string{"color", "gray"},
		ExtraFeatures:  []string{"mirroring", "sizeUpscaling", "canonicalLinkHeader", "profileLinkHeader"},
	}
	// Preferred sizes: the thumb, the preview and the largest allowed.
	for _, long := range []int{320, 1280, max(l.maxW, l.maxH)} {
		w, h := l.width, l.height
		scale := min(1, float64(long)/float64(max(w, h)), float64(l.maxW)/float64(w), float64(l.maxH)/float64(h))
		sw, sh := max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))
		if n := len(info.Sizes); n > 0 && info.Sizes[n-1].Width == sw {
			continue
		}
		info.Sizes = append(info.Sizes, iiifSizeOut{"Size", sw, sh})
	}
	// Scale factors from the one that reaches the limit's detail (a power
	// of two, never past it by more than 2×) to the one whose single tile
	// holds the whole image.
	first := 1
	for first*2 <= l.width/l.maxW && first*2 <= l.height/l.maxH {
		first *= 2
	}
	var factors []int
	for f := first; ; f *= 2 {
		factors = append(factors, f)
		if (l.width+f-1)/f <= iiifTile && (l.height+f-1)/f <= iiifTile || f >= 1<<20 {
			break
		}
	}
	info.Tiles = []iiifTileOut{{"Tile", iiifTile, factors}}
	info.PartOf = []iiifReference{{ID: base + "/manifest", Type: "Manifest"}}
	return info
}

// handleIIIFInfo answers info.json as JSON-LD (or plain JSON when the
// client asks only for that).
func (s *Server) handleIIIFInfo() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.iiifAsset(w, r)
		if !ok {
			return
		}
		h := w.Header()
		h.Set("Link", `<`+iiifLevel2+`>;rel="profile"`)
		h.Set("Cache-Control", iiifCacheControl(v.rec, s))
		ct := `application/ld+json;profile="` + iiifContext + `"`
		if a := r.Header.Get("Accept"); strings.Contains(a, "application/json") && !strings.Contains(a, "application/ld+json") {
			ct = "application/json"
		}
		writeJSONAs(w, r, ct, newIIIFInfo(iiifBase(r, v.rec.ID), v))
	}
}

func iiifCacheControl(rec *archive.Record, s *Server) string {
	if publicAsset(rec, s.now()) {
		return "public, max-age=3600"
	}
	return "private, no-cache"
}

// writeJSONAs sends v as JSON with the content type ct.
func writeJSONAs(w http.ResponseWriter, r *http.Request, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// handleIIIFImage answers an image request.
func (s *Server) handleIIIFImage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseIIIFRequest(r.PathValue("region"), r.PathValue("size"), r.PathValue("rotation"), r.PathValue("file"))
		if err != nil {
			s.iiifError(w, r, err)
			return
		}
		v, ok := s.iiifAsset(w, r)
		if !ok {
			return
		}
		plan, err := q.resolve(v.limits)
		if err != nil {
			s.iiifError(w, r, err)
			return
		}
		canon := plan.canonical(v.limits)
		variant := "original"
		if !v.original {
			variant = fmt.Sprintf("preview-v%d", v.preview.Version)
		}
		key := v.rec.ID + "/" + variant + "/" + canon
		data, hit := []byte(nil), false
		if s.iiif.cache != nil {
			data, hit = s.iiif.cache.get(key)
		}
		if !hit {
			data, err = s.drawIIIF(r.Context(), v, plan)
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return
				}
				s.internalError(w, r, err)
				return
			}
			if s.iiif.cache != nil {
				if err := s.iiif.cache.put(key, data); err != nil {
					s.log.WarnContext(r.Context(), "iiif cache", "err", err)
				}
			}
		}
		// The cache keeps the pixels; the rights are written in as the
		// image is sent, so an edit of them needs no new drawing, only a
		// new ETag.
		mime, _ := iiifFormatMIME(plan.format)
		data = s.withRights(r.Context(), data, mime, v.rec, origin(r))
		h := w.Header()
		h.Set("Content-Type", mime)
		h.Set("Link", `<`+iiifLevel2+`>;rel="profile", <`+iiifBase(r, v.rec.ID)+"/"+canon+`>;rel="canonical"`)
		h.Set("ETag", `"`+derivName(key)[:32]+"-r"+rightsOf(v.rec, origin(r)).Hash()+`"`)
		h.Set("Cache-Control", iiifCacheControl(v.rec, s))
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		http.ServeContent(w, r, "", v.rec.UpdatedAt, bytes.NewReader(data))
	}
}

// iiifError answers a refused request with its status.
func (s *Server) iiifError(w http.ResponseWriter, r *http.Request, err error) {
	var ie *iiifError
	if errors.As(err, &ie) {
		writeProblem(w, r, ie.Status, ie.Param+": "+ie.Reason, InvalidParam{Name: ie.Param, Reason: ie.Reason})
		return
	}
	s.internalError(w, r, err)
}

// drawIIIF makes the derivative: region (mapped onto the source's pixels),
// size, mirror, rotation, quality, format, in the specification's order.
func (s *Server) drawIIIF(ctx context.Context, v iiifView, p iiifPlan) ([]byte, error) {
	select {
	case s.iiif.work <- struct{}{}:
		defer func() { <-s.iiif.work }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	src, err := s.iiifSource(ctx, v)
	if err != nil {
		return nil, fmt.Errorf("iiif source of %s: %w", v.rec.ID, err)
	}
	b := src.Bounds()
	sx := float64(b.Dx()) / float64(v.limits.width)
	sy := float64(b.Dy()) / float64(v.limits.height)
	crop := image.Rect(
		b.Min.X+int(float64(p.crop.Min.X)*sx), b.Min.Y+int(float64(p.crop.Min.Y)*sy),
		b.Min.X+int(float64(p.crop.Max.X)*sx+0.5), b.Min.Y+int(float64(p.crop.Max.Y)*sy+0.5))
	if crop.Dx() < 1 {
		crop.Max.X = crop.Min.X + 1
	}
	if crop.Dy() < 1 {
		crop.Max.Y = crop.Min.Y + 1
	}
	var out image.Image = s.iiif.pics.Scale(src, crop, p.w, p.h)
	if p.mirror {
		out = imaging.FlipH(out)
	}
	switch p.rotation {
	case 90:
		out = imaging.Rotate270(out) // imaging turns counter-clockwise
	case 180:
		out = imaging.Rotate180(out)
	case 270:
		out = imaging.Rotate90(out)
	}
	if p.gray {
		out = grayOf(out)
	}
	var buf bytes.Buffer
	switch p.format {
	case "png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, out)
	default:
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return nil, fmt.Errorf("iiif encode %s: %w", p.format, err)
	}
	return buf.Bytes(), nil
}

// grayOf is img's luminance as a one-channel image: Y of Rec. 709 taken
// in linear light and encoded back to sRGB, as libvips (and so sharp and
// iiif-processor) computes it, rather than Rec. 601 weights on the encoded
// values, which darken reds and lighten greens.
func grayOf(img image.Image) *image.Gray {
	var toLinear [256]float64
	for i := range toLinear {
		v := float64(i) / 255
		if v <= 0.04045 {
			toLinear[i] = v / 12.92
		} else {
			toLinear[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	const steps = 4096
	var toSRGB [steps + 1]uint8
	for i := range toSRGB {
		v := float64(i) / steps
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		toSRGB[i] = uint8(math.Round(v * 255))
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	n := imaging.Clone(img)
	for y := 0; y < b.Dy(); y++ {
		row := n.Pix[y*n.Stride:]
		for x := 0; x < b.Dx(); x++ {
			p := row[x*4:]
			lum := 0.2126*toLinear[p[0]] + 0.7152*toLinear[p[1]] + 0.0722*toLinear[p[2]]
			g.Pix[y*g.Stride+x] = toSRGB[int(lum*steps+0.5)]
		}
	}
	return g
}

// licenceURI is the URI of a licence code (cc-by-4.0 →
// http://creativecommons.org/licenses/by/4.0/, cc0 → the public domain
// dedication), or "" for codes that are not Creative Commons.
func licenceURI(code string) string {
	lc := strings.ToLower(strings.TrimSpace(code))
	if lc == "cc0" || lc == "cc0-1.0" {
		return "http://creativecommons.org/publicdomain/zero/1.0/"
	}
	rest, ok := strings.CutPrefix(lc, "cc-")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return ""
	}
	kind, version := rest[:i], rest[i+1:]
	switch kind {
	case "by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd":
	default:
		return ""
	}
	if _, err := strconv.ParseFloat(version, 64); err != nil {
		return ""
	}
	return "http://creativecommons.org/licenses/" + kind + "/" + version + "/"
}
