package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"maps"
	"strings"
	"testing"
)

// pngFile builds a 2×1 black RGB PNG with the given chunks (type, data)
// between IHDR and IDAT.
func pngFile(chunks ...[2]string) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ, data string) {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		b.WriteString(typ)
		b.WriteString(data)
		b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE([]byte(typ+data))))
	}
	chunk("IHDR", "\x00\x00\x00\x02\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	for _, c := range chunks {
		chunk(c[0], c[1])
	}
	chunk("IDAT", deflate("\x00\x00\x00\x00\x00\x00\x00")) // filter 0, two black pixels
	chunk("IEND", "")
	return b.Bytes()
}

func deflate(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// tEXt, zTXt and iTXt chunk bodies.
func tEXt(key, text string) [2]string { return [2]string{"tEXt", key + "\x00" + text} }
func zTXt(key, text string) [2]string { return [2]string{"zTXt", key + "\x00\x00" + deflate(text)} }
func iTXt(key, lang, text string, compressed bool) [2]string {
	flag := "\x00"
	if compressed {
		flag, text = "\x01", deflate(text)
	}
	return [2]string{"iTXt", key + "\x00" + flag + "\x00" + lang + "\x00" + "\x00" + text}
}

// samplePNGText has every text keyword the archive reads.
func samplePNGText() []byte {
	return pngFile(
		tEXt("Title", "Chợ nổi Cái Răng"),
		iTXt("Title", "en-US", "Cai Rang floating market", false),
		zTXt("Description", "Buổi sáng trên sông"),
		iTXt("Description", "vi", "Buổi sáng trên sông Hậu", true),
		tEXt("Author", "Nguyễn Thị Ánh"),
		tEXt("Copyright", "© 2024 Nguyễn Thị Ánh"),
		tEXt("Creation Time", "Sat, 01 Jun 2024 06:30:00 +0700"),
		tEXt("Software", "GIMP 2.10"),
		tEXt("Comment", "not read"),
	)
}

// TestPNGText: PNG text chunks feed Info like their XMP equivalents, below
// EXIF and XMP, with iTXt languages kept.
func TestPNGText(t *testing.T) {
	xmp := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">XMP title</rdf:li></rdf:Alt></dc:title>
<xmp:CreatorTool>Photoshop</xmp:CreatorTool><xmp:CreateDate>2020-02-02T10:00:00+07:00</xmp:CreateDate>
</rdf:Description></rdf:RDF></x:xmpmeta>`
	exifDate := tiffLE([]ent{ascii(0x010F, "Make")}, []ent{ascii(0x9003, "2019:01:01 08:00:00")}, nil, 0)
	bomb := strings.Repeat("a", xmpMaxText+1)
	tests := []struct {
		name     string
		png      []byte
		title    map[string]string
		desc     map[string]string
		creator  string
		rights   string
		software string
		date     string // RFC 3339, "" for none
		dateSrc  string
		titleSrc string
		warn     string
	}{
		{name: "all keywords", png: samplePNGText(),
			title:   map[string]string{XDefault: "Chợ nổi Cái Răng", "en-us": "Cai Rang floating market"},
			desc:    map[string]string{XDefault: "Buổi sáng trên sông", "vi": "Buổi sáng trên sông Hậu"},
			creator: "Nguyễn Thị Ánh", rights: "© 2024 Nguyễn Thị Ánh", software: "GIMP 2.10",
			date: "2024-06-01T06:30:00+07:00", dateSrc: "png", titleSrc: "png"},
		{name: "Latin-1 tEXt and ISO date", png: pngFile(tEXt("Title", "Caf\xe9"), tEXt("Creation Time", "2024-05-01T06:30:00")),
			title: map[string]string{XDefault: "Café"}, date: "2024-05-01T06:30:00+07:00", dateSrc: "png", titleSrc: "png"},
		{name: "first chunk of a keyword wins", png: pngFile(tEXt("Author", "A"), tEXt("Author", "B"), tEXt("Copyright", "one"), tEXt("Copyright", "two"), tEXt("Title", "first"), zTXt("Title", "second")),
			title: map[string]string{XDefault: "first"}, creator: "A; B", rights: "one", titleSrc: "png"},
		{name: "XMP wins over text chunks", png: pngFile(tEXt("XML:com.adobe.xmp", xmp), tEXt("Title", "PNG title"), tEXt("Software", "GIMP"), tEXt("Creation Time", "2024:05:01 06:30:00")),
			title: map[string]string{XDefault: "XMP title"}, software: "Photoshop", date: "2020-02-02T10:00:00+07:00", dateSrc: "xmp", titleSrc: "xmp"},
		{name: "EXIF date wins over Creation Time", png: pngFile([2]string{"eXIf", string(exifDate)}, tEXt("Creation Time", "2024:05:01 06:30:00")),
			date: "2019-01-01T08:00:00+07:00", dateSrc: "exif"},
		{name: "keywords are case-sensitive", png: pngFile(tEXt("title", "lower"), tEXt("TITLE", "upper"))},
		{name: "compressed text past the bound", png: pngFile(zTXt("Description", bomb), iTXt("Title", "vi", bomb, true)), warn: "inflates past"},
		{name: "plain text past the bound", png: pngFile(tEXt("Description", bomb)), warn: "too long"},
		{name: "broken zlib", png: pngFile([2]string{"zTXt", "Title\x00\x00not zlib"}), warn: "png: "},
		{name: "bad date", png: pngFile(tEXt("Creation Time", "last summer")), warn: "png: Creation Time"},
		{name: "blank values", png: pngFile(tEXt("Title", "  "), tEXt("Author", ""), iTXt("Description", "vi", "\n", false))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Extract(bytes.NewReader(tt.png), int64(len(tt.png)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 2 || info.Height != 1 {
				t.Errorf("size %dx%d", info.Width, info.Height)
			}
			if !maps.Equal(info.Title, tt.title) || !maps.Equal(info.Description, tt.desc) {
				t.Errorf("title %q description %q, want %q %q", info.Title, info.Description, tt.title, tt.desc)
			}
			if info.Creator != tt.creator || info.Rights != tt.rights || info.Software != tt.software {
				t.Errorf("creator %q rights %q software %q, want %q %q %q", info.Creator, info.Rights, info.Software, tt.creator, tt.rights, tt.software)
			}
			got := ""
			if info.CapturedAt != nil {
				got = info.CapturedAt.Format("2006-01-02T15:04:05Z07:00")
			}
			if got != tt.date || info.CapturedAtSource != tt.dateSrc {
				t.Errorf("captured %q from %q, want %q from %q", got, info.CapturedAtSource, tt.date, tt.dateSrc)
			}
			if info.Provenance["title"] != tt.titleSrc {
				t.Errorf("title provenance %q, want %q", info.Provenance["title"], tt.titleSrc)
			}
			if w := strings.Join(info.Warnings, "|"); (tt.warn == "") != (w == "") || !strings.Contains(w, tt.warn) {
				t.Errorf("warnings %q, want one containing %q", info.Warnings, tt.warn)
			}
		})
	}
}
