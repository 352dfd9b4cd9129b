package thumbs

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
)

// A PNG decoded without holding it: the rows are unfiltered as they
// inflate, composited onto white and summed into the boxes of the shrunk
// image, so a PNG costs two rows and its output, whatever its size. All
// bit depths and colour types are read this way; an interlaced PNG (whose
// passes cover the whole image before any row is complete) is decoded
// whole by image/png, within the budget.

// pngHeader is what a PNG's chunks before the first IDAT say.
type pngHeader struct {
	w, h         int
	depth, ctype uint8
	interlaced   bool
	palette      [256][4]uint8 // NRGBA; entries past the PLTE are opaque black
	key          [3]uint16     // tRNS colour key of a grey or RGB image
	hasKey       bool
}

// channels is the number of samples per pixel.
func (p *pngHeader) channels() int {
	switch p.ctype {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

// idatReader reads the concatenated IDAT data of a PNG.
type idatReader struct {
	r    *bufio.Reader
	left uint32 // bytes left in the current IDAT chunk
	done bool
}

func (d *idatReader) Read(b []byte) (int, error) {
	for d.left == 0 {
		if d.done {
			return 0, io.EOF
		}
		if _, err := d.r.Discard(4); err != nil { // the CRC
			return 0, err
		}
		n, typ, err := pngChunk(d.r)
		if err != nil {
			return 0, err
		}
		if typ != "IDAT" {
			d.done = true
			return 0, io.EOF
		}
		d.left = n
	}
	n, err := d.r.Read(b[:min(len(b), int(d.left))])
	d.left -= uint32(n)
	return n, err
}

func pngChunk(r *bufio.Reader) (uint32, string, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, "", err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > 1<<31-1 {
		return 0, "", errors.New("png: chunk too long")
	}
	return n, string(h[4:]), nil
}

// readPNGHeader reads up to the first IDAT chunk's data.
func readPNGHeader(r *bufio.Reader) (*pngHeader, *idatReader, error) {
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil || string(sig[:]) != "\x89PNG\r\n\x1a\n" {
		return nil, nil, errors.New("png: not a PNG")
	}
	p := &pngHeader{}
	for i := range p.palette {
		p.palette[i] = [4]uint8{0, 0, 0, 0xff}
	}
	seenIHDR := false
	for {
		n, typ, err := pngChunk(r)
		if err != nil {
			return nil, nil, fmt.Errorf("png: %w", err)
		}
		if typ == "IDAT" {
			if !seenIHDR {
				return nil, nil, errors.New("png: IDAT before IHDR")
			}
			return p, &idatReader{r: r, left: n}, nil
		}
		if n > 1<<20 || typ != "IHDR" && typ != "PLTE" && typ != "tRNS" {
			if _, err := r.Discard(int(n) + 4); err != nil {
				return nil, nil, fmt.Errorf("png: %w", err)
			}
			continue
		}
		b := make([]byte, n+4)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, nil, fmt.Errorf("png: %w", err)
		}
		b = b[:n]
		switch typ {
		case "IHDR":
			if n != 13 {
				return nil, nil, errors.New("png: bad IHDR")
			}
			p.w, p.h = int(binary.BigEndian.Uint32(b)), int(binary.BigEndian.Uint32(b[4:]))
			p.depth, p.ctype, p.interlaced = b[8], b[9], b[12] == 1
			if !validPNGDepth(p.ctype, p.depth) || p.w <= 0 || p.h <= 0 || b[12] > 1 {
				return nil, nil, errors.New("png: bad IHDR")
			}
			seenIHDR = true
		case "PLTE":
			for i := 0; i+2 < len(b) && i/3 < 256; i += 3 {
				p.palette[i/3] = [4]uint8{b[i], b[i+1], b[i+2], 0xff}
			}
		case "tRNS":
			switch p.ctype {
			case 3:
				for i, a := range b[:min(len(b), 256)] {
					p.palette[i][3] = a
				}
			case 0:
				if len(b) >= 2 {
					p.key[0], p.hasKey = binary.BigEndian.Uint16(b), true
				}
			case 2:
				if len(b) >= 6 {
					for c := range 3 {
						p.key[c] = binary.BigEndian.Uint16(b[2*c:])
					}
					p.hasKey = true
				}
			}
		}
	}
}

func validPNGDepth(ctype, depth uint8) bool {
	switch ctype {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6:
		return depth == 8 || depth == 16
	}
	return false
}

// decodePNG decodes the PNG in sr shrunk by preShrinkFactor as its rows
// inflate, or, interlaced, whole with image/png.
func (r *Renderer) decodePNG(ls *lease, sr *io.SectionReader, what string) (image.Image, error) {
	br := bufio.NewReaderSize(sr, 64<<10)
	p, idat, err := readPNGHeader(br)
	if err != nil {
		return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	if p.interlaced {
		cfg, err := png.DecodeConfig(io.NewSectionReader(sr, 0, sr.Size()))
		if err != nil {
			return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
		}
		if err := ls.take(int64(p.w)*int64(p.h)*heldBytesPerPixel(cfg.ColorModel), what); err != nil {
			return nil, err
		}
		img, err := png.Decode(io.NewSectionReader(sr, 0, sr.Size()))
		if err != nil {
			return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
		}
		return img, nil
	}
	k := 1
	if !ls.full {
		k = preShrinkFactor(max(p.w, p.h))
	}
	dw, dh := max(1, (p.w+k/2)/k), max(1, (p.h+k/2)/k)
	rowBytes := (p.w*p.channels()*int(p.depth) + 7) / 8
	if err := ls.take(int64(dw)*int64(dh)*4+int64(dw)*24+int64(rowBytes)*2+int64(p.w)*3+64<<10, what); err != nil {
		return nil, err
	}
	img, err := p.decode(idat, dw, dh, rowBytes)
	if err != nil {
		return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	if k > 1 {
		return &scaled{img, p.w, p.h}, nil
	}
	return img, nil
}

// decode inflates, unfilters and box-shrinks the rows into a dw×dh
// opaque image.
func (p *pngHeader) decode(idat io.Reader, dw, dh, rowBytes int) (*image.NRGBA, error) {
	zr, err := zlib.NewReader(idat)
	if err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	defer zr.Close()
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	lo, hi := make([]int, dw), make([]int, dw)
	for i := range lo {
		lo[i] = i * p.w / dw
		hi[i] = max((i+1)*p.w/dw, lo[i]+1)
	}
	acc := make([]uint64, 3*dw)
	cur, prev := make([]byte, 1+rowBytes), make([]byte, 1+rowBytes)
	px := make([]uint8, 3*p.w)
	bpp := max(1, p.channels()*int(p.depth)/8)
	j, y0 := 0, 0
	y1 := max(p.h/dh, 1)
	for y := range p.h {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return nil, fmt.Errorf("png: row %d: %w", y, err)
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return nil, err
		}
		p.row(cur[1:], px)
		for i := range dw {
			var r, g, b uint32
			for x := lo[i]; x < hi[i]; x++ {
				r += uint32(px[3*x])
				g += uint32(px[3*x+1])
				b += uint32(px[3*x+2])
			}
			acc[3*i] += uint64(r)
			acc[3*i+1] += uint64(g)
			acc[3*i+2] += uint64(b)
		}
		if y == y1-1 && j < dh {
			out := dst.Pix[j*dst.Stride:]
			for i := range dw {
				n := uint64((y1 - y0) * (hi[i] - lo[i]))
				for c := range 3 {
					out[4*i+c] = uint8((acc[3*i+c] + n/2) / n)
				}
				out[4*i+3] = 0xff
			}
			clear(acc)
			j++
			y0 = y1
			y1 = max((j+1)*p.h/dh, y0+1)
		}
		cur, prev = prev, cur
	}
	return dst, nil
}

// unfilter undoes a PNG row filter in place; prev is the previous row,
// unfiltered (zeros for the first).
func unfilter(f byte, cur, prev []byte, bpp int) error {
	switch f {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i, v := range prev {
			cur[i] += v
		}
	case 3:
		for i := range bpp {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4:
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return fmt.Errorf("png: bad filter type %d", f)
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// row turns one unfiltered row into 8-bit RGB composited onto white (16-bit
// samples keep their high byte, as imaging does).
func (p *pngHeader) row(src []byte, dst []uint8) {
	put := func(x int, r, g, b, a uint8) {
		if a != 0xff {
			r, g, b = overWhite(r, a), overWhite(g, a), overWhite(b, a)
		}
		dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, b
	}
	w := p.w
	wide := p.depth == 16
	s16 := func(i int) uint16 { return uint16(src[2*i])<<8 | uint16(src[2*i+1]) }
	switch p.ctype {
	case 0, 3:
		if p.depth < 8 {
			d := int(p.depth)
			mask := byte(1<<d - 1)
			for x := range w {
				bit := x * d
				v := src[bit/8] >> (8 - d - bit%8) & mask
				if p.ctype == 3 {
					e := p.palette[v]
					put(x, e[0], e[1], e[2], e[3])
					continue
				}
				a := uint8(0xff)
				if p.hasKey && uint16(v) == p.key[0] {
					a = 0
				}
				g := v * (0xff / mask)
				put(x, g, g, g, a)
			}
			return
		}
		for x := range w {
			var g uint8
			a := uint8(0xff)
			switch {
			case p.ctype == 3:
				e := p.palette[src[x]]
				put(x, e[0], e[1], e[2], e[3])
				continue
			case wide:
				g = uint8(s16(x) >> 8)
				if p.hasKey && s16(x) == p.key[0] {
					a = 0
				}
			default:
				g = src[x]
				if p.hasKey && uint16(g) == p.key[0] {
					a = 0
				}
			}
			put(x, g, g, g, a)
		}
	case 2:
		for x := range w {
			if wide {
				r, g, b := s16(3*x), s16(3*x+1), s16(3*x+2)
				a := uint8(0xff)
				if p.hasKey && r == p.key[0] && g == p.key[1] && b == p.key[2] {
					a = 0
				}
				put(x, uint8(r>>8), uint8(g>>8), uint8(b>>8), a)
				continue
			}
			r, g, b := src[3*x], src[3*x+1], src[3*x+2]
			a := uint8(0xff)
			if p.hasKey && uint16(r) == p.key[0] && uint16(g) == p.key[1] && uint16(b) == p.key[2] {
				a = 0
			}
			put(x, r, g, b, a)
		}
	case 4:
		for x := range w {
			if wide {
				g := uint8(s16(2*x) >> 8)
				put(x, g, g, g, uint8(s16(2*x+1)>>8))
				continue
			}
			put(x, src[2*x], src[2*x], src[2*x], src[2*x+1])
		}
	case 6:
		size := 4
		if wide {
			size = 8
		}
		hi := size / 4 // the step between high bytes of samples
		for x := range w {
			s := src[size*x : size*x+size : size*x+size]
			d := dst[3*x : 3*x+3 : 3*x+3]
			a := s[3*hi]
			if a == 0xff {
				d[0], d[1], d[2] = s[0], s[hi], s[2*hi]
				continue
			}
			d[0], d[1], d[2] = overWhite(s[0], a), overWhite(s[hi], a), overWhite(s[2*hi], a)
		}
	}
}

// overWhite composites a non-premultiplied sample c of opacity a onto white.
func overWhite(c, a uint8) uint8 {
	return uint8(min((uint32(c)*uint32(a)+127)/0xff+0xff-uint32(a), 0xff))
}
