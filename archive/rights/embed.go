package rights

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Segment headers of the metadata JPEG holds.
const (
	xmpHeader    = "http://ns.adobe.com/xap/1.0/\x00"
	xmpExtHeader = "http://ns.adobe.com/xmp/extension/\x00"
	exifHeader   = "Exif\x00"
)

// JPEG writes m into the JPEG b: an APP1 XMP segment and an APP13
// Photoshop segment holding the IIM, after SOI and any JFIF (APP0) and
// Exif segments. XMP and Photoshop segments already there are dropped;
// the image data is copied as it is.
func JPEG(b []byte, m Meta) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, fmt.Errorf("%w: no JPEG SOI", ErrFormat)
	}
	var lead, rest [][]byte // segments kept before and after ours
	i := 2
	for {
		if i+4 > len(b) || b[i] != 0xFF {
			return nil, fmt.Errorf("%w: JPEG marker expected at %d", ErrFormat, i)
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker >= 0xD0 && marker <= 0xD9 || marker < 0xC0 { // scan data: copy the rest
			break
		}
		end := i + 2 + int(binary.BigEndian.Uint16(b[i+2:]))
		if end > len(b) || end < i+4 {
			return nil, fmt.Errorf("%w: JPEG segment %#x at %d overruns", ErrFormat, marker, i)
		}
		seg, payload := b[i:end], b[i+4:end]
		i = end
		switch {
		case marker == 0xE1 && (bytes.HasPrefix(payload, []byte(xmpHeader)) || bytes.HasPrefix(payload, []byte(xmpExtHeader))),
			marker == 0xED && bytes.HasPrefix(payload, []byte(photoshopHeader)):
			continue // replaced by ours
		case len(rest) == 0 && (marker == 0xE0 || marker == 0xE1 && bytes.HasPrefix(payload, []byte(exifHeader))):
			lead = append(lead, seg)
		default:
			rest = append(rest, seg)
		}
	}
	xmp := segment(0xE1, append([]byte(xmpHeader), XMP(m)...))
	iptc := segment(0xED, append([]byte(photoshopHeader), irb(IIM(m))...))
	out := make([]byte, 0, len(b)+len(xmp)+len(iptc))
	out = append(out, 0xFF, 0xD8)
	for _, s := range lead {
		out = append(out, s...)
	}
	out = append(out, xmp...)
	out = append(out, iptc...)
	for _, s := range rest {
		out = append(out, s...)
	}
	return append(out, b[i:]...), nil
}

// segment is a JPEG marker segment; payload is at most 65,533 bytes (XMP
// and IIM are bounded to fit).
func segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// pngSignature starts every PNG stream.
const pngSignature = "\x89PNG\r\n\x1a\n"

// xmpKeyword is the keyword of the iTXt chunk that holds XMP.
const xmpKeyword = "XML:com.adobe.xmp"

// PNG writes m into the PNG b as an uncompressed iTXt chunk (keyword
// XML:com.adobe.xmp) right after IHDR, dropping any such chunk already
// there. PNG has no place for IIM that readers agree on.
func PNG(b []byte, m Meta) ([]byte, error) {
	if len(b) < len(pngSignature)+12 || string(b[:len(pngSignature)]) != pngSignature {
		return nil, fmt.Errorf("%w: no PNG signature", ErrFormat)
	}
	data := append([]byte(xmpKeyword+"\x00\x00\x00\x00\x00"), XMP(m)...) // flag, method, language, translated keyword
	ours := chunk("iTXt", data)
	out := make([]byte, 0, len(b)+len(ours))
	out = append(out, pngSignature...)
	for i := len(pngSignature); i < len(b); {
		if i+12 > len(b) {
			return nil, fmt.Errorf("%w: PNG chunk header at %d overruns", ErrFormat, i)
		}
		n := int64(binary.BigEndian.Uint32(b[i:]))
		end := int64(i) + 12 + n
		if end > int64(len(b)) {
			return nil, fmt.Errorf("%w: PNG chunk at %d overruns", ErrFormat, i)
		}
		typ, body := string(b[i+4:i+8]), b[i+8:i+8+int(n)]
		c := b[i:end]
		i = int(end)
		if typ == "iTXt" && bytes.HasPrefix(body, []byte(xmpKeyword+"\x00")) {
			continue
		}
		out = append(out, c...)
		if typ == "IHDR" {
			out = append(out, ours...)
		}
		if typ == "IEND" {
			out = append(out, b[i:]...)
			break
		}
	}
	return out, nil
}

// chunk is a PNG chunk with its CRC.
func chunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}
