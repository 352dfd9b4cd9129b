package thumbs

import (
	"image"

	"github.com/disintegration/imaging"
)

// orient turns img, stored with EXIF orientation o, upright. Values outside
// 1–8 (missing or bogus tags) leave it as it is.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // 90° clockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img) // 90° counter-clockwise
	}
	return img
}

// swapsAxes reports whether orientation o turns a w×h image into an h×w one.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }
