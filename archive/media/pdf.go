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
// sees the bytes, and the parse runs under a deadline. pdfcpu does not honour
// that deadline everywhere: without a usable cross-reference table it
// rebuilds one in time that grows faster than the object count (20,000
// objects: 5–12 s; 50,000: minutes) and never looks at its context. So a
// bounded scan counts the objects first (scanPDF) and such files are not
// handed to pdfcpu at all; and whatever pdfcpu does, extractPDF stops
// waiting for it at the deadline.
const (
	pdfMaxBytes         = 256 << 20
	pdfTimeout          = 20 * time.Second
	pdfMaxObjects       = 200000 // with a usable cross-reference table (~5 s)
	pdfMaxRepairObjects = 5000   // without one (~1 s to rebuild)
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
	scan, err := scanPDF(r, size, pdfMaxObjects)
	if err != nil {
		info.Warnings = append(info.Warnings, "pdf: "+err.Error()+"; metadata not read")
		return info, nil
	}
	switch {
	case scan.objects > pdfMaxObjects:
		info.Warnings = append(info.Warnings, fmt.Sprintf("pdf: more than %d objects; metadata not read", pdfMaxObjects))
		return info, nil
	case !scan.xrefOK && scan.objects > pdfMaxRepairObjects:
		info.Warnings = append(info.Warnings, fmt.Sprintf("pdf: no usable cross-reference table and %d objects (rebuilding the table takes too long past %d); metadata not read", scan.objects, pdfMaxRepairObjects))
		return info, nil
	}
	// pdfcpu runs in its own goroutine so that the deadline holds even where
	// pdfcpu ignores it; on a timeout the goroutine is left to finish alone
	// (it owns nothing but its result, which nobody reads).
	done := make(chan pdfResult, 1)
	go func() { done <- readPDFMeta(r, size) }()
	var res pdfResult
	select {
	case res = <-done:
	case <-time.After(pdfTimeout + time.Second):
		info.Warnings = append(info.Warnings, fmt.Sprintf("pdf: reading took longer than %s; metadata not read", pdfTimeout))
		return info, nil
	}
	if err := res.err; err != nil {
		switch {
		case errors.Is(err, pdfcpu.ErrWrongPassword) || strings.Contains(err.Error(), "password"):
			info.Warnings = append(info.Warnings, "pdf: encrypted; metadata not readable")
		default:
			info.Warnings = append(info.Warnings, "pdf: "+err.Error()+"; metadata not read")
		}
		return info, nil
	}
	info.PageCount = res.pages
	info.Warnings = append(info.Warnings, res.warns...)
	var cl claims
	if res.irb != nil {
		// A PDF saved by Photoshop keeps the image's resources (EXIF,
		// IPTC) in the page's PieceInfo; ExifTool reads them too.
		cl.pdfPhotoshop(info, res.irb)
	}
	if res.emptyPassword {
		// Opened with the empty user password: readable, but say so.
		info.Warnings = append(info.Warnings, "pdf: encrypted with an empty user password")
	}
	cl.addXMP(info, res.xmp, opts.Sidecar)
	applyNative(info, &cl, res.native, loc)
	info.Orientation = 0
	delete(info.Provenance, "orientation")
	return info, nil
}

// pdfResult is what pdfcpu read from a PDF.
type pdfResult struct {
	native        *native
	xmp           [][]byte
	pages         int
	irb           []byte // Photoshop image resources, or nil
	emptyPassword bool
	warns         []string
	err           error
}

// readPDFMeta does all of the pdfcpu work for extractPDF.
func readPDFMeta(r io.ReaderAt, size int64) pdfResult {
	ctx, err := readPDF(r, size)
	if err != nil {
		return pdfResult{err: err}
	}
	res := pdfResult{native: &native{src: "pdf", dateName: "CreationDate"}}
	res.warns = pdfMetadata(ctx, res.native, &res.xmp, &res.pages)
	res.irb = photoshopResources(ctx)
	res.emptyPassword = ctx.XRefTable.Encrypt != nil && ctx.XRefTable.E != nil
	return res
}

// pdfScan is what one bounded pass over a PDF's bytes found before pdfcpu
// sees them.
type pdfScan struct {
	objects int  // "N G obj" keywords counted, at most limit+1
	xrefOK  bool // startxref points at an xref table or an xref stream object
}

// scanPDF checks the last startxref and counts object keywords ("obj"
// after white space and before a delimiter, so not "endobj"), reading the
// file once in 1 MiB blocks and stopping past limit objects.
func scanPDF(r io.ReaderAt, size int64, limit int) (pdfScan, error) {
	var s pdfScan
	s.xrefOK = pdfXRefOK(r, size)
	const block, overlap = 1 << 20, 4
	buf := make([]byte, overlap+block)
	carry := 0 // bytes of the previous block kept at the front of buf
	for off := int64(0); off < size && s.objects <= limit; off += block {
		n, err := r.ReadAt(buf[carry:carry+int(min(block, size-off))], off)
		if n == 0 && err != nil {
			return s, fmt.Errorf("reading at %d: %w", off, err)
		}
		b := buf[:carry+n]
		for i := 0; s.objects <= limit; {
			k := bytes.Index(b[i:], []byte("obj"))
			if k < 0 {
				break
			}
			k += i
			// A keyword cut at the block's end is counted with the next block.
			if k+3 == len(b) && off+int64(n) < size {
				break
			}
			if k > 0 && isPDFSpace(b[k-1]) && (k+3 == len(b) || !isPDFRegular(b[k+3])) {
				s.objects++
			}
			i = k + 1
		}
		carry = copy(buf, b[max(len(b)-overlap, 0):])
	}
	return s, nil
}

// pdfXRefOK reports whether the file's last startxref gives an offset where
// an xref table ("xref") or an xref stream ("N G obj") starts.
func pdfXRefOK(r io.ReaderAt, size int64) bool {
	tail := make([]byte, min(size, 2048))
	if n, _ := r.ReadAt(tail, size-int64(len(tail))); n < len(tail) {
		return false
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return false
	}
	num := bytes.TrimLeft(tail[i+len("startxref"):], " \t\r\n\f\x00")
	var off int64
	digits := 0
	for ; digits < len(num) && digits < 12 && num[digits] >= '0' && num[digits] <= '9'; digits++ {
		off = off*10 + int64(num[digits]-'0')
	}
	if digits == 0 || off >= size {
		return false
	}
	head := make([]byte, min(64, size-off))
	if n, _ := r.ReadAt(head, off); n < len(head) {
		return false
	}
	head = bytes.TrimLeft(head, " \t\r\n\f\x00")
	if bytes.HasPrefix(head, []byte("xref")) {
		return true
	}
	f := bytes.Fields(head)
	return len(f) >= 3 && isDigits(f[0]) && isDigits(f[1]) && bytes.HasPrefix(f[2], []byte("obj"))
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// isPDFSpace reports PDF white space (ISO 32000-1, 7.2.2).
func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

// isPDFRegular reports a regular character: neither white space nor a
// delimiter.
func isPDFRegular(c byte) bool {
	return !isPDFSpace(c) && !bytes.ContainsRune([]byte("()<>[]{}/%"), rune(c))
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
