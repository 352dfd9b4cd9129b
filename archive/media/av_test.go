package media

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExtractVideo(t *testing.T) {
	b := sampleMP4()
	info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != KindVideo || info.MIME != mimeMP4 || info.Width != 1920 || info.Height != 1080 ||
		info.Rotation != 90 || info.Codec != "avc1" || info.DurationS != 2 || info.Orientation != 0 {
		t.Errorf("video basics: %+v", info)
	}
	// Apple's CreationDate carries its offset and wins over mvhd.
	if info.CapturedAt == nil || info.CapturedAt.Format(time.RFC3339) != "2024-05-01T06:30:00+07:00" ||
		info.CapturedAtSource != "quicktime" || info.TZInferred {
		t.Errorf("captured_at %v %q %v", info.CapturedAt, info.CapturedAtSource, info.TZInferred)
	}
	if info.Camera.Model != "iPhone 15" || info.GPS == nil || info.GPS.Lat != 10.025 || info.GPS.Lon != 105.78 {
		t.Errorf("camera %+v gps %+v", info.Camera, info.GPS)
	}
	// XMP (udta/XMP_) wins for text; QuickTime fills what it lacks.
	if info.Title["x-default"] != "Chợ nổi" || info.Creator != "Nguyễn Thị Ánh" || len(info.Keywords) != 2 {
		t.Errorf("text: %q %q %q", info.Title, info.Creator, info.Keywords)
	}
}

func TestVideoMvhdDate(t *testing.T) {
	// Without Apple's CreationDate, mvhd's UTC creation time is the instant.
	b := bytes.Replace(sampleMP4(), []byte("com.apple.quicktime.creationdate"), []byte("com.apple.quicktime.xxxxxxxxxxxx"), 1)
	info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil || info.CapturedAt == nil || !info.CapturedAt.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) || info.TZInferred {
		t.Fatalf("%v %v", info.CapturedAt, err)
	}
}

func TestVideoHostile(t *testing.T) {
	good := sampleMP4()
	moovAt := bytes.Index(good, []byte("moov")) - 4
	for name, tc := range map[string]struct {
		b       []byte
		wantErr bool
	}{
		"no moov":           {bx("ftyp", []byte("isom"), u32(0)), true},
		"moov past the end": {append(append(append([]byte{}, good[:moovAt]...), 0x7F, 0, 0, 0), good[moovAt+4:]...), true},
		"truncated":         {good[:moovAt+200], true},
		"box size 3":        {append(bx("ftyp", []byte("isom"), u32(0)), 0, 0, 0, 3, 'm', 'o', 'o', 'v'), true},
		"deep nesting":      {nest(40), false},
	} {
		t.Run(name, func(t *testing.T) {
			info, err := Extract(bytes.NewReader(tc.b), int64(len(tc.b)), Options{})
			var fe *FormatError
			switch {
			case tc.wantErr && !errors.As(err, &fe):
				t.Errorf("%s: got %v, want *FormatError", name, err)
			case !tc.wantErr && err != nil:
				t.Errorf("%s: %v", name, err)
			case !tc.wantErr && info.Kind != KindVideo:
				t.Errorf("%s: %+v", name, info)
			}
		})
	}
}

// nest builds moov with udta boxes nested n deep. The walker follows only
// the paths it knows (moov/udta/meta/ilst/item/data), so depth stays bounded.
func nest(n int) []byte {
	b := bx("\xa9nam", qtText(0, "x"))
	for i := 0; i < n; i++ {
		b = bx("udta", bx("meta", u32(0), bx("ilst", b)))
	}
	return append(bx("ftyp", []byte("qt  "), u32(0)), bx("moov", b)...)
}

func TestISO6709(t *testing.T) {
	for _, tc := range []struct {
		in            string
		lat, lon, alt float64
		err           bool
	}{
		{"+37.7858-122.4064/", 37.7858, -122.4064, math.NaN(), false},
		{"+32.0929+034.8620+028.516/", 32.0929, 34.862, 28.516, false},
		{"+51.4169-000.0806/", 51.4169, -0.0806, math.NaN(), false},
		{"+4030.5-07400.25/", 40.508333, -74.004167, math.NaN(), false},
		{"+95.0+010.0/", 0, 0, 0, true},
		{"37.7858-122.4064", 0, 0, 0, true},
		{"+1-2+3+4/", 0, 0, 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			g, err := parseISO6709(tc.in)
			if tc.err {
				if err == nil {
					t.Errorf("%q: no error", tc.in)
				}
				return
			}
			if err != nil || g == nil || math.Abs(g.Lat-tc.lat) > 1e-5 || math.Abs(g.Lon-tc.lon) > 1e-5 {
				t.Errorf("%q: %+v %v", tc.in, g, err)
				return
			}
			if !math.IsNaN(tc.alt) && (g.AltM == nil || *g.AltM != tc.alt) {
				t.Errorf("%q: altitude %v", tc.in, g.AltM)
			}
		})
	}
}

func TestMatrixRotation(t *testing.T) {
	for _, tc := range []struct {
		a, b int32
		want int
	}{{0x10000, 0, 0}, {0, 0x10000, 90}, {-0x10000, 0, 180}, {0, -0x10000, 270}, {0, 0, 0}} {
		t.Run(fmt.Sprintf("a=%#x b=%#x", tc.a, tc.b), func(t *testing.T) {
			if got := matrixRotation(tc.a, tc.b); got != tc.want {
				t.Errorf("(%d,%d): %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestExtractHEIF(t *testing.T) {
	b := sampleHEIF()
	info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.MIME != mimeHEIC || info.Width != 4032 || info.Height != 3024 || info.Camera.Model != "EOS 5D" {
		t.Errorf("heif: %+v", info)
	}
	if info.Title["x-default"] != "Chợ nổi" {
		t.Errorf("XMP item not read: %q", info.Title)
	}
	// Hostile: the Exif item's offset past its data, a truncated file.
	for name, hb := range map[string][]byte{
		"truncated": b[:len(b)-40],
		"no meta":   bx("ftyp", []byte("heic"), u32(0)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Extract(bytes.NewReader(hb), int64(len(hb)), Options{})
			var fe *FormatError
			if name == "no meta" && !errors.As(err, &fe) {
				t.Errorf("%s: %v, want *FormatError", name, err)
			}
			if name == "truncated" && err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
}

func TestExifItemTIFF(t *testing.T) {
	tiff := sampleTIFF()
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"offset 6", append(append(u32(6), "Exif\x00\x00"...), tiff...), true},
		{"offset 0", append(u32(0), tiff...), true},
		{"wrong offset, Exif header", append(append(u32(0), "Exif\x00\x00"...), tiff...), true},
		{"offset past end", append(u32(1<<30), tiff...), false},
		{"short", []byte{0, 0}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := exifItemTIFF(tc.in)
			if tc.ok != (err == nil) || (tc.ok && !bytes.Equal(got, tiff)) {
				t.Errorf("%s: %v", tc.name, err)
			}
		})
	}
}

func TestExtractEPUB(t *testing.T) {
	b := sampleEPUB()
	info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"vi": "Chợ nổi Cái Răng", "x-default": "Floating market"}
	if !reflect.DeepEqual(info.Title, want) || info.Creator != "Nguyễn Thị Ánh; Trần Văn B" || info.Language != "vi-vn" ||
		info.Rights != "© 2024 Sở VHTTDL" || len(info.Keywords) != 2 || info.Description["x-default"] != "Sách ảnh" {
		t.Errorf("epub: %+v", info)
	}
	if info.CapturedAt == nil || info.CapturedAt.Format(time.RFC3339) != "2024-05-01T00:00:00+07:00" || !info.TZInferred || info.CapturedAtSource != "epub" {
		t.Errorf("date: %v %v %q", info.CapturedAt, info.TZInferred, info.CapturedAtSource)
	}
	data, mime, err := EPUBCover(bytes.NewReader(b), int64(len(b)))
	if err != nil || mime != mimeGIF || !bytes.Equal(data, sampleGIF()) {
		t.Errorf("cover: %q %v", mime, err)
	}
	// Hostile: not a zip, no container, a bomb entry.
	for name, eb := range map[string][]byte{
		"cut zip": b[:len(b)/2],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Extract(bytes.NewReader(eb), int64(len(eb)), Options{})
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s: %v, want *FormatError", name, err)
			}
		})
	}
	noContainer := epubZip(map[string]string{"OEBPS/content.opf": sampleOPF})
	info, err = Extract(bytes.NewReader(noContainer), int64(len(noContainer)), Options{})
	if err != nil || len(info.Warnings) == 0 {
		t.Errorf("no container: %+v %v", info, err)
	}
	if _, _, err := EPUBCover(bytes.NewReader(noContainer), int64(len(noContainer))); !errors.Is(err, ErrNoCover) {
		t.Errorf("cover without package: %v", err)
	}
	bomb := epubZip(map[string]string{
		"META-INF/container.xml": `<container><rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>`,
		"OEBPS/content.opf":      "<package>" + strings.Repeat(" ", epubMaxOPF+1) + "</package>",
	})
	info, err = Extract(bytes.NewReader(bomb), int64(len(bomb)), Options{})
	if err != nil || len(info.Warnings) == 0 || !strings.Contains(info.Warnings[0], "too large") {
		t.Errorf("bomb: %+v %v", info, err)
	}
}

func TestPDFDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"D:20100102030405+07'00'", "2010-01-02T03:04:05+07:00"},
		{"D:20100102030405-04'00", "2010-01-02T03:04:05-04:00"},
		{"D:20230410074654Z07'46'", "2023-04-10T07:46:54Z"},
		{"D:20100102030405", "2010-01-02T03:04:05"},
		{"D:20100102", "2010-01-02"},
		{"D:2010", "2010"},
		{"20100102030405+0700", "2010-01-02T03:04:05+07:00"},
		{"D:201001020304", "2010-01-02T03:04"},
		{"junk", ""},
		{"D:20100102030405+7", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := pdfDate(tc.in)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("%q: %q %v, want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestExtractPDF(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "xmp_metadata.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.PageCount != 1 || info.Title["x-default"] != "Sample PDF with XMP Metadata" || info.Creator != "John Doe" ||
		info.CapturedAt == nil || !info.CapturedAt.Equal(time.Date(2023, 4, 10, 7, 46, 54, 0, time.UTC)) || info.CapturedAtSource != "pdf" {
		t.Errorf("pdf: %+v", info)
	}
	// Broken: a cut file still ingests, with a warning.
	cut := b[:len(b)/2]
	info, err = Extract(bytes.NewReader(cut), int64(len(cut)), Options{})
	if err != nil {
		t.Errorf("cut pdf: %v", err)
	} else {
		t.Logf("cut pdf: %d pages, warnings %q", info.PageCount, info.Warnings)
	}
}
