package thumbs

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"
)

// jpegFiles lists the small JPEGs of testdata/jpeg (progressive, restart
// intervals, grey, CMYK, made with vips) and, when present and the race
// detector is off, the corpus's.
func jpegFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "jpeg", "*.jpg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/jpeg: %v", err)
	}
	root, _ := corpusRoot()
	switch {
	case root == "":
		t.Log("corpus not available; testdata only")
	case raceEnabled:
		t.Log("race detector on: testdata only, not the corpus")
	default:
		more, _ := filepath.Glob(filepath.Join(root, "jpeg", "*.jpg"))
		files = append(files, more...)
	}
	return files
}

// corpusRoot is ../shared/corpus beside the module root, or "".
func corpusRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
	root := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(root, "jpeg")); err != nil {
		return "", nil
	}
	return root, nil
}

// rgb is img as opaque 8-bit RGB, at its own size.
func rgb(img image.Image) *image.NRGBA {
	b := img.Bounds()
	return shrink(img, b.Dx(), b.Dy())
}

// diffStats is the largest and the mean absolute difference of the RGB
// samples of a and b, which have the same size.
func diffStats(a, b *image.NRGBA) (maxd int, mean float64) {
	var sum int64
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := int(a.Pix[i]) - int(b.Pix[i])
		if d < 0 {
			d = -d
		}
		maxd = max(maxd, d)
		sum += int64(d)
	}
	return maxd, float64(sum) / float64(len(a.Pix)*3/4)
}

// psnr is the peak signal-to-noise ratio of b against a, in dB.
func psnr(a, b *image.NRGBA) float64 {
	var se float64
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
	}
	mse := se / float64(len(a.Pix)*3/4)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

func decodeOwn(t *testing.T, data []byte, shift uint) image.Image {
	t.Helper()
	d, err := readJPEGHeader(data)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	img, err := d.decode(shift)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

// stdDecode reads the JPEG at path and decodes it with image/jpeg, or
// skips the test.
func stdDecode(t *testing.T, path string) ([]byte, image.Image) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Skipf("image/jpeg: %v", err)
	}
	return data, img
}

// The decoder at full size gives image/jpeg's pixels, within the rounding
// of two different integer IDCTs.
func TestJPEGDecoderMatchesStdlib(t *testing.T) {
	for _, path := range jpegFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, want := stdDecode(t, path)
			got := decodeOwn(t, data, 0)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
			}
			maxd, mean := diffStats(rgb(got), rgb(want))
			if maxd > 6 || mean > 0.6 {
				t.Errorf("%T vs %T: max difference %d, mean %.3f", got, want, maxd, mean)
			}
		})
	}
}

// boxAverage averages f×f boxes of m, dropping partial boxes at the edges.
func boxAverage(m *image.NRGBA, f int) *image.NRGBA {
	w, h := m.Rect.Dx()/f, m.Rect.Dy()/f
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			for c := range 4 {
				s := 0
				for j := range f {
					for i := range f {
						s += int(m.Pix[(y*f+j)*m.Stride+(x*f+i)*4+c])
					}
				}
				out.Pix[y*out.Stride+x*4+c] = uint8((s + f*f/2) / (f * f))
			}
		}
	}
	return out
}

// planes are the sample planes of a decoded JPEG as opaque grey images:
// Y, Cb and Cr (each at its own resolution), or the one grey plane, or
// RGB for CMYK.
func planes(img image.Image) []*image.NRGBA {
	gray := func(pix []uint8, stride int, r image.Rectangle) *image.NRGBA {
		return rgb(&image.Gray{Pix: pix, Stride: stride, Rect: r})
	}
	switch m := img.(type) {
	case *image.YCbCr:
		cw, ch := chromaSize(m.Rect, m.SubsampleRatio)
		cr := image.Rect(0, 0, cw, ch)
		return []*image.NRGBA{gray(m.Y, m.YStride, m.Rect), gray(m.Cb, m.CStride, cr), gray(m.Cr, m.CStride, cr)}
	case *image.Gray:
		return []*image.NRGBA{rgb(m)}
	}
	return []*image.NRGBA{rgb(img)}
}

// Decoding at 1/2, 1/4 and 1/8 scale gives the means of the 2×2, 4×4 and
// 8×8 boxes of the full decode's samples, less rounding.
func TestJPEGScaledDecode(t *testing.T) {
	for _, path := range jpegFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		full := planes(decodeOwn(t, data, 0))
		for shift := uint(1); shift <= 3; shift++ {
			t.Run(filepath.Base(path)+"/"+string(rune('0'+(8>>shift))), func(t *testing.T) {
				got := planes(decodeOwn(t, data, shift))
				for i, f := range full {
					want := boxAverage(f, 1<<shift)
					if want.Rect.Empty() {
						continue
					}
					g := imaging.Clone(got[i].SubImage(want.Rect))
					if p := psnr(g, want); p < 42 {
						t.Errorf("plane %d: PSNR %.1f dB at 1/%d", i, p, 1<<shift)
					}
				}
			})
		}
	}
}

func TestJPEGTruncated(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "jpeg", "rst420.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cut  int
	}{{"half", len(data) / 2}, {"no EOI", len(data) - 2}} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := readJPEGHeader(data[:tc.cut])
			if err != nil {
				t.Fatal(err)
			}
			img, err := d.decode(0)
			var te *TruncatedError
			if !errors.Is(err, ErrTruncated) || !errors.As(err, &te) || img == nil {
				t.Fatalf("err %v, img %v", err, img != nil)
			}
			m := img.(*image.YCbCr)
			if y := m.Y[m.YOffset(50, m.Rect.Max.Y-1)]; tc.cut < len(data)/2+1 && y != 0x80 {
				t.Errorf("bottom row luma %d, want grey", y)
			}
		})
	}
}

// The preview made from the scaled decode is as good as one made from the
// full decode with Lanczos: PSNR ≥ 38 dB on every corpus photo.
func TestJPEGScaledPreviewQuality(t *testing.T) {
	for _, path := range jpegFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, full := stdDecode(t, path)
			b := full.Bounds()
			pw, ph := fit(b.Dx(), b.Dy(), PreviewSize)
			want := imaging.Resize(rgb(full), pw, ph, imaging.Lanczos)
			shift := jpegShift(b.Dx(), b.Dy(), int(preShrinkMargin*PreviewSize))
			got := previewOf(&scaled{decodeOwn(t, data, shift), b.Dx(), b.Dy()})
			if got.Rect != want.Rect {
				t.Fatalf("preview %v, want %v", got.Rect, want.Rect)
			}
			p := psnr(got, want)
			t.Logf("%v at 1/%d: PSNR %.1f dB", b.Size(), 1<<shift, p)
			if p < 38 {
				t.Errorf("PSNR %.1f dB at 1/%d", p, 1<<shift)
			}
		})
	}
}

// A progressive image too big to keep whole keeps only the N×N lowest
// frequencies at 1/2 and 1/4 scale and decodes them with plain N-point
// IDCTs: close to the box means still.
func TestJPEGProgressiveLowKeep(t *testing.T) {
	for _, name := range []string{"prog420.jpg", "prog444.jpg", "progrst.jpg", "grayprog.jpg", "cmykprog.jpg"} {
		data, err := os.ReadFile(filepath.Join("testdata", "jpeg", name))
		if err != nil {
			t.Fatal(err)
		}
		full := planes(decodeOwn(t, data, 0))
		for shift := uint(1); shift <= 2; shift++ {
			t.Run(name+"/"+string(rune('0'+(8>>shift))), func(t *testing.T) {
				d, err := readJPEGHeader(data)
				if err != nil {
					t.Fatal(err)
				}
				img, err := d.decodeKeeping(shift, lowKeep(shift))
				if err != nil {
					t.Fatal(err)
				}
				if d.keep >= 64 {
					t.Fatalf("kept %d coefficients", d.keep)
				}
				got := planes(img)
				for i, f := range full {
					want := boxAverage(f, 1<<shift)
					g := imaging.Clone(got[i].SubImage(want.Rect))
					if p := psnr(g, want); p < 28 {
						t.Errorf("plane %d: PSNR %.1f dB at 1/%d", i, p, 1<<shift)
					}
				}
			})
		}
	}
}
