package thumbs

import (
	"image"
	"testing"

	"github.com/disintegration/imaging"
)

// resample gives imaging's Catmull-Rom pixels, less fixed-point rounding.
func TestResampleMatchesImaging(t *testing.T) {
	src := scene(613, 401, 3)
	for _, size := range []image.Point{{320, 209}, {600, 400}, {37, 1}, {1, 1}, {900, 588}, {613, 100}} {
		t.Run(size.String(), func(t *testing.T) {
			got := resample(src, size.X, size.Y)
			want := imaging.Resize(src, size.X, size.Y, imaging.CatmullRom)
			if maxd, mean := diffStats(got, want); maxd > 3 || mean > 0.3 {
				t.Errorf("max difference %d, mean %.2f", maxd, mean)
			}
		})
	}
}
