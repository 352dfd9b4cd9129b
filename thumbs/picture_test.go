package thumbs

import (
	"image"
	"image/color"
	"testing"

	"github.com/haiduong/promo-archive/archive"
)

func TestPicture(t *testing.T) {
	r := New(Options{})
	src := quadrant(400, 200)
	for _, c := range []struct {
		name        string
		format      string
		orientation int
		w, h        int
		topLeft     func(color.Color) bool
	}{
		{"jpeg kept in its planes", "jpeg", 1, 400, 200, isRed},
		{"png made opaque", "png", 1, 400, 200, isRed},
		{"orientation 6 turned upright", "jpeg", 6, 200, 400, func(c color.Color) bool { return !isRed(c) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, src, c.format)
			img, err := r.Picture(t.Context(), archive.RenderInput{Path: path, MIME: "image/" + c.format, Kind: "photo",
				Width: 400, Height: 200, Orientation: c.orientation})
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("%v, want %d×%d", b, c.w, c.h)
			}
			if !c.topLeft(img.At(img.Bounds().Min.X+5, img.Bounds().Min.Y+5)) {
				t.Errorf("top left %v", img.At(5, 5))
			}
		})
	}
	_, err := r.Picture(t.Context(), archive.RenderInput{Path: write(t, src, "png"), MIME: "application/x-unknown", Kind: "photo"})
	if err == nil {
		t.Error("an undrawable type gave a picture")
	}
}

func TestScale(t *testing.T) {
	r := New(Options{})
	path := write(t, quadrant(800, 600), "jpeg")
	img, err := r.Picture(t.Context(), archive.RenderInput{Path: path, MIME: "image/jpeg", Kind: "photo"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		crop image.Rectangle
		w, h int
	}{
		{"whole, shrunk by a box first", image.Rect(0, 0, 800, 600), 100, 75},
		{"the red quadrant", image.Rect(0, 0, 400, 300), 40, 30},
		{"a piece at its own size", image.Rect(10, 10, 110, 60), 100, 50},
		{"upscaled", image.Rect(0, 0, 20, 20), 200, 200},
		{"distorted", image.Rect(0, 0, 400, 300), 50, 300},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := r.Scale(img, c.crop, c.w, c.h)
			if out.Rect.Dx() != c.w || out.Rect.Dy() != c.h {
				t.Fatalf("%v, want %d×%d", out.Rect, c.w, c.h)
			}
			if !isRed(out.At(out.Rect.Min.X+1, out.Rect.Min.Y+1)) {
				t.Errorf("top left %v, want red", out.At(out.Rect.Min.X+1, out.Rect.Min.Y+1))
			}
		})
	}
}
