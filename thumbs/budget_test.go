package thumbs

import (
	"image"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// A picture whose decode needs more than the whole byte budget gets a
// placeholder and a warning, before anything is decoded; one that fits
// renders.
func TestByteBudget(t *testing.T) {
	path := write(t, image.NewGray(image.Rect(0, 0, 3000, 2000)), "tiff") // 6 MB held
	for _, tc := range []struct {
		name        string
		budget      int64
		placeholder bool
	}{{"over", workingSet + 1<<20, true}, {"within", workingSet + 8<<20, false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := New(Options{MemoryBudget: tc.budget})
			res, err := r.Render(t.Context(), archive.RenderInput{Path: path, MIME: "image/tiff", Kind: media.KindPhoto})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Images) != 2 || res.Images[0].Placeholder != tc.placeholder {
				t.Fatalf("images %+v", res.Images)
			}
			if tc.placeholder && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "memory budget")) {
				t.Errorf("warnings %q", res.Warnings)
			}
			if r.budget.held != 0 {
				t.Errorf("%d bytes still held after Render", r.budget.held)
			}
		})
	}
}
