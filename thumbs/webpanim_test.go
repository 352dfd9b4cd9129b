package thumbs

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// TestAnimatedWebP draws the first frame of the corpus animation, and
// survives truncations, bit flips and lying chunk sizes of it.
func TestAnimatedWebP(t *testing.T) {
	root, _ := corpus(t)
	src, err := os.ReadFile(filepath.Join(root, "webp/Animation_Lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{})
	res := render(t, r, archive.RenderInput{Path: writeBytes(t, src, "webp"), MIME: "image/webp"})
	if len(res.Images) != 2 || res.Images[0].Placeholder || !res.HasPHash || len(res.Warnings) != 0 {
		t.Fatalf("%d images, warnings %q", len(res.Images), res.Warnings)
	}
	if b := rendition(t, res, archive.RenditionPreview).Bounds(); b.Dx() != 320 || b.Dy() != 240 {
		t.Errorf("preview %v, want the 320×240 canvas", b)
	}

	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	n := 200
	if raceEnabled {
		n = 40
	}
	for i := range n {
		data := bytes.Clone(src)
		switch i % 4 {
		case 0:
			data = data[:rng.IntN(len(data))]
		case 1, 2:
			for range 1 + rng.IntN(8) {
				data[12+rng.IntN(200)] ^= byte(1 + rng.IntN(255)) // the chunk headers and the frame header
			}
		default:
			binary.LittleEndian.PutUint32(data[12+4+18+8+6+4:], rng.Uint32()) // the ANMF size
		}
		p := filepath.Join(dir, "f.webp")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := r.Render(context.Background(), archive.RenderInput{Path: p, MIME: "image/webp", Kind: media.KindPhoto})
		if err == nil && res == nil {
			t.Fatalf("case %d: nil result and nil error", i)
		}
	}
}
