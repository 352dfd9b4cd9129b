package media

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The ISO base media file format (ISO/IEC 14496-12) is the container of MP4,
// QuickTime, 3GP, HEIF and AVIF. One small bounded box walker serves both the
// video and the HEIF readers. It is ours rather than github.com/abema/go-mp4
// because go-mp4 wants an io.ReadSeeker, decodes every box it knows into
// structs (sample tables included, which for a long video are megabytes we do
// not need), and knows nothing of HEIF's iloc extents or QuickTime's
// version-less meta; guarding it would take more code than this walker. The
// walker reads only headers and the payloads a caller asks for, never mdat.

// Limits of the box walker.
const (
	bmffMaxBoxes   = 20000    // boxes looked at in one file
	bmffMaxDepth   = 12       // nesting
	bmffMaxPayload = maxChunk // bytes of one payload read into memory
)

// box is one box header: the box spans [off, end), its payload [off+hdr, end).
type box struct {
	typ      string
	off, end int64
	hdr      int64
}

func (b box) payloadOff() int64 { return b.off + b.hdr }
func (b box) payloadLen() int64 { return b.end - b.off - b.hdr }

// bmff walks boxes of one file. It counts the boxes it has looked at and the
// bytes it has read, whatever the caller asks.
type bmff struct {
	r      io.ReaderAt
	size   int64
	format string // "mp4", "heif": the FormatError's Format
	boxes  int
	budget int64
}

func newBMFF(r io.ReaderAt, size int64, format string) *bmff {
	return &bmff{r: r, size: size, format: format, budget: maxMeta}
}

// children lists the boxes in [start, end) (a parent's payload, or the whole
// file). A box that claims to reach past end is an error; so are more boxes
// than the walker allows. depth is the parent's nesting level.
func (m *bmff) children(start, end int64, depth int) ([]box, error) {
	if depth > bmffMaxDepth {
		return nil, &FormatError{Format: m.format, Offset: start, Msg: "boxes nested too deeply"}
	}
	if end > m.size {
		end = m.size
	}
	var out []box
	var hdr [16]byte
	for off := start; off+8 <= end; {
		m.boxes++
		if m.boxes > bmffMaxBoxes {
			return out, &FormatError{Format: m.format, Offset: off, Msg: "too many boxes"}
		}
		if _, err := m.r.ReadAt(hdr[:8], off); err != nil {
			return out, &FormatError{Format: m.format, Offset: off, Msg: "reading box header", Err: err}
		}
		b := box{typ: string(hdr[4:8]), off: off, hdr: 8}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		switch size {
		case 0: // to the end of the parent
			size = end - off
		case 1:
			if off+16 > end {
				return out, &FormatError{Format: m.format, Offset: off, Msg: "box " + printable(b.typ) + ": truncated large size"}
			}
			if _, err := m.r.ReadAt(hdr[8:16], off+8); err != nil {
				return out, &FormatError{Format: m.format, Offset: off, Msg: "reading box size", Err: err}
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > uint64(end-off) {
				return out, &FormatError{Format: m.format, Offset: off, Msg: fmt.Sprintf("box %s of %d bytes runs past its parent", printable(b.typ), u)}
			}
			size, b.hdr = int64(u), 16
		}
		if size < b.hdr {
			return out, &FormatError{Format: m.format, Offset: off, Msg: fmt.Sprintf("box %s has size %d", printable(b.typ), size)}
		}
		if size > end-off {
			return out, &FormatError{Format: m.format, Offset: off, Msg: fmt.Sprintf("box %s of %d bytes runs past its parent (%d left)", printable(b.typ), size, end-off)}
		}
		b.end = off + size
		out = append(out, b)
		off = b.end
	}
	return out, nil
}

// childrenOf lists the boxes inside b, skipping skip bytes of b's payload
// first (4 for a full box such as meta or iinf's header).
func (m *bmff) childrenOf(b box, skip int64, depth int) ([]box, error) {
	if skip > b.payloadLen() {
		return nil, &FormatError{Format: m.format, Offset: b.off, Msg: "box " + printable(b.typ) + " truncated"}
	}
	return m.children(b.payloadOff()+skip, b.end, depth+1)
}

// payload reads up to max bytes of b's payload, charged to the budget.
func (m *bmff) payload(b box, max int64) ([]byte, error) {
	n := min(b.payloadLen(), max)
	return m.read(b.payloadOff(), n, "box "+printable(b.typ))
}

// read reads n bytes at off, bounded by the single-read cap and the budget.
func (m *bmff) read(off, n int64, what string) ([]byte, error) {
	if n < 0 || off < 0 || off+n > m.size {
		return nil, &FormatError{Format: m.format, Offset: off, Msg: fmt.Sprintf("%s: %d bytes past the end of the file", what, n)}
	}
	if n > bmffMaxPayload {
		return nil, fmt.Errorf("%s of %d bytes: %w", what, n, ErrTooLarge)
	}
	if n > m.budget {
		return nil, fmt.Errorf("%s: metadata budget exhausted: %w", what, ErrTooLarge)
	}
	buf := make([]byte, n)
	if _, err := m.r.ReadAt(buf, off); err != nil && !(err == io.EOF && n == 0) {
		return nil, &FormatError{Format: m.format, Offset: off, Msg: "reading " + what, Err: err}
	}
	m.budget -= n
	return buf, nil
}

// find returns the first box of a type.
func find(boxes []box, typ string) (box, bool) {
	for _, b := range boxes {
		if b.typ == typ {
			return b, true
		}
	}
	return box{}, false
}

// printable renders a four-character code for a message.
func printable(typ string) string {
	b := []byte(typ)
	for i, c := range b {
		if c < 0x20 || c > 0x7E {
			b[i] = '.'
		}
	}
	return string(b)
}

// be is a bounds-checked big-endian reader over a payload: reads past the end
// return zero and set bad.
type be struct {
	b   []byte
	i   int
	bad bool
}

func (r *be) take(n int) []byte {
	if n < 0 || r.i+n > len(r.b) || r.bad {
		r.bad = true
		r.i = len(r.b)
		return make([]byte, max(n, 0))
	}
	s := r.b[r.i : r.i+n]
	r.i += n
	return s
}

func (r *be) u8() uint8   { return r.take(1)[0] }
func (r *be) u16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *be) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *be) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }
func (r *be) skip(n int)  { r.take(n) }

// uN reads an n-byte unsigned integer (n = 0, 4 or 8; iloc field sizes).
func (r *be) uN(n int) uint64 {
	switch n {
	case 0:
		return 0
	case 4:
		return uint64(r.u32())
	case 8:
		return r.u64()
	}
	r.bad = true
	return 0
}

// cstring reads a NUL-terminated string (the rest when there is no NUL).
func (r *be) cstring() string {
	if r.bad {
		return ""
	}
	rest := r.b[r.i:]
	for j, c := range rest {
		if c == 0 {
			r.i += j + 1
			return string(rest[:j])
		}
	}
	r.i = len(r.b)
	return string(rest)
}
