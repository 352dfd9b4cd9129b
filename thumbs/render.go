// Package thumbs owns renditions: decode, orient, resize, encode. It turns
// an original into a 320 px "thumb" and a 1280 px "preview" JPEG, both
// upright, plus a 64-bit perceptual hash of the picture; for kinds it cannot
// draw yet (video, PDF, EPUB, HEIC/HEIF/AVIF) it makes a placeholder card.
//
// Files are hostile: the header is read and the pixel count checked against
// Options.MaxPixels before anything is decoded, and a panic in a decoder
// comes back as an error. An original is decoded once; a box filter working
// straight on the decoded planes shrinks it by an integer factor to 1–3× the
// preview size, Catmull-Rom takes it to the exact preview size, and the thumb is made
// from the preview. Rendition bytes depend on Version: bump it whenever the
// output changes so that the store's rendition keys change with it.
//
// The package keeps no state between calls and does no logging; a Renderer
// is safe for concurrent use.
package thumbs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // register decoders with image.Decode
	"image/jpeg"
	_ "image/png"
	"os"
	"strconv"
	"time"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/haiduong/promo-archive/archive"
)

// Version is the rendition version; the store keys rendition files by it.
const Version = 1

// Rendition names and their long-side sizes in pixels. Renditions are never
// upscaled: an original smaller than a size is kept at its own size.
const (
	ThumbName   = "thumb"
	ThumbSize   = 320
	PreviewName = "preview"
	PreviewSize = 1280
	// MIME is the type of every rendition.
	MIME = "image/jpeg"
)

// preShrinkMargin is how much larger than the preview the box-filtered
// image stays (at least), so that Catmull-Rom does the last step.
const preShrinkMargin = 1.5

// Options configure a Renderer. Zero values take the defaults.
type Options struct {
	// MaxPixels caps width×height of an original; larger ones get no
	// renditions, only a warning. Default 200_000_000.
	MaxPixels int64
	// Quality is the JPEG quality of the renditions, 1–100. Default 85.
	Quality int
}

// Renderer makes renditions; it implements archive.Renderer.
type Renderer struct {
	opts Options
}

var _ archive.Renderer = (*Renderer)(nil)

// New returns a Renderer with opts, defaults filled in.
func New(opts Options) *Renderer {
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = 200_000_000
	}
	if opts.Quality <= 0 || opts.Quality > 100 {
		opts.Quality = 85
	}
	return &Renderer{opts: opts}
}

// Render makes the thumb and preview of in.Path. See archive.Renderer for
// what errors and warnings mean.
func (r *Renderer) Render(ctx context.Context, in archive.RenderInput) (res *archive.RenderResult, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !decodable(in) {
		return r.placeholder(in)
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("thumbs: decode %s: panic: %v", in.MIME, p)
		}
	}()
	res = &archive.RenderResult{}
	t0 := time.Now()
	img, warning, err := r.decode(in)
	res.Stages.Decode = time.Since(t0)
	if err != nil || img == nil {
		if warning != "" {
			res.Warnings = append(res.Warnings, warning)
		}
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	t0 = time.Now()
	b := img.Bounds()
	pw, ph := fit(b.Dx(), b.Dy(), PreviewSize)
	k := preShrinkFactor(max(b.Dx(), b.Dy()))
	pre := shrink(img, max(1, (b.Dx()+k/2)/k), max(1, (b.Dy()+k/2)/k))
	img = nil // let the full-size pixels go
	preview := resize(pre, pw, ph)
	preview = orient(preview, in.Orientation)
	tw, th := fit(preview.Rect.Dx(), preview.Rect.Dy(), ThumbSize)
	thumb := resize(preview, tw, th)
	res.PHash, res.HasPHash = phash(thumb), true
	res.Stages.Resize = time.Since(t0)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	t0 = time.Now()
	for _, rd := range []struct {
		name string
		img  *image.NRGBA
	}{{ThumbName, thumb}, {PreviewName, preview}} {
		ri, err := r.encode(rd.name, rd.img)
		if err != nil {
			return nil, err
		}
		res.Images = append(res.Images, ri)
	}
	res.Stages.Encode = time.Since(t0)
	return res, nil
}

// decode reads the header, checks the size and decodes the first frame or
// page. A nil image with a nil error comes with a warning saying why.
func (r *Renderer) decode(in archive.RenderInput) (image.Image, string, error) {
	f, err := os.Open(in.Path)
	if err != nil {
		return nil, "", fmt.Errorf("thumbs: %w", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return nil, "", fmt.Errorf("thumbs: decode %s header: %w", in.MIME, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Sprintf("thumbs: %s is %d×%d; no renditions", in.MIME, cfg.Width, cfg.Height), nil
	}
	if n := int64(cfg.Width) * int64(cfg.Height); n > r.opts.MaxPixels {
		return nil, fmt.Sprintf("thumbs: %s exceeds the %s cap; no renditions", pixels(n), pixels(r.opts.MaxPixels)), nil
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, "", fmt.Errorf("thumbs: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	if format == "webp" {
		if anim, err := isAnimatedWebP(br); err == nil && anim {
			return nil, "thumbs: animated WebP is not decoded yet; no renditions", nil
		}
	}
	img, _, err := image.Decode(br)
	if err != nil {
		return nil, "", fmt.Errorf("thumbs: decode %s: %w", in.MIME, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Sprintf("thumbs: %s is empty; no renditions", in.MIME), nil
	}
	return img, "", nil
}

// isAnimatedWebP peeks at the VP8X flags of a WebP stream.
func isAnimatedWebP(br *bufio.Reader) (bool, error) {
	h, err := br.Peek(21)
	if err != nil {
		return false, err
	}
	return bytes.Equal(h[12:16], []byte("VP8X")) && h[20]&0x02 != 0, nil
}

// pixels formats a pixel count for a warning: "300 MP", or "4096 pixels".
func pixels(n int64) string {
	if n < 1_000_000 {
		return strconv.FormatInt(n, 10) + " pixels"
	}
	return strconv.FormatFloat(float64(n/100_000)/10, 'f', -1, 64) + " MP"
}

// preShrinkFactor is the integer box-filter factor for an original whose
// long side is long: as large as keeps the result preShrinkMargin × the
// preview size, or failing that 2 when that still keeps it as large as the
// preview (so that an 8 MP phone photo does not go to Catmull-Rom whole).
func preShrinkFactor(long int) int {
	k := int(float64(long) / (preShrinkMargin * PreviewSize))
	if k < 2 {
		k = max(1, min(2, long/PreviewSize))
	}
	return k
}

// fit is the size of a w×h image scaled so that its long side is at most
// size, keeping the aspect ratio; never larger than w×h, never below 1×1.
func fit(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, (h*size+w/2)/w)
	}
	return max(1, (w*size+h/2)/h), size
}

// resize scales img to w×h with Catmull-Rom (as sharp as Lanczos here, at
// two thirds of its taps), or returns img when it is that size already.
func resize(img *image.NRGBA, w, h int) *image.NRGBA {
	if img.Rect.Dx() == w && img.Rect.Dy() == h {
		return img
	}
	return imaging.Resize(img, w, h, imaging.CatmullRom)
}

// encode makes one rendition of an opaque image.
func (r *Renderer) encode(name string, img *image.NRGBA) (archive.RenderedImage, error) {
	var buf bytes.Buffer
	// Opaque NRGBA and RGBA pixels are the same bytes; image/jpeg has a fast
	// path for *image.RGBA.
	rgba := &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: r.opts.Quality}); err != nil {
		return archive.RenderedImage{}, fmt.Errorf("thumbs: encode %s: %w", name, err)
	}
	return archive.RenderedImage{
		Rendition: archive.Rendition{
			Name: name, Width: img.Rect.Dx(), Height: img.Rect.Dy(),
			MIME: MIME, Version: Version, Size: int64(buf.Len()),
		},
		Data: buf.Bytes(),
	}, nil
}

// placeholder makes the card renditions for a kind Render cannot draw.
func (r *Renderer) placeholder(in archive.RenderInput) (*archive.RenderResult, error) {
	res := &archive.RenderResult{Warnings: []string{
		fmt.Sprintf("thumbs: no decoder for %s; placeholder rendition", orUnknown(in.MIME)),
	}}
	t0 := time.Now()
	card := placeholderCard(placeholderLabel(in))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, card, &jpeg.Options{Quality: r.opts.Quality}); err != nil {
		return nil, fmt.Errorf("thumbs: encode placeholder: %w", err)
	}
	res.Stages.Encode = time.Since(t0)
	for _, name := range []string{ThumbName, PreviewName} {
		res.Images = append(res.Images, archive.RenderedImage{
			Rendition: archive.Rendition{
				Name: name, Width: cardW, Height: cardH, MIME: MIME,
				Version: Version, Size: int64(buf.Len()), Placeholder: true,
			},
			Data: buf.Bytes(),
		})
	}
	return res, nil
}

func orUnknown(mime string) string {
	if mime == "" {
		return "an unknown type"
	}
	return mime
}
