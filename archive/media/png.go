package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// pngMaxChunks bounds the chunks walked (IDAT chunks are skipped, not read).
const pngMaxChunks = 1 << 16

// walkPNG reads the IHDR size and the metadata chunks (eXIf, tEXt, zTXt,
// iTXt, acTL), before or after the image data; image data is never read.
func walkPNG(r io.ReaderAt, size int64) (*container, error) {
	c := newContainer()
	off := int64(8)
	for i := 0; i < pngMaxChunks && off+12 <= size; i++ {
		var h [8]byte
		if _, err := r.ReadAt(h[:], off); err != nil {
			break
		}
		n := int64(binary.BigEndian.Uint32(h[:4]))
		typ := string(h[4:8])
		if n > size-off-12 {
			if i == 0 {
				return nil, &FormatError{Format: "png", Offset: off, Msg: "IHDR truncated"}
			}
			c.warn("png: chunk %q at offset %d runs past the end", typ, off)
			break
		}
		data := off + 8
		if i == 0 {
			if typ != "IHDR" || n < 8 {
				return nil, &FormatError{Format: "png", Offset: off, Msg: "first chunk is not IHDR"}
			}
			b, err := c.readAt(r, data, 8, "png IHDR")
			if err != nil {
				return nil, &FormatError{Format: "png", Offset: off, Msg: "reading IHDR", Err: err}
			}
			c.width = int(binary.BigEndian.Uint32(b))
			c.height = int(binary.BigEndian.Uint32(b[4:]))
		}
		switch typ {
		case "IEND":
			return c, nil
		case "acTL":
			if b, err := c.readAt(r, data, min(n, 8), "png acTL"); err == nil && len(b) >= 4 {
				c.frames = int(binary.BigEndian.Uint32(b))
			}
		case "eXIf", "tEXt", "zTXt", "iTXt":
			b, err := c.readAt(r, data, n, "png "+typ)
			if err != nil {
				c.warn("png: %v", err)
				break
			}
			c.pngChunk(typ, b)
		}
		off += 12 + n
	}
	return c, nil
}

// pngChunk handles one metadata chunk's data: eXIf, XMP and ImageMagick raw
// profiles in text chunks, and the text keywords pngTextField names.
func (c *container) pngChunk(typ string, b []byte) {
	if typ == "eXIf" {
		if c.exif == nil {
			c.exif = bytes.TrimPrefix(b, []byte(exifHeader))
		}
		return
	}
	key, rest, ok := bytes.Cut(b, []byte{0})
	if !ok {
		return
	}
	keyword := string(key)
	field := pngTextField(keyword)
	limit := int64(xmpMaxText)
	if field == "" {
		if !strings.HasPrefix(keyword, "Raw profile type ") && keyword != "XML:com.adobe.xmp" {
			return
		}
		limit = maxChunk
	}
	var text []byte
	lang := ""
	switch typ {
	case "tEXt":
		text = rest
	case "zTXt":
		if len(rest) < 1 {
			return
		}
		text = c.inflate(rest[1:], limit)
	case "iTXt":
		if len(rest) < 2 {
			return
		}
		compressed := rest[0] == 1
		parts := bytes.SplitN(rest[2:], []byte{0}, 3) // language, translated keyword, text
		if len(parts) != 3 {
			return
		}
		lang, text = string(parts[0]), parts[2]
		if compressed {
			text = c.inflate(text, limit)
		}
	}
	if text == nil {
		return
	}
	if field != "" {
		if int64(len(text)) > limit {
			c.warn("png: %s text of %d bytes is too long, ignored", keyword, len(text))
			return
		}
		c.pngText(field, lang, decodeLegacy(text))
		return
	}
	if keyword == "XML:com.adobe.xmp" {
		c.xmp = append(c.xmp, text)
		return
	}
	raw, err := rawProfile(text)
	if err != nil {
		c.warn("png: %s: %v", keyword, err)
		return
	}
	switch strings.ToLower(strings.TrimPrefix(keyword, "Raw profile type ")) {
	case "exif", "app1":
		if c.exif == nil {
			c.exif = bytes.TrimPrefix(raw, []byte(exifHeader))
		}
	case "xmp":
		c.xmp = append(c.xmp, raw)
	case "iptc", "8bim":
		switch {
		case bytes.HasPrefix(raw, []byte(photoshopHeader)):
			c.irb = append(c.irb, raw[len(photoshopHeader):]...)
		case bytes.HasPrefix(raw, []byte("8BIM")):
			c.irb = append(c.irb, raw...)
		case len(raw) > 0 && raw[0] == 0x1C && c.iim == nil:
			c.iim = raw
		}
	}
}

// pngTextField names the field a PNG text keyword (PNG specification 11.3.4.2,
// case-sensitive) fills, as ExifTool's PNG:TextualData reads them; "" for
// keywords the archive does not read.
func pngTextField(keyword string) string {
	switch keyword {
	case "Title", "Author", "Description", "Copyright", "Creation Time", "Software":
		return keyword
	}
	return ""
}

// pngText files one text chunk's value in the container's native claims like
// its XMP equivalent: Title → dc:title and Description → dc:description in
// the chunk's language (iTXt; tEXt and zTXt have none: x-default), Author →
// dc:creator, Copyright → dc:rights, Creation Time → xmp:CreateDate (below
// EXIF, IPTC and XMP dates), Software → xmp:CreatorTool. The first chunk of
// a keyword (and language) wins.
func (c *container) pngText(field, lang, v string) {
	if c.native == nil {
		c.native = &native{src: srcPNG, dateName: "Creation Time", dateLast: true}
	}
	n := c.native
	switch field {
	case "Title":
		n.title = setLangFirst(n.title, lang, v)
	case "Description":
		n.description = setLangFirst(n.description, lang, v)
	case "Author":
		n.creators = appendItem(n.creators, v)
	case "Copyright":
		setFirst(&n.rights, v)
	case "Creation Time":
		setFirst(&n.date, strings.TrimSpace(v))
	case "Software":
		setFirst(&n.software, v)
	}
}

// inflate decompresses a zlib stream to at most limit bytes, bounded too by
// the single-read cap and the metadata budget. It returns nil on failure
// (with a warning).
func (c *container) inflate(b []byte, limit int64) []byte {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		c.warn("png: %v", err)
		return nil
	}
	limit = min(limit, maxChunk, c.budget)
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		c.warn("png: inflating text: %v", err)
		return nil
	}
	if int64(len(out)) > limit {
		c.warn("png: compressed text inflates past %d bytes, ignored", limit)
		return nil
	}
	c.budget -= int64(len(out))
	return out
}

// rawProfile decodes ImageMagick's "Raw profile type X" text:
// "\nX\n   LENGTH\nHEX…" with the hex spread over lines.
func rawProfile(text []byte) ([]byte, error) {
	s := strings.TrimLeft(string(text), "\n\r ")
	_, s, ok := strings.Cut(s, "\n") // profile name
	if !ok {
		return nil, fmt.Errorf("raw profile: no header")
	}
	s = strings.TrimLeft(s, " \r\n")
	lenStr, s, ok := strings.Cut(s, "\n")
	if !ok {
		return nil, fmt.Errorf("raw profile: no length")
	}
	n, err := strconv.Atoi(strings.TrimSpace(lenStr))
	if err != nil || n < 0 || n > maxChunk {
		return nil, fmt.Errorf("raw profile: bad length %q", lenStr)
	}
	digits := make([]byte, 0, min(2*n, len(s)))
	for i := 0; i < len(s) && len(digits) < 2*n; i++ {
		if c := s[i]; c != '\n' && c != '\r' && c != ' ' && c != '\t' {
			digits = append(digits, c)
		}
	}
	out := make([]byte, len(digits)/2)
	if _, err := hex.Decode(out, digits[:2*len(out)]); err != nil {
		return nil, fmt.Errorf("raw profile: %w", err)
	}
	if len(out) != n {
		return out, fmt.Errorf("raw profile: %d of %d bytes", len(out), n)
	}
	return out, nil
}
