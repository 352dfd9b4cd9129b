package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Limits of the HEIF reader.
const (
	heifMaxItems   = 4096
	heifMaxExtents = 64
	heifMaxProps   = 4096
)

// heifItem is one item of a HEIF meta box: its type from iinf, its extents
// from iloc, its properties from ipma.
type heifItem struct {
	id          uint32
	typ         string // "hvc1", "grid", "Exif", "mime", …
	contentType string // for "mime" items
	method      uint8  // iloc construction method: 0 file, 1 idat
	extents     [][2]uint64
	props       []uint16 // 1-based ipco indices
}

// walkHEIF reads a HEIF/HEIC/AVIF file's meta box: the primary item's size
// (its ispe property, which is what ExifTool reports as File:ImageWidth/
// ImageHeight: for a grid, the grid's own ispe; irot is not applied), the
// Exif item (a 4-byte offset, then a TIFF structure) and XMP items (mime
// items of type application/rdf+xml). Item data is read wherever iloc puts
// it, even at the end of the file, and only those extents are read: never
// the coded image. The irot/imir transforms are not reported: EXIF
// Orientation is what the archive stores (ExifTool too), and the renderer
// reads the coded image with its own decoder, which applies irot.
func walkHEIF(r io.ReaderAt, size int64) (*container, error) {
	m := newBMFF(r, size, "heif")
	c := newContainer()
	top, err := m.children(0, size, 0)
	meta, ok := find(top, "meta")
	if !ok {
		if err != nil {
			return nil, err
		}
		return nil, &FormatError{Format: "heif", Offset: -1, Msg: "no meta box"}
	}
	if err != nil {
		c.warn("heif: %s", shortErr(err))
	}
	kids, err := m.childrenOf(meta, 4, 0)
	if err != nil {
		c.warn("heif: %s", shortErr(err))
	}
	h := &heifMeta{m: m, c: c, items: map[uint32]*heifItem{}}
	var primary uint32
	var havePrimary bool
	for _, b := range kids {
		switch b.typ {
		case "pitm":
			p, err := m.payload(b, 8)
			if err == nil {
				r := &be{b: p}
				v := r.u8()
				r.skip(3)
				if v == 0 {
					primary = uint32(r.u16())
				} else {
					primary = r.u32()
				}
				havePrimary = !r.bad
			}
		case "iinf":
			h.iinf(b)
		case "iloc":
			h.iloc(b)
		case "iprp":
			h.iprp(b)
		case "idat":
			h.idat, h.haveIdat = b, true
		}
	}
	if !havePrimary {
		return nil, &FormatError{Format: "heif", Offset: meta.off, Msg: "no primary item (pitm)"}
	}
	w, hgt, ok := h.ispe(primary)
	if !ok {
		return nil, &FormatError{Format: "heif", Offset: meta.off, Msg: fmt.Sprintf("primary item %d has no image size (ispe)", primary)}
	}
	c.width, c.height = w, hgt
	for _, id := range h.order {
		it := h.items[id]
		switch {
		case it.typ == "Exif" && c.exif == nil:
			data, err := h.data(it, maxChunk)
			if err != nil {
				c.warn("heif: Exif item %d: %s", id, shortErr(err))
				continue
			}
			tiff, err := exifItemTIFF(data)
			if err != nil {
				c.warn("heif: Exif item %d: %v, ignored", id, err)
				continue
			}
			c.exif = tiff
		case it.typ == "mime" && it.contentType == "application/rdf+xml":
			data, err := h.data(it, xmpMaxBytes)
			if err != nil {
				c.warn("heif: XMP item %d: %s", id, shortErr(err))
				continue
			}
			c.xmp = append(c.xmp, data)
		}
	}
	return c, nil
}

// exifItemTIFF strips the Exif item's header: a 4-byte big-endian offset from
// the end of that field to the TIFF header. Writers that put "Exif\0\0"
// there and count it wrongly are tolerated.
func exifItemTIFF(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%d bytes, no header offset", len(b))
	}
	off := uint64(binary.BigEndian.Uint32(b))
	rest := b[4:]
	if off > uint64(len(rest)) {
		return nil, fmt.Errorf("TIFF header offset %d past the end (%d bytes)", off, len(rest))
	}
	t := rest[off:]
	if !isTIFFHeader(t) {
		if i := bytes.Index(rest[:min(len(rest), 64)], []byte("Exif\x00\x00")); i >= 0 && isTIFFHeader(rest[i+6:]) {
			return rest[i+6:], nil
		}
		return nil, fmt.Errorf("no TIFF header at offset %d", off)
	}
	return t, nil
}

func isTIFFHeader(b []byte) bool {
	return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
}

type heifMeta struct {
	m        *bmff
	c        *container
	items    map[uint32]*heifItem
	order    []uint32 // item IDs in iinf/iloc order
	props    []box    // ipco children
	idat     box
	haveIdat bool
}

func (h *heifMeta) item(id uint32) *heifItem {
	if it, ok := h.items[id]; ok {
		return it
	}
	if len(h.items) >= heifMaxItems {
		return &heifItem{id: id} // counted no more, kept nowhere
	}
	it := &heifItem{id: id}
	h.items[id] = it
	h.order = append(h.order, id)
	return it
}

// iinf reads the item infos (infe boxes of version 0–3).
func (h *heifMeta) iinf(b box) {
	p, err := h.m.payload(b, 8)
	if err != nil || len(p) < 6 {
		h.c.warn("heif: iinf truncated")
		return
	}
	skip := int64(6)
	if p[0] != 0 {
		skip = 8
	}
	entries, err := h.m.childrenOf(b, skip, 1)
	if err != nil {
		h.c.warn("heif: iinf: %s", shortErr(err))
	}
	for _, e := range entries {
		if e.typ != "infe" {
			continue
		}
		p, err := h.m.payload(e, 1024)
		if err != nil {
			continue
		}
		r := &be{b: p}
		v := r.u8()
		r.skip(3)
		var id uint32
		var typ, ctype string
		switch {
		case v >= 2:
			if v == 2 {
				id = uint32(r.u16())
			} else {
				id = r.u32()
			}
			r.u16() // protection index
			typ = string(r.take(4))
			r.cstring() // name
			if typ == "mime" {
				ctype = r.cstring()
			}
		default:
			id = uint32(r.u16())
			r.u16()
			r.cstring()
			ctype = r.cstring()
			if ctype != "" {
				typ = "mime"
			}
		}
		if r.bad && typ == "" {
			h.c.warn("heif: infe at offset %d truncated, ignored", e.off)
			continue
		}
		it := h.item(id)
		it.typ, it.contentType = typ, ctype
	}
}

// iloc reads the item locations.
func (h *heifMeta) iloc(b box) {
	p, err := h.m.payload(b, 1<<20)
	if err != nil {
		h.c.warn("heif: iloc: %s", shortErr(err))
		return
	}
	r := &be{b: p}
	v := r.u8()
	r.skip(3)
	if v > 2 {
		h.c.warn("heif: iloc version %d not understood", v)
		return
	}
	sz := r.u8()
	offSize, lenSize := int(sz>>4), int(sz&15)
	sz = r.u8()
	baseSize, idxSize := int(sz>>4), int(sz&15)
	if v == 0 {
		idxSize = 0
	}
	var n uint32
	if v < 2 {
		n = uint32(r.u16())
	} else {
		n = r.u32()
	}
	for i := uint32(0); i < n && i < heifMaxItems && !r.bad; i++ {
		var id uint32
		if v < 2 {
			id = uint32(r.u16())
		} else {
			id = r.u32()
		}
		var method uint8
		if v >= 1 {
			method = uint8(r.u16() & 15)
		}
		r.u16() // data reference index
		base := r.uN(baseSize)
		ne := int(r.u16())
		var ext [][2]uint64
		for j := 0; j < ne && !r.bad; j++ {
			r.uN(idxSize)
			off, l := r.uN(offSize), r.uN(lenSize)
			if j < heifMaxExtents {
				ext = append(ext, [2]uint64{base + off, l})
			}
		}
		if r.bad {
			h.c.warn("heif: iloc truncated or malformed")
			return
		}
		it := h.item(id)
		it.method, it.extents = method, ext
	}
}

// iprp reads the property container (ipco) and the associations (ipma).
func (h *heifMeta) iprp(b box) {
	kids, err := h.m.childrenOf(b, 0, 1)
	if err != nil {
		h.c.warn("heif: iprp: %s", shortErr(err))
	}
	if ipco, ok := find(kids, "ipco"); ok {
		props, err := h.m.childrenOf(ipco, 0, 2)
		if err != nil {
			h.c.warn("heif: ipco: %s", shortErr(err))
		}
		h.props = props[:min(len(props), heifMaxProps)]
	}
	for _, ipma := range kids {
		if ipma.typ != "ipma" {
			continue
		}
		p, err := h.m.payload(ipma, 1<<20)
		if err != nil {
			h.c.warn("heif: ipma: %s", shortErr(err))
			continue
		}
		r := &be{b: p}
		v := r.u8()
		flags := r.take(3)
		wide := flags[2]&1 != 0
		n := r.u32()
		for i := uint32(0); i < n && i < heifMaxItems && !r.bad; i++ {
			var id uint32
			if v < 1 {
				id = uint32(r.u16())
			} else {
				id = r.u32()
			}
			na := int(r.u8())
			var props []uint16
			for j := 0; j < na && !r.bad; j++ {
				if wide {
					props = append(props, r.u16()&0x7FFF)
				} else {
					props = append(props, uint16(r.u8()&0x7F))
				}
			}
			if r.bad {
				h.c.warn("heif: ipma truncated")
				break
			}
			it := h.item(id)
			it.props = append(it.props, props...)
		}
	}
}

// ispe returns the size from an item's ispe property.
func (h *heifMeta) ispe(id uint32) (int, int, bool) {
	it, ok := h.items[id]
	if !ok {
		return 0, 0, false
	}
	for _, idx := range it.props {
		if idx == 0 || int(idx) > len(h.props) {
			continue
		}
		b := h.props[idx-1]
		if b.typ != "ispe" {
			continue
		}
		p, err := h.m.payload(b, 12)
		if err != nil || len(p) < 12 {
			continue
		}
		w, hh := binary.BigEndian.Uint32(p[4:]), binary.BigEndian.Uint32(p[8:])
		if w == 0 || hh == 0 || w > 1<<20 || hh > 1<<20 {
			h.c.warn("heif: ispe %dx%d out of range, ignored", w, hh)
			continue
		}
		return int(w), int(hh), true
	}
	return 0, 0, false
}

// data reads an item's extents (from the file, or from idat), at most max
// bytes in all.
func (h *heifMeta) data(it *heifItem, max int64) ([]byte, error) {
	if len(it.extents) == 0 {
		return nil, fmt.Errorf("no location")
	}
	var base, end int64
	switch it.method {
	case 0:
		base, end = 0, h.m.size
	case 1:
		if !h.haveIdat {
			return nil, fmt.Errorf("stored in idat, but there is no idat")
		}
		base, end = h.idat.payloadOff(), h.idat.end
	default:
		return nil, fmt.Errorf("construction method %d not supported", it.method)
	}
	var out []byte
	for _, e := range it.extents {
		off, l := e[0], e[1]
		if off > uint64(end-base) {
			return nil, fmt.Errorf("extent at %d past the end", off)
		}
		if l == 0 { // to the end of the data
			l = uint64(end-base) - off
		}
		if l > uint64(end-base)-off {
			return nil, fmt.Errorf("extent %d+%d past the end (%d)", off, l, end-base)
		}
		if int64(len(out))+int64(l) > max {
			return nil, fmt.Errorf("item of more than %d bytes: %w", max, ErrTooLarge)
		}
		b, err := h.m.read(base+int64(off), int64(l), "item")
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}
