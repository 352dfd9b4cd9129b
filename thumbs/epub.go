package thumbs

import (
	"errors"
	"fmt"
	"image"
	"os"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// epubCover is an EPUB's cover image (a JPEG, PNG or GIF inside the zip),
// decoded like a photo. A book without a usable cover gets a placeholder.
func (r *Renderer) epubCover(ls *lease, in archive.RenderInput) (image.Image, error) {
	f, err := os.Open(in.Path)
	if err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	data, mime, err := media.EPUBCover(f, fi.Size())
	if errors.Is(err, media.ErrNoCover) || err == nil && len(data) == 0 {
		return nil, placeholderf("thumbs: EPUB has no cover image")
	}
	if err != nil {
		return nil, placeholderf("thumbs: EPUB cover: %v", err)
	}
	return r.decodeDerived(ls, data, "EPUB cover ("+orUnknown(mime)+")")
}
