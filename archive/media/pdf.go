package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Limits of the PDF reader. pdfcpu parses the whole cross-reference table
// and loads every object into memory, so the file size is bounded before it
// sees the bytes, and the parse runs under a deadline.
const (
	pdfMaxBytes = 256 << 20
	pdfTimeout  = 20 * time.Second
)

// extractPDF reads the Info dictionary (Title, Author, Subject, Keywords,
// CreationDate), the catalog's XMP packet and the page count with pdfcpu.
// An encrypted PDF whose user password is not empty, or one pdfcpu cannot
// parse, still ingests: what was readable, and a warning. Only bytes that
// are not a PDF body at all (no "%PDF-" header reached this point, so
// nothing) would be an error.
func extractPDF(r io.ReaderAt, size int64, info *Info, opts Options, loc *time.Location) (*Info, error) {
	if size > pdfMaxBytes {
		info.Warnings = append(info.Warnings, fmt.Sprintf("pdf: %d bytes is more than the %d the reader takes; metadata not read", size, int64(pdfMaxBytes)))
		return info, nil
	}
	ctx, err := readPDF(r, size)
	if err != nil {
		switch {
		case errors.Is(err, pdfcpu.ErrWrongPassword) || strings.Contains(err.Error(), "password"):
			info.Warnings = append(info.Warnings, "pdf: encrypted; metadata not readable")
		default:
			info.Warnings = append(info.Warnings, "pdf: "+err.Error()+"; metadata not read")
		}
		return info, nil
	}
	n := &native{src: "pdf", dateName: "CreationDate"}
	var xmp [][]byte
	warns := pdfMetadata(ctx, n, &xmp, &info.PageCount)
	info.Warnings = append(info.Warnings, warns...)
	var cl claims
	if irb := photoshopResources(ctx); irb != nil {
		// A PDF saved by Photoshop keeps the image's resources (EXIF,
		// IPTC) in the page's PieceInfo; ExifTool reads them too.
		cl.pdfPhotoshop(info, irb)
	}
	if ctx.XRefTable.Encrypt != nil && ctx.XRefTable.E != nil {
		// Opened with the empty user password: readable, but say so.
		info.Warnings = append(info.Warnings, "pdf: encrypted with an empty user password")
	}
	cl.addXMP(info, xmp, opts.Sidecar)
	applyNative(info, &cl, n, loc)
	info.Orientation = 0
	delete(info.Provenance, "orientation")
	return info, nil
}

// readPDF runs pdfcpu's reader under a deadline and turns its panics into
// errors.
func readPDF(r io.ReaderAt, size int64) (ctx *model.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			ctx, err = nil, fmt.Errorf("pdfcpu panicked: %v", p)
		}
	}()
	// pdfcpu writes a configuration folder under $HOME unless told not to;
	// the call only sets pdfcpu's own flag and is idempotent.
	api.DisableConfigDir()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	c, cancel := context.WithTimeout(context.Background(), pdfTimeout)
	defer cancel()
	ctx, err = pdfcpu.ReadWithContext(c, io.NewSectionReader(r, 0, size), conf)
	if err != nil {
		return nil, err
	}
	return ctx, nil
}

// pdfMetadata reads the Info dictionary, the XMP stream and the page count
// from a parsed PDF. Broken parts become warnings.
func pdfMetadata(ctx *model.Context, n *native, xmp *[][]byte, pages *int) (warns []string) {
	defer func() {
		if p := recover(); p != nil {
			warns = append(warns, fmt.Sprintf("pdf: reading metadata panicked: %v", p))
		}
	}()
	x := ctx.XRefTable
	if err := x.EnsurePageCount(); err != nil {
		warns = append(warns, "pdf: page count: "+err.Error())
	} else if x.PageCount > 0 {
		*pages = x.PageCount
	}
	if x.Info != nil {
		d, err := x.DereferenceDict(*x.Info)
		if err != nil {
			warns = append(warns, "pdf: Info dictionary: "+err.Error())
		} else if d != nil {
			str := func(key string) string {
				o, err := x.Dereference(d[key])
				if err != nil || o == nil {
					return ""
				}
				return pdfText(o)
			}
			setText(&n.title, str("Title"))
			setText(&n.description, str("Subject"))
			n.creators = append(n.creators, str("Author"))
			n.keywords = append(n.keywords, splitKeywords(str("Keywords"))...)
			if s := str("CreationDate"); s != "" {
				if iso, ok := pdfDate(s); ok {
					n.date = iso
				} else {
					warns = append(warns, fmt.Sprintf("pdf: CreationDate %q is not a PDF date, ignored", s))
				}
			}
		}
	}
	root, err := x.Catalog()
	if err != nil || root == nil {
		return warns
	}
	if o, ok := root["Metadata"]; ok {
		sd, _, err := x.DereferenceStreamDict(o)
		switch {
		case err != nil:
			warns = append(warns, "pdf: XMP stream: "+err.Error())
		case sd != nil:
			if l := sd.StreamLength; l != nil && *l > xmpMaxBytes {
				warns = append(warns, "pdf: XMP stream too large, ignored")
				break
			}
			if err := sd.DecodeWithLimit(xmpMaxBytes); err != nil {
				warns = append(warns, "pdf: XMP stream: "+err.Error())
			} else if len(sd.Content) > 0 {
				*xmp = append(*xmp, sd.Content)
			}
		}
	}
	return warns
}

// pdfText decodes a PDF text string (PDFDocEncoding, UTF-16BE with a BOM or
// UTF-8).
func pdfText(o types.Object) string {
	var s string
	var err error
	switch v := o.(type) {
	case types.StringLiteral:
		s, err = types.StringLiteralToString(v)
	case types.HexLiteral:
		s, err = types.HexLiteralToString(v)
	case types.Name:
		s = string(v)
	default:
		return ""
	}
	if err != nil {
		return ""
	}
	return s
}

// splitKeywords splits a PDF Keywords string on commas and semicolons, as
// ExifTool does.
func splitKeywords(s string) []string {
	var out []string
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// pdfDate turns a PDF date ("D:20100102030405+07'00'", "D:2010", with Z or
// without an offset) into the ISO 8601 form parseDate reads. Anything after
// a Z is ignored (some writers append "07'46'" to it).
func pdfDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "D:")
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits < 4 || digits%2 != 0 {
		return "", false
	}
	d, rest := s[:digits], s[digits:]
	var b strings.Builder
	b.WriteString(d[:4])
	for i, sep := range []string{"-", "-", "T", ":", ":"} {
		j := 4 + 2*i
		if j+2 > len(d) {
			break
		}
		b.WriteString(sep + d[j:j+2])
	}
	if digits == 10 { // hours without minutes
		b.WriteString(":00")
	}
	switch {
	case rest == "" || digits < 10:
	case rest[0] == 'Z' || rest[0] == 'z':
		b.WriteString("Z")
	case rest[0] == '+' || rest[0] == '-':
		off := strings.NewReplacer("'", "", ":", "").Replace(rest[1:])
		if len(off) != 2 && len(off) != 4 {
			return "", false
		}
		for _, c := range off {
			if c < '0' || c > '9' {
				return "", false
			}
		}
		if len(off) == 2 {
			off += "00"
		}
		b.WriteString(rest[:1] + off[:2] + ":" + off[2:])
	default:
		return "", false
	}
	return b.String(), true
}

// photoshopResources returns the Photoshop image resources a PDF written by
// Photoshop keeps in page 1's /PieceInfo /AdobePhotoshop /Private
// /ImageResources stream, or nil.
func photoshopResources(ctx *model.Context) (irb []byte) {
	defer func() {
		if recover() != nil {
			irb = nil
		}
	}()
	x := ctx.XRefTable
	if x.PageCount < 1 {
		return nil
	}
	page, _, _, err := x.PageDict(1, false)
	if err != nil || page == nil {
		return nil
	}
	var o types.Object = page
	for _, key := range []string{"PieceInfo", "AdobePhotoshop", "Private"} {
		d, err := x.DereferenceDict(o)
		if err != nil || d == nil {
			return nil
		}
		o = d[key]
	}
	d, err := x.DereferenceDict(o)
	if err != nil || d == nil {
		return nil
	}
	sd, _, err := x.DereferenceStreamDict(d["ImageResources"])
	if err != nil || sd == nil {
		return nil
	}
	if err := sd.DecodeWithLimit(maxChunk); err != nil {
		return nil
	}
	return sd.Content
}

// pdfPhotoshop reads EXIF and IPTC from Photoshop image resources.
func (cl *claims) pdfPhotoshop(info *Info, irb []byte) {
	var exifBlock []byte
	info.Warnings = append(info.Warnings, irbEach(irb, func(id uint16, data []byte) {
		if id == irbEXIF && exifBlock == nil {
			exifBlock = data
		}
	})...)
	if exifBlock != nil {
		_, ec, warns, err := readEXIF(bytes.NewReader(exifBlock), int64(len(exifBlock)), "exif")
		info.Warnings = append(info.Warnings, warns...)
		if err != nil {
			info.Warnings = append(info.Warnings, "exif: "+err.Error()+", EXIF ignored")
		} else {
			cl.exif = ec
		}
	}
	ic, warns := readPhotoshopIPTC(irb)
	info.Warnings = append(info.Warnings, warns...)
	cl.iptc = ic
}
