package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/curation"
)

func (s *Server) handleCollectionDownload() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.visibleCollection(w, r)
		if c == nil {
			return
		}
		p := principalFrom(r.Context())
		def := PresetMedium
		if p.canDownloadOriginals() {
			def = PresetOriginal
		}
		s.zipParams(w, r, c, p, def)
	}
}

func (s *Server) handleShareDownload() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, ok := s.shareFrom(w, r)
		if !ok {
			return
		}
		if !sc.share.Download {
			writeProblem(w, r, http.StatusForbidden, "this share link does not allow downloads")
			return
		}
		s.zipParams(w, r, sc.c, sc.principal(), PresetOriginal)
	}
}

// zipEntry is one file of a collection's ZIP and what its credits say.
type zipEntry struct {
	name string
	rec  *archive.Record
	what string // archive.ServedOriginal | archive.ServedRendition
}

// zipParams reads the size (default def) and purpose of a collection's
// ZIP, checks the caller may have that size, and sends the ZIP.
func (s *Server) zipParams(w http.ResponseWriter, r *http.Request, c *collections.Collection, p Principal, def string) {
	preset, purpose, err := downloadParams(r, def)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !presetAllowed(p, preset) {
		unauthorized(w, r, "the "+preset+" size needs an API key (Authorization: Bearer hdk_…)")
		return
	}
	s.writeCollectionZip(w, r, c, p, preset, purpose)
}

// zipName is the n-th file's name in the ZIP: its number, the original's
// name without its extension (no directories) and ext.
func zipName(n int, rec *archive.Record, ext string) string {
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(rec.OriginalName, `\`, "/")), path.Ext(rec.OriginalName))
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, base)
	if base == "" || base == "." || base == ".." {
		base = rec.ID[:12]
	}
	return fmt.Sprintf("%03d-%s%s", n, base, strings.ToLower(ext))
}

// writeCollectionZip streams the assets of c that p may see as a ZIP
// straight to w (no temporary file; memory does not grow with the
// collection), each at preset (see fileFor), then CREDITS.txt and
// credits.csv. The files are stored, not
// deflated: photos and videos do not compress.
func (s *Server) writeCollectionZip(w http.ResponseWriter, r *http.Request, c *collections.Collection, p Principal, preset, purpose string) {
	recs, err := s.visibleItems(c, p)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	title, _ := archive.PickLang(c.Title, []string{"vi"})
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", contentDisposition(title+".zip", c.ID))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	zw := zip.NewWriter(w)
	var entries []zipEntry
	buf := make([]byte, 64<<10) // one copy buffer for every file
	for _, rec := range recs {
		if r.Context().Err() != nil {
			return // the client went away
		}
		sf, ok, err := s.fileFor(r.Context(), rec, preset, origin(r))
		if err != nil {
			s.log.WarnContext(r.Context(), "collection zip: file left out", "id", rec.ID, "err", err)
		}
		if !ok {
			continue
		}
		e := zipEntry{name: zipName(len(entries)+1, rec, sf.ext), rec: rec, what: sf.what}
		if s.cfg.WriteTimeout > 0 { // each file gets the whole write timeout
			rc.SetWriteDeadline(time.Now().Add(time.Duration(s.cfg.WriteTimeout)))
		}
		if err := s.zipCopy(r.Context(), zw, e, sf, origin(r), buf); err != nil {
			s.log.WarnContext(r.Context(), "collection zip: file left out", "id", rec.ID, "err", err)
			if r.Context().Err() != nil {
				return
			}
			continue
		}
		entries = append(entries, e)
		s.served(r, rec.ID, e.what)
		s.downloaded(r, rec.ID, preset, purpose)
	}
	for _, f := range []struct {
		name string
		body []byte
	}{{"CREDITS.txt", creditsText(c, entries)}, {"credits.csv", creditsCSV(entries)}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: s.now()})
		if err == nil {
			_, err = fw.Write(f.body)
		}
		if err != nil {
			s.log.WarnContext(r.Context(), "collection zip: credits", "err", err)
			return
		}
	}
	if err := zw.Close(); err != nil {
		s.log.WarnContext(r.Context(), "collection zip: close", "err", err)
	}
}

// zipCopy adds the file of sf to zw as e, copying through buf.
func (s *Server) zipCopy(ctx context.Context, zw *zip.Writer, e zipEntry, sf sizedFile, base string, buf []byte) error {
	f, _, done, err := s.openSized(ctx, sf, e.rec, base)
	if err != nil {
		return err
	}
	defer done()
	modified := e.rec.IngestedAt
	if e.rec.CapturedAt != nil {
		modified = *e.rec.CapturedAt
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store, Modified: modified})
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(fw, struct{ io.Reader }{f}, buf) // not f.WriteTo, which brings its own buffer
	return err
}

// creditLines are the labelled credit fields of rec, in Vietnamese and
// English: title (each language), creator, credit line, rights, licence.
func creditLines(rec *archive.Record) [][2]string {
	vi, _ := archive.PickLang(rec.Title, []string{"vi"})
	en, _ := archive.PickLang(rec.Title, []string{"en"})
	return [][2]string{
		{"Tiêu đề / Title (vi)", vi},
		{"Tiêu đề / Title (en)", en},
		{"Tác giả / Creator", rec.Creator},
		{"Ghi công / Credit line", rec.Credit},
		{"Bản quyền / Rights", rec.Rights},
		{"Giấy phép / Licence", licenceLabel(rec.Licence)},
	}
}

// creditsText is CREDITS.txt: how to credit every file, in Vietnamese and
// English.
func creditsText(c *collections.Collection, entries []zipEntry) []byte {
	var b bytes.Buffer
	vi, _ := archive.PickLang(c.Title, []string{"vi"})
	en, _ := archive.PickLang(c.Title, []string{"en"})
	fmt.Fprintf(&b, "%s\n", vi)
	if en != vi {
		fmt.Fprintf(&b, "%s\n", en)
	}
	b.WriteString("\nGhi công bắt buộc: khi dùng một tệp, hãy ghi tác giả, dòng ghi công và giấy phép như dưới đây.\n")
	b.WriteString("Credit required: when you use a file, print its creator, credit line and licence as given below.\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\n%s\n", e.name)
		for _, l := range creditLines(e.rec) {
			if l[1] != "" {
				fmt.Fprintf(&b, "  %s: %s\n", l[0], l[1])
			}
		}
		if a := attribution(e.rec); a != "" {
			fmt.Fprintf(&b, "  Dòng ghi công / Attribution: %s\n", a)
		}
	}
	return bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\r\n")) // Notepad too
}

// creditsCSV is credits.csv: one row per file, UTF-8 with a byte order
// mark (spreadsheets then read the diacritics), cells guarded against
// formulas.
func creditsCSV(entries []zipEntry) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.Write([]string{"file", "id", "title_vi", "title_en", "creator", "credit", "rights", "licence", "attribution"})
	for _, e := range entries {
		row := []string{e.name, e.rec.ID}
		for _, l := range creditLines(e.rec) {
			row = append(row, l[1])
		}
		row = append(row, attribution(e.rec))
		for i := range row {
			row[i] = curation.GuardCSVCell(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
	return b.Bytes()
}
