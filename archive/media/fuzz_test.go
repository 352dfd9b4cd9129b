package media

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// seed adds the testdata files and hand-built inputs to a fuzz corpus.
func seed(f *testing.F, extra ...[]byte) {
	for _, b := range testdataSeeds(f) {
		f.Add(b)
	}
	for _, b := range extra {
		f.Add(b)
	}
}

func FuzzSniff(f *testing.F) {
	seed(f, []byte("%PDF-1.7"), []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), []byte("hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		mime, kind, err := Sniff(b)
		if err == nil && (mime == "" || kind == "") {
			t.Fatalf("no error but mime %q kind %q", mime, kind)
		}
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("error %v does not wrap ErrUnsupported", err)
		}
	})
}

func FuzzTIFF(f *testing.F) {
	seed(f, sampleTIFF(), tiffLE([]ent{ascii(0x010F, "M")}, nil, nil, 8),
		tiffLE([]ent{ascii(0x010F, "M")}, nil, []ent{ascii(1, "S"), ascii(2, "41 51 12.06"), ascii(4, "-.5e+1 undef"), ascii(6, "12.5")}, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, _, _, err := readEXIF(bytes.NewReader(b), int64(len(b)), "exif")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		// The rebuilt blob must itself walk cleanly.
		blob := doc.goexifBlob()
		if _, err := walkTIFF(bytes.NewReader(blob), int64(len(blob)), "exif", false); err != nil && doc.ifd0 != nil && len(doc.ifd0.entries) > 0 {
			t.Logf("rebuilt blob: %v", err)
		}
	})
}

func FuzzIPTC(f *testing.F) {
	seed(f, iim(1, 90, "\x1b%G", 2, 120, "Chú thích", 2, 25, "k"),
		irb(map[uint16][]byte{irbIPTC: iim(2, 5, "t"), irbIPTCDigest: make([]byte, 16)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseIIM(b)
		readPhotoshopIPTC(b)
	})
}

func FuzzXMP(f *testing.F) {
	seed(f, []byte(sampleXMP), []byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := parseXMP(b, "xmp")
		if len(c.subject) > xmpMaxItems || len(c.creator) > xmpMaxItems {
			t.Fatalf("lists past the bound: %d %d", len(c.subject), len(c.creator))
		}
		parseXMPCoord(c.lat, 90)
	})
}

// fuzzWalker runs a container walker and checks the error contract.
func fuzzWalker(t *testing.T, b []byte, walk func(r *bytes.Reader, size int64) (*container, error)) {
	c, err := walk(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *FormatError", err)
		}
		return
	}
	if c.budget < 0 {
		t.Fatalf("metadata budget overdrawn: %d", c.budget)
	}
}

func FuzzJPEG(f *testing.F) {
	seed(f, sampleJPEG(), jpegFile(1, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzWalker(t, b, func(r *bytes.Reader, n int64) (*container, error) { return walkJPEG(r, n) })
	})
}

func FuzzPNG(f *testing.F) {
	seed(f, samplePNGText(), pngFile(zTXt("Title", strings.Repeat("a", xmpMaxText+1)), iTXt("Description", "vi", "x", true)))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzWalker(t, b, func(r *bytes.Reader, n int64) (*container, error) { return walkPNG(r, n) })
	})
}

func FuzzWebP(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzWalker(t, b, func(r *bytes.Reader, n int64) (*container, error) { return walkWebP(r, n) })
	})
}

func FuzzGIF(f *testing.F) {
	seed(f, sampleGIF())
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzWalker(t, b, func(r *bytes.Reader, n int64) (*container, error) { return walkGIF(r, n) })
	})
}

func FuzzExtract(f *testing.F) {
	seed(f, sampleJPEG(), sampleTIFF(), sampleGIF())
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{Sidecar: []byte(sampleXMP)})
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if info.Orientation < 0 || info.Orientation > 8 {
			t.Fatalf("orientation %d", info.Orientation)
		}
		if g := info.GPS; g != nil && (g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180) {
			t.Fatalf("gps %+v", g)
		}
	})
}

// extractContract checks Extract's error contract on fuzzed bytes.
func extractContract(t *testing.T, b []byte) *Info {
	info, err := Extract(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		return nil
	}
	if g := info.GPS; g != nil && (g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180) {
		t.Fatalf("gps %+v", g)
	}
	if info.DurationS < 0 || info.Width < 0 || info.Height < 0 || info.Rotation%90 != 0 || info.Rotation < 0 || info.Rotation >= 360 {
		t.Fatalf("values out of range: %+v", info)
	}
	return info
}

func FuzzMP4(f *testing.F) {
	seed(f, sampleMP4(), nest(20))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := readVideo(bytes.NewReader(b), int64(len(b))); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
		}
		extractContract(t, b)
	})
}

func FuzzHEIF(f *testing.F) {
	seed(f, sampleHEIF())
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzWalker(t, b, func(r *bytes.Reader, n int64) (*container, error) { return walkHEIF(r, n) })
		if tiff, err := exifItemTIFF(b); err == nil && !isTIFFHeader(tiff) {
			t.Fatalf("exifItemTIFF returned no TIFF header")
		}
	})
}

func FuzzEPUB(f *testing.F) {
	seed(f, sampleEPUB(), zipOf(zipFile{name: "META-INF/container.xml", body: epubContainer},
		zipFile{name: "OEBPS/content.opf", body: sampleOPF, deflate: true}, zipFile{name: "mimetype", body: mimeEPUB, deflate: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		extractContract(t, b)
		data, _, err := EPUBCover(bytes.NewReader(b), int64(len(b)))
		if err == nil && len(data) > epubMaxCover {
			t.Fatalf("cover of %d bytes", len(data))
		}
	})
}

// FuzzPDF feeds pdfcpu through Extract. Inputs are capped at 64 KiB: pdfcpu
// is slow on large hostile inputs, and the size bound is Extract's, not
// pdfcpu's.
func FuzzPDF(f *testing.F) {
	seed(f, []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"),
		genPDF(10, "none"), genPDF(10, "broken"), genPDF(10, "table"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			return
		}
		if s, err := scanPDF(bytes.NewReader(b), int64(len(b)), 5); err != nil || s.objects > 6 {
			t.Fatalf("scanPDF: %+v %v", s, err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			extractContract(t, b)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Extract took more than 5 s on %d bytes", len(b))
		}
	})
}
