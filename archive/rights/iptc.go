package rights

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
)

// IIM dataset lengths (IPTC IIM 4.2, in bytes).
const (
	maxByline    = 32
	maxCredit    = 32
	maxSource    = 32
	maxCopyright = 128
	maxObject    = 64
	maxCaption   = 2000
)

// IIM is m as IPTC IIM datasets: CodedCharacterSet UTF-8 (1:90), then
// By-line (2:80), Credit (2:110), Source (2:115), CopyrightNotice (2:116),
// ObjectName (2:05, the title) and Caption-Abstract (2:120, the
// description), each cut to its maximum length on a rune boundary. Title
// and caption are in MainLang when the record has it.
func IIM(m Meta) []byte {
	var b bytes.Buffer
	dataset(&b, 1, 90, "\x1b%G")
	dataset(&b, 2, 0, "\x00\x04") // ApplicationRecordVersion 4
	dataset(&b, 2, 5, clip(mainText(m.Title), maxObject))
	dataset(&b, 2, 80, clip(clean(m.Creator), maxByline))
	dataset(&b, 2, 110, clip(clean(m.Credit), maxCredit))
	dataset(&b, 2, 115, clip(clean(m.Source), maxSource))
	dataset(&b, 2, 116, clip(clean(m.Copyright), maxCopyright))
	dataset(&b, 2, 120, clip(mainText(m.Description), maxCaption))
	return b.Bytes()
}

// dataset writes one standard dataset (v shorter than 32 KiB); empty
// values are left out.
func dataset(b *bytes.Buffer, rec, num byte, v string) {
	if v == "" {
		return
	}
	b.Write([]byte{0x1C, rec, num})
	binary.Write(b, binary.BigEndian, uint16(len(v)))
	b.WriteString(v)
}

// photoshopHeader starts the payload of a JPEG APP13 segment.
const photoshopHeader = "Photoshop 3.0\x00"

// irb is the Photoshop image resource block of an APP13 segment: the IIM
// (resource 0x0404) and its MD5 digest (0x0425), which tells readers that
// the XMP beside it is in step (MWG).
func irb(iim []byte) []byte {
	var b bytes.Buffer
	sum := md5.Sum(iim)
	for _, r := range []struct {
		id   uint16
		data []byte
	}{{0x0404, iim}, {0x0425, sum[:]}} {
		b.WriteString("8BIM")
		binary.Write(&b, binary.BigEndian, r.id)
		b.Write([]byte{0, 0}) // empty Pascal name, padded to even
		binary.Write(&b, binary.BigEndian, uint32(len(r.data)))
		b.Write(r.data)
		if len(r.data)%2 == 1 {
			b.WriteByte(0)
		}
	}
	return b.Bytes()
}
