package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Limits of the TIFF walker. They bound memory and time whatever the file
// claims.
const (
	tiffMaxEntries  = 1024     // entries in one IFD
	tiffMaxPages    = 4096     // IFDs followed in a TIFF file's main chain
	tiffMaxValue    = 64 << 10 // bytes loaded for an ordinary tag value
	tiffMaxBlob     = maxChunk // bytes loaded for an XMP/IPTC/Photoshop tag
	tiffMaxLoaded   = maxMeta  // bytes loaded for a whole structure
	tiffMaxWarnings = 16
)

// maxChunk caps any single segment, chunk or tag read; maxMeta caps the
// metadata bytes read from one file in total.
const (
	maxChunk = 16 << 20
	maxMeta  = 48 << 20
)

// TIFF tags the package reads directly.
const (
	tagNewSubfileType = 0x00FE
	tagImageWidth     = 0x0100
	tagImageLength    = 0x0101
	tagOrientation    = 0x0112
	tagXMP            = 0x02BC
	tagIPTC           = 0x83BB
	tagPhotoshop      = 0x8649
	tagExifIFD        = 0x8769
	tagGPSIFD         = 0x8825
	tagInteropIFD     = 0xA005
	tagMakerNote      = 0x927C
	tagOffsetTime     = 0x9010
	tagOffsetTimeOrig = 0x9011
	tagOffsetTimeDig  = 0x9012
)

// TIFF field types.
const (
	tByte      = 1
	tASCII     = 2
	tShort     = 3
	tLong      = 4
	tRational  = 5
	tUndefined = 7
	tSLong     = 9
	tSRational = 10
	tIFD       = 13
)

func tiffTypeSize(typ uint16) uint64 {
	switch typ {
	case 1, 2, 6, 7:
		return 1
	case 3, 8:
		return 2
	case 4, 9, 11, 13:
		return 4
	case 5, 10, 12:
		return 8
	}
	return 0
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffEntry is one validated IFD entry. val holds the value bytes in the
// file's byte order, or nil when the value was not loaded (too large, or not
// needed).
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	val      []byte
}

type tiffDir struct {
	off     uint32
	entries []tiffEntry
	next    uint32
}

func (d *tiffDir) find(tag uint16) *tiffEntry {
	if d == nil {
		return nil
	}
	for i := range d.entries {
		if d.entries[i].tag == tag {
			return &d.entries[i]
		}
	}
	return nil
}

// tiffDoc is a TIFF structure after validation: every IFD was read at most
// once, every kept entry's count × size fits in the bytes, and sub-IFD
// pointers have the right type.
type tiffDoc struct {
	order              byteOrder
	ifd0               *tiffDir
	exif, gps, interop *tiffDir
	pages              int // main-chain IFDs that are full-resolution images (TIFF files)
	warnings           []string
}

// tiffWalker reads a TIFF structure from r, whose offset 0 is the TIFF header.
type tiffWalker struct {
	r       io.ReaderAt
	size    int64
	part    string // "exif" or "tiff", prefixes warnings
	order   byteOrder
	visited map[uint32]bool
	loaded  int64
	doc     *tiffDoc
}

// walkTIFF validates a TIFF structure. With pages set it also follows the main
// IFD chain to count pages (a TIFF file); otherwise it stops after IFD0 (EXIF,
// where IFD1 is only a thumbnail). It returns a *FormatError when not even
// IFD0 can be read.
func walkTIFF(r io.ReaderAt, size int64, part string, pages bool) (*tiffDoc, error) {
	var hdr [8]byte
	if size < 8 {
		return nil, &FormatError{Format: part, Offset: 0, Msg: "TIFF header truncated"}
	}
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, &FormatError{Format: part, Offset: 0, Msg: "reading TIFF header", Err: err}
	}
	w := &tiffWalker{r: r, size: size, part: part, visited: map[uint32]bool{}}
	switch string(hdr[:4]) {
	case "II*\x00":
		w.order = binary.LittleEndian
	case "MM\x00*":
		w.order = binary.BigEndian
	default:
		return nil, &FormatError{Format: part, Offset: 0, Msg: "not a TIFF header"}
	}
	w.doc = &tiffDoc{order: w.order}
	off := w.order.Uint32(hdr[4:])
	ifd0, err := w.readDir(off, "IFD0", true)
	if err != nil {
		return nil, err
	}
	w.doc.ifd0 = ifd0
	w.doc.exif = w.subDir(ifd0, tagExifIFD, "ExifIFD")
	w.doc.gps = w.subDir(ifd0, tagGPSIFD, "GPS IFD")
	w.doc.interop = w.subDir(w.doc.exif, tagInteropIFD, "InteropIFD")
	if pages {
		w.countPages(ifd0)
	}
	return w.doc, nil
}

func (w *tiffWalker) warn(format string, args ...any) {
	if len(w.doc.warnings) < tiffMaxWarnings {
		w.doc.warnings = append(w.doc.warnings, w.part+": "+fmt.Sprintf(format, args...))
	}
}

// countPages counts the main-chain IFDs that are pages the way ExifTool's
// PageCount does: NewSubfileType 0 (full image) or 2 (a page of a multi-page
// image); IFD0 without the tag counts too, later IFDs without it do not.
func (w *tiffWalker) countPages(ifd0 *tiffDir) {
	isPage := func(d *tiffDir, first bool) bool {
		v, ok := d.find(tagNewSubfileType).uint(w.order, 0)
		if !ok {
			return first
		}
		return v == 0 || v == 2
	}
	if isPage(ifd0, true) {
		w.doc.pages++
	}
	next := ifd0.next
	for i := 0; next != 0 && i < tiffMaxPages; i++ {
		d, err := w.readDir(next, fmt.Sprintf("IFD%d", i+1), false)
		if err != nil {
			w.warn("%s", shortErr(err))
			return
		}
		if isPage(d, false) {
			w.doc.pages++
		}
		next = d.next
	}
}

// shortErr is a walker error without the package prefix, for warnings.
func shortErr(err error) string {
	var fe *FormatError
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s at offset %d, ignored", fe.Msg, fe.Offset)
	}
	return err.Error()
}

// subDir follows a pointer tag in parent to a sub-IFD, checking its type and
// that it points at an IFD not seen before.
func (w *tiffWalker) subDir(parent *tiffDir, tag uint16, name string) *tiffDir {
	e := parent.find(tag)
	if e == nil {
		return nil
	}
	if (e.typ != tLong && e.typ != tIFD) || e.count != 1 || e.val == nil {
		w.warn("%s pointer has the wrong format (type %d, count %d), ignored", name, e.typ, e.count)
		return nil
	}
	off := w.order.Uint32(e.val)
	if w.visited[off] {
		w.warn("%s pointer references an IFD already read (a cycle), ignored", name)
		return nil
	}
	d, err := w.readDir(off, name, true)
	if err != nil {
		w.warn("%s", shortErr(err))
		return nil
	}
	return d
}

// readDir reads and validates the IFD at off. With load set it loads entry
// values (bounded); otherwise only inline values.
func (w *tiffWalker) readDir(off uint32, name string, load bool) (*tiffDir, error) {
	fe := func(msg string) error {
		return &FormatError{Format: w.part, Offset: int64(off), Msg: name + ": " + msg}
	}
	if w.visited[off] {
		return nil, fe("IFD cycle")
	}
	if int64(off)+2 > w.size || off < 8 {
		return nil, fe("IFD offset out of range")
	}
	w.visited[off] = true
	var nb [2]byte
	if _, err := w.r.ReadAt(nb[:], int64(off)); err != nil {
		return nil, fe("reading IFD entry count")
	}
	n := int64(w.order.Uint16(nb[:]))
	if n == 0 {
		return nil, fe("empty IFD")
	}
	if n > tiffMaxEntries {
		return nil, fe(fmt.Sprintf("%d entries is too many", n))
	}
	avail := (w.size - int64(off) - 2) / 12
	if avail < n {
		w.warn("%s: truncated, %d of %d entries readable", name, avail, n)
		n = avail
		if n == 0 {
			return nil, fe("truncated IFD")
		}
	}
	buf := make([]byte, 12*n+4)
	got, err := w.r.ReadAt(buf, int64(off)+2)
	if got < int(12*n) {
		return nil, fe(fmt.Sprintf("reading IFD entries: %v", err))
	}
	d := &tiffDir{off: off}
	if got == len(buf) {
		d.next = w.order.Uint32(buf[12*n:])
	}
	bad := 0
	for i := int64(0); i < n; i++ {
		e, ok := w.entry(buf[12*i:12*i+12], load)
		if !ok {
			bad++
			continue
		}
		d.entries = append(d.entries, e)
	}
	if bad > 0 {
		w.warn("%s: %d malformed entries ignored", name, bad)
	}
	return d, nil
}

// entry validates one 12-byte entry: a known type, count × size within the
// bytes that remain, and loads the value when allowed.
func (w *tiffWalker) entry(b []byte, load bool) (tiffEntry, bool) {
	e := tiffEntry{tag: w.order.Uint16(b), typ: w.order.Uint16(b[2:]), count: w.order.Uint32(b[4:])}
	sz := tiffTypeSize(e.typ)
	if sz == 0 || e.count == 0 {
		return e, false
	}
	n := uint64(e.count) * sz
	if n <= 4 {
		e.val = append([]byte(nil), b[8:8+n]...)
		return e, true
	}
	off := uint64(w.order.Uint32(b[8:]))
	if off+n > uint64(w.size) {
		return e, false
	}
	limit := uint64(tiffMaxValue)
	switch e.tag {
	case tagXMP, tagIPTC, tagPhotoshop:
		limit = tiffMaxBlob
	}
	if !load || n > limit || w.loaded+int64(n) > tiffMaxLoaded {
		return e, true // valid, value not loaded
	}
	val := make([]byte, n)
	if _, err := w.r.ReadAt(val, int64(off)); err != nil {
		return e, false
	}
	w.loaded += int64(n)
	e.val = val
	return e, true
}

// uint returns the i'th value of a BYTE/SHORT/LONG entry.
func (e *tiffEntry) uint(order binary.ByteOrder, i int) (uint32, bool) {
	if e == nil || e.val == nil || i < 0 || uint32(i) >= e.count {
		return 0, false
	}
	switch e.typ {
	case tByte, tUndefined:
		return uint32(e.val[i]), true
	case tShort:
		return uint32(order.Uint16(e.val[2*i:])), true
	case tLong, tIFD:
		return order.Uint32(e.val[4*i:]), true
	}
	return 0, false
}

// ascii returns an ASCII entry's text up to the first NUL.
func (e *tiffEntry) ascii() string {
	if e == nil || e.val == nil || (e.typ != tASCII && e.typ != tUndefined && e.typ != tByte) {
		return ""
	}
	v := e.val
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	return decodeLegacy(v)
}

// goexifBlob rebuilds a small, well-formed TIFF from the validated IFD0, Exif
// and GPS directories for goexif: no next-IFD chain, no interop, no maker
// note, no image data or embedded blobs, every count matching its bytes.
func (d *tiffDoc) goexifBlob() []byte {
	keep := func(dir *tiffDir, drop ...uint16) []tiffEntry {
		if dir == nil {
			return nil
		}
		var out []tiffEntry
	next:
		for _, e := range dir.entries {
			if e.val == nil || e.typ == 0 || e.typ > 12 {
				continue
			}
			for _, t := range drop {
				if e.tag == t {
					continue next
				}
			}
			out = append(out, e)
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].tag < out[j].tag })
		return out
	}
	pointers := []uint16{tagExifIFD, tagGPSIFD, tagInteropIFD}
	ifd0 := keep(d.ifd0, append(pointers, tagXMP, tagIPTC, tagPhotoshop, 0x8773, 0x0111, 0x0117,
		0x0144, 0x0145, 0x014A, 0x0201, 0x0202, tagMakerNote)...)
	exif := keep(d.exif, append(pointers, tagMakerNote)...)
	gps := keep(d.gps, pointers...)

	dirSize := func(es []tiffEntry, extra int) uint32 {
		n := uint32(2 + 12*(len(es)+extra) + 4)
		for _, e := range es {
			if len(e.val) > 4 {
				n += uint32(len(e.val)+1) &^ 1
			}
		}
		return n
	}
	extra0 := 0
	if exif != nil {
		extra0++
	}
	if gps != nil {
		extra0++
	}
	off0 := uint32(8)
	offExif := off0 + dirSize(ifd0, extra0)
	offGPS := offExif
	if exif != nil {
		offGPS += dirSize(exif, 0)
	}
	if exif != nil {
		ifd0 = append(ifd0, d.pointer(tagExifIFD, offExif))
	}
	if gps != nil {
		ifd0 = append(ifd0, d.pointer(tagGPSIFD, offGPS))
	}
	sort.SliceStable(ifd0, func(i, j int) bool { return ifd0[i].tag < ifd0[j].tag })

	var out bytes.Buffer
	if d.order == binary.LittleEndian {
		out.WriteString("II*\x00")
	} else {
		out.WriteString("MM\x00*")
	}
	out.Write(d.order.AppendUint32(nil, off0))
	d.writeDir(&out, ifd0)
	if exif != nil {
		d.writeDir(&out, exif)
	}
	if gps != nil {
		d.writeDir(&out, gps)
	}
	return out.Bytes()
}

func (d *tiffDoc) pointer(tag uint16, off uint32) tiffEntry {
	return tiffEntry{tag: tag, typ: tLong, count: 1, val: d.order.AppendUint32(nil, off)}
}

// writeDir appends an IFD (entries, a zero next pointer, then the values that
// do not fit inline) at the buffer's current length.
func (d *tiffDoc) writeDir(out *bytes.Buffer, es []tiffEntry) {
	start := uint32(out.Len())
	data := start + uint32(2+12*len(es)+4)
	var vals bytes.Buffer
	out.Write(d.order.AppendUint16(nil, uint16(len(es))))
	for _, e := range es {
		out.Write(d.order.AppendUint16(nil, e.tag))
		out.Write(d.order.AppendUint16(nil, e.typ))
		out.Write(d.order.AppendUint32(nil, e.count))
		if len(e.val) <= 4 {
			var inline [4]byte
			copy(inline[:], e.val)
			out.Write(inline[:])
			continue
		}
		out.Write(d.order.AppendUint32(nil, data+uint32(vals.Len())))
		vals.Write(e.val)
		if len(e.val)%2 == 1 {
			vals.WriteByte(0)
		}
	}
	out.Write([]byte{0, 0, 0, 0})
	out.Write(vals.Bytes())
}
