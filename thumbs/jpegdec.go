package thumbs

import (
	"errors"
	"image"
	"image/color"
)

// The package's own JPEG decoder: baseline and progressive Huffman-coded
// 8-bit JPEGs, decoded at 1/1, 1/2, 1/4 or 1/8 scale straight from the DCT
// coefficients (see jpegidct.go), into the planes of an image.YCbCr,
// image.Gray or image.CMYK of the scaled size. A progressive image keeps,
// per block, only the coefficients its scale needs plus a 64-bit mask of
// which coefficients are non-zero (successive-approximation refinement
// needs that), so its memory follows the output size. Arithmetic coding,
// 12-bit samples, lossless and hierarchical frames, RGB JPEGs and unusual
// sampling factors are errUnsupported: the caller falls back to image/jpeg.

// ErrTruncated matches (errors.Is) a *TruncatedError.
var ErrTruncated = errors.New("thumbs: JPEG data truncated or damaged")

// TruncatedError is returned, together with the picture, by a JPEG decode
// that ran out of data or met corrupt entropy-coded data part way: the part
// decoded is kept and the rest is mid-grey, as libjpeg does.
type TruncatedError struct {
	Reason string // "premature end of data", "bad Huffman code", "missing EOI"
}

func (e *TruncatedError) Error() string {
	return "thumbs: JPEG data damaged (" + e.Reason + "); the rest of the picture is grey"
}

// Is makes errors.Is(err, ErrTruncated) hold.
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }

// jpegError is a JPEG that cannot be decoded at all.
type jpegError string

func (e jpegError) Error() string { return "jpeg: " + string(e) }

func formatErr(s string) error { return jpegError(s) }

// errUnsupported is a valid JPEG this decoder does not handle.
type errUnsupported string

func (e errUnsupported) Error() string { return "jpeg: unsupported: " + string(e) }

// unzig maps zig-zag order to natural (row-major) order.
const unzig = "\x00\x01\x08\x10\x09\x02\x03\x0a\x11\x18\x20\x19\x12\x0b\x04\x05" +
	"\x0c\x13\x1a\x21\x28\x30\x29\x22\x1b\x14\x0d\x06\x07\x0e\x15\x1c" +
	"\x23\x2a\x31\x38\x39\x32\x2b\x24\x1d\x16\x0f\x17\x1e\x25\x2c\x33" +
	"\x3a\x3b\x34\x2d\x26\x1f\x27\x2e\x35\x3c\x3d\x36\x2f\x37\x3e\x3f"

// JPEG markers.
const (
	mSOF0  = 0xc0
	mSOF1  = 0xc1
	mSOF2  = 0xc2
	mDHT   = 0xc4
	mRST0  = 0xd0
	mRST7  = 0xd7
	mSOI   = 0xd8
	mEOI   = 0xd9
	mSOS   = 0xda
	mDQT   = 0xdb
	mDRI   = 0xdd
	mAPP0  = 0xe0
	mAPP14 = 0xee
	mNone  = 0 // the data ended before another marker
)

type jpegComponent struct {
	id     uint8
	h, v   int // sampling factors
	tq     uint8
	td, ta uint8 // Huffman tables of the current scan
	pred   int32 // DC predictor
	bw, bh int   // blocks across and down, padded to whole MCUs
	cw, ch int   // blocks that hold picture (non-interleaved scans)
	pix    []uint8
	stride int
	rows   int // block rows decoded (sequential)
	coefs  []int16
	mask   []uint64 // progressive: bit k set when coefficient k (zig-zag) is non-zero
}

type jpegScan struct {
	comps          []*jpegComponent
	ss, se, ah, al int
}

type jpegDecoder struct {
	data           []byte
	pos            int
	width, height  int
	comps          []jpegComponent
	progressive    bool
	hmax, vmax     int
	mcusX, mcusY   int
	quant          [4][64]uint16 // zig-zag order
	dc, ac         [4]huffTable
	haveDC, haveAC [4]bool
	restart        int
	jfif, adobe    bool
	transform      uint8
	shift          uint // a block becomes (8>>shift)² pixels
	keep           int  // progressive: zig-zag coefficients kept per block
	eobrun         int
	br             bitReader
	blk            [64]int32
	damaged        string
}

// maxScans bounds the scans of an image (a progressive one has about 10):
// each goes over all the blocks of its components, so a few bytes per
// scan could otherwise keep the decoder busy for minutes.
const maxScans = 100

// readJPEGHeader parses data up to the frame header: enough for the size,
// the components and whether decodeJPEG will handle it.
func readJPEGHeader(data []byte) (*jpegDecoder, error) {
	if len(data) < 2 || data[0] != 0xff || data[1] != mSOI {
		return nil, formatErr("missing SOI marker")
	}
	d := &jpegDecoder{data: data, pos: 2}
	for {
		m, seg, err := d.segment()
		if err != nil {
			return nil, err
		}
		switch {
		case m == mSOF0 || m == mSOF1 || m == mSOF2:
			return d, d.frame(seg, m == mSOF2)
		case m >= 0xc3 && m <= 0xcf && m != mDHT && m != 0xc8 && m != 0xcc:
			return nil, errUnsupported("arithmetic, lossless or hierarchical coding")
		case m == mSOS || m == mEOI || m == mNone:
			return nil, formatErr("missing SOF marker")
		}
		if err := d.tables(m, seg); err != nil {
			return nil, err
		}
	}
}

// segment finds the next marker from d.pos and returns it with its
// payload, leaving d.pos after it. Bytes before the marker are skipped.
func (d *jpegDecoder) segment() (byte, []byte, error) {
	p := d.pos
	for {
		for p < len(d.data) && d.data[p] != 0xff {
			p++
		}
		for p < len(d.data) && d.data[p] == 0xff {
			p++
		}
		if p >= len(d.data) {
			d.pos = p
			return mNone, nil, nil
		}
		m := d.data[p]
		p++
		if m == 0 || m >= mRST0 && m <= mRST7 {
			continue // stuffed byte or a stray restart marker
		}
		if m == mSOI || m == mEOI || m == 0x01 {
			d.pos = p
			return m, nil, nil
		}
		if p+2 > len(d.data) {
			return 0, nil, formatErr("truncated segment")
		}
		n := int(d.data[p])<<8 | int(d.data[p+1])
		if n < 2 || p+n > len(d.data) {
			return 0, nil, formatErr("truncated segment")
		}
		d.pos = p + n
		return m, d.data[p+2 : p+n], nil
	}
}

// frame parses SOF0/1/2.
func (d *jpegDecoder) frame(seg []byte, progressive bool) error {
	if len(seg) < 6 {
		return formatErr("short SOF")
	}
	if seg[0] != 8 {
		return errUnsupported("12-bit samples")
	}
	d.progressive = progressive
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	n := int(seg[5])
	if d.width == 0 || d.height == 0 {
		return errUnsupported("DNL (height set after the scan)")
	}
	if n != 1 && n != 3 && n != 4 {
		return errUnsupported("2-component JPEG")
	}
	if len(seg) < 6+3*n {
		return formatErr("short SOF")
	}
	d.comps = make([]jpegComponent, n)
	for i := range d.comps {
		c := &d.comps[i]
		b := seg[6+3*i:]
		c.id, c.h, c.v, c.tq = b[0], int(b[1]>>4), int(b[1]&15), b[2]
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return formatErr("bad component")
		}
		for j := range i {
			if d.comps[j].id == c.id {
				return formatErr("repeated component id")
			}
		}
		if n == 1 {
			c.h, c.v = 1, 1 // one component: every MCU is one block
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	for i := range d.comps {
		c := &d.comps[i]
		if d.hmax%c.h != 0 || d.vmax%c.v != 0 {
			return errUnsupported("sampling factors")
		}
	}
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		c.cw = ((d.width*c.h+d.hmax-1)/d.hmax + 7) / 8
		c.ch = ((d.height*c.v+d.vmax-1)/d.vmax + 7) / 8
	}
	if n == 3 {
		if _, ok := d.ratio(); !ok {
			return errUnsupported("sampling factors")
		}
	}
	return nil
}

// ratio is the chroma subsampling of a 3-component image.
func (d *jpegDecoder) ratio() (image.YCbCrSubsampleRatio, bool) {
	y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
	if cb.h != cr.h || cb.v != cr.v || y.h%cb.h != 0 || y.v%cb.v != 0 {
		return 0, false
	}
	switch [2]int{y.h / cb.h, y.v / cb.v} {
	case [2]int{1, 1}:
		return image.YCbCrSubsampleRatio444, true
	case [2]int{2, 1}:
		return image.YCbCrSubsampleRatio422, true
	case [2]int{2, 2}:
		return image.YCbCrSubsampleRatio420, true
	case [2]int{1, 2}:
		return image.YCbCrSubsampleRatio440, true
	case [2]int{4, 1}:
		return image.YCbCrSubsampleRatio411, true
	case [2]int{4, 2}:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

// colour checks, once the markers before the first scan are read, that
// the colour model is one this decoder writes.
func (d *jpegDecoder) colour() error {
	switch len(d.comps) {
	case 3:
		rgb := d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B'
		if !d.jfif && (d.adobe && d.transform == 0 || rgb) {
			return errUnsupported("RGB JPEG")
		}
	case 4:
		if !d.adobe {
			return errUnsupported("4-component JPEG without an Adobe marker")
		}
	}
	return nil
}

// tables handles the table and application segments.
func (d *jpegDecoder) tables(m byte, seg []byte) error {
	switch m {
	case mDQT:
		for len(seg) > 0 {
			pq, tq := seg[0]>>4, seg[0]&15
			if tq > 3 || pq > 1 {
				return formatErr("bad DQT")
			}
			n := 64 << pq
			if len(seg) < 1+n {
				return formatErr("short DQT")
			}
			q := &d.quant[tq]
			for k := range 64 {
				if pq == 0 {
					q[k] = uint16(seg[1+k])
				} else {
					q[k] = uint16(seg[1+2*k])<<8 | uint16(seg[2+2*k])
				}
			}
			seg = seg[1+n:]
		}
	case mDHT:
		for len(seg) > 0 {
			if len(seg) < 17 {
				return formatErr("short DHT")
			}
			tc, th := seg[0]>>4, seg[0]&15
			if tc > 1 || th > 3 {
				return formatErr("bad DHT")
			}
			var counts [16]int
			total := 0
			for i := range counts {
				counts[i] = int(seg[1+i])
				total += counts[i]
			}
			if total > 256 || len(seg) < 17+total {
				return formatErr("bad DHT")
			}
			t := &d.dc[th]
			if tc == 1 {
				t = &d.ac[th]
				d.haveAC[th] = true
			} else {
				d.haveDC[th] = true
			}
			if err := t.build(counts, seg[17:17+total], tc == 1); err != nil {
				return err
			}
			seg = seg[17+total:]
		}
	case mDRI:
		if len(seg) < 2 {
			return formatErr("short DRI")
		}
		d.restart = int(seg[0])<<8 | int(seg[1])
	case mAPP0:
		d.jfif = d.jfif || len(seg) >= 5 && string(seg[:5]) == "JFIF\x00"
	case mAPP14:
		if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
			d.adobe, d.transform = true, seg[11]
		}
	}
	return nil
}

// jpegShift is the largest downscale (as a shift: 1/2^s) that keeps the
// long side of a w×h JPEG at least want pixels, or 0 for the full size.
func jpegShift(w, h, want int) uint {
	long := max(w, h)
	for s := uint(3); s > 0; s-- {
		if (long*(8>>s)+7)/8 >= want {
			return s
		}
	}
	return 0
}

// keepAllLimit is the most a progressive image's coefficients may take
// to be kept whole at 1/2 and 1/4 scale (for the box-mean IDCTs, which
// read them all); above it only the N×N lowest frequencies are kept and
// the plain N-point IDCTs used.
const keepAllLimit = 48 << 20

// keepFor is how many zig-zag coefficients a progressive image keeps per
// block at shift.
func (d *jpegDecoder) keepFor(shift uint) int {
	if shift == 3 {
		return 1
	}
	blocks := 0
	for _, c := range d.comps {
		blocks += c.bw * c.bh
	}
	if shift == 0 || blocks*(2*64+8) <= keepAllLimit {
		return 64
	}
	return lowKeep(shift)
}

// lowKeep is how many zig-zag coefficients hold the N×N lowest
// frequencies, N = 8>>shift.
func lowKeep(shift uint) int {
	n := 8 >> shift
	keep := 1
	for k := range 64 {
		if z := int(unzig[k]); z%8 < n && z/8 < n {
			keep = k + 1
		}
	}
	return keep
}

// memory is the bytes decodeJPEG holds at shift: the planes, the kept
// coefficients of a progressive image and the interleaved CMYK output.
func (d *jpegDecoder) memory(shift uint) int64 {
	n := int64(8 >> shift)
	var b int64
	for _, c := range d.comps {
		blocks := int64(c.bw) * int64(c.bh)
		b += blocks * n * n
		if d.progressive {
			b += blocks * (2*int64(d.keepFor(shift)) + 8)
		}
	}
	if len(d.comps) == 4 {
		w, h := d.scaledSize(shift)
		b += int64(w) * int64(h) * 4
	}
	return b
}

// scaledSize is the picture's size at shift.
func (d *jpegDecoder) scaledSize(shift uint) (int, int) {
	n := 8 >> shift
	return (d.width*n + 7) / 8, (d.height*n + 7) / 8
}

// decode decodes the image at 1/2^shift scale. A damaged or truncated
// image comes back with a *TruncatedError.
func (d *jpegDecoder) decode(shift uint) (image.Image, error) {
	return d.decodeKeeping(shift, d.keepFor(shift))
}

// decodeKeeping is decode keeping keep coefficients per block of a
// progressive image.
func (d *jpegDecoder) decodeKeeping(shift uint, keep int) (image.Image, error) {
	d.shift = shift
	n := 8 >> shift
	d.keep = 64
	if d.progressive {
		d.keep = keep
	}
	for i := range d.comps {
		c := &d.comps[i]
		c.stride = c.bw * n
		c.pix = make([]uint8, c.stride*c.bh*n)
		if d.progressive {
			c.coefs = make([]int16, c.bw*c.bh*d.keep)
			c.mask = make([]uint64, c.bw*c.bh)
		}
	}
	scans := 0
	checked := false
loop:
	for d.damaged == "" {
		m, seg, err := d.segment()
		if err != nil {
			if scans == 0 {
				return nil, err
			}
			d.damaged = "premature end of data"
			break
		}
		switch m {
		case mEOI:
			break loop
		case mNone:
			if scans == 0 {
				return nil, formatErr("missing SOS marker")
			}
			d.damaged = "missing EOI"
		case mSOS:
			if !checked {
				if err := d.colour(); err != nil {
					return nil, err
				}
				checked = true
			}
			if scans == maxScans {
				d.damaged = "too many scans"
				break loop
			}
			sc, err := d.scanHeader(seg)
			if err != nil {
				if scans == 0 {
					return nil, err
				}
				d.damaged = err.Error()
				break loop
			}
			d.scan(sc)
			scans++
		default:
			if err := d.tables(m, seg); err != nil {
				return nil, err
			}
		}
	}
	if !checked {
		return nil, formatErr("missing SOS marker")
	}
	if d.progressive {
		d.idctAll()
	} else {
		for i := range d.comps {
			c := &d.comps[i]
			for j := c.rows * n * c.stride; j < len(c.pix); j++ {
				c.pix[j] = 0x80
			}
		}
	}
	img := d.assemble()
	if d.damaged != "" {
		return img, &TruncatedError{Reason: d.damaged}
	}
	return img, nil
}

func (d *jpegDecoder) scanHeader(seg []byte) (jpegScan, error) {
	var sc jpegScan
	if len(seg) < 1 {
		return sc, formatErr("short SOS")
	}
	ns := int(seg[0])
	if ns < 1 || ns > 4 || len(seg) < 4+2*ns {
		return sc, formatErr("bad SOS")
	}
	for i := range ns {
		id, t := seg[1+2*i], seg[2+2*i]
		var c *jpegComponent
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return sc, formatErr("unknown component in SOS")
		}
		c.td, c.ta = t>>4, t&15
		if c.td > 3 || c.ta > 3 {
			return sc, formatErr("bad Huffman table selector")
		}
		sc.comps = append(sc.comps, c)
	}
	p := seg[1+2*ns:]
	sc.ss, sc.se, sc.ah, sc.al = int(p[0]), int(p[1]), int(p[2]>>4), int(p[2]&15)
	if !d.progressive {
		sc.ss, sc.se, sc.ah, sc.al = 0, 63, 0, 0
	}
	if sc.ss > sc.se || sc.se > 63 || sc.al > 13 || d.progressive && (sc.ss == 0 && sc.se != 0 || sc.ss > 0 && ns != 1) {
		return sc, formatErr("bad spectral selection")
	}
	blocks := 0
	for _, c := range sc.comps {
		if (sc.ss == 0 && sc.ah == 0 && !d.haveDC[c.td]) || (sc.se > 0 && !d.haveAC[c.ta]) {
			return sc, formatErr("missing Huffman table")
		}
		blocks += c.h * c.v
	}
	if ns > 1 && blocks > 10 {
		return sc, formatErr("too many blocks in an MCU")
	}
	return sc, nil
}

// scan decodes one scan's entropy-coded data, which starts at d.pos.
func (d *jpegDecoder) scan(sc jpegScan) {
	d.br = bitReader{data: d.data, pos: d.pos}
	d.eobrun = 0
	for _, c := range sc.comps {
		c.pred = 0
	}
	mx, my := d.mcusX, d.mcusY
	if len(sc.comps) == 1 {
		mx, my = sc.comps[0].cw, sc.comps[0].ch
	}
	idct := d.idctFunc()
	mcu := 0
	for y := range my {
		for x := range mx {
			if d.restart > 0 && mcu > 0 && mcu%d.restart == 0 {
				d.nextRestart(sc)
			}
			mcu++
			for _, c := range sc.comps {
				if len(sc.comps) == 1 {
					d.block(c, x, y, sc, idct)
					continue
				}
				for by := range c.v {
					for bx := range c.h {
						d.block(c, x*c.h+bx, y*c.v+by, sc, idct)
					}
				}
			}
		}
		if d.br.overread() || d.br.bad {
			d.damaged = "premature end of data"
			if d.br.bad {
				d.damaged = "bad Huffman code"
			}
			break
		}
		for _, c := range sc.comps {
			if len(sc.comps) == 1 {
				c.rows = y + 1
			} else {
				c.rows = (y + 1) * c.v
			}
		}
	}
	d.pos = d.br.pos
}

// nextRestart skips to the data after the next RSTn marker and resets
// the decoding state. A missing marker leaves the reader on the next
// marker, feeding zeros, so that the scan ends as damaged.
func (d *jpegDecoder) nextRestart(sc jpegScan) {
	br := &d.br
	br.reset()
	p := br.pos
	for p+1 < len(d.data) {
		if d.data[p] == 0xff {
			m := d.data[p+1]
			if m >= mRST0 && m <= mRST7 {
				br.pos = p + 2
				break
			}
			if m != 0 && m != 0xff {
				br.pos, br.marker = p, true
				break
			}
		}
		p++
	}
	if p+1 >= len(d.data) {
		br.pos = len(d.data)
	}
	for _, c := range sc.comps {
		c.pred = 0
	}
	d.eobrun = 0
}

func (d *jpegDecoder) idctFunc() func(*[64]int32, []uint8, int) {
	switch {
	case d.shift == 1 && d.keep < 64:
		return idct4Low
	case d.shift == 1:
		return idct4
	case d.shift == 2 && d.keep < 64:
		return idct2Low
	case d.shift == 2:
		return idct2
	case d.shift == 3:
		return idct1
	}
	return idct8
}

// block decodes the block at (bx, by) of c.
func (d *jpegDecoder) block(c *jpegComponent, bx, by int, sc jpegScan, idct func(*[64]int32, []uint8, int)) {
	if d.progressive {
		d.progressiveBlock(c, by*c.bw+bx, sc)
		return
	}
	br := &d.br
	q := &d.quant[c.tq]
	ac := &d.ac[c.ta]
	blk := &d.blk
	s := br.decode(&d.dc[c.td])
	if s > 15 {
		br.bad = true
		s = 0
	}
	c.pred += br.receiveExtend(uint(s))
	blk[0] = c.pred * int32(q[0])
	last := 0
	// The bit buffer lives in locals here, the hot loop of the decoder.
	acc, nb := br.acc, br.n
	for k := 1; k < 64; {
		if nb < 16 {
			br.acc, br.n = acc, nb
			br.fill()
			acc, nb = br.acc, br.n
		}
		if e := ac.ac[acc>>(64-lookBits)]; e != 0 {
			l := uint(e & 0xff)
			acc <<= l
			nb -= l
			k += int(e>>8) & 0xff
			if k > 63 {
				br.bad = true
				break
			}
			blk[unzig[k]&63] = (e >> 16) * int32(q[k&63])
			last = k
			k++
			continue
		}
		br.acc, br.n = acc, nb
		rs := br.decode(ac)
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 || k+r > 63 {
			acc, nb = br.acc, br.n
			if s != 0 {
				br.bad = true
				break
			}
			if r != 15 {
				break
			}
			k += 16
			continue
		}
		k += r
		v := br.receiveExtend(s)
		acc, nb = br.acc, br.n
		blk[unzig[k]&63] = v * int32(q[k&63])
		last = k
		k++
	}
	br.acc, br.n = acc, nb
	n := 8 >> d.shift
	dst := c.pix[by*n*c.stride+bx*n:]
	if last == 0 {
		p := clampPix(descale(blk[0], 3))
		for r := range n {
			row := dst[r*c.stride : r*c.stride+n]
			for i := range row {
				row[i] = p
			}
		}
	} else {
		idct(blk, dst, c.stride)
	}
	for k := 0; k <= last; k++ {
		blk[unzig[k]] = 0
	}
}

// progressiveBlock decodes the part of block i of c that scan sc carries
// (G.1.2), keeping the first d.keep coefficients.
func (d *jpegDecoder) progressiveBlock(c *jpegComponent, i int, sc jpegScan) {
	br := &d.br
	co := c.coefs[i*d.keep : (i+1)*d.keep]
	mask := &c.mask[i]
	if sc.ss == 0 {
		if sc.ah == 0 {
			s := br.decode(&d.dc[c.td])
			if s > 15 {
				br.bad = true
				s = 0
			}
			c.pred += br.receiveExtend(uint(s))
			co[0] = int16(c.pred << sc.al)
		} else if br.bit() {
			co[0] |= 1 << sc.al
		}
		return
	}
	ac := &d.ac[c.ta]
	if sc.ah == 0 {
		if d.eobrun > 0 {
			d.eobrun--
			return
		}
		for k := sc.ss; k <= sc.se; k++ {
			rs := br.decode(ac)
			r, s := int(rs>>4), uint(rs&15)
			if s == 0 {
				if r < 15 {
					d.eobrun = 1<<r - 1 + int(br.bits(uint(r)))
					break
				}
				k += 15
				continue
			}
			k += r
			if k > sc.se {
				br.bad = true
				break
			}
			if k < d.keep {
				co[k] = int16(br.receiveExtend(s) << sc.al)
			} else {
				br.bits(s)
			}
			*mask |= 1 << k
		}
		return
	}
	// Refinement: a correction bit for every coefficient already non-zero
	// in the band, and new coefficients of ±1<<al.
	p1 := int16(1) << sc.al
	refine := func(k int) {
		if br.bit() && k < d.keep && co[k]&p1 == 0 {
			if co[k] >= 0 {
				co[k] += p1
			} else {
				co[k] -= p1
			}
		}
	}
	k := sc.ss
	if d.eobrun == 0 {
		for ; k <= sc.se; k++ {
			rs := br.decode(ac)
			r, s := int(rs>>4), rs&15
			z := int16(0)
			if s != 0 {
				z = -p1
				if br.bit() {
					z = p1
				}
			} else if r != 15 {
				d.eobrun = 1<<r + int(br.bits(uint(r)))
				break
			}
			for ; k <= sc.se; k++ {
				if *mask&(1<<k) != 0 {
					refine(k)
				} else {
					if r == 0 {
						break
					}
					r--
				}
			}
			if z != 0 && k <= sc.se {
				*mask |= 1 << k
				if k < d.keep {
					co[k] = z
				}
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= sc.se; k++ {
			if *mask&(1<<k) != 0 {
				refine(k)
			}
		}
		d.eobrun--
	}
}

// idctAll turns the kept coefficients of a progressive image into pixels.
func (d *jpegDecoder) idctAll() {
	idct := d.idctFunc()
	n := 8 >> d.shift
	blk := &d.blk
	for i := range d.comps {
		c := &d.comps[i]
		q := &d.quant[c.tq]
		for by := range c.bh {
			for bx := range c.bw {
				j := by*c.bw + bx
				co := c.coefs[j*d.keep : (j+1)*d.keep]
				for k, v := range co {
					blk[unzig[k]] = int32(v) * int32(q[k])
				}
				idct(blk, c.pix[by*n*c.stride+bx*n:], c.stride)
			}
		}
		c.coefs, c.mask = nil, nil
	}
	clear(blk[:])
}

// assemble wraps the planes in the image type of the colour model.
func (d *jpegDecoder) assemble() image.Image {
	w, h := d.scaledSize(d.shift)
	r := image.Rect(0, 0, w, h)
	switch len(d.comps) {
	case 1:
		c := &d.comps[0]
		return &image.Gray{Pix: c.pix, Stride: c.stride, Rect: r}
	case 3:
		ratio, _ := d.ratio()
		return &image.YCbCr{Y: d.comps[0].pix, Cb: d.comps[1].pix, Cr: d.comps[2].pix,
			YStride: d.comps[0].stride, CStride: d.comps[1].stride, SubsampleRatio: ratio, Rect: r}
	}
	// CMYK: Adobe stores it inverted; YCCK is YCbCr-coded inverted CMY,
	// which the conversion to RGB un-inverts, and an inverted K.
	m := image.NewCMYK(r)
	for ci := range d.comps {
		c := &d.comps[ci]
		sx, sy := d.hmax/c.h, d.vmax/c.v
		for y := range h {
			src := c.pix[(y/sy)*c.stride:]
			out := m.Pix[y*m.Stride+ci:]
			for x := range w {
				out[4*x] = 255 - src[x/sx]
			}
		}
	}
	if d.transform != 0 {
		for i := 0; i < len(m.Pix); i += 4 {
			p := m.Pix[i : i+4 : i+4]
			p[0], p[1], p[2] = color.YCbCrToRGB(255-p[0], 255-p[1], 255-p[2])
		}
	}
	for i := range d.comps {
		d.comps[i].pix = nil
	}
	return m
}
