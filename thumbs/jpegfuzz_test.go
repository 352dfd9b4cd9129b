package thumbs

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// FuzzJPEGDecode: any bytes give a picture, an error, or both (damaged
// data), never a panic or a hang; memory is bounded by the header check
// (32 KB here: up to 100 scans each go over all blocks, and the coverage
// instrumentation is slow; the budget in decodeJPEG).
func FuzzJPEGDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "jpeg", "*.jpg"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
		f.Add(data[:len(data)*2/3], uint8(3))
	}
	// A bomb: a tiny gradient re-labelled 30000×30000.
	var buf bytes.Buffer
	m := image.NewGray(image.Rect(0, 0, 16, 16))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		f.Fatal(err)
	}
	bomb := buf.Bytes()
	if i := bytes.Index(bomb, []byte{0xff, 0xc0}); i > 0 {
		bomb = append([]byte(nil), bomb...)
		copy(bomb[i+5:], []byte{0x75, 0x30, 0x75, 0x30})
	}
	f.Add(bomb, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, s uint8) {
		d, err := readJPEGHeader(data)
		if err != nil {
			return
		}
		shift := uint(s % 4)
		if d.memory(shift) > 32<<10 {
			return
		}
		img, err := d.decode(shift)
		if err == nil && img == nil {
			t.Fatal("no picture and no error")
		}
		if img != nil {
			w, h := d.scaledSize(shift)
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Fatalf("bounds %v, want %d×%d", b, w, h)
			}
			_ = rgb(img)
		}
	})
}
