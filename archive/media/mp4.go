package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Limits of the video reader.
const (
	mp4MaxTracks   = 64
	mp4MaxKeys     = 1024
	mp4MaxAtomText = 64 << 10 // bytes read from one metadata atom
	mp4MaxXMP      = xmpMaxBytes
)

// xmpUUID is the uuid box type that holds XMP in MP4 files.
func xmpUUID() []byte {
	return []byte{0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC}
}

// mac1904 is the QuickTime epoch.
func mac1904() time.Time { return time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC) }

// video is what the QuickTime/MP4 walk found.
type video struct {
	native
	durationS     float64
	width, height int
	rotation      int
	codec         string
	xmp           [][]byte
	warnings      []string
}

type mp4Track struct {
	handler       string
	width, height int
	rotation      int
	durationS     float64
	codec         string
}

// readVideo walks a QuickTime/MP4 file: moov's mvhd (duration, creation
// time), each trak (tkhd size and matrix, mdhd, hdlr, the first sample
// entry), udta and meta atoms (QuickTime, iTunes and 3GPP text, Apple
// keys), and XMP (udta/XMP_, uuid boxes). mdat is never read. A file without
// a readable moov is a *FormatError.
func readVideo(r io.ReaderAt, size int64) (*video, error) {
	m := newBMFF(r, size, "mp4")
	v := &video{native: native{src: "quicktime", dateName: "CreationDate", epochAbsent: true}}
	top, err := m.children(0, size, 0)
	moov, ok := find(top, "moov")
	if err != nil {
		if !ok {
			return nil, err
		}
		v.warn("%s", shortErr(err))
	}
	if !ok {
		return nil, &FormatError{Format: "mp4", Offset: -1, Msg: "no moov box"}
	}
	for _, b := range top {
		if b.typ == "uuid" {
			v.uuidXMP(m, b)
		}
	}
	kids, err := m.childrenOf(moov, 0, 0)
	if err != nil {
		v.warn("%s", shortErr(err))
	}
	var tracks []mp4Track
	for _, b := range kids {
		switch b.typ {
		case "mvhd":
			v.mvhd(m, b)
		case "trak":
			if len(tracks) < mp4MaxTracks {
				tracks = append(tracks, v.trak(m, b, 1))
			}
		case "udta":
			v.udta(m, b, 1)
		case "meta":
			v.meta(m, b, 1)
		case "uuid":
			v.uuidXMP(m, b)
		}
	}
	if v.durationS == 0 {
		// No movie duration: the longest track's.
		for _, t := range tracks {
			v.durationS = max(v.durationS, t.durationS)
		}
	}
	for _, t := range tracks {
		if t.handler == "vide" && t.width > 0 && t.height > 0 {
			v.width, v.height, v.rotation, v.codec = t.width, t.height, t.rotation, t.codec
			break
		}
		if t.handler == "vide" && v.codec == "" {
			v.codec = t.codec
		}
	}
	return v, nil
}

func (v *video) warn(format string, args ...any) {
	if len(v.warnings) < 32 {
		v.warnings = append(v.warnings, "mp4: "+fmt.Sprintf(format, args...))
	}
}

// mvhd reads the movie header: creation time (seconds since 1904, UTC) and
// duration.
func (v *video) mvhd(m *bmff, b box) {
	p, err := m.payload(b, 32)
	if err != nil {
		v.warn("mvhd: %s", shortErr(err))
		return
	}
	r := &be{b: p}
	version := r.u8()
	r.skip(3)
	var created, duration uint64
	var timescale uint32
	if version == 1 {
		created = r.u64()
		r.u64()
		timescale = r.u32()
		duration = r.u64()
		if duration == math.MaxUint64 {
			duration = 0
		}
	} else {
		created = uint64(r.u32())
		r.u32()
		timescale = r.u32()
		duration = uint64(r.u32())
		if duration == math.MaxUint32 {
			duration = 0
		}
	}
	if r.bad {
		v.warn("mvhd truncated")
		return
	}
	if created != 0 && created < 1<<40 {
		t := mac1904().Add(time.Duration(created) * time.Second)
		v.instant = &t
	}
	if timescale > 0 {
		v.durationS = float64(duration) / float64(timescale)
	}
}

// trak reads one track: tkhd (size, matrix), mdia/mdhd (duration),
// mdia/hdlr (handler type), mdia/minf/stbl/stsd (first sample entry).
func (v *video) trak(m *bmff, b box, depth int) mp4Track {
	var t mp4Track
	kids, err := m.childrenOf(b, 0, depth)
	if err != nil {
		v.warn("trak: %s", shortErr(err))
	}
	if tk, ok := find(kids, "tkhd"); ok {
		v.tkhd(m, tk, &t)
	}
	mdia, ok := find(kids, "mdia")
	if !ok {
		return t
	}
	mk, err := m.childrenOf(mdia, 0, depth+1)
	if err != nil {
		v.warn("mdia: %s", shortErr(err))
	}
	if h, ok := find(mk, "mdhd"); ok {
		if p, err := m.payload(h, 32); err == nil {
			r := &be{b: p}
			version := r.u8()
			r.skip(3)
			var ts uint32
			var d uint64
			if version == 1 {
				r.skip(16)
				ts, d = r.u32(), r.u64()
			} else {
				r.skip(8)
				ts, d = r.u32(), uint64(r.u32())
			}
			if !r.bad && ts > 0 && d != math.MaxUint32 && d != math.MaxUint64 {
				t.durationS = float64(d) / float64(ts)
			}
		}
	}
	if h, ok := find(mk, "hdlr"); ok {
		if p, err := m.payload(h, 12); err == nil && len(p) == 12 {
			t.handler = string(p[8:12])
		}
	}
	minf, ok := find(mk, "minf")
	if !ok {
		return t
	}
	fk, err := m.childrenOf(minf, 0, depth+2)
	if err != nil {
		v.warn("minf: %s", shortErr(err))
	}
	stbl, ok := find(fk, "stbl")
	if !ok {
		return t
	}
	sk, err := m.childrenOf(stbl, 0, depth+3)
	if err != nil {
		v.warn("stbl: %s", shortErr(err))
	}
	if sd, ok := find(sk, "stsd"); ok {
		if p, err := m.payload(sd, 16); err == nil && len(p) == 16 && binary.BigEndian.Uint32(p[4:]) > 0 {
			t.codec = fourCC(p[12:16])
		}
	}
	return t
}

// tkhd reads the track's presentation size (16.16 fixed point) and the
// rotation its display matrix encodes.
func (v *video) tkhd(m *bmff, b box, t *mp4Track) {
	p, err := m.payload(b, 96)
	if err != nil {
		v.warn("tkhd: %s", shortErr(err))
		return
	}
	r := &be{b: p}
	version := r.u8()
	r.skip(3)
	if version == 1 {
		r.skip(32)
	} else {
		r.skip(20)
	}
	r.skip(16) // reserved, layer, alternate group, volume, reserved
	var mx [9]int32
	for i := range mx {
		mx[i] = int32(r.u32())
	}
	w, h := r.u32(), r.u32()
	if r.bad {
		v.warn("tkhd truncated")
		return
	}
	t.width, t.height = int(w>>16), int(h>>16)
	t.rotation = matrixRotation(mx[0], mx[1])
}

// matrixRotation turns a display matrix's first row (a, b in 16.16) into
// clockwise degrees rounded to 0/90/180/270, as ExifTool's Rotation does
// (atan2(b, a)).
func matrixRotation(a, b int32) int {
	if a == 0 && b == 0 {
		return 0
	}
	deg := math.Atan2(float64(b), float64(a)) * 180 / math.Pi
	rot := int(math.Round(deg/90)) * 90
	return ((rot % 360) + 360) % 360
}

// fourCC returns a sample entry type as text, "" when it is not printable.
func fourCC(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return ""
		}
	}
	return strings.TrimRight(string(b), " ")
}

// uuidXMP reads XMP from a uuid box with the XMP UUID.
func (v *video) uuidXMP(m *bmff, b box) {
	if b.payloadLen() < 16 || b.payloadLen()-16 > mp4MaxXMP {
		return
	}
	id, err := m.read(b.payloadOff(), 16, "uuid")
	if err != nil || !bytes.Equal(id, xmpUUID()) {
		return
	}
	p, err := m.read(b.payloadOff()+16, b.payloadLen()-16, "uuid XMP")
	if err != nil {
		v.warn("uuid XMP: %s", shortErr(err))
		return
	}
	v.xmp = append(v.xmp, p)
}

// udta reads the user data atoms.
func (v *video) udta(m *bmff, b box, depth int) {
	kids, err := m.childrenOf(b, 0, depth)
	if err != nil {
		v.warn("udta: %s", shortErr(err))
	}
	for _, k := range kids {
		switch k.typ {
		case "XMP_":
			if k.payloadLen() > mp4MaxXMP {
				v.warn("XMP_ of %d bytes is too large, ignored", k.payloadLen())
				continue
			}
			if p, err := m.payload(k, mp4MaxXMP); err == nil {
				v.xmp = append(v.xmp, p)
			}
			continue
		case "meta":
			v.meta(m, k, depth+1)
			continue
		case "uuid":
			v.uuidXMP(m, k)
			continue
		}
		if !udtaWanted(k.typ) {
			continue
		}
		p, err := m.payload(k, mp4MaxAtomText)
		if err != nil {
			v.warn("udta %s: %s", printable(k.typ), shortErr(err))
			continue
		}
		switch k.typ {
		case "loci":
			if g := loci(p); g != nil {
				v.gps = g
			}
		case "kywd":
			v.keywords = append(v.keywords, kywd(p)...)
		case "titl", "dscp", "auth", "perf", "cprt":
			v.set(k.typ, asset3GPP(p))
		default:
			for _, s := range qtStrings(p) {
				v.set(k.typ, s)
			}
		}
	}
}

func udtaWanted(typ string) bool {
	switch typ {
	case "\xa9nam", "\xa9des", "\xa9cmt", "\xa9ART", "\xa9aut", "\xa9mak", "\xa9mod", "\xa9xyz", "\xa9cpy",
		"\xa9key", "titl", "dscp", "auth", "perf", "cprt", "kywd", "loci", "desc", "keyw", "cprt ":
		return true
	}
	return false
}

// set files one text value by atom type or Apple key name.
func (v *video) set(name, s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	switch name {
	case "\xa9nam", "titl", "com.apple.quicktime.title":
		setText(&v.title, s)
	case "\xa9des", "desc", "dscp", "com.apple.quicktime.description":
		setText(&v.description, s)
	case "\xa9cmt", "com.apple.quicktime.comment":
		if _, ok := v.description[XDefault]; !ok {
			setText(&v.description, s)
		}
	case "\xa9ART", "\xa9aut", "auth", "perf", "com.apple.quicktime.author", "com.apple.quicktime.artist":
		v.creators = append(v.creators, s)
	case "\xa9cpy", "cprt", "com.apple.quicktime.copyright":
		if v.rights == "" {
			v.rights = s
		}
	case "\xa9key", "keyw", "com.apple.quicktime.keywords":
		v.keywords = append(v.keywords, s)
	case "\xa9mak", "com.apple.quicktime.make":
		if v.make == "" {
			v.make = s
		}
	case "\xa9mod", "com.apple.quicktime.model":
		if v.model == "" {
			v.model = s
		}
	case "\xa9xyz", "com.apple.quicktime.location.ISO6709":
		g, err := parseISO6709(s)
		if err != nil {
			v.warn("location %q: %v, ignored", s, err)
		} else if g != nil && v.gps == nil {
			v.gps = g
		}
	case "com.apple.quicktime.creationdate":
		if v.date == "" {
			v.date = s
		}
	}
}

// meta reads a meta atom: hdlr, then keys + ilst (Apple "mdta" metadata) or
// an ilst of four-character atoms (iTunes "mdir"). QuickTime writes meta
// without the version/flags of ISO's full box; the hdlr tells which.
func (v *video) meta(m *bmff, b box, depth int) {
	skip := int64(4)
	if p, err := m.payload(b, 8); err == nil && len(p) == 8 && string(p[4:8]) == "hdlr" {
		skip = 0
	}
	kids, err := m.childrenOf(b, skip, depth)
	if err != nil {
		v.warn("meta: %s", shortErr(err))
	}
	var keys []string
	if k, ok := find(kids, "keys"); ok {
		p, err := m.payload(k, 1<<20)
		if err == nil {
			keys = parseKeys(p)
		}
	}
	ilst, ok := find(kids, "ilst")
	if !ok {
		return
	}
	items, err := m.childrenOf(ilst, 0, depth+1)
	if err != nil {
		v.warn("ilst: %s", shortErr(err))
	}
	for _, it := range items {
		name := it.typ
		if idx := binary.BigEndian.Uint32([]byte(it.typ)); len(keys) > 0 && idx >= 1 && int(idx) <= len(keys) {
			name = keys[idx-1]
		}
		if !ilstWanted(name) {
			continue
		}
		data, err := m.childrenOf(it, 0, depth+2)
		if err != nil {
			v.warn("ilst item: %s", shortErr(err))
		}
		for _, d := range data {
			if d.typ != "data" {
				continue
			}
			p, err := m.payload(d, mp4MaxAtomText)
			if err != nil {
				continue
			}
			if s, ok := dataText(p); ok {
				v.set(name, s)
			}
		}
	}
}

func ilstWanted(name string) bool {
	return strings.HasPrefix(name, "com.apple.quicktime.") || udtaWanted(name)
}

// parseKeys reads a keys atom: version/flags, count, then (size, namespace,
// name) entries.
func parseKeys(p []byte) []string {
	r := &be{b: p}
	r.skip(4)
	n := r.u32()
	var keys []string
	for i := uint32(0); i < n && i < mp4MaxKeys && !r.bad; i++ {
		size := r.u32()
		if size < 8 || int(size-8) > len(p)-r.i-4 {
			break
		}
		r.skip(4) // namespace, "mdta"
		keys = append(keys, string(r.take(int(size-8))))
	}
	return keys
}

// dataText decodes an ilst data atom holding text (type 1 UTF-8, 2 UTF-16).
func dataText(p []byte) (string, bool) {
	if len(p) < 8 {
		return "", false
	}
	typ := binary.BigEndian.Uint32(p) & 0xFFFFFF
	val := p[8:]
	switch typ {
	case 1:
		return decodeLegacy(val), true
	case 2:
		return utf16BE(val), true
	}
	return "", false
}

// qtStrings decodes a QuickTime user data text atom: (length, language,
// text) records. Language codes below 0x400 are Macintosh codes, whose text is
// Mac Roman unless it is valid UTF-8; packed ISO 639 codes mean UTF-8 (or
// UTF-16 with a BOM). An atom holding an iTunes data atom is read as that.
func qtStrings(p []byte) []string {
	if len(p) >= 16 && string(p[4:8]) == "data" {
		n := int(binary.BigEndian.Uint32(p))
		if n >= 16 && n <= len(p) {
			if s, ok := dataText(p[8:n]); ok {
				return []string{s}
			}
		}
		return nil
	}
	var out []string
	for len(p) >= 4 && len(out) < 16 {
		n := int(binary.BigEndian.Uint16(p))
		lang := binary.BigEndian.Uint16(p[2:])
		if 4+n > len(p) {
			n = len(p) - 4
		}
		txt := bytes.TrimRight(p[4:4+n], "\x00")
		switch {
		case bytes.HasPrefix(txt, []byte{0xFE, 0xFF}):
			out = append(out, utf16BE(txt[2:]))
		case lang < 0x400 && !utf8.Valid(txt):
			s, _ := charmap.Macintosh.NewDecoder().Bytes(txt)
			out = append(out, string(s))
		default:
			out = append(out, decodeLegacy(txt))
		}
		p = p[4+n:]
	}
	return out
}

// asset3GPP decodes a 3GPP asset atom (titl, dscp, auth, perf, cprt):
// version/flags, packed language, then a NUL-terminated UTF-8 or UTF-16
// string. Some writers store the bare text instead.
func asset3GPP(p []byte) string {
	if len(p) < 6 || !bytes.Equal(p[:4], []byte{0, 0, 0, 0}) {
		return decodeLegacy(bytes.TrimRight(p, "\x00"))
	}
	s := p[6:]
	if bytes.HasPrefix(s, []byte{0xFE, 0xFF}) {
		return strings.TrimRight(utf16BE(s[2:]), "\x00")
	}
	return decodeLegacy(bytes.TrimRight(s, "\x00"))
}

// kywd decodes a 3GPP keywords atom (version/flags, language, count, then
// Pascal-style strings), or bare text as some writers (iMovie) store it.
func kywd(p []byte) []string {
	if len(p) < 7 || !bytes.Equal(p[:4], []byte{0, 0, 0, 0}) {
		s := decodeLegacy(bytes.TrimRight(p, "\x00"))
		return []string{s}
	}
	r := &be{b: p}
	r.skip(6)
	n := int(r.u8())
	var out []string
	for i := 0; i < n && !r.bad; i++ {
		l := int(r.u8())
		s := r.take(l)
		if r.bad {
			break
		}
		if bytes.HasPrefix(s, []byte{0xFE, 0xFF}) {
			out = append(out, strings.TrimRight(utf16BE(s[2:]), "\x00"))
		} else {
			out = append(out, decodeLegacy(bytes.TrimRight(s, "\x00")))
		}
	}
	return out
}

func utf16BE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, binary.BigEndian.Uint16(b[i:]))
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}

// loci decodes a 3GPP location atom: version/flags, language, name, role,
// longitude, latitude, altitude (16.16 fixed point), body, notes. Some
// Android writers leave out the role byte; the body ("earth") tells which
// layout was written.
func loci(p []byte) *GPS {
	if len(p) < 6 {
		return nil
	}
	r := &be{b: p}
	r.skip(6)
	r.cstring()
	start := r.i
	parse := func(role bool) (*GPS, string) {
		q := &be{b: p, i: start}
		if role {
			q.u8()
		}
		fix := func() float64 { return float64(int32(q.u32())) / 65536 }
		lon, lat, alt := fix(), fix(), fix()
		body := q.cstring()
		if q.bad || math.Abs(lat) > 90 || math.Abs(lon) > 180 || (lat == 0 && lon == 0) {
			return nil, ""
		}
		return &GPS{Lat: lat, Lon: lon, AltM: &alt}, body
	}
	g, body := parse(true)
	if g != nil && strings.EqualFold(body, "earth") {
		return g
	}
	if g2, body2 := parse(false); g2 != nil && strings.EqualFold(body2, "earth") {
		return g2
	}
	return g
}

// parseISO6709 reads an ISO 6709 point: "+37.7858-122.4064/",
// "+32.0929+034.8620+028.516/", or the degree-minute forms (±DDMM.M,
// ±DDDMMSS.S). Out-of-range values are an error; 0,0 is absent.
func parseISO6709(s string) (*GPS, error) {
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), "/"))
	if i := strings.Index(s, "CRS"); i >= 0 {
		s = s[:i]
	}
	var parts []string
	for i := 0; i < len(s); {
		if s[i] != '+' && s[i] != '-' {
			return nil, fmt.Errorf("expected a sign at %d", i)
		}
		j := i + 1
		for j < len(s) && (s[j] == '.' || (s[j] >= '0' && s[j] <= '9')) {
			j++
		}
		parts = append(parts, s[i:j])
		i = j
		if len(parts) > 3 {
			return nil, fmt.Errorf("too many parts")
		}
	}
	if len(parts) < 2 {
		return nil, fmt.Errorf("not a point")
	}
	lat, err := iso6709Coord(parts[0], 2)
	if err != nil {
		return nil, err
	}
	lon, err := iso6709Coord(parts[1], 3)
	if err != nil {
		return nil, err
	}
	if math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return nil, fmt.Errorf("coordinate %g,%g out of range", lat, lon)
	}
	if lat == 0 && lon == 0 {
		return nil, nil
	}
	g := &GPS{Lat: lat, Lon: lon}
	if len(parts) == 3 {
		if alt, err := strconv.ParseFloat(parts[2], 64); err == nil && !math.IsInf(alt, 0) && math.Abs(alt) < 1e6 {
			g.AltM = &alt
		}
	}
	return g, nil
}

// iso6709Coord reads one signed coordinate whose integer part has degDigits
// digits of degrees, optionally followed by two of minutes and two of
// seconds.
func iso6709Coord(s string, degDigits int) (float64, error) {
	sign := 1.0
	if s[0] == '-' {
		sign = -1
	}
	s = s[1:]
	intLen := strings.IndexByte(s, '.')
	if intLen < 0 {
		intLen = len(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("coordinate %q: not a number", s)
	}
	switch intLen {
	case degDigits:
	case degDigits + 2:
		deg := math.Floor(f / 100)
		f = deg + (f-deg*100)/60
	case degDigits + 4:
		deg := math.Floor(f / 10000)
		mins := math.Floor((f - deg*10000) / 100)
		f = deg + mins/60 + (f-deg*10000-mins*100)/3600
	default:
		return 0, fmt.Errorf("coordinate %q: %d integer digits", s, intLen)
	}
	return sign * f, nil
}

// extractVideo fills info from a QuickTime/MP4 file.
func extractVideo(r io.ReaderAt, size int64, info *Info, opts Options, loc *time.Location) (*Info, error) {
	v, err := readVideo(r, size)
	if err != nil {
		return nil, err
	}
	return finishVideo(v, info, opts, loc), nil
}

// finishVideo fills info from what a container reader (the MP4 walker or
// ffprobe's report) found, with the XMP and native-metadata rules.
func finishVideo(v *video, info *Info, opts Options, loc *time.Location) *Info {
	info.Warnings = append(info.Warnings, v.warnings...)
	info.Width, info.Height = v.width, v.height
	info.Rotation, info.Codec = v.rotation, v.codec
	if !math.IsNaN(v.durationS) && !math.IsInf(v.durationS, 0) && v.durationS > 0 {
		info.DurationS = math.Round(v.durationS*1000) / 1000
	}
	var cl claims
	cl.addXMP(info, v.xmp, opts.Sidecar)
	applyNative(info, &cl, &v.native, loc)
	// A video's orientation is its Rotation; XMP tiff:Orientation (iMovie
	// writes 1) does not apply to the frames.
	info.Orientation = 0
	delete(info.Provenance, "orientation")
	if len(info.Provenance) == 0 {
		info.Provenance = nil
	}
	return info
}
