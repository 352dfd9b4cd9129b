package thumbs

import (
	"context"
	"fmt"

	"github.com/haiduong/promo-archive/archive"
)

// RenderSize draws the original in.Path as a JPEG whose long side is at
// most size (never upscaled): the download presets larger than the
// preview, drawn on demand from Picture. name names the result. An
// original it cannot draw is ErrNoPicture.
func (r *Renderer) RenderSize(ctx context.Context, in archive.RenderInput, name string, size int) (archive.RenderedImage, error) {
	if size <= 0 {
		return archive.RenderedImage{}, fmt.Errorf("thumbs: size %d", size)
	}
	img, err := r.Picture(ctx, in)
	if err != nil {
		return archive.RenderedImage{}, err
	}
	b := img.Bounds()
	w, h := fit(b.Dx(), b.Dy(), size)
	return r.encode(name, r.Scale(img, b, w, h))
}
