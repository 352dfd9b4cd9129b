package media

import (
	"bytes"
	"encoding/binary"
	"io"
)

// webpMaxChunks bounds the RIFF chunks walked.
const webpMaxChunks = 1 << 16

// walkWebP reads the RIFF chunks of a WebP file: the canvas size from VP8X
// (or the VP8/VP8L bitstream header of a simple file), the frame count of an
// animation (ANMF chunks) and the EXIF and XMP chunks. Bitstreams are not
// read beyond their first bytes.
func walkWebP(r io.ReaderAt, size int64) (*container, error) {
	c := newContainer()
	var hdr [12]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, &FormatError{Format: "webp", Offset: 0, Msg: "RIFF header truncated"}
	}
	end := min(size, 8+int64(binary.LittleEndian.Uint32(hdr[4:])))
	off := int64(12)
	sized := false
	for i := 0; i < webpMaxChunks && off+8 <= end; i++ {
		var h [8]byte
		if _, err := r.ReadAt(h[:], off); err != nil {
			break
		}
		fourcc := string(h[:4])
		n := int64(binary.LittleEndian.Uint32(h[4:]))
		data := off + 8
		if n > end-data {
			c.warn("webp: chunk %q at offset %d runs past the end", fourcc, off)
			n = end - data
		}
		switch fourcc {
		case "VP8X":
			if b, err := c.readAt(r, data, min(n, 10), "webp VP8X"); err == nil && len(b) >= 10 {
				c.width = 1 + int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16)
				c.height = 1 + int(uint32(b[7])|uint32(b[8])<<8|uint32(b[9])<<16)
				sized = true
			}
		case "VP8 ":
			if b, err := c.readAt(r, data, min(n, 10), "webp VP8"); err == nil && !sized && len(b) >= 10 &&
				bytes.Equal(b[3:6], []byte{0x9d, 0x01, 0x2a}) {
				c.width = int(binary.LittleEndian.Uint16(b[6:]) & 0x3fff)
				c.height = int(binary.LittleEndian.Uint16(b[8:]) & 0x3fff)
				sized = true
			}
		case "VP8L":
			if b, err := c.readAt(r, data, min(n, 5), "webp VP8L"); err == nil && !sized && len(b) >= 5 && b[0] == 0x2f {
				bits := binary.LittleEndian.Uint32(b[1:])
				c.width = 1 + int(bits&0x3fff)
				c.height = 1 + int(bits>>14&0x3fff)
				sized = true
			}
		case "ANMF":
			c.frames++
		case "EXIF":
			if b, err := c.readAt(r, data, n, "webp EXIF"); err == nil && c.exif == nil {
				c.exif = bytes.TrimPrefix(b, []byte(exifHeader))
			} else if err != nil {
				c.warn("webp: %v", err)
			}
		case "XMP ":
			if b, err := c.readAt(r, data, n, "webp XMP"); err == nil {
				c.xmp = append(c.xmp, b)
			} else {
				c.warn("webp: %v", err)
			}
		}
		off = data + n + n&1
	}
	if !sized {
		return nil, &FormatError{Format: "webp", Offset: off, Msg: "no VP8X, VP8 or VP8L header with the image size"}
	}
	return c, nil
}
