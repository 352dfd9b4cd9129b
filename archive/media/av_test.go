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

// TestVideoEpochDates: a date at the QuickTime or Unix epoch (an unset clock)
// is absent, from mvhd, Apple's CreationDate, XMP or ffprobe alike; a real
// date from another source then stands.
func TestVideoEpochDates(t *testing.T) {
	const (
		created2024 = 3797366400 // sampleMP4's mvhd time
		unixEpoch   = 2082844800 // 1970-01-01T00:00:00Z in seconds since 1904
		appleKey    = "com.apple.quicktime.creationdate"
		appleDate   = "2024-05-01T06:30:00+0700"
	)
	mp4 := func(created uint32, apple string, xmp bool) []byte {
		b := bytes.ReplaceAll(sampleMP4(), u32(created2024), u32(created))
		if apple == "" {
			b = bytes.Replace(b, []byte(appleKey), []byte(strings.Repeat("x", len(appleKey))), 1)
		} else {
			b = bytes.Replace(b, []byte(appleDate), []byte(apple), 1)
		}
		if !xmp {
			b = bytes.Replace(b, []byte("XMP_"), []byte("XXX_"), 1)
		}
		return b
	}
	probe := func(date string) []byte {
		return []byte(`{"streams":[{"codec_type":"video","width":2,"height":2}],"format":{"tags":{"creation_time":"` + date + `"}}}`)
	}
	tests := []struct {
		name   string
		mp4    []byte // or
		probe  []byte
		want   string // RFC 3339 in UTC, "" for absent
		source string
	}{
		{name: "mvhd at 1904", mp4: mp4(0, "", false)},
		{name: "mvhd at 1970", mp4: mp4(unixEpoch, "", false)},
		{name: "mvhd hours after 1970", mp4: mp4(unixEpoch+5*3600, "", false)},
		{name: "mvhd two days after 1970 is a date", mp4: mp4(unixEpoch+2*86400, "", false), want: "1970-01-03T00:00:00Z", source: "quicktime"},
		{name: "Apple date at 1970 local time, mvhd stands", mp4: mp4(created2024, "1970-01-01T07:00:00+0700", false), want: "2024-05-01T00:00:00Z", source: "quicktime"},
		{name: "Apple date and mvhd at 1904", mp4: mp4(0, "1904-01-01T00:00:00+0000", false)},
		{name: "epoch mvhd, XMP date stands", mp4: mp4(unixEpoch, "", true), want: "2024-04-30T23:30:00Z", source: "xmp"},
		{name: "ffprobe at 1970", probe: probe("1970-01-01T00:00:00.000000Z")},
		{name: "ffprobe at 1904", probe: probe("1904-01-01T00:00:00Z")},
		{name: "ffprobe date", probe: probe("2024-02-10T01:02:03Z"), want: "2024-02-10T01:02:03Z", source: "container"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info *Info
			var err error
			if tt.mp4 != nil {
				info, err = Extract(bytes.NewReader(tt.mp4), int64(len(tt.mp4)), Options{})
			} else {
				info, err = FromFFprobe("video/x-matroska", tt.probe, Options{})
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if info.CapturedAt != nil {
				got = info.CapturedAt.UTC().Format(time.RFC3339)
			}
			if got != tt.want || info.CapturedAtSource != tt.source || info.Provenance["captured_at"] != tt.source {
				t.Errorf("captured %q from %q (provenance %q), want %q from %q", got, info.CapturedAtSource, info.Provenance["captured_at"], tt.want, tt.source)
			}
		})
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

// TestEPUBLayouts: an EPUB is recognised by META-INF/container.xml naming a
// package document, whether its mimetype entry is first and stored (the
// rule), compressed, elsewhere or missing; other zips stay unsupported.
func TestEPUBLayouts(t *testing.T) {
	container := zipFile{name: "META-INF/container.xml", body: epubContainer}
	opf := zipFile{name: "OEBPS/content.opf", body: sampleOPF, deflate: true}
	mimetype := zipFile{name: "mimetype", body: mimeEPUB}
	compressed := zipFile{name: "mimetype", body: mimeEPUB, deflate: true}
	tests := []struct {
		name string
		zip  []byte
		epub bool
	}{
		{"mimetype first and stored", zipOf(mimetype, container, opf), true},
		{"mimetype first and compressed", zipOf(compressed, container, opf), true},
		{"mimetype last", zipOf(container, opf, mimetype), true},
		{"no mimetype", zipOf(opf, container), true},
		{"mimetype with padding", zipOf(container, opf, zipFile{name: "mimetype", body: mimeEPUB + "\n"}), true},
		{"another mimetype", zipOf(zipFile{name: "mimetype", body: "application/vnd.oasis.opendocument.text", deflate: true}, container, opf), false},
		{"plain zip", zipOf(zipFile{name: "a.txt", body: "hello"}, opf), false},
		{"package document missing", zipOf(compressed, container), false},
		{"container names no package", zipOf(compressed, zipFile{name: "META-INF/container.xml", body: "<container/>"}, opf), false},
		{"broken zip", append([]byte("PK\x03\x04"), make([]byte, 60)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mime, kind, err := SniffFile(bytes.NewReader(tt.zip), int64(len(tt.zip)))
			info, xerr := Extract(bytes.NewReader(tt.zip), int64(len(tt.zip)), Options{})
			if !tt.epub {
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "application/zip") || !errors.Is(xerr, ErrUnsupported) {
					t.Errorf("SniffFile: %q %v; Extract: %v; want unsupported zip", mime, err, xerr)
				}
				return
			}
			if err != nil || mime != mimeEPUB || kind != KindPublication {
				t.Fatalf("SniffFile: %q %q %v", mime, kind, err)
			}
			if xerr != nil || info.MIME != mimeEPUB || info.Title[XDefault] == "" {
				t.Errorf("Extract: %+v %v", info, xerr)
			}
		})
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
