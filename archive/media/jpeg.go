package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// jpegMaxSegments bounds the markers walked before the scan.
const jpegMaxSegments = 4096

const (
	exifHeader   = "Exif\x00\x00"
	xmpHeader    = "http://ns.adobe.com/xap/1.0/\x00"
	xmpExtHeader = "http://ns.adobe.com/xmp/extension/\x00"
)

// container is what a format walker found: the pixel size and the metadata
// blocks, not yet parsed.
type container struct {
	width, height int
	frames        int
	exif          []byte   // a TIFF structure (header first)
	xmp           [][]byte // XMP packets, main packet first
	irb           []byte   // Photoshop image resources (after "Photoshop 3.0\0")
	iim           []byte   // a bare IPTC IIM block (PNG raw profiles)
	native        *native  // what PNG text chunks say (Title, Author, …), or nil
	warnings      []string
	budget        int64 // metadata bytes that may still be read
}

func newContainer() *container { return &container{budget: maxMeta} }

// readAt reads n bytes at off, charging them to the metadata budget and
// refusing anything over the single-read cap.
func (c *container) readAt(r io.ReaderAt, off, n int64, what string) ([]byte, error) {
	if n > maxChunk {
		return nil, fmt.Errorf("%s of %d bytes: %w", what, n, ErrTooLarge)
	}
	if n > c.budget {
		return nil, fmt.Errorf("%s: metadata budget exhausted: %w", what, ErrTooLarge)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("%s at %d: %w", what, off, err)
	}
	c.budget -= n
	return b, nil
}

func (c *container) warn(format string, args ...any) {
	if len(c.warnings) < 32 {
		c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
	}
}

// walkJPEG reads JPEG segments up to the start of scan: the frame size from
// the first SOF, EXIF and XMP from APP1, Photoshop IRB from APP13. Scan data
// is never read.
func walkJPEG(r io.ReaderAt, size int64) (*container, error) {
	c := newContainer()
	ext := map[string]*xmpExtended{}
	var order []string
	off := int64(2)
	sawSOF := false
segments:
	for i := 0; i < jpegMaxSegments; i++ {
		var m [4]byte
		if _, err := r.ReadAt(m[:2], off); err != nil {
			break
		}
		if m[0] != 0xFF {
			next, ok := resyncJPEG(r, off, size)
			if !ok {
				c.warn("jpeg: expected a marker at offset %d", off)
				break
			}
			c.warn("jpeg: %d stray bytes before the marker at offset %d skipped", next-off, next)
			off = next
			continue
		}
		marker := m[1]
		switch {
		case marker == 0xFF: // fill byte
			off++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			off += 2
			continue
		case marker == 0xD9 || marker == 0xDA: // EOI, SOS: the metadata is behind us
			break segments
		}
		if _, err := r.ReadAt(m[2:4], off+2); err != nil {
			c.warn("jpeg: segment length truncated at offset %d", off)
			break
		}
		segLen := int64(binary.BigEndian.Uint16(m[2:]))
		if segLen < 2 || off+2+segLen > size {
			c.warn("jpeg: segment 0x%02X at offset %d runs past the end", marker, off)
			break
		}
		payload := off + 4
		n := segLen - 2
		switch {
		case isSOF(marker) && !sawSOF:
			b, err := c.readAt(r, payload, min(n, 6), "jpeg SOF")
			if err != nil || len(b) < 5 {
				return nil, &FormatError{Format: "jpeg", Offset: off, Msg: "SOF segment truncated"}
			}
			sawSOF = true
			c.height = int(binary.BigEndian.Uint16(b[1:]))
			c.width = int(binary.BigEndian.Uint16(b[3:]))
		case marker == 0xE1:
			b, err := c.readAt(r, payload, n, "jpeg APP1")
			if err != nil {
				c.warn("jpeg: %v", err)
				break
			}
			switch {
			case bytes.HasPrefix(b, []byte(exifHeader)) && c.exif == nil:
				c.exif = b[len(exifHeader):]
			case bytes.HasPrefix(b, []byte("Exif\x00")) && c.exif == nil && len(b) > 6:
				c.exif = b[6:] // "Exif\0" + a stray pad byte
			case bytes.HasPrefix(b, []byte(xmpHeader)):
				c.xmp = append(c.xmp, b[len(xmpHeader):])
			case bytes.HasPrefix(b, []byte(xmpExtHeader)):
				if guid := addXMPExtended(ext, b[len(xmpExtHeader):]); guid != "" && len(order) < 4 {
					if len(ext[guid].parts) == 1 {
						order = append(order, guid)
					}
				}
			}
		case marker == 0xED:
			b, err := c.readAt(r, payload, n, "jpeg APP13")
			if err != nil {
				c.warn("jpeg: %v", err)
				break
			}
			if bytes.HasPrefix(b, []byte(photoshopHeader)) && len(c.irb)+len(b) <= maxChunk {
				c.irb = append(c.irb, b[len(photoshopHeader):]...)
			}
		}
		off += 2 + segLen
	}
	if !sawSOF {
		return nil, &FormatError{Format: "jpeg", Offset: off, Msg: "no frame header (SOF) before the scan or end of file"}
	}
	if iim := fotoStationIPTC(r, size, c); iim != nil {
		c.iim = iim
	}
	for _, guid := range order {
		if b := ext[guid].assemble(); b != nil {
			c.xmp = append(c.xmp, b)
		}
	}
	return c, nil
}

func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// xmpExtended collects the parts of one Extended XMP packet (APP1 segments
// with a GUID, the full length and each part's offset).
type xmpExtended struct {
	full  uint32
	parts map[uint32][]byte
	bytes int
}

func addXMPExtended(ext map[string]*xmpExtended, b []byte) string {
	if len(b) < 40 || len(ext) > 4 {
		return ""
	}
	guid := string(b[:32])
	full := binary.BigEndian.Uint32(b[32:])
	at := binary.BigEndian.Uint32(b[36:])
	data := b[40:]
	if full > xmpMaxBytes || uint64(at)+uint64(len(data)) > uint64(full) {
		return ""
	}
	x := ext[guid]
	if x == nil {
		x = &xmpExtended{full: full, parts: map[uint32][]byte{}}
		ext[guid] = x
	}
	if x.full != full || x.bytes+len(data) > xmpMaxBytes {
		return ""
	}
	x.parts[at] = data
	x.bytes += len(data)
	return guid
}

// assemble joins the parts when they cover the packet exactly once.
func (x *xmpExtended) assemble() []byte {
	out := make([]byte, 0, x.full)
	for uint32(len(out)) < x.full {
		p, ok := x.parts[uint32(len(out))]
		if !ok || len(p) == 0 {
			return nil
		}
		out = append(out, p...)
	}
	return out
}

// jpegResyncWindow bounds the bytes searched for a marker after a segment
// whose declared length was wrong.
const jpegResyncWindow = 64 << 10

// resyncJPEG looks forward from off for the next 0xFF that starts a marker,
// the way ExifTool recovers from a segment length that is off by a few bytes.
func resyncJPEG(r io.ReaderAt, off, size int64) (int64, bool) {
	buf := make([]byte, min(jpegResyncWindow, size-off))
	n, _ := r.ReadAt(buf, off)
	buf = buf[:n]
	for i := 0; i+1 < len(buf); i++ {
		if buf[i] == 0xFF && buf[i+1] != 0x00 && buf[i+1] != 0xFF {
			return off + int64(i), true
		}
	}
	return 0, false
}

// fotoStationIPTC reads the IPTC block of a FotoStation trailer: blocks
// appended after the image, each ending in a footer of tag (2 bytes), block
// size (4, footer included) and the signature 0xA1B2C3D4.
func fotoStationIPTC(r io.ReaderAt, size int64, c *container) []byte {
	end := size
	for i := 0; i < 16 && end >= 10; i++ {
		var f [10]byte
		if _, err := r.ReadAt(f[:], end-10); err != nil || binary.BigEndian.Uint32(f[6:]) != 0xA1B2C3D4 {
			return nil
		}
		n := int64(binary.BigEndian.Uint32(f[2:]))
		if n < 10 || n > end {
			return nil
		}
		if binary.BigEndian.Uint16(f[:]) == 1 {
			b, err := c.readAt(r, end-n, n-10, "FotoStation IPTC")
			if err != nil {
				c.warn("jpeg: %v", err)
				return nil
			}
			return bytes.TrimLeft(b, "\x00")
		}
		end -= n
	}
	return nil
}
