package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// SizeRenderer draws an original (or a rendition) at a long side on
// demand; *thumbs.Renderer implements it.
type SizeRenderer interface {
	RenderSize(ctx context.Context, in archive.RenderInput, name string, size int) (archive.RenderedImage, error)
}

// Download presets: the sizes an asset is downloaded in. Their long sides
// in pixels; original is the stored file.
const (
	PresetSmall    = "small"
	PresetMedium   = "medium"
	PresetLarge    = "large"
	PresetOriginal = "original"
)

// presetSize is the long side of a preset; 0 for the original.
func presetSize(name string) (int, bool) {
	switch name {
	case PresetSmall:
		return 640, true
	case PresetMedium:
		return 1280, true
	case PresetLarge:
		return 2560, true
	case PresetOriginal:
		return 0, true
	}
	return 0, false
}

// Presets lists the download presets, smallest first.
func Presets() []string { return []string{PresetSmall, PresetMedium, PresetLarge, PresetOriginal} }

// presetAllowed reports whether p may download the preset: everyone the
// sizes up to the preview, key holders (and share links that allow
// downloads) the large size and the original too.
func presetAllowed(p Principal, preset string) bool {
	return preset == PresetSmall || preset == PresetMedium || p.canDownloadOriginals()
}

// Purposes are what a download is for (the optional purpose parameter).
func Purposes() []string { return []string{"print", "press", "web", "exhibition", "other"} }

// downloadParams reads size (default def) and purpose from the query.
func downloadParams(r *http.Request, def string) (preset, purpose string, err error) {
	q := r.URL.Query()
	preset = strings.ToLower(q.Get("size"))
	if preset == "" {
		preset = def
	}
	if _, ok := presetSize(preset); !ok {
		return "", "", perr("size", "small, medium, large or original, not %q", preset)
	}
	purpose = strings.ToLower(q.Get("purpose"))
	if purpose != "" && !slices.Contains(Purposes(), purpose) {
		return "", "", perr("purpose", "%s, not %q", strings.Join(Purposes(), ", "), purpose)
	}
	return preset, purpose, nil
}

// sizedFile is a file to send for a preset.
type sizedFile struct {
	path, ext string
	what      string // archive.ServedOriginal | archive.ServedRendition
	// bare is a rendition file without the record's rights, which are
	// written in as it is sent (openSized); cached sizes carry them.
	bare bool
}

// fileFor returns the file of rec at preset: the original; the preview for
// medium; small and large drawn on demand (small from the preview, large
// from the original) and cached on disk. When a size cannot be drawn, the
// preview stands in; ok is false when there is nothing at all.
func (s *Server) fileFor(ctx context.Context, rec *archive.Record, preset, base string) (sizedFile, bool, error) {
	if preset == PresetOriginal {
		p, err := s.deps.Files.OriginalPath(rec.ID)
		return sizedFile{p, path.Ext(rec.OriginalName), archive.ServedOriginal, false}, err == nil, err
	}
	rd, found := rec.Rendition(archive.RenditionPreview)
	if !found || rd.Placeholder {
		return sizedFile{}, false, nil
	}
	preview, err := s.deps.Files.RenditionPath(rec.ID, rd)
	if err != nil {
		return sizedFile{}, false, err
	}
	ext := ".jpg"
	if rd.MIME == "image/png" {
		ext = ".png"
	}
	previewFile := sizedFile{preview, ext, archive.ServedRendition, true}
	size, _ := presetSize(preset)
	if preset == PresetMedium || s.deps.Sizes == nil || s.deps.SizeCache == "" ||
		preset == PresetSmall && max(rd.Width, rd.Height) <= size {
		return previewFile, true, nil
	}
	cache, err := s.sizeCache()
	if err != nil {
		return sizedFile{}, false, err
	}
	// The rights are written into the cached file: an edit of them is a
	// new key, and the old file ages out of the cache.
	key := fmt.Sprintf("%s-%s-v%d-r%s", rec.ID, preset, rd.Version, rightsOf(rec, base).Hash())
	if p, ok := cache.file(key); ok {
		return sizedFile{p, ".jpg", archive.ServedRendition, false}, true, nil
	}
	in := archive.RenderInput{Path: preview, MIME: rd.MIME, Kind: rec.Kind, Orientation: 1}
	if preset == PresetLarge {
		if in.Path, err = s.deps.Files.OriginalPath(rec.ID); err != nil {
			return sizedFile{}, false, err
		}
		in = archive.RenderInput{Path: in.Path, MIME: rec.MIME, Kind: rec.Kind, Width: rec.Width, Height: rec.Height,
			Orientation: rec.Orientation, Rotation: rec.Rotation}
		if rec.DurationS != nil {
			in.DurationS = *rec.DurationS
		}
	}
	ri, err := s.deps.Sizes.RenderSize(ctx, in, preset, size)
	if err != nil {
		if ctx.Err() != nil {
			return sizedFile{}, false, ctx.Err()
		}
		s.log.WarnContext(ctx, "download size: serving the preview", "id", rec.ID, "size", preset, "err", err)
		return previewFile, true, nil
	}
	mime := ri.MIME
	if mime == "" {
		mime = "image/jpeg"
	}
	if err := cache.put(key, s.withRights(ctx, ri.Data, mime, rec, base)); err != nil {
		return sizedFile{}, false, err
	}
	p, ok := cache.file(key)
	if !ok {
		return previewFile, true, nil
	}
	return sizedFile{p, ".jpg", archive.ServedRendition, false}, true, nil
}

// sizeCache is the disk cache of drawn download sizes (Deps.SizeCache,
// bounded by Deps.SizeCacheBytes), opened on first use.
func (s *Server) sizeCache() (*derivCache, error) {
	s.sizesOnce.Do(func() { s.sizes, s.sizesErr = openDerivCache(s.deps.SizeCache, s.deps.SizeCacheBytes) })
	return s.sizes, s.sizesErr
}

// handleDownload sends an asset at a preset size (?size=, default
// medium), for the purpose given (?purpose=, recorded with the key).
func (s *Server) handleDownload() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		preset, purpose, err := downloadParams(r, PresetMedium)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p := principalFrom(r.Context())
		if !presetAllowed(p, preset) {
			unauthorized(w, r, "the "+preset+" size needs an API key (Authorization: Bearer hdk_…)")
			return
		}
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		s.sendSized(w, r, rec, preset, purpose)
	}
}

// sendSized sends rec at preset as an attachment and counts it.
func (s *Server) sendSized(w http.ResponseWriter, r *http.Request, rec *archive.Record, preset, purpose string) {
	base := origin(r)
	sf, ok, err := s.fileFor(r.Context(), rec, preset, base)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !ok {
		notFound(w, r)
		return
	}
	content, modified, done, err := s.openSized(r.Context(), sf, rec, base)
	if errors.Is(err, fs.ErrNotExist) { // pruned from the cache meanwhile: draw it again
		if sf, _, err = s.fileFor(r.Context(), rec, preset, base); err == nil {
			content, modified, done, err = s.openSized(r.Context(), sf, rec, base)
		}
	}
	if err != nil {
		s.internalError(w, r, fmt.Errorf("download %s: %w", rec.ID, err))
		return
	}
	defer done()
	stem := strings.TrimSuffix(rec.OriginalName, path.Ext(rec.OriginalName))
	h := w.Header()
	h.Set("Content-Disposition", contentDisposition(stem+"-"+preset+strings.ToLower(sf.ext), rec.ID))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	mime := "image/jpeg"
	if sf.what == archive.ServedOriginal && rec.MIME != "" {
		mime = rec.MIME
	} else if sf.ext == ".png" {
		mime = "image/png"
	}
	h.Set("Content-Type", mime)
	sw := &countWriter{ResponseWriter: w}
	http.ServeContent(sw, r, "", modified, content)
	if sw.ok() && r.Method == http.MethodGet {
		s.served(r, rec.ID, sf.what)
		s.downloaded(r, rec.ID, preset, purpose)
	}
}

// openSized opens the file of sf: the file itself (done closes it), or
// the bytes of a bare rendition with rec's rights written in.
func (s *Server) openSized(ctx context.Context, sf sizedFile, rec *archive.Record, base string) (content io.ReadSeeker, modified time.Time, done func(), err error) {
	if sf.bare {
		mime := "image/jpeg"
		if sf.ext == ".png" {
			mime = "image/png"
		}
		data, modified, err := s.readWithRights(ctx, sf.path, mime, rec, base)
		return bytes.NewReader(data), modified, func() {}, err
	}
	f, err := os.Open(sf.path)
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, time.Time{}, nil, fmt.Errorf("api: %s: %w", sf.path, err)
	}
	return f, fi.ModTime(), func() { f.Close() }, nil
}

// downloaded tells Deps.OnDownload of a download.
func (s *Server) downloaded(r *http.Request, id, preset, purpose string) {
	if s.deps.OnDownload == nil {
		return
	}
	p := principalFrom(r.Context())
	who := p.Name
	if who == "" {
		who = "anonymous"
	}
	if purpose == "" {
		purpose = "unspecified"
	}
	s.deps.OnDownload(Download{ID: id, Who: who, Role: servedRole(p), Size: preset, Purpose: purpose})
}

// Download is one download, for Deps.OnDownload: who is the key's name
// (the agency; "anonymous" without a key, "share link …" through one).
type Download struct {
	ID, Who, Role, Size, Purpose string
}
