// Package thumbs owns renditions: decode, orient, resize, encode. It turns
// an original into a 320 px "thumb" and a 1280 px "preview" JPEG, both
// upright, plus a 64-bit perceptual hash of the picture. JPEG, PNG, GIF,
// WebP (the first frame of an animation), TIFF and BMP are decoded in Go;
// an EPUB's cover image likewise. Videos (a frame at 10 % of the duration,
// via ffmpeg), PDFs (the first page, via pdftoppm) and HEIC/HEIF/AVIF (via
// heif-convert) go through external tools, at most Options.ToolConcurrency
// at a time, each killed after Options.ToolTimeout. Every source ends in the
// same pipeline: decoded bytes → shrink → orient → encode → pHash.
//
// A kind with no decoder, a missing tool, or a tool that fails on a file
// gives a labelled placeholder card (Rendition.Placeholder) and a warning,
// not an error: the record still ingests and `archive rethumb` can redraw
// it later. A photo decoded in Go whose data is corrupt or cut short is
// damaged: its renditions show the part that decodes (a JPEG's, the rest
// grey), or are a "DAMAGED" placeholder card, and RenderResult.Damaged is
// set so that the record goes to review.
//
// Files are hostile: the header is read and the pixel count checked against
// Options.MaxPixels before anything is decoded, the bytes the decode will
// hold are taken from a byte budget that the Renderer's renders share
// (Options.MemoryBudget; a picture that needs more gets a placeholder),
// and a panic in a decoder comes back as an error. An original is decoded
// once and small: a JPEG by the package's own decoder at 1/2, 1/4 or 1/8
// scale straight from the DCT coefficients (jpegdec.go), a PNG box-shrunk
// row by row as it inflates (pngstream.go), other formats whole and then
// box-filtered by an integer factor; each stays at least 1.15× the preview
// size, Catmull-Rom takes it to the exact preview size, orientation is applied
// to the preview, and the thumb is made from the preview. Rendition bytes depend on Version:
// bump it whenever the output changes so that the store's rendition keys
// change with it.
//
// The package keeps no state between calls and does no logging; a Renderer
// is safe for concurrent use. Tool paths are resolved once, by New.
package thumbs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // register decoders with image.Decode
	"image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// Version is the rendition version; the store keys rendition files by it.
const Version = 2

// The long-side sizes in pixels of the renditions archive.RenditionThumb
// and archive.RenditionPreview. Renditions are never upscaled: an original
// smaller than a size is kept at its own size.
const (
	ThumbSize   = 320
	PreviewSize = 1280
	// MIME is the type of every rendition.
	MIME = "image/jpeg"
)

// preShrinkMargin is how much larger than the preview the box-filtered
// image (or the scaled JPEG decode) stays, at least, so that Catmull-Rom
// does the last step.
const preShrinkMargin = 1.15

// Options configure a Renderer. Zero values take the defaults.
type Options struct {
	// MaxPixels caps width×height of an original; larger ones get no
	// renditions, only a warning. Default 200_000_000.
	MaxPixels int64
	// Quality is the JPEG quality of the renditions, 1–100. Default 85.
	Quality int
	// FFmpeg, FFprobe, PDFToPPM and HeifConvert are the external tools' paths;
	// empty looks the tool up in $PATH when New runs. A path that does not
	// resolve leaves the tool missing and its kinds get placeholders.
	FFmpeg, FFprobe, PDFToPPM, HeifConvert string
	// ToolTimeout bounds one run of an external tool. Default 60 s.
	ToolTimeout time.Duration
	// ToolConcurrency bounds the external tools running at once. Default 2.
	ToolConcurrency int
	// MemoryBudget bounds the bytes that the renders running at once hold
	// for decoded pixels, worked out from each picture's header before it
	// is decoded; a render waits for its share, and a picture that needs
	// more than the whole budget gets a placeholder. Default 192 MiB.
	MemoryBudget int64
}

// Renderer makes renditions; it implements ingest.Renderer (and, with
// Probe, ingest.Prober).
type Renderer struct {
	opts                                   Options
	ffmpeg, ffprobe, pdftoppm, heifConvert tool
	sem                                    chan struct{} // one token per running tool
	budget                                 *budget
}

// New returns a Renderer with opts, defaults filled in.
func New(opts Options) *Renderer {
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = 200_000_000
	}
	if opts.Quality <= 0 || opts.Quality > 100 {
		opts.Quality = 85
	}
	if opts.ToolTimeout <= 0 {
		opts.ToolTimeout = 60 * time.Second
	}
	if opts.ToolConcurrency <= 0 {
		opts.ToolConcurrency = 2
	}
	if opts.MemoryBudget <= 0 {
		opts.MemoryBudget = 192 << 20
	}
	return &Renderer{
		opts: opts,
		ffmpeg: newTool(toolInfo{"ffmpeg", "ffmpeg",
			"video posters; videos get a placeholder", []string{"-version"}}, opts.FFmpeg),
		ffprobe: newTool(toolInfo{"ffprobe", "ffmpeg",
			"Matroska/WebM, AVI and MPEG-TS videos; they are rejected", []string{"-version"}}, opts.FFprobe),
		pdftoppm: newTool(toolInfo{"pdftoppm", "poppler-utils",
			"PDF first-page thumbnails; PDFs get a placeholder", []string{"-v"}}, opts.PDFToPPM),
		heifConvert: newTool(toolInfo{"heif-convert", "libheif-examples",
			"HEIC/HEIF/AVIF thumbnails; those photos get a placeholder", []string{"-h"}}, opts.HeifConvert),
		sem:    make(chan struct{}, opts.ToolConcurrency),
		budget: newBudget(opts.MemoryBudget),
	}
}

// skip is why Render draws no picture of an original while its record
// still ingests: the warning goes into the result, with the placeholder
// card when placeholder is set and with no renditions otherwise.
type skip struct {
	warning     string
	placeholder bool
}

func (s *skip) Error() string { return s.warning }

// placeholderf is a skip that makes the placeholder card.
func placeholderf(format string, a ...any) error {
	return &skip{warning: fmt.Sprintf(format, a...) + "; placeholder rendition", placeholder: true}
}

// noRenditionsf is a skip that makes no renditions at all.
func noRenditionsf(format string, a ...any) error {
	return &skip{warning: fmt.Sprintf(format, a...) + "; no renditions"}
}

// Render makes the thumb and preview of in.Path. See archive.Renderer for
// what errors and warnings mean.
func (r *Renderer) Render(ctx context.Context, in archive.RenderInput) (res *archive.RenderResult, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("thumbs: decode %s: panic: %v", in.MIME, p)
		}
	}()
	res = &archive.RenderResult{}
	t0 := time.Now()
	ls := r.budget.lease(ctx)
	defer ls.release()
	img, o, err := r.picture(ls, in)
	res.Stages.Decode = time.Since(t0)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var s *skip
	if errors.As(err, &s) {
		res.Warnings = append(res.Warnings, s.warning)
		if s.placeholder {
			return r.placeholder(placeholderLabel(in), res)
		}
		return res, nil
	}
	var d *damagedError
	if errors.As(err, &d) {
		res.Damaged = true
		if img == nil {
			res.Warnings = append(res.Warnings, d.Error()+"; damaged file, placeholder rendition")
			return r.placeholder(damagedLabel, res)
		}
		res.Warnings = append(res.Warnings, d.Error()+"; damaged file, rendered the part that decodes")
		err = nil
	}
	if err != nil {
		return nil, err
	}

	t0 = time.Now()
	preview := orient(previewOf(img), o)
	img = nil // let the decoded pixels go
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
	}{{archive.RenditionThumb, thumb}, {archive.RenditionPreview, preview}} {
		ri, err := r.encode(rd.name, rd.img)
		if err != nil {
			return nil, err
		}
		res.Images = append(res.Images, ri)
	}
	res.Stages.Encode = time.Since(t0)
	return res, nil
}

// picture decodes the picture of in and returns it with the EXIF
// orientation still to apply: in.Orientation for photos decoded here, 1 for
// tool output, which comes out upright (ffmpeg applies the display matrix,
// heif-convert the irot/imir boxes).
func (r *Renderer) picture(ls *lease, in archive.RenderInput) (image.Image, int, error) {
	var img image.Image
	var err error
	switch {
	case in.Kind == media.KindVideo || strings.HasPrefix(in.MIME, "video/"):
		img, err = r.videoPoster(ls, in)
	case in.MIME == "application/pdf":
		img, err = r.pdfPage(ls, in)
	case in.MIME == "application/epub+zip":
		img, err = r.epubCover(ls, in)
	case isHEIF(in.MIME):
		img, err = r.heifImage(ls, in)
	case decodable(in):
		img, err = r.decodeFile(ls, in.Path, in.MIME)
		return img, in.Orientation, err
	default:
		err = placeholderf("thumbs: no decoder for %s", orUnknown(in.MIME))
	}
	return img, 1, err
}

// damagedError is a photo whose bytes do not decode (truncated, corrupt,
// a TIFF with its tags out of order), with whatever part did decode. Render
// turns it into renditions of that part, or a placeholder, and
// RenderResult.Damaged: the original is kept for a curator to look at.
type damagedError struct{ err error }

func (e *damagedError) Error() string { return e.err.Error() }
func (e *damagedError) Unwrap() error { return e.err }

// damagedLabel is the placeholder card of a damaged photo.
const damagedLabel = "DAMAGED"

// decodeFile decodes the photo at path. Data that does not decode is a
// *damagedError holding the decoded part, if any; a decompression bomb or
// a picture over the byte budget is a skip, as from decodeImage.
func (r *Renderer) decodeFile(ls *lease, path, mime string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	img, err := r.decodeImage(ls, io.NewSectionReader(f, 0, fi.Size()), mime)
	var s *skip
	if err != nil && !errors.As(err, &s) {
		return img, &damagedError{err}
	}
	return img, err
}

// decodeDerived decodes a picture that a tool made or a container held
// (a video poster, a PDF page, an EPUB cover). The original itself is
// fine, so a picture that does not decode is a placeholder, not an error.
func (r *Renderer) decodeDerived(ls *lease, data []byte, what string) (image.Image, error) {
	img, err := r.decodeImage(ls, io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data))), what)
	var s *skip
	if err != nil && !errors.As(err, &s) {
		return nil, placeholderf("%v", err)
	}
	return img, err
}

// decodeImage reads the header, checks the size, takes the bytes the
// decode will hold from the budget and decodes the first frame or page;
// what names the picture in messages. Every source goes through here.
// Sizes that make no renditions come back as a *skip. JPEGs are decoded
// scaled, PNGs shrunk row by row as they inflate (both at about the size
// the preview needs); the other formats whole (heldBytesPerPixel).
func (r *Renderer) decodeImage(ls *lease, sr *io.SectionReader, what string) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(sr))
	if err != nil {
		return nil, fmt.Errorf("thumbs: decode %s header: %w", what, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, noRenditionsf("thumbs: %s is %d×%d", what, cfg.Width, cfg.Height)
	}
	if n := int64(cfg.Width) * int64(cfg.Height); n > r.opts.MaxPixels {
		return nil, noRenditionsf("thumbs: %s exceeds the %s cap", pixels(n), pixels(r.opts.MaxPixels))
	}
	if _, err := sr.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	if err := ls.take(workingSet, what); err != nil {
		return nil, err
	}
	switch format {
	case "jpeg":
		return r.decodeJPEG(ls, sr, what)
	case "png":
		return r.decodePNG(ls, sr, what)
	}
	if err := ls.take(int64(cfg.Width)*int64(cfg.Height)*heldBytesPerPixel(cfg.ColorModel), what); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(sr, 64<<10)
	var img image.Image
	if anim, _ := isAnimatedWebP(br); anim && format == "webp" {
		img, err = decodeAnimatedWebP(sr, sr.Size()) // x/image/webp refuses animations
	} else {
		img, _, err = image.Decode(br)
	}
	if err != nil {
		return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, noRenditionsf("thumbs: %s is empty", what)
	}
	return img, nil
}

// workingSet is the renditions' own share of the budget: the
// box-filtered image, the preview, the thumb and their JPEG bytes.
const workingSet = 32 << 20

// heldBytesPerPixel is what decoding a whole picture of colour model m
// holds per pixel, with the NRGBA copy that shrink makes of the image
// types it does not read directly.
func heldBytesPerPixel(m color.Model) int64 {
	if _, ok := m.(color.Palette); ok {
		return 1 + 4
	}
	switch m {
	case color.GrayModel:
		return 1
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	case color.Gray16Model:
		return 2 + 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8 + 4
	}
	return 8
}

// decodeJPEG decodes a JPEG with the package's decoder at the smallest
// scale that still covers the preview, or, for what that decoder does not
// handle, whole with image/jpeg. A damaged JPEG is an error that matches
// ErrTruncated, returned with the part decoded (the rest grey).
func (r *Renderer) decodeJPEG(ls *lease, sr *io.SectionReader, what string) (image.Image, error) {
	if err := ls.take(sr.Size(), what); err != nil {
		return nil, err
	}
	data := make([]byte, sr.Size())
	if _, err := sr.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("thumbs: read %s: %w", what, err)
	}
	d, err := readJPEGHeader(data)
	var unsupported errUnsupported
	if errors.As(err, &unsupported) {
		return r.decodeStdJPEG(ls, data, what)
	}
	if err != nil {
		return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	var shift uint
	if !ls.full {
		shift = jpegShift(d.width, d.height, int(preShrinkMargin*PreviewSize))
	}
	if err := ls.take(d.memory(shift), what); err != nil {
		return nil, err
	}
	img, err := d.decode(shift)
	if errors.As(err, &unsupported) {
		return r.decodeStdJPEG(ls, data, what)
	}
	if err != nil && (img == nil || !errors.Is(err, ErrTruncated)) {
		return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	if shift > 0 {
		img = &scaled{img, d.width, d.height}
	}
	if err != nil { // the part decoded, the rest grey
		return img, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	return img, nil
}

// decodeStdJPEG decodes a JPEG whole with image/jpeg, which holds up to
// 4 bytes per sample for the coefficients of a progressive image, and 4
// per pixel for an RGB or CMYK result. What neither decoder handles
// (arithmetic coding, 12-bit samples) gets a placeholder.
func (r *Renderer) decodeStdJPEG(ls *lease, data []byte, what string) (image.Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, placeholderf("thumbs: %s: %v", what, err)
	}
	if err := ls.take(int64(cfg.Width)*int64(cfg.Height)*4*6, what); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	var unsupported jpeg.UnsupportedError
	if errors.As(err, &unsupported) {
		return nil, placeholderf("thumbs: %s: %v", what, err)
	}
	if err != nil {
		return nil, fmt.Errorf("thumbs: decode %s: %w", what, err)
	}
	return img, nil
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

// previewOf is the preview of a decoded picture, before orientation:
// box-filtered by an integer factor, then Catmull-Rom to the exact size.
func previewOf(img image.Image) *image.NRGBA {
	b := img.Bounds()
	pw, ph := fit(b.Dx(), b.Dy(), PreviewSize)
	if s, ok := img.(*scaled); ok { // the size follows the original's
		pw, ph = fit(s.w, s.h, PreviewSize)
		pw, ph = min(pw, b.Dx()), min(ph, b.Dy())
		img = s.Image
	}
	k := preShrinkFactor(max(b.Dx(), b.Dy()))
	return resize(shrink(img, max(1, (b.Dx()+k/2)/k), max(1, (b.Dy()+k/2)/k)), pw, ph)
}

// scaled is a picture decoded smaller than its original, w×h.
type scaled struct {
	image.Image
	w, h int
}

// preShrinkFactor is the integer box-filter factor for a picture whose
// long side is long: as large as keeps the result preShrinkMargin × the
// preview size. A box shrink attenuates the finest detail the preview can
// show, so Catmull-Rom (sharp, and costly on big images) does at least
// the last 1.15×; JPEGs come out of the decoder already that small.
func preShrinkFactor(long int) int {
	return max(1, int(float64(long)/(preShrinkMargin*PreviewSize)))
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

// resize scales img to w×h with Catmull-Rom (within 0.5–2 dB of Lanczos
// here, at two thirds of its taps), or returns img when it is that size
// already.
func resize(img *image.NRGBA, w, h int) *image.NRGBA {
	if img.Rect.Dx() == w && img.Rect.Dy() == h {
		return img
	}
	return resample(img, w, h)
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

// placeholder adds the card renditions, labelled label, to res for an
// original Render cannot draw; res already carries the warning that says
// why.
func (r *Renderer) placeholder(label string, res *archive.RenderResult) (*archive.RenderResult, error) {
	t0 := time.Now()
	card := placeholderCard(label)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, card, &jpeg.Options{Quality: r.opts.Quality}); err != nil {
		return nil, fmt.Errorf("thumbs: encode placeholder: %w", err)
	}
	res.Stages.Encode = time.Since(t0)
	for _, name := range archive.RenditionNames() {
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
