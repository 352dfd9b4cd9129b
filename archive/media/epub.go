package media

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"
)

// Limits of the EPUB reader. Entries are read through a limit whatever their
// headers claim, so a zip bomb costs at most the limit.
const (
	epubMaxEntries   = 20000
	epubMaxContainer = 1 << 20  // META-INF/container.xml
	epubMaxOPF       = 4 << 20  // the package document
	epubMaxCover     = 32 << 20 // a cover image
	epubMaxTokens    = 200000
	epubMaxDepth     = 64
	epubMaxItems     = 10000
)

// ErrNoCover means an EPUB names no cover image and holds no image at all.
var ErrNoCover = errors.New("media: epub has no cover image")

// Namespaces of the package document.
const (
	nsOPF = "http://www.idpf.org/2007/opf"
	nsOCF = "urn:oasis:names:tc:opendocument:xmlns:container"
)

// epubPackage is what the package document (OPF) says.
type epubPackage struct {
	opfPath     string
	title       langText
	description langText
	creators    []string
	subjects    []string
	language    string
	rights      string
	date        string
	coverID     string // EPUB 2 <meta name="cover" content="ID">
	items       []epubItem
}

type epubItem struct {
	id, href, mediaType, properties string
}

// extractEPUB reads the package metadata of an EPUB.
func extractEPUB(r io.ReaderAt, size int64, info *Info, opts Options, loc *time.Location) (*Info, error) {
	zr, err := openEPUB(r, size)
	if err != nil {
		return nil, err
	}
	pkg, warns := readEPUBPackage(zr)
	info.Warnings = append(info.Warnings, warns...)
	if pkg == nil {
		return info, nil
	}
	n := &native{src: "epub", dateName: "dc:date", title: pkg.title, description: pkg.description,
		creators: pkg.creators, keywords: pkg.subjects, rights: pkg.rights, date: pkg.date}
	if l := normLang(pkg.language); l != XDefault {
		info.Language = l
	}
	var cl claims
	cl.addXMP(info, nil, opts.Sidecar)
	applyNative(info, &cl, n, loc)
	return info, nil
}

// EPUBCover returns the cover image of the EPUB in r (size bytes): the EPUB 3
// manifest item with properties "cover-image", else the item an EPUB 2
// <meta name="cover"> names, else the first image in the manifest. It reads
// at most 32 MiB of image. mime is the image's type sniffed from its bytes,
// or the manifest's media-type when the bytes are not a type the package
// knows. No image at all is ErrNoCover; a broken zip is a *FormatError.
func EPUBCover(r io.ReaderAt, size int64) (data []byte, mime string, err error) {
	zr, err := openEPUB(r, size)
	if err != nil {
		return nil, "", err
	}
	pkg, _ := readEPUBPackage(zr)
	if pkg == nil {
		return nil, "", fmt.Errorf("epub cover: no package document: %w", ErrNoCover)
	}
	var cover *epubItem
	isImage := func(it *epubItem) bool { return strings.HasPrefix(strings.ToLower(it.mediaType), "image/") }
	for i := range pkg.items {
		if it := &pkg.items[i]; cover == nil && hasToken(it.properties, "cover-image") {
			cover = it
		}
	}
	for i := range pkg.items {
		if it := &pkg.items[i]; cover == nil && pkg.coverID != "" && it.id == pkg.coverID && isImage(it) {
			cover = it
		}
	}
	for i := range pkg.items {
		if it := &pkg.items[i]; cover == nil && isImage(it) {
			cover = it
		}
	}
	if cover == nil {
		return nil, "", ErrNoCover
	}
	name := cover.href
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	name = path.Join(path.Dir(pkg.opfPath), name)
	data, err = readZipEntry(zr, name, epubMaxCover)
	if err != nil {
		return nil, "", fmt.Errorf("epub cover %s: %w", name, err)
	}
	mime = sniffMIME(data)
	if kindOf(mime) != KindPhoto {
		mime = cover.mediaType
	}
	return data, mime, nil
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

// openEPUB opens the zip directory.
func openEPUB(r io.ReaderAt, size int64) (zr *zip.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			zr, err = nil, &FormatError{Format: "epub", Offset: -1, Msg: fmt.Sprintf("zip reader panicked: %v", p)}
		}
	}()
	zr, err = zip.NewReader(r, size)
	if err != nil {
		return nil, &FormatError{Format: "epub", Offset: -1, Msg: "not a readable zip", Err: err}
	}
	if len(zr.File) > epubMaxEntries {
		return nil, &FormatError{Format: "epub", Offset: -1, Msg: fmt.Sprintf("%d zip entries is too many", len(zr.File))}
	}
	return zr, nil
}

// isEPUB reports whether a zip is an EPUB by its contents rather than its
// first bytes: META-INF/container.xml names a package document the zip
// holds, and a "mimetype" entry, if there is one, says application/epub+zip.
func isEPUB(r io.ReaderAt, size int64) bool {
	zr, err := openEPUB(r, size)
	if err != nil {
		return false
	}
	if zipEntry(zr, "mimetype") != nil {
		b, err := readZipEntry(zr, "mimetype", 1<<10)
		if err != nil || strings.TrimSpace(string(b)) != mimeEPUB {
			return false
		}
	}
	opf, _ := packagePath(zr)
	return opf != "" && zipEntry(zr, opf) != nil
}

// zipEntry finds an entry by its exact name, else case-insensitively; nil
// when there is none.
func zipEntry(zr *zip.Reader, name string) *zip.File {
	for _, z := range zr.File {
		if z.Name == name {
			return z
		}
	}
	for _, z := range zr.File {
		if strings.EqualFold(z.Name, name) {
			return z
		}
	}
	return nil
}

// readZipEntry reads one entry (exact name, else case-insensitive), at most
// limit bytes whatever its header says.
func readZipEntry(zr *zip.Reader, name string, limit int64) ([]byte, error) {
	f := zipEntry(zr, name)
	if f == nil {
		return nil, fmt.Errorf("no entry %q", name)
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("entry %q of %d bytes: %w", name, f.UncompressedSize64, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("entry %q: %w", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("entry %q: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("entry %q inflates past %d bytes: %w", name, limit, ErrTooLarge)
	}
	return b, nil
}

// readEPUBPackage finds the package document through META-INF/container.xml
// and reads its metadata and manifest. Problems are warnings; a nil package
// means none could be read.
func readEPUBPackage(zr *zip.Reader) (*epubPackage, []string) {
	opfPath, warns := packagePath(zr)
	if opfPath == "" {
		return nil, warns
	}
	opf, err := readZipEntry(zr, opfPath, epubMaxOPF)
	if err != nil {
		return nil, append(warns, "epub: "+err.Error())
	}
	pkg := &epubPackage{opfPath: opfPath}
	parseOPF(pkg, opf, &warns)
	return pkg, warns
}

// packagePath returns the package document's path that
// META-INF/container.xml names, or "" with warnings saying why not.
func packagePath(zr *zip.Reader) (string, []string) {
	c, err := readZipEntry(zr, "META-INF/container.xml", epubMaxContainer)
	if err != nil {
		return "", []string{"epub: " + err.Error()}
	}
	opfPath := ""
	var warns []string
	walkXML(c, "epub: container.xml", &warns, func(d int, t xml.StartElement) {
		if opfPath == "" && t.Name.Local == "rootfile" {
			p, _ := attr(t, "", "full-path")
			mt, _ := attr(t, "", "media-type")
			if p != "" && (mt == "" || mt == "application/oebps-package+xml") {
				opfPath = p
			}
		}
	}, nil)
	if opfPath == "" {
		return "", append(warns, "epub: container.xml names no package document")
	}
	return opfPath, warns
}

// parseOPF reads the package document's metadata (Dublin Core elements and
// the EPUB 2 cover meta) and manifest items.
func parseOPF(pkg *epubPackage, b []byte, warns *[]string) {
	type open struct {
		local, lang, event string
	}
	var cur *open
	var text strings.Builder
	walkXML(b, "epub: package document", warns, func(depth int, t xml.StartElement) {
		switch {
		case t.Name.Space == nsDC:
			lang, _ := attr(t, nsXML, "lang")
			event, _ := attr(t, nsOPF, "event")
			cur = &open{local: t.Name.Local, lang: lang, event: event}
			text.Reset()
		case t.Name.Local == "meta":
			name, _ := attr(t, "", "name")
			content, _ := attr(t, "", "content")
			if name == "cover" && pkg.coverID == "" {
				pkg.coverID = strings.TrimSpace(content)
			}
		case t.Name.Local == "item" && len(pkg.items) < epubMaxItems:
			var it epubItem
			it.id, _ = attr(t, "", "id")
			it.href, _ = attr(t, "", "href")
			it.mediaType, _ = attr(t, "", "media-type")
			it.properties, _ = attr(t, "", "properties")
			pkg.items = append(pkg.items, it)
		}
	}, func(t xml.Token) {
		switch v := t.(type) {
		case xml.CharData:
			if cur != nil && text.Len()+len(v) <= xmpMaxText {
				text.Write(v)
			}
		case xml.EndElement:
			if cur == nil || v.Name.Space != nsDC || v.Name.Local != cur.local {
				return
			}
			s := text.String()
			switch cur.local {
			case "title":
				pkg.title = setLangFirst(pkg.title, cur.lang, s)
			case "description":
				pkg.description = setLangFirst(pkg.description, cur.lang, s)
			case "creator":
				pkg.creators = appendItem(pkg.creators, s)
			case "subject":
				pkg.subjects = appendItem(pkg.subjects, s)
			case "language":
				setFirst(&pkg.language, strings.TrimSpace(s))
			case "rights":
				setFirst(&pkg.rights, s)
			case "date":
				if pkg.date == "" && !strings.EqualFold(cur.event, "modification") {
					pkg.date = strings.TrimSpace(s)
				}
			}
			cur = nil
		}
	})
}

// walkXML streams an XML document with bounds on tokens and depth, calling
// start for each start element and other for every other token.
func walkXML(b []byte, part string, warns *[]string, start func(depth int, t xml.StartElement), other func(xml.Token)) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil }
	d.Strict = false
	depth := 0
	for tokens := 0; ; tokens++ {
		if tokens > epubMaxTokens {
			*warns = append(*warns, part+": too many XML tokens, rest ignored")
			return
		}
		tok, err := d.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				*warns = append(*warns, fmt.Sprintf("%s: %v", part, err))
			}
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > epubMaxDepth {
				*warns = append(*warns, part+": elements nested too deeply, rest ignored")
				return
			}
			start(depth, t)
		case xml.EndElement:
			depth--
			if other != nil {
				other(t)
			}
		default:
			if other != nil {
				other(t)
			}
		}
	}
}
