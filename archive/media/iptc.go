package media

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

const (
	iptcMaxDatasets  = 8192
	irbMaxResources  = 4096
	irbIPTC          = 0x0404
	irbIPTCDigest    = 0x0425
	irbEXIF          = 0x0422
	photoshopHeader  = "Photoshop 3.0\x00"
	iptcMaxKeywords  = 1024
	iptcMaxValueSize = 1 << 20
)

// iptcClaims are the IPTC IIM values of a file, still unreconciled.
type iptcClaims struct {
	present bool
	// digest is the stored IPTCDigest (Photoshop resource 0x0425), nil when
	// absent; current is the MD5 of the IIM block actually present.
	digest, current []byte

	title, caption, headline, credit, copyright, instructions string
	keywords, bylines                                         []string
	dateCreated, timeCreated                                  string
}

// irbResources walks Photoshop image resource blocks and returns the IPTC
// block and the stored IPTC digest.
func irbResources(b []byte) (iim, digest []byte, warns []string) {
	warns = irbEach(b, func(id uint16, data []byte) {
		switch id {
		case irbIPTC:
			if iim == nil {
				iim = data
			}
		case irbIPTCDigest:
			if len(data) == 16 {
				digest = data
			}
		}
	})
	return iim, digest, warns
}

// irbEach walks Photoshop image resource blocks ("8BIM" + id + Pascal name +
// size + data, each padded to even) and calls fn for each resource.
func irbEach(b []byte, fn func(id uint16, data []byte)) (warns []string) {
	for i := 0; i < irbMaxResources && len(b) >= 12; i++ {
		switch string(b[:4]) {
		case "8BIM", "PHUT", "DCSR", "AgHg", "MeSa":
		default:
			return append(warns, "photoshop: resource signature not recognised, rest ignored")
		}
		id := binary.BigEndian.Uint16(b[4:])
		p := 6 + 1 + int(b[6]) // Pascal string length byte + name
		p += p & 1
		if p+4 > len(b) {
			return append(warns, "photoshop: resource truncated")
		}
		size := int64(binary.BigEndian.Uint32(b[p:]))
		p += 4
		if size > int64(len(b)-p) {
			return append(warns, fmt.Sprintf("photoshop: resource 0x%04x size %d past the end, ignored", id, size))
		}
		fn(id, b[p:p+int(size)])
		p += int(size) + int(size&1)
		if p > len(b) {
			break
		}
		b = b[p:]
	}
	return warns
}

// parseIIM reads IPTC IIM datasets (0x1C, record, dataset, size, data).
func parseIIM(b []byte) (iptcClaims, []string) {
	c := iptcClaims{present: len(b) > 0}
	if !c.present {
		return c, nil
	}
	sum := md5.Sum(b)
	c.current = sum[:]
	var warns []string
	type dataset struct {
		rec, num byte
		val      []byte
	}
	var sets []dataset
	charset := []byte(nil)
	for i := 0; i < iptcMaxDatasets && len(b) > 0; i++ {
		if b[0] != 0x1C {
			// Padding NULs are common; anything else is junk.
			if len(bytes.Trim(b, "\x00")) > 0 {
				warns = append(warns, "iptc: unrecognised data after the datasets, ignored")
			}
			break
		}
		if len(b) < 5 {
			warns = append(warns, "iptc: truncated dataset header")
			break
		}
		rec, num := b[1], b[2]
		size := int64(binary.BigEndian.Uint16(b[3:]))
		hdr := 5
		if size&0x8000 != 0 { // extended dataset: size is in the next n bytes
			n := int(size & 0x7FFF)
			if n > 4 || 5+n > len(b) {
				warns = append(warns, "iptc: bad extended dataset size")
				break
			}
			size = 0
			for _, x := range b[5 : 5+n] {
				size = size<<8 | int64(x)
			}
			hdr += n
		}
		if size > int64(len(b)-hdr) || size > iptcMaxValueSize {
			warns = append(warns, fmt.Sprintf("iptc: dataset %d:%d size %d past the end, ignored", rec, num, size))
			break
		}
		val := b[hdr : hdr+int(size)]
		b = b[hdr+int(size):]
		if rec == 1 && num == 90 {
			charset = val
			continue
		}
		if rec == 2 {
			sets = append(sets, dataset{rec, num, val})
		}
	}
	decode, w := iptcDecoder(charset)
	if w != "" {
		warns = append(warns, w)
	}
	for _, s := range sets {
		v := decode(s.val)
		switch s.num {
		case 5:
			c.title = v
		case 120:
			c.caption = v
		case 105:
			c.headline = v
		case 110:
			c.credit = v
		case 116:
			c.copyright = v
		case 40:
			c.instructions = v
		case 55:
			c.dateCreated = v
		case 60:
			c.timeCreated = v
		case 25:
			if len(c.keywords) < iptcMaxKeywords {
				c.keywords = append(c.keywords, v)
			}
		case 80:
			c.bylines = append(c.bylines, v)
		}
	}
	return c, warns
}

// iptcDecoder picks the text decoding from CodedCharacterSet (1:90): ESC % G
// is UTF-8. Without it, valid UTF-8 with non-ASCII bytes is read as UTF-8
// (a writer that forgot the marker) and anything else as Latin-1, which is
// what ExifTool does.
func iptcDecoder(charset []byte) (func([]byte) string, string) {
	utf8OrLatin1 := func(v []byte) string { return decodeLegacy(v) }
	switch {
	case charset == nil:
		return utf8OrLatin1, ""
	case bytes.Equal(charset, []byte("\x1b%G")), bytes.Equal(charset, []byte("\x1b%/I")):
		return func(v []byte) string {
			if utf8.Valid(v) {
				return string(v)
			}
			return latin1(v)
		}, ""
	case bytes.Equal(charset, []byte("\x1b-A")), bytes.Equal(charset, []byte("\x1b.A")):
		return latin1, ""
	}
	return utf8OrLatin1, fmt.Sprintf("iptc: unknown CodedCharacterSet %q, read as UTF-8 if valid, else Latin-1", charset)
}

// readPhotoshopIPTC parses a Photoshop IRB block (without the "Photoshop 3.0"
// header) into IPTC claims.
func readPhotoshopIPTC(irb []byte) (iptcClaims, []string) {
	iim, digest, warns := irbResources(irb)
	c, w := parseIIM(iim)
	c.digest = digest
	return c, append(warns, w...)
}
