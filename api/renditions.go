package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/haiduong/promo-archive/archive"
)

// publicRenditionCache is the Cache-Control of a public rendition: a
// withdrawn asset leaves shared caches within five minutes.
const publicRenditionCache = "public, max-age=300, must-revalidate"

func (s *Server) handleRendition() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		// The only names a rendition URL may carry are the domain's.
		known := slices.Contains(archive.RenditionNames(), name)
		if !archive.ValidID(r.PathValue("id")) || !known {
			// Unknown names (path traversal included) are simply absent.
			if !archive.ValidID(r.PathValue("id")) {
				badParam(w, r, "id", "an asset id is 64 lower-case hex digits")
				return
			}
			notFound(w, r)
			return
		}
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		rd, ok := rec.Rendition(name)
		if !ok {
			notFound(w, r)
			return
		}
		path, err := s.deps.Files.RenditionPath(rec.ID, rd)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		mime := rd.MIME
		if mime == "" {
			mime = "image/jpeg"
		}
		data, modified, err := s.readWithRights(r.Context(), path, mime, rec, origin(r))
		if errors.Is(err, fs.ErrNotExist) {
			s.log.WarnContext(r.Context(), "rendition file missing; run archive rethumb", "id", rec.ID, "name", name)
			notFound(w, r)
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		h := w.Header()
		// Content hash of the original, the rendition version and a hash of
		// the rights written into it: the bytes behind this tag never
		// change, but whether they may be shown does (a withdrawal, an
		// embargo): shared caches keep a public rendition for a few minutes
		// and then ask again, which costs a 304 while it stays public and
		// ends at once when it does not.
		h.Set("ETag", fmt.Sprintf(`"%s-%s-v%d-r%s"`, rec.ID, name, rd.Version, rightsOf(rec, origin(r)).Hash()))
		if publicAsset(rec, s.now()) {
			h.Set("Cache-Control", publicRenditionCache)
		} else {
			h.Set("Cache-Control", "private, no-cache")
		}
		h.Set("Content-Type", mime)
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		sw := &countWriter{ResponseWriter: w}
		http.ServeContent(sw, r, "", modified, bytes.NewReader(data))
		if sw.ok() && r.Method == http.MethodGet {
			s.served(r, rec.ID, "rendition")
		}
	}
}

func (s *Server) handleOriginal() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !archive.ValidID(r.PathValue("id")) {
			badParam(w, r, "id", "an asset id is 64 lower-case hex digits")
			return
		}
		// Without a key the answer is the same whether or not the asset exists.
		if !principalFrom(r.Context()).canDownloadOriginals() {
			unauthorized(w, r, "originals need an API key (Authorization: Bearer hdk_…)")
			return
		}
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		path, err := s.deps.Files.OriginalPath(rec.ID)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			s.internalError(w, r, fmt.Errorf("original of %s: %w", rec.ID, err))
			return
		}
		defer f.Close()
		h := w.Header()
		h.Set("ETag", `"`+rec.ID+`"`) // the SHA-256 of the bytes
		h.Set("Cache-Control", "private, max-age=86400")
		mime := rec.MIME
		if mime == "" {
			mime = "application/octet-stream"
		}
		h.Set("Content-Type", mime)
		h.Set("Content-Disposition", contentDisposition(rec.OriginalName, rec.ID))
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		sw := &countWriter{ResponseWriter: w}
		http.ServeContent(sw, r, "", rec.IngestedAt, f)
		if sw.ok() && r.Method == http.MethodGet {
			s.served(r, rec.ID, "original")
		}
	}
}

// contentDisposition makes an attachment header with an ASCII fallback
// name and the NFC name in RFC 5987 encoding.
func contentDisposition(name, id string) string {
	name = norm.NFC.String(strings.TrimSpace(name))
	if name == "" {
		name = id
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiFallback(name), rfc5987(name))
}

// asciiFallback drops diacritics (Lễ → Le, đ → d) and replaces what is
// left outside printable ASCII, quotes and backslashes with '_'.
func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// rfc5987 percent-encodes all but attr-char.
func rfc5987(s string) string {
	const attr = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attr, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// countWriter notes the status ServeContent chose.
type countWriter struct {
	http.ResponseWriter
	code int
}

func (w *countWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom keeps sendfile for ServeContent.
func (w *countWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

func (w *countWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *countWriter) ok() bool {
	return w.code == http.StatusOK || w.code == http.StatusPartialContent
}

// served counts a download and reports it to Deps.OnServed.
func (s *Server) served(r *http.Request, id, what string) {
	s.metrics.downloads.WithLabelValues(what).Inc()
	if s.deps.OnServed != nil {
		s.deps.OnServed(id, servedRole(principalFrom(r.Context())), what)
	}
}
