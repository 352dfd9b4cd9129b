package rights_test

import (
	"bytes"
	"testing"

	"github.com/haiduong/promo-archive/archive/rights"
)

// FuzzEmbed: whatever the bytes, Embed does not panic, and what it
// accepts it returns as a stream of the same type, embedding again in
// the same way.
func FuzzEmbed(f *testing.F) {
	for _, seed := range [][]byte{
		{0xFF, 0xD8, 0xFF, 0xD9},
		{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9},
		[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82"),
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	m := rights.Meta{Creator: "Nguyễn Thị Ánh", Title: map[string]string{"vi": "Chợ phiên"}}
	f.Fuzz(func(t *testing.T, b []byte, jpeg bool) {
		mime := "image/png"
		if jpeg {
			mime = "image/jpeg"
		}
		out, err := rights.Embed(b, mime, m)
		if err != nil {
			return
		}
		if len(out) < 4 || !bytes.Equal(out[:2], b[:2]) {
			t.Fatalf("output %q does not start as the input %q", out[:min(len(out), 8)], b[:min(len(b), 8)])
		}
		again, err := rights.Embed(out, mime, m)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("embedding the output again: %v, changed %v", err, !bytes.Equal(again, out))
		}
	})
}
