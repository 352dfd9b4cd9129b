package thumbs

import (
	"fmt"
	"image"
	"os"
	"path/filepath"

	"github.com/haiduong/promo-archive/archive"
)

// isHEIF reports whether mime is drawn by heif-convert.
func isHEIF(mime string) bool {
	return mime == "image/heic" || mime == "image/heif" || mime == "image/avif"
}

// heifImage is the primary image of a HEIC, HEIF or AVIF file decoded by
// heif-convert into a JPEG in a temporary directory. heif-convert applies
// the irot/imir transforms, so the picture is upright already and the EXIF
// orientation (which repeats them) must not be applied again. JPEG rather
// than PNG: 3.5× faster for a 12 MP photo (1.0 s against 3.7 s here); an
// alpha channel (rare in AVIF photos) is lost.
func (r *Renderer) heifImage(ls *lease, in archive.RenderInput) (image.Image, error) {
	if n := int64(in.Width) * int64(in.Height); n > r.opts.MaxPixels {
		return nil, noRenditionsf("thumbs: %s exceeds the %s cap", pixels(n), pixels(r.opts.MaxPixels))
	}
	src, err := toolInput(in.Path)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "thumbs-heif-")
	if err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	defer os.RemoveAll(dir)
	dst := filepath.Join(dir, "out.jpg")
	if _, _, err := r.run(ls.ctx, &r.heifConvert, "-q", "92", src, dst); err != nil {
		return nil, err
	}
	data, err := readOutput(dst, filepath.Join(dir, "out-1.jpg"))
	if err != nil {
		return nil, placeholderf("thumbs: heif-convert: %v", err)
	}
	return r.decodeDerived(ls, data, in.MIME)
}

// readOutput reads the first of paths that exists (heif-convert numbers
// its outputs when a file holds several top-level images), refusing one
// larger than maxToolOutput.
func readOutput(paths ...string) ([]byte, error) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if fi.Size() > maxToolOutput {
			return nil, fmt.Errorf("output over %d MiB", maxToolOutput>>20)
		}
		return os.ReadFile(p)
	}
	return nil, fmt.Errorf("no output file")
}
