package thumbs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/tiff"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

var (
	red   = color.NRGBA{0xff, 0, 0, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// quadrant is a w×h white image with a red top-left quadrant.
func quadrant(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(white), image.Point{}, draw.Src)
	draw.Draw(m, image.Rect(0, 0, w/2, h/2), image.NewUniform(red), image.Point{}, draw.Src)
	return m
}

// scene is a smooth, structured picture for pHash tests; seed varies it.
func scene(w, h int, seed float64) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 128 + 100*sinApprox(seed*3*fx+fy*seed*2) - 60*fy
			m.Set(x, y, color.NRGBA{clamp8(v), clamp8(255 * fx), clamp8(255 * (1 - fy*seed/4)), 0xff})
		}
	}
	return m
}

func sinApprox(x float64) float64 {
	x -= float64(int(x/6.2831853)) * 6.2831853
	if x > 3.14159265 {
		x -= 6.2831853
	}
	return x * (1 - x*x/6 + x*x*x*x/120) / (1 + x*x*x*x*x*x/5040)
}

func clamp8(v float64) uint8 { return uint8(max(0, min(255, v))) }

// write encodes img in format to a temp file and returns its path.
func write(t testing.TB, img image.Image, format string) string {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	case "png":
		err = png.Encode(&buf, img)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "tiff":
		err = tiff.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return writeBytes(t, buf.Bytes(), format)
}

func writeBytes(t testing.TB, data []byte, ext string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "img."+ext)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func render(t *testing.T, r *Renderer, in archive.RenderInput) *archive.RenderResult {
	t.Helper()
	if in.Kind == "" {
		in.Kind = media.KindPhoto
	}
	res, err := r.Render(context.Background(), in)
	if err != nil {
		t.Fatalf("Render(%s): %v", in.Path, err)
	}
	return res
}

// rendition returns the named rendition decoded, checking its fields.
func rendition(t *testing.T, res *archive.RenderResult, name string) image.Image {
	t.Helper()
	for _, ri := range res.Images {
		if ri.Name != name {
			continue
		}
		img, err := jpeg.Decode(bytes.NewReader(ri.Data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := img.Bounds()
		if ri.MIME != "image/jpeg" || ri.Version != Version || ri.Size != int64(len(ri.Data)) ||
			ri.Width != b.Dx() || ri.Height != b.Dy() {
			t.Fatalf("%s: rendition %+v, decoded %v", name, ri.Rendition, b)
		}
		return img
	}
	t.Fatalf("no %s rendition in %+v (warnings %q)", name, res.Images, res.Warnings)
	return nil
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 200 && g>>8 < 60 && b>>8 < 60
}

func isWhite(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 230 && g>>8 > 230 && b>>8 > 230
}

func TestOrientation(t *testing.T) {
	upright := quadrant(64, 48)
	// stored[o] is what a camera writes with orientation o for upright.
	stored := map[int]*image.NRGBA{
		1: upright,
		2: imaging.FlipH(upright),
		3: imaging.Rotate180(upright),
		4: imaging.FlipV(upright),
		5: imaging.Transpose(upright),
		6: imaging.Rotate90(upright), // the viewer turns it 90° clockwise
		7: imaging.Transverse(upright),
		8: imaging.Rotate270(upright),
	}
	r := New(Options{})
	for o := 1; o <= 8; o++ {
		res := render(t, r, archive.RenderInput{Path: write(t, stored[o], "png"), MIME: "image/png", Orientation: o})
		for _, name := range archive.RenditionNames() {
			img := rendition(t, res, name)
			b := img.Bounds()
			if b.Dx() != 64 || b.Dy() != 48 {
				t.Errorf("orientation %d %s: %v, want 64×48", o, name, b)
			}
			if tl, tr, bl := img.At(16, 12), img.At(48, 12), img.At(16, 36); !isRed(tl) || isRed(tr) || isRed(bl) {
				t.Errorf("orientation %d %s: not upright: top-left %v top-right %v bottom-left %v", o, name, tl, tr, bl)
			}
		}
	}
}

func TestSizes(t *testing.T) {
	r := New(Options{})
	for _, tc := range []struct {
		name          string
		w, h, orient  int
		thumb, review image.Point
	}{
		{"landscape", 1400, 350, 1, image.Pt(320, 80), image.Pt(1280, 320)},
		{"portrait", 350, 1400, 1, image.Pt(80, 320), image.Pt(320, 1280)},
		{"rotated", 1400, 350, 6, image.Pt(80, 320), image.Pt(320, 1280)},
		{"pre-shrunk", 4000, 100, 1, image.Pt(320, 8), image.Pt(1280, 32)},
		{"tiny", 8, 8, 1, image.Pt(8, 8), image.Pt(8, 8)},
		{"exactly 320", 320, 200, 1, image.Pt(320, 200), image.Pt(320, 200)},
		{"small", 200, 100, 1, image.Pt(200, 100), image.Pt(200, 100)},
		{"one pixel", 1, 1, 8, image.Pt(1, 1), image.Pt(1, 1)},
		{"thin", 3000, 1, 1, image.Pt(320, 1), image.Pt(1280, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := render(t, r, archive.RenderInput{Path: write(t, quadrant(tc.w, tc.h), "jpeg"), MIME: "image/jpeg", Orientation: tc.orient})
			if len(res.Images) != 2 || !res.HasPHash || len(res.Warnings) != 0 {
				t.Fatalf("images %d, phash %v, warnings %q", len(res.Images), res.HasPHash, res.Warnings)
			}
			if got := rendition(t, res, archive.RenditionThumb).Bounds().Size(); got != tc.thumb {
				t.Errorf("thumb %v, want %v", got, tc.thumb)
			}
			if got := rendition(t, res, archive.RenditionPreview).Bounds().Size(); got != tc.review {
				t.Errorf("preview %v, want %v", got, tc.review)
			}
		})
	}
}

func TestColours(t *testing.T) {
	// Solid colours through every decoded pixel layout and the box shrink
	// (4000 px wide forces a pre-shrink factor of 2).
	want := color.NRGBA{0x20, 0x90, 0xd0, 0xff}
	solid := image.NewNRGBA(image.Rect(0, 0, 4000, 30))
	draw.Draw(solid, solid.Rect, image.NewUniform(want), image.Point{}, draw.Src)
	gray := image.NewGray(solid.Rect)
	draw.Draw(gray, gray.Rect, image.NewUniform(color.Gray{0x70}), image.Point{}, draw.Src)
	r := New(Options{Quality: 95})
	for _, tc := range []struct {
		name, format string
		img          image.Image
		want         color.NRGBA
	}{
		{"jpeg 4:2:0", "jpeg", solid, want},
		{"png", "png", solid, want},
		{"tiff", "tiff", solid, want},
		{"gray jpeg", "jpeg", gray, color.NRGBA{0x70, 0x70, 0x70, 0xff}},
		{"gif", "gif", solid, color.NRGBA{}}, // palette-quantised: checked loosely
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := render(t, r, archive.RenderInput{Path: write(t, tc.img, tc.format), MIME: "image/" + tc.format})
			got := color.NRGBAModel.Convert(rendition(t, res, archive.RenditionPreview).At(640, 4)).(color.NRGBA)
			if tc.want == (color.NRGBA{}) {
				return
			}
			if d := max(absd(got.R, tc.want.R), absd(got.G, tc.want.G), absd(got.B, tc.want.B)); d > 6 {
				t.Errorf("colour %v, want %v", got, tc.want)
			}
		})
	}
}

func absd(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }

func TestShrinkCMYKAndSubsampling(t *testing.T) {
	cmyk := image.NewCMYK(image.Rect(0, 0, 40, 20))
	draw.Draw(cmyk, cmyk.Rect, image.NewUniform(color.CMYK{0xff, 0, 0, 0}), image.Point{}, draw.Src)
	if got := shrink(cmyk, 10, 5).NRGBAAt(3, 3); got != (color.NRGBA{0, 0xff, 0xff, 0xff}) {
		t.Errorf("CMYK cyan shrinks to %v", got)
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		t.Run(ratio.String(), func(t *testing.T) {
			m := image.NewYCbCr(image.Rect(0, 0, 41, 23), ratio)
			for i := range m.Y {
				m.Y[i] = 81
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = 90, 240
			}
			wr, wg, wb := color.YCbCrToRGB(81, 90, 240)
			for _, size := range []image.Point{{41, 23}, {20, 11}, {3, 2}, {1, 1}} {
				t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
					if got := shrink(m, size.X, size.Y).NRGBAAt(size.X-1, size.Y-1); got != (color.NRGBA{wr, wg, wb, 0xff}) {
						t.Errorf("%v to %v: %v, want %v", ratio, size, got, color.NRGBA{wr, wg, wb, 0xff})
					}
				})
			}
		})
	}
}

func TestAlphaOntoWhite(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 100, 50))
	draw.Draw(m, image.Rect(0, 0, 50, 50), image.NewUniform(red), image.Point{}, draw.Src) // right half transparent
	r := New(Options{})
	res := render(t, r, archive.RenderInput{Path: write(t, m, "png"), MIME: "image/png"})
	img := rendition(t, res, archive.RenditionThumb)
	if !isRed(img.At(20, 25)) || !isWhite(img.At(80, 25)) {
		t.Errorf("PNG alpha: left %v right %v, want red and white", img.At(20, 25), img.At(80, 25))
	}

	pal := image.NewPaletted(image.Rect(0, 0, 60, 40), color.Palette{color.Transparent, red})
	for y := range 40 {
		for x := range 30 {
			pal.SetColorIndex(x, y, 1)
		}
	}
	res = render(t, r, archive.RenderInput{Path: write(t, pal, "gif"), MIME: "image/gif"})
	img = rendition(t, res, archive.RenditionPreview)
	if !isRed(img.At(10, 20)) || !isWhite(img.At(50, 20)) {
		t.Errorf("GIF transparency: left %v right %v, want red and white", img.At(10, 20), img.At(50, 20))
	}
}

func TestPixelCapAndEmpty(t *testing.T) {
	r := New(Options{MaxPixels: 1000})
	res := render(t, r, archive.RenderInput{Path: write(t, quadrant(100, 50), "jpeg"), MIME: "image/jpeg"})
	if len(res.Images) != 0 || res.HasPHash || len(res.Warnings) != 1 ||
		res.Warnings[0] != "thumbs: 5000 pixels exceeds the 1000 pixels cap; no renditions" {
		t.Errorf("capped: %d images, warnings %q", len(res.Images), res.Warnings)
	}
	if got := pixels(300_000_000); got != "300 MP" {
		t.Errorf("pixels(300e6) = %q", got)
	}
}

func TestPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		mime  string
		kind  media.Kind
		label string
	}{
		{"video/mp4", media.KindVideo, "VIDEO"},
		{"video/quicktime", media.KindVideo, "VIDEO"},
		{"application/pdf", media.KindPublication, "PDF"},
		{"application/epub+zip", media.KindPublication, "EPUB"},
		{"image/heic", media.KindPhoto, "HEIC"},
		{"image/avif", media.KindPhoto, "AVIF"},
		{"application/x-mobipocket-ebook", media.KindPublication, "DOC"},
		{"image/x-unknown", media.KindPhoto, "IMAGE"},
	} {
		t.Run(tc.mime, func(t *testing.T) {
			in := archive.RenderInput{Path: "/nonexistent", MIME: tc.mime, Kind: tc.kind}
			if got := placeholderLabel(in); got != tc.label {
				t.Errorf("%s: label %q, want %q", tc.mime, got, tc.label)
			}
		})
	}
	// Types no source draws: the card, and a warning saying so.
	r := New(Options{})
	for _, tc := range []struct {
		mime string
		kind media.Kind
	}{
		{"video/x-unknown", media.KindVideo},
		{"application/x-mobipocket-ebook", media.KindPublication},
		{"image/x-unknown", media.KindPhoto},
	} {
		t.Run(tc.mime, func(t *testing.T) {
			res := render(t, r, archive.RenderInput{Path: "/nonexistent", MIME: tc.mime, Kind: tc.kind})
			if want := "thumbs: no decoder for " + tc.mime + "; placeholder rendition"; len(res.Warnings) != 1 || res.Warnings[0] != want {
				t.Errorf("%s: warnings %q", tc.mime, res.Warnings)
			}
			checkPlaceholder(t, tc.mime, res)
		})
	}
}

// checkPlaceholder checks that res is the placeholder card, twice.
func checkPlaceholder(t *testing.T, what string, res *archive.RenderResult) {
	t.Helper()
	if len(res.Images) != 2 || res.HasPHash {
		t.Fatalf("%s: %d images, phash %v", what, len(res.Images), res.HasPHash)
	}
	for _, ri := range res.Images {
		if !ri.Placeholder {
			t.Errorf("%s %s: Placeholder false", what, ri.Name)
		}
	}
	rendition(t, res, archive.RenditionThumb)
	rendition(t, res, archive.RenditionPreview)
}

func TestCorruptAndHostile(t *testing.T) {
	var good bytes.Buffer
	if err := jpeg.Encode(&good, scene(300, 200, 1), nil); err != nil {
		t.Fatal(err)
	}
	r := New(Options{})

	// Random bytes, truncations and bit flips of every format: an error or a
	// result, never a panic.
	var pngBuf, gifBuf bytes.Buffer
	_ = png.Encode(&pngBuf, scene(40, 30, 2))
	_ = gif.Encode(&gifBuf, scene(40, 30, 3), nil)
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for i := range 300 {
		var data []byte
		switch src := [][]byte{good.Bytes(), pngBuf.Bytes(), gifBuf.Bytes()}[i%3]; i % 4 {
		case 0:
			data = src[:rng.IntN(len(src))]
		case 1, 2:
			data = bytes.Clone(src)
			for range 1 + rng.IntN(8) {
				data[rng.IntN(len(data))] ^= byte(1 + rng.IntN(255))
			}
		default:
			data = make([]byte, rng.IntN(512))
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			copy(data, src[:min(len(data), 8)])
		}
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := r.Render(context.Background(), archive.RenderInput{Path: p, MIME: "image/png", Kind: media.KindPhoto})
		if err == nil && res == nil {
			t.Fatalf("case %d: nil result and nil error", i)
		}
	}
}

// unorderedTIFF encodes img as a little-endian TIFF and swaps the first
// two entries of its IFD, as some scanners write them.
func unorderedTIFF(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ifd := int(binary.LittleEndian.Uint32(b[4:8]))
	first, second := b[ifd+2:ifd+14], b[ifd+14:ifd+26]
	swapped := append(slices.Clone(second), first...)
	copy(b[ifd+2:ifd+26], swapped)
	return b
}

// TestDamaged: a photo of a recognised type that does not decode is kept:
// a "DAMAGED" placeholder card, a warning saying what is wrong, and
// RenderResult.Damaged; a decompression bomb stays a bomb.
func TestDamaged(t *testing.T) {
	img := scene(300, 200, 1)
	encode := func(format string) []byte {
		b, err := os.ReadFile(write(t, img, format))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	jpg, pngb := encode("jpeg"), encode("png")
	for _, c := range []struct {
		name, mime string
		data       []byte
		warning    string
		partial    bool // the decoder gives the part decoded, the rest grey
	}{
		{"truncated JPEG", "image/jpeg", jpg[:len(jpg)*2/3], "thumbs: decode image/jpeg: ", true},
		{"truncated PNG", "image/png", pngb[:len(pngb)/2], "thumbs: decode image/png: ", false},
		{"TIFF tags out of order", "image/tiff", unorderedTIFF(t, img), "thumbs: decode image/tiff header: tiff: invalid format: tags are not sorted", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := render(t, New(Options{}), archive.RenderInput{Path: writeBytes(t, c.data, "img"), MIME: c.mime})
			if !res.Damaged {
				t.Error("Damaged false")
			}
			suffix := "; damaged file, placeholder rendition"
			if c.partial {
				suffix = "; damaged file, rendered the part that decodes"
			}
			if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], c.warning) || !strings.HasSuffix(res.Warnings[0], suffix) {
				t.Errorf("warnings %q", res.Warnings)
			}
			if !c.partial {
				checkPlaceholder(t, c.name, res)
				return
			}
			if len(res.Images) != 2 || res.Images[0].Placeholder || !res.HasPHash {
				t.Errorf("partial picture: %d images, placeholder %v, phash %v", len(res.Images), len(res.Images) > 0 && res.Images[0].Placeholder, res.HasPHash)
			}
		})
	}
	t.Run("bomb", func(t *testing.T) {
		res := render(t, New(Options{MaxPixels: 1000}), archive.RenderInput{Path: writeBytes(t, jpg[:len(jpg)/2], "jpg"), MIME: "image/jpeg"})
		if res.Damaged || len(res.Images) != 0 {
			t.Errorf("over the pixel cap: damaged %v, %d images", res.Damaged, len(res.Images))
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := New(Options{}).Render(context.Background(), archive.RenderInput{Path: filepath.Join(t.TempDir(), "gone.jpg"), MIME: "image/jpeg", Kind: media.KindPhoto})
		if err == nil {
			t.Error("a file that cannot be opened is not damaged: want an error")
		}
	})
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Render(ctx, archive.RenderInput{Path: write(t, quadrant(10, 10), "png"), MIME: "image/png"})
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestPHash(t *testing.T) {
	r := New(Options{})
	hash := func(img image.Image, o int) uint64 {
		res := render(t, r, archive.RenderInput{Path: write(t, img, "jpeg"), MIME: "image/jpeg", Orientation: o})
		if !res.HasPHash {
			t.Fatal("no pHash")
		}
		return res.PHash
	}
	a := scene(640, 480, 1)
	big, small := hash(a, 1), hash(imaging.Resize(a, 200, 150, imaging.Lanczos), 1)
	if d := bits.OnesCount64(big ^ small); d > 4 {
		t.Errorf("same picture at two sizes: distance %d", d)
	}
	if d := bits.OnesCount64(big ^ hash(imaging.Rotate90(a), 6)); d > 4 {
		t.Errorf("same picture stored rotated: distance %d", d)
	}
	if d := bits.OnesCount64(big ^ hash(scene(640, 480, 3.7), 1)); d < 16 {
		t.Errorf("different pictures: distance %d", d)
	}
	if d := bits.OnesCount64(big ^ hash(imaging.FlipV(a), 1)); d < 16 {
		t.Errorf("picture and its mirror: distance %d", d)
	}
}

func TestRenderSize(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.jpg")
	img := image.NewRGBA(image.Rect(0, 0, 3000, 1500))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := New(Options{})
	for _, tc := range []struct {
		name       string
		size, w, h int
	}{{"large", 2560, 2560, 1280}, {"small", 640, 640, 320}, {"never upscaled", 4000, 3000, 1500}} {
		t.Run(tc.name, func(t *testing.T) {
			ri, err := r.RenderSize(t.Context(), archive.RenderInput{Path: p, MIME: "image/jpeg", Kind: "photo", Orientation: 1}, tc.name, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(ri.Data))
			if err != nil || cfg.Width != tc.w || cfg.Height != tc.h || ri.Width != tc.w {
				t.Errorf("got %d×%d (%v), want %d×%d", cfg.Width, cfg.Height, err, tc.w, tc.h)
			}
		})
	}
	if _, err := r.RenderSize(t.Context(), archive.RenderInput{Path: p, MIME: "application/x-unknown"}, "x", 640); !errors.Is(err, ErrNoPicture) {
		t.Errorf("undrawable: %v, want ErrNoPicture", err)
	}
}
