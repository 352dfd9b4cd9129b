package thumbs

import (
	"image"
	"image/color"
	"image/draw"
	"strings"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// decodable reports whether Render can draw this MIME type itself. An
// empty MIME on a photo is sniffed from the content.
func decodable(in archive.RenderInput) bool {
	switch in.MIME {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff",
		"image/bmp", "image/x-ms-bmp":
		return true
	case "":
		return in.Kind == media.KindPhoto || in.Kind == ""
	}
	return false
}

// placeholderLabel is the word a placeholder card shows for in.
func placeholderLabel(in archive.RenderInput) string {
	switch {
	case in.Kind == media.KindVideo || strings.HasPrefix(in.MIME, "video/"):
		return "VIDEO"
	case in.MIME == "application/pdf":
		return "PDF"
	case in.MIME == "application/epub+zip":
		return "EPUB"
	case in.MIME == "image/heic" || in.MIME == "image/heif":
		return "HEIC"
	case in.MIME == "image/avif":
		return "AVIF"
	case in.Kind == media.KindPublication:
		return "DOC"
	}
	return "IMAGE"
}

// Placeholder card geometry.
const (
	cardW, cardH = 320, 240
	textScale    = 4
)

// placeholderCard draws a grey card with a pictogram (a play triangle for
// video, a page otherwise) and label in big pixel letters.
func placeholderCard(label string) *image.RGBA {
	card := image.NewRGBA(image.Rect(0, 0, cardW, cardH))
	draw.Draw(card, card.Rect, image.NewUniform(color.Gray{0xb0}), image.Point{}, draw.Src)
	ink := color.RGBA{0x50, 0x50, 0x50, 0xff}
	const top, size = 40, 90 // pictogram box: x in [cardW/2-size/2, …), y in [top, top+size)
	x0 := cardW/2 - size/2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var on bool
			if label == "VIDEO" { // a triangle pointing right
				d := y
				if y > size/2 {
					d = size - y
				}
				on = x >= size/8 && x-size/8 <= 2*d*7/8
			} else { // a page outline with a folded corner
				edge := x < 4 || y >= size-4 || x >= size*3/4-4 && x < size*3/4 || y < 4 && x < size/2
				fold := x >= size/2 && x-size/2 <= y && y < size/4
				on = x < size*3/4 && (edge || fold)
			}
			if on {
				card.Set(x0+x+size/8, top+y, ink)
			}
		}
	}
	face := basicfont.Face7x13
	text := image.NewNRGBA(image.Rect(0, 0, 7*len(label), 13))
	d := font.Drawer{Dst: text, Src: image.NewUniform(ink), Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(label)
	big := imaging.Resize(text, text.Rect.Dx()*textScale, text.Rect.Dy()*textScale, imaging.NearestNeighbor)
	at := image.Pt((cardW-big.Rect.Dx())/2, top+size+20)
	draw.Draw(card, big.Rect.Add(at), big, image.Point{}, draw.Over)
	return card
}
