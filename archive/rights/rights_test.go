package rights_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/haiduong/promo-archive/archive/media"
	"github.com/haiduong/promo-archive/archive/rights"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// sample is a record's rights as the api passes them.
func sample() rights.Meta {
	return rights.Meta{
		Creator:      "Nguyễn Thị Ánh",
		Credit:       "Sở VHTTDL Hà Giang",
		Copyright:    "© 2024 Nguyễn Thị Ánh",
		UsageTerms:   "CC BY 4.0",
		WebStatement: "http://creativecommons.org/licenses/by/4.0/",
		Source:       "Phòng Văn hoá huyện Đồng Văn",
		LicensorURL:  "https://anh.hagiang.gov.vn/assets/0123abcd",
		Title:        map[string]string{"vi": "Lễ hội Khèn Mông", "en": "Hmong Khen festival"},
		Description:  map[string]string{"vi": "Người dân múa khèn trên cao nguyên đá <Đồng Văn> & \"Mèo Vạc\"", "en": "Dancers on the stone plateau"},
	}
}

func TestXMPGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
	}{
		{"sample.xmp", rights.XMP(sample())},
		{"sample.iim.hex", []byte(hex.Dump(rights.IIM(sample())))},
		{"cc0.xmp", rights.XMP(rights.Meta{Creator: "Sở VHTTDL", UsageTerms: "CC0 1.0", PublicDomain: true,
			WebStatement: "http://creativecommons.org/publicdomain/zero/1.0/", Title: map[string]string{"x-default": "Chợ phiên"}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.WriteFile(path, tc.got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v; run go test ./archive/rights -run TestXMPGolden -update", err)
			}
			if !bytes.Equal(tc.got, want) {
				t.Errorf("%s differs (run with -update to accept):\ngot:\n%s\nwant:\n%s", path, tc.got, want)
			}
		})
	}
}

func testImage() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.NRGBA{uint8(x * 6), uint8(y * 8), 90, 255})
		}
	}
	return img
}

func encodeJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withJFIF puts a JFIF APP0 segment and an old XMP and Photoshop segment
// after SOI, as another writer would have.
func withJFIF(b []byte) []byte {
	jfif := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	old := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>Old Writer</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`...)
	seg := append([]byte{0xFF, 0xE1, byte((len(old) + 2) >> 8), byte(len(old) + 2)}, old...)
	ps := append([]byte("Photoshop 3.0\x00"), "8BIM\x04\x04\x00\x00\x00\x00\x00\x08\x1c\x02\x50\x00\x03Old"...)
	ps = append(ps, 0) // pad
	seg13 := append([]byte{0xFF, 0xED, byte((len(ps) + 2) >> 8), byte(len(ps) + 2)}, ps...)
	out := append([]byte{0xFF, 0xD8}, jfif...)
	out = append(out, seg...)
	out = append(out, seg13...)
	return append(out, b[2:]...)
}

func extract(t *testing.T, b []byte) *media.Info {
	t.Helper()
	info, err := media.Extract(bytes.NewReader(b), int64(len(b)), media.Options{})
	if err != nil {
		t.Fatalf("media.Extract: %v", err)
	}
	return info
}

func TestEmbedReadBack(t *testing.T) {
	m := sample()
	for _, tc := range []struct {
		name, mime string
		in         []byte
		iptc       bool
	}{
		{"jpeg from image/jpeg", "image/jpeg", encodeJPEG(t), true},
		{"jpeg with JFIF and old metadata", "image/jpeg", withJFIF(encodeJPEG(t)), true},
		{"png", "image/png", encodePNG(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := rights.Embed(tc.in, tc.mime, m)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := image.Decode(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got, format, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("image.Decode of the output: %v", err)
			}
			if format != strings.TrimPrefix(tc.mime, "image/") || got.Bounds() != want.Bounds() {
				t.Errorf("decoded %s %v, want %s %v", format, got.Bounds(), tc.mime, want.Bounds())
			}
			if bytes.Contains(out, []byte("Old Writer")) || bytes.Contains(out, []byte("\x1c\x02\x50\x00\x03Old")) {
				t.Error("the old XMP or IPTC is still there")
			}
			// Twice is the same as once: our own segments are replaced.
			again, err := rights.Embed(out, tc.mime, m)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("embedding twice changed the bytes (err %v)", err)
			}
			info := extract(t, out)
			checkInfo(t, info, m)
			if tc.mime == "image/jpeg" && info.Provenance["creator"] == "" {
				t.Errorf("provenance %v", info.Provenance)
			}
		})
	}
}

func checkInfo(t *testing.T, info *media.Info, m rights.Meta) {
	t.Helper()
	for _, c := range []struct{ field, got, want string }{
		{"creator", info.Creator, m.Creator},
		{"credit", info.Credit, m.Credit},
		{"rights", info.Rights, m.Copyright},
		{"title vi", info.Title["vi"], m.Title["vi"]},
		{"title x-default", info.Title["x-default"], m.Title["vi"]},
		{"title en", info.Title["en"], m.Title["en"]},
		{"description vi", info.Description["vi"], m.Description["vi"]},
		{"description en", info.Description["en"], m.Description["en"]},
	} {
		if c.got != c.want {
			t.Errorf("%s: read back %q, want %q (warnings %v)", c.field, c.got, c.want, info.Warnings)
		}
	}
}

// TestIIMReadBack reads a JPEG that holds only our APP13 segment, so
// that what media reads can come from nothing but the IIM.
func TestIIMReadBack(t *testing.T) {
	long := strings.Repeat("Đồng Văn ", 40) // 2- and 3-byte runes
	m := rights.Meta{Creator: long, Credit: long, Copyright: long, Title: map[string]string{"vi": long},
		Description: map[string]string{"vi": strings.Repeat("ả", 1500)}}
	full, err := rights.JPEG(encodeJPEG(t), m)
	if err != nil {
		t.Fatal(err)
	}
	// Drop the APP1 XMP segment (it follows SOI directly).
	n := int(full[4])<<8 | int(full[5])
	iimOnly := append([]byte{0xFF, 0xD8}, full[4+n:]...)
	info := extract(t, iimOnly)
	for _, c := range []struct {
		field, got string
		max        int
	}{
		{"by-line", info.Creator, 32},
		{"credit", info.Credit, 32},
		{"copyright", info.Rights, 128},
		{"object name", info.Title[media.XDefault], 64},
		{"caption", info.Description[media.XDefault], 2000},
	} {
		t.Run(c.field, func(t *testing.T) {
			if c.got == "" || len(c.got) > c.max || !utf8.ValidString(c.got) || !strings.HasPrefix(long+long+long+long+long+long+long, c.got) && !strings.HasPrefix(m.Description["vi"], c.got) {
				t.Errorf("read back %q (%d bytes), want a prefix of the text within %d bytes; provenance %v, warnings %v",
					c.got, len(c.got), c.max, info.Provenance, info.Warnings)
			}
			if len(c.got) < c.max-3 {
				t.Errorf("%d bytes: cut more than a rune short of %d", len(c.got), c.max)
			}
		})
	}
}

func TestXMPLimits(t *testing.T) {
	huge := strings.Repeat("Mô tả rất dài của ảnh. ", 12000) // ≈ 300 KB
	m := sample()
	m.Description = map[string]string{"vi": huge, "en": huge, "fr": huge}
	m.Title = map[string]string{"vi": strings.Repeat("Tiêu đề ", 5000)}
	p := rights.XMP(m)
	if len(p) > rights.MaxPacket || !utf8.Valid(p) {
		t.Fatalf("packet of %d bytes (max %d), valid UTF-8 %v", len(p), rights.MaxPacket, utf8.Valid(p))
	}
	out, err := rights.JPEG(encodeJPEG(t), m)
	if err != nil {
		t.Fatal(err)
	}
	info := extract(t, out)
	if d := info.Description["vi"]; d == "" || !strings.HasPrefix(huge, d) {
		t.Errorf("description read back: %d bytes, not a prefix of the text", len(d))
	}
	if info.Creator != m.Creator {
		t.Errorf("creator %q", info.Creator)
	}
}

func TestEscaping(t *testing.T) {
	m := rights.Meta{Creator: `A & B <Co> "Ltd"`, Title: map[string]string{"vi": "</rdf:li></rdf:Alt><?xpacket end=\"w\"?>\x00 ]]>"}}
	out, err := rights.PNG(encodePNG(t), m)
	if err != nil {
		t.Fatal(err)
	}
	info := extract(t, out)
	if info.Creator != m.Creator {
		t.Errorf("creator %q, want %q", info.Creator, m.Creator)
	}
	if want := "</rdf:li></rdf:Alt><?xpacket end=\"w\"?>\uFFFD ]]>"; info.Title["vi"] != want {
		t.Errorf("title %q, want %q", info.Title["vi"], want)
	}
}

func TestMalformed(t *testing.T) {
	jpg := encodeJPEG(t)
	for _, tc := range []struct {
		name, mime string
		in         []byte
	}{
		{"not a jpeg", "image/jpeg", []byte("GIF89a....")},
		{"segment past the end", "image/jpeg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xF0}, jpg[2:20]...)},
		{"no marker", "image/jpeg", []byte{0xFF, 0xD8, 0x00, 0x01, 0x02, 0x03}},
		{"not a png", "image/png", jpg},
		{"png chunk past the end", "image/png", append([]byte("\x89PNG\r\n\x1a\n\x7f\xff\xff\xffIHDR"), make([]byte, 20)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := rights.Embed(tc.in, tc.mime, sample()); !errors.Is(err, rights.ErrFormat) {
				t.Errorf("err %v, want ErrFormat", err)
			}
		})
	}
	t.Run("other types and empty rights pass through", func(t *testing.T) {
		for _, c := range []struct {
			mime string
			m    rights.Meta
		}{{"image/webp", sample()}, {"image/jpeg", rights.Meta{}}} {
			if out, err := rights.Embed(jpg, c.mime, c.m); err != nil || !bytes.Equal(out, jpg) {
				t.Errorf("%s: changed (err %v)", c.mime, err)
			}
		}
	})
}

func TestHash(t *testing.T) {
	a, b := sample(), sample()
	if a.Hash() != b.Hash() {
		t.Error("equal rights hash differently")
	}
	b.Copyright = "© 2025 Sở VHTTDL"
	if a.Hash() == b.Hash() {
		t.Error("an edit of the copyright kept the hash")
	}
}
