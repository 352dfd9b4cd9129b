package thumbs

import (
	"image"
	"strconv"

	"github.com/haiduong/promo-archive/archive"
)

// pdfPage is the first page of a PDF drawn by pdftoppm at PreviewSize on
// its long side, on white. A PDF that needs a user password, or that
// poppler cannot read, gets a placeholder with pdftoppm's message.
func (r *Renderer) pdfPage(ls *lease, in archive.RenderInput) (image.Image, error) {
	src, err := toolInput(in.Path)
	if err != nil {
		return nil, err
	}
	// With no output root, pdftoppm -singlefile writes the page to stdout.
	out, _, err := r.run(ls.ctx, &r.pdftoppm, "-f", "1", "-l", "1",
		"-scale-to", strconv.Itoa(PreviewSize), "-png", "-singlefile", src)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, placeholderf("thumbs: pdftoppm: no page")
	}
	return r.decodeDerived(ls, out, "PDF page")
}
