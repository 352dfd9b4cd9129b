package thumbs

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/haiduong/promo-archive/archive"
)

// ErrNoPicture is what Picture returns for an original it cannot draw (no
// decoder, a missing or failing tool, a size over the pixel cap); the
// wrapped message says why.
var ErrNoPicture = errors.New("thumbs: no picture")

// Picture decodes in's picture at its own size, upright and opaque: the
// photo itself, a video's poster frame or a publication's first page or
// cover (those two at most PreviewSize, as the tools draw them). It is the
// source the renditions are made from, for callers that cut their own
// pieces of it (IIIF). The result is shared by nobody: the caller owns it.
func (r *Renderer) Picture(ctx context.Context, in archive.RenderInput) (img image.Image, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("thumbs: decode %s: panic: %v", in.MIME, p)
		}
	}()
	ls := r.budget.lease(ctx)
	ls.full = true
	defer ls.release() // the picture outlives its lease: the budget bounds decoding
	img, o, err := r.picture(ls, in)
	var s *skip
	if errors.As(err, &s) {
		return nil, fmt.Errorf("%w: %s", ErrNoPicture, s.warning)
	}
	if err != nil {
		return nil, err
	}
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		if o < 2 || o > 8 {
			return img, nil // opaque already; kept in its own planes (a third of the bytes)
		}
	}
	return orient(opaque(img), o), nil
}

// Scale returns the part crop of img (in img's coordinates) scaled to w×h,
// opaque: a box filter first takes it down by an integer factor to no less
// than preShrinkMargin × the target, Catmull-Rom does the rest (upscaling
// too). img must be opaque, as Picture returns it: it is then read, never
// written, so one decoded picture can serve many calls at once. The result
// may share img's pixels when no scaling is needed; do not modify it.
func (r *Renderer) Scale(img image.Image, crop image.Rectangle, w, h int) *image.NRGBA {
	crop = crop.Intersect(img.Bounds())
	if crop.Empty() || w < 1 || h < 1 {
		return image.NewNRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	}
	sub := subImage(img, crop)
	cw, ch := crop.Dx(), crop.Dy()
	k := max(1, int(min(float64(cw)/float64(w), float64(ch)/float64(h))/preShrinkMargin))
	pre := shrink(sub, max(1, (cw+k/2)/k), max(1, (ch+k/2)/k))
	return resize(pre, w, h)
}

// subImage is img cut to crop, sharing its pixels.
func subImage(img image.Image, crop image.Rectangle) image.Image {
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(crop)
	}
	return img // the decoders' types all have SubImage
}
