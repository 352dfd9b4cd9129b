package thumbs

import (
	"context"
	"errors"
	"fmt"

	"github.com/haiduong/promo-archive/archive"
)

// ErrNoPicture is RenderSize's answer for an original it cannot draw (a
// placeholder's kind, or one too large); the caller serves something else.
var ErrNoPicture = errors.New("thumbs: no picture of this original")

// RenderSize draws the original in.Path as a JPEG whose long side is at
// most size (never upscaled): the download presets larger than the
// preview, drawn on demand. name names the result.
func (r *Renderer) RenderSize(ctx context.Context, in archive.RenderInput, name string, size int) (ri archive.RenderedImage, err error) {
	if size <= 0 {
		return ri, fmt.Errorf("thumbs: size %d", size)
	}
	defer func() {
		if p := recover(); p != nil {
			ri, err = archive.RenderedImage{}, fmt.Errorf("thumbs: decode %s: panic: %v", in.MIME, p)
		}
	}()
	img, o, err := r.picture(ctx, in)
	var s *skip
	if errors.As(err, &s) {
		return ri, fmt.Errorf("%w: %s", ErrNoPicture, s.warning)
	}
	if err != nil {
		return ri, err
	}
	if err := ctx.Err(); err != nil {
		return ri, err
	}
	return r.encode(name, scaled(img, o, size))
}
