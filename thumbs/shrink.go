package thumbs

import (
	"image"
	"image/color"

	"github.com/disintegration/imaging"
)

// plane is one 8-bit channel of an image: sample (x, y) is
// pix[off + y*stride + x*step].
type plane struct {
	pix               []uint8
	off, stride, step int
	w, h              int
}

// shrinkPlane sets each sample of dst to the mean of the box of src samples
// that maps onto it. Box i starts at i*src.w/dst.w (and likewise for rows),
// so any sizes work; a box is at least one sample wide, which makes a dst
// larger than src (a subsampled chroma plane) a nearest-neighbour stretch.
func shrinkPlane(dst, src plane) {
	if dst.w == src.w && dst.h == src.h { // a copy (a decode already scaled)
		for y := range dst.h {
			in, out := src.pix[src.off+y*src.stride:], dst.pix[dst.off+y*dst.stride:]
			for x := range dst.w {
				out[x*dst.step] = in[x*src.step]
			}
		}
		return
	}
	lo, hi := make([]int, dst.w), make([]int, dst.w) // box i is [lo[i], hi[i])
	for i := range lo {
		lo[i] = i * src.w / dst.w
		hi[i] = max((i+1)*src.w/dst.w, lo[i]+1)
	}
	acc := make([]uint64, dst.w)
	for j := 0; j < dst.h; j++ {
		y0 := j * src.h / dst.h
		y1 := max((j+1)*src.h/dst.h, y0+1)
		clear(acc)
		for y := y0; y < y1; y++ {
			row := src.pix[src.off+y*src.stride:]
			if src.step == 1 {
				for i := range acc {
					var s uint32
					for _, v := range row[lo[i]:hi[i]] {
						s += uint32(v)
					}
					acc[i] += uint64(s)
				}
				continue
			}
			for i := range acc {
				var s uint32
				for x := lo[i]; x < hi[i]; x++ {
					s += uint32(row[x*src.step])
				}
				acc[i] += uint64(s)
			}
		}
		out := dst.pix[dst.off+j*dst.stride:]
		for i, s := range acc {
			n := uint64((y1 - y0) * (hi[i] - lo[i]))
			out[i*dst.step] = uint8((s + n/2) / n)
		}
	}
}

// shrink box-filters img down to an opaque dw×dh image, compositing any
// transparency onto white. It may modify img's pixels (the caller owns the
// freshly decoded image). YCbCr and CMYK are averaged in their own planes
// and converted after shrinking, which costs a conversion per output pixel
// instead of per input pixel.
func shrink(img image.Image, dw, dh int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	out := func(c int) plane { return plane{dst.Pix, c, dst.Stride, 4, dw, dh} }
	b := img.Bounds()
	var convert func(p []uint8)
	switch m := img.(type) {
	case *image.YCbCr:
		if dw == b.Dx() && dh == b.Dy() { // only converting (a scaled decode)
			ycbcrToNRGBA(dst, m)
			return dst
		}
		cw, ch := chromaSize(b, m.SubsampleRatio)
		co := m.COffset(b.Min.X, b.Min.Y)
		shrinkPlane(out(0), plane{m.Y, m.YOffset(b.Min.X, b.Min.Y), m.YStride, 1, b.Dx(), b.Dy()})
		shrinkPlane(out(1), plane{m.Cb, co, m.CStride, 1, cw, ch})
		shrinkPlane(out(2), plane{m.Cr, co, m.CStride, 1, cw, ch})
		convert = func(p []uint8) { p[0], p[1], p[2] = color.YCbCrToRGB(p[0], p[1], p[2]) }
	case *image.Gray:
		shrinkPlane(out(0), plane{m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, 1, b.Dx(), b.Dy()})
		convert = func(p []uint8) { p[1], p[2] = p[0], p[0] }
	case *image.CMYK:
		for c := range 4 {
			shrinkPlane(out(c), plane{m.Pix, m.PixOffset(b.Min.X, b.Min.Y) + c, m.Stride, 4, b.Dx(), b.Dy()})
		}
		convert = func(p []uint8) { p[0], p[1], p[2] = color.CMYKToRGB(p[0], p[1], p[2], p[3]) }
	default:
		n := opaque(img)
		if n.Rect.Dx() == dw && n.Rect.Dy() == dh {
			return n
		}
		for c := range 3 {
			shrinkPlane(out(c), plane{n.Pix, c, n.Stride, 4, n.Rect.Dx(), n.Rect.Dy()})
		}
	}
	for i := 0; i < len(dst.Pix); i += 4 {
		p := dst.Pix[i : i+4 : i+4]
		if convert != nil {
			convert(p)
		}
		p[3] = 0xff
	}
	return dst
}

// chromaSize is the size of the Cb and Cr planes of a YCbCr image.
func chromaSize(r image.Rectangle, ratio image.YCbCrSubsampleRatio) (w, h int) {
	hs, vs := 1, 1
	switch ratio {
	case image.YCbCrSubsampleRatio422:
		hs = 2
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		vs = 2
	case image.YCbCrSubsampleRatio411:
		hs = 4
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	}
	w = (r.Max.X+hs-1)/hs - r.Min.X/hs
	h = (r.Max.Y+vs-1)/vs - r.Min.Y/vs
	return max(w, 1), max(h, 1)
}

// opaque returns img as an NRGBA composited onto white, reusing img's
// pixels when it already is an RGBA or NRGBA.
func opaque(img image.Image) *image.NRGBA {
	var n *image.NRGBA
	premultiplied := false
	switch m := img.(type) {
	case *image.NRGBA:
		n = m
	case *image.RGBA:
		n = &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		premultiplied = true
	default:
		n = imaging.Clone(img)
	}
	w := n.Rect.Dx() * 4
	for y := 0; y < n.Rect.Dy(); y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+w]
		for i := 0; i < len(row); i += 4 {
			p := row[i : i+4 : i+4]
			a := uint32(p[3])
			if a == 0xff {
				continue
			}
			for c := range 3 {
				v := uint32(p[c])
				if !premultiplied {
					v = (v*a + 127) / 0xff
				}
				p[c] = uint8(min(v+0xff-a, 0xff)) // over white: c·a + 1·(1−a)
			}
			p[3] = 0xff
		}
	}
	return n
}

// ycbcrToNRGBA converts m into dst, which has its size, taking the chroma
// sample of each pixel's box (nearest), as shrink does.
func ycbcrToNRGBA(dst *image.NRGBA, m *image.YCbCr) {
	b := m.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		out := dst.Pix[(y-b.Min.Y)*dst.Stride : (y-b.Min.Y)*dst.Stride+4*b.Dx()]
		yi := m.YOffset(b.Min.X, y)
		for x := b.Min.X; x < b.Max.X; x++ {
			ci := m.COffset(x, y)
			p := out[4*(x-b.Min.X) : 4*(x-b.Min.X)+4 : 4*(x-b.Min.X)+4]
			p[0], p[1], p[2] = color.YCbCrToRGB(m.Y[yi+x-b.Min.X], m.Cb[ci], m.Cr[ci])
			p[3] = 0xff
		}
	}
}
