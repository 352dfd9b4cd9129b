package thumbs

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"testing"
)

// The streaming PNG reader gives what image/png and shrink give, for every
// kind of image the encoder writes, shrunk or not.
func TestPNGStream(t *testing.T) {
	pal := color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{200, 10, 10, 0xff}, color.NRGBA{10, 200, 10, 0x80}, color.NRGBA{0, 0, 250, 0xff}}
	for _, tc := range []struct {
		name string
		make func(r image.Rectangle) image.Image
	}{
		{"gray8", func(r image.Rectangle) image.Image { return image.NewGray(r) }},
		{"gray16", func(r image.Rectangle) image.Image { return image.NewGray16(r) }},
		{"rgb8", func(r image.Rectangle) image.Image { return image.NewRGBA(r) }},
		{"rgba8", func(r image.Rectangle) image.Image { return image.NewNRGBA(r) }},
		{"rgba16", func(r image.Rectangle) image.Image { return image.NewNRGBA64(r) }},
		{"paletted2", func(r image.Rectangle) image.Image { return image.NewPaletted(r, pal) }},
	} {
		sizes := []image.Point{{37, 23}, {3000, 1700}}
		if raceEnabled {
			sizes = []image.Point{{37, 23}, {1500, 700}}
		}
		for _, size := range sizes {
			t.Run(tc.name+"/"+size.String(), func(t *testing.T) {
				r := image.Rectangle{Max: size}
				m := tc.make(r).(interface {
					image.Image
					Set(x, y int, c color.Color)
				})
				for y := range size.Y {
					for x := range size.X {
						a := uint8(0xff)
						if tc.name == "rgba8" || tc.name == "rgba16" {
							a = uint8(x * 7)
						}
						if _, ok := m.(*image.RGBA); ok {
							a = 0xff
						}
						m.Set(x, y, color.NRGBA{uint8(x * 3), uint8(y * 5), uint8(x ^ y), a})
					}
				}
				var buf bytes.Buffer
				if err := png.Encode(&buf, m); err != nil {
					t.Fatal(err)
				}
				sr := io.NewSectionReader(bytes.NewReader(buf.Bytes()), 0, int64(buf.Len()))
				got, err := New(Options{}).decodePNG(newBudget(1<<30).lease(t.Context()), sr, "png")
				if err != nil {
					t.Fatal(err)
				}
				if s, ok := got.(*scaled); ok {
					got = s.Image
				}
				full, err := png.Decode(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				b := got.Bounds()
				want := shrink(full, b.Dx(), b.Dy())
				if maxd, _ := diffStats(got.(*image.NRGBA), want); maxd > 1 {
					t.Errorf("max difference %d from image/png + shrink", maxd)
				}
			})
		}
	}
}

// FuzzPNGStream: any bytes give a picture or an error, never a panic, and
// memory stays within the budget.
func FuzzPNGStream(f *testing.F) {
	for _, m := range []image.Image{image.NewGray16(image.Rect(0, 0, 5, 3)), image.NewNRGBA(image.Rect(0, 0, 9, 4)),
		image.NewPaletted(image.Rect(0, 0, 7, 7), color.Palette{color.Black, color.White})} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	r := New(Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sr := io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data)))
		_, _ = r.decodePNG(newBudget(16<<20).lease(t.Context()), sr, "png")
	})
}
