package media

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
)

// bx builds an ISOBMFF box from its type and payload parts.
func bx(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(out, typ...), body...)
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// qtText is a QuickTime user data text record (length, language, text).
func qtText(lang uint16, s string) []byte {
	return append(append(u16(uint16(len(s))), u16(lang)...), s...)
}

// tkhdV0 is a version-0 track header with a display matrix (a, b, c, d in
// 16.16) and a size in pixels.
func tkhdV0(a, b, c, d int32, w, h uint32) []byte {
	p := make([]byte, 4+20+16)
	for _, v := range []int32{a, b, 0, c, d, 0, 0, 0, 0x40000000} {
		p = binary.BigEndian.AppendUint32(p, uint32(v))
	}
	p = append(p, u32(w<<16)...)
	return append(p, u32(h<<16)...)
}

// sampleMP4 is a minimal MP4: ftyp, moov with mvhd (2 s, created
// 2024-05-01 00:00:00 UTC), a rotated 1920×1080 avc1 video track, udta with
// ©nam/©xyz/XMP_, and Apple keys with a creation date and model; mdat last.
func sampleMP4() []byte {
	created := uint32(3797366400) // 2024-05-01T00:00:00Z in seconds since 1904
	mvhd := bx("mvhd", u32(0), u32(created), u32(created), u32(600), u32(1200), make([]byte, 80))
	mdhd := bx("mdhd", u32(0), u32(created), u32(created), u32(30000), u32(60000), u32(0))
	hdlr := bx("hdlr", u32(0), u32(0), []byte("vide"), make([]byte, 13))
	stsd := bx("stsd", u32(0), u32(1), bx("avc1", make([]byte, 78)))
	trak := bx("trak", bx("tkhd", tkhdV0(0, 0x10000, -0x10000, 0, 1920, 1080)),
		bx("mdia", mdhd, hdlr, bx("minf", bx("stbl", stsd))))
	udta := bx("udta",
		bx("\xa9nam", qtText(0x55C4, "Chợ nổi Cái Răng")),
		bx("\xa9xyz", qtText(0x15C7, "+10.0250+105.7800/")),
		bx("XMP_", []byte(sampleXMP)))
	key := func(s string) []byte { return append(append(u32(uint32(8+len(s))), "mdta"...), s...) }
	keys := bx("keys", u32(0), u32(2), key("com.apple.quicktime.creationdate"), key("com.apple.quicktime.model"))
	data := func(s string) []byte { return bx("data", u32(1), u32(0), []byte(s)) }
	ilst := bx("ilst", bx("\x00\x00\x00\x01", data("2024-05-01T06:30:00+0700")), bx("\x00\x00\x00\x02", data("iPhone 15")))
	meta := bx("meta", bx("hdlr", u32(0), u32(0), []byte("mdta"), make([]byte, 13)), keys, ilst)
	moov := bx("moov", mvhd, trak, udta, meta)
	return bytes.Join([][]byte{bx("ftyp", []byte("isom"), u32(0), []byte("isommp42")), moov, bx("mdat", make([]byte, 16))}, nil)
}

// sampleHEIF is a minimal HEIF box tree: a primary hvc1 item with a
// 4032×3024 ispe, an Exif item whose data sits at the end of the file, and
// an XMP item stored in idat.
func sampleHEIF() []byte {
	exif := append(append(u32(6), "Exif\x00\x00"...), sampleTIFF()...)
	xmp := []byte(sampleXMP)
	infe := func(id uint16, typ, ctype string) []byte {
		p := append(append(u32(2<<24), u16(id)...), u16(0)...)
		p = append(append(p, typ...), 0)
		if ctype != "" {
			p = append(append(p, ctype...), 0)
		}
		return bx("infe", p)
	}
	iinf := bx("iinf", u32(0), u16(3), infe(1, "hvc1", ""), infe(2, "Exif", ""), infe(3, "mime", "application/rdf+xml"))
	ipco := bx("ipco", bx("ispe", u32(0), u32(4032), u32(3024)), bx("irot", []byte{1}))
	ipma := bx("ipma", u32(0), u32(1), u16(1), []byte{2, 0x81, 0x02})
	idat := bx("idat", xmp)
	build := func(exifOff uint32) []byte {
		// iloc version 1: offset/length 4 bytes, base 0, index 0.
		loc := func(id uint16, method uint16, off, l uint32) []byte {
			return bytes.Join([][]byte{u16(id), u16(method), u16(0), u16(1), u32(off), u32(l)}, nil)
		}
		iloc := bx("iloc", u32(1<<24), []byte{0x44, 0x00}, u16(3),
			loc(1, 0, 0, 0), loc(2, 0, exifOff, uint32(len(exif))), loc(3, 1, 0, uint32(len(xmp))))
		meta := bx("meta", u32(0), bx("hdlr", u32(0), u32(0), []byte("pict"), make([]byte, 13)),
			bx("pitm", u32(0), u16(1)), iinf, bx("iprp", ipco, ipma), idat, iloc)
		return bytes.Join([][]byte{bx("ftyp", []byte("heic"), u32(0), []byte("mif1heic")), meta, bx("mdat", make([]byte, 8))}, nil)
	}
	head := build(0)
	return append(build(uint32(len(head))), exif...)
}

const sampleOPF = `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
  <dc:title xml:lang="vi">Chợ nổi Cái Răng</dc:title>
  <dc:title>Floating market</dc:title>
  <dc:creator>Nguyễn Thị Ánh</dc:creator>
  <dc:creator>Trần Văn B</dc:creator>
  <dc:language>vi-VN</dc:language>
  <dc:rights>© 2024 Sở VHTTDL</dc:rights>
  <dc:subject>chợ nổi</dc:subject>
  <dc:subject>Cần Thơ</dc:subject>
  <dc:date>2024-05-01</dc:date>
  <dc:description>Sách ảnh</dc:description>
  <meta name="cover" content="img2"/>
 </metadata>
 <manifest>
  <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
  <item id="img1" href="images/a%20b.gif" media-type="image/gif"/>
  <item id="img2" href="images/cover.gif" media-type="image/gif" properties="cover-image"/>
 </manifest>
</package>`

const epubContainer = `<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`

// zipFile is one entry for zipOf.
type zipFile struct {
	name, body string
	deflate    bool
}

// zipOf builds a zip of the entries in order, each stored or deflated.
func zipOf(entries ...zipFile) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Store}
		if e.deflate {
			h.Method = zip.Deflate
		}
		w, _ := zw.CreateHeader(h)
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

// sampleEPUB is a minimal EPUB 3 built with archive/zip: the stored
// mimetype first, container.xml, the package document and a GIF cover.
func sampleEPUB() []byte {
	return epubZip(map[string]string{
		"META-INF/container.xml": epubContainer,
		"OEBPS/content.opf":      sampleOPF,
		"OEBPS/images/cover.gif": string(sampleGIF()),
		"OEBPS/images/a b.gif":   "GIF89a",
	})
}

func epubZip(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte(mimeEPUB))
	for _, name := range []string{"META-INF/container.xml", "OEBPS/content.opf", "OEBPS/images/cover.gif", "OEBPS/images/a b.gif"} {
		if body, ok := files[name]; ok {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
	}
	zw.Close()
	return buf.Bytes()
}
