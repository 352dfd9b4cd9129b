package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/thumbs"
)

// iiifFixture is the API fixture served again with the IIIF routes wired
// to a real thumbs.Renderer and a disk cache, plus a public photo with
// real renditions ("big"): pic, or 1600×1200 of four coloured quadrants.
type iiifFixture struct {
	*fixture
	cacheDir string
}

// quadrants is red, green / blue, white.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 0, 0, 255}
			switch {
			case x >= w/2 && y < h/2:
				c = color.RGBA{0, 255, 0, 255}
			case x < w/2 && y >= h/2:
				c = color.RGBA{0, 0, 255, 255}
			case x >= w/2 && y >= h/2:
				c = color.RGBA{255, 255, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// putRendered stores rec with original and the renditions thumbs draws.
func putRendered(t testing.TB, a *archive.Archive, rec *archive.Record, original []byte) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "original")
	writeFile(t, src, original)
	res, err := thumbs.New(thumbs.Options{}).Render(t.Context(), archive.RenderInput{Path: src, MIME: rec.MIME, Kind: rec.Kind,
		Width: rec.Width, Height: rec.Height})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(original)
	rec.ID = hex.EncodeToString(sum[:])
	rec.Size = int64(len(original))
	p, _ := a.OriginalPath(rec.ID)
	writeFile(t, p, original)
	for _, ri := range res.Images {
		rp, _ := a.RenditionPath(rec.ID, ri.Rendition)
		writeFile(t, rp, ri.Data)
		rec.Renditions = append(rec.Renditions, ri.Rendition)
	}
	if _, err := a.Store().Put(rec); err != nil {
		t.Fatal(err)
	}
}

func newIIIFFixture(t *testing.T, pic image.Image) *iiifFixture {
	t.Helper()
	f := newFixture(t, nil)
	if pic == nil {
		pic = quadrants(1600, 1200)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, pic, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	rec := baseRecord("bon-goc.jpg", archive.Public, archive.Published, map[string]string{"vi": "Bốn góc"})
	rec.Width, rec.Height = pic.Bounds().Dx(), pic.Bounds().Dy()
	putRendered(t, f.a, rec, buf.Bytes())
	f.ids["big"] = rec.ID
	cacheDir := filepath.Join(t.TempDir(), "iiif")
	f.serveWith(func(d *Deps) {
		d.IIIF = IIIFOptions{Pictures: thumbs.New(thumbs.Options{}), CacheDir: cacheDir, CacheBytes: 4 << 20}
	})
	return &iiifFixture{fixture: f, cacheDir: cacheDir}
}

// serveWith serves f's archive from a new server, whose reading deps are
// the fixture's with mod applied; f.srv and f.ts become the new ones (the
// old ones stay up until the test ends, like a server being replaced).
func (f *fixture) serveWith(mod func(*Deps)) {
	f.t.Helper()
	cfg := DefaultConfig()
	cfg.RateAnon, cfg.RateKey = 0, 0
	a := f.a
	deps := Deps{Records: a.Store(), Search: f.ix, Stats: a.Store(), Files: a, Keys: keys.New(a.Store()), Location: a.Location()}
	mod(&deps)
	srv, err := New(cfg, deps)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { srv.Close() })
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	f.t.Cleanup(f.ts.Close)
}

func decodeAny(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v (%q)", err, b[:min(len(b), 200)])
	}
	return img
}

func near(c color.Color, r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return absd(uint8(a>>8), b) < 40 }
	return d(cr, r) && d(cg, g) && d(cb, b)
}

func absd(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }

// The quadrants' colours, and red's luminance in gray.
func iiifColours() (red, green, blue, white, grayRed color.RGBA) {
	return color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255},
		color.RGBA{255, 255, 255, 255}, color.RGBA{127, 127, 127, 255}
}

func TestIIIFInfo(t *testing.T) {
	f := newIIIFFixture(t, nil)
	id := f.ids["big"]
	for _, c := range []struct {
		who                 string
		maxW, maxH, factor0 int
		sizes               int
	}{
		{"", 1280, 960, 1, 2},
		{"portal", 1600, 1200, 1, 3},
		{"agency", 1600, 1200, 1, 3},
	} {
		t.Run("as "+c.who, func(t *testing.T) {
			code, body, h := f.get("/iiif/3/"+id+"/info.json", c.who)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			if ct := h.Get("Content-Type"); ct != `application/ld+json;profile="http://iiif.io/api/image/3/context.json"` {
				t.Errorf("Content-Type %q", ct)
			}
			if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Link"), "level2.json") {
				t.Errorf("headers %v", h)
			}
			var info iiifInfo
			if err := json.Unmarshal(body, &info); err != nil {
				t.Fatal(err)
			}
			if info.ID != f.ts.URL+"/iiif/3/"+id || info.Type != "ImageService3" || info.Profile != "level2" ||
				info.Width != 1600 || info.Height != 1200 || info.MaxWidth != c.maxW || info.MaxHeight != c.maxH {
				t.Errorf("info %+v", info)
			}
			if len(info.Tiles) != 1 || info.Tiles[0].Width != 512 || info.Tiles[0].ScaleFactors[0] != c.factor0 ||
				info.Tiles[0].ScaleFactors[len(info.Tiles[0].ScaleFactors)-1] != 4 {
				t.Errorf("tiles %+v", info.Tiles)
			}
			if len(info.Sizes) != c.sizes || info.Sizes[0].Width != 320 || info.Sizes[len(info.Sizes)-1].Width > c.maxW {
				t.Errorf("sizes %+v", info.Sizes)
			}
			if info.Rights != "http://creativecommons.org/licenses/by/4.0/" {
				t.Errorf("rights %q", info.Rights)
			}
		})
	}
	code, _, h := f.get("/iiif/3/"+id+"/info.json", "", "Accept", "application/json")
	if code != 200 || h.Get("Content-Type") != "application/json" {
		t.Errorf("Accept: application/json gave %d %q", code, h.Get("Content-Type"))
	}
	client := *f.ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(f.ts.URL + "/iiif/3/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != f.ts.URL+"/iiif/3/"+id+"/info.json" {
		t.Errorf("base URI: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestIIIFVisibility(t *testing.T) {
	f := newIIIFFixture(t, nil)
	for _, who := range []string{"", "portal", "agency", "curator"} {
		for _, tag := range []string{"pub", "internal", "draft"} {
			for _, path := range []string{"/info.json", "/full/max/0/default.jpg", "", "/0,0,10,10/5,/90/gray.png"} {
				want := 200
				if !canSee(who, tag) {
					want = 404
				} else if path == "" {
					want = 303
				}
				client := *f.ts.Client()
				client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				req, _ := http.NewRequest("GET", f.ts.URL+"/iiif/3/"+f.ids[tag]+path, nil)
				if who != "" {
					req.Header.Set("Authorization", "Bearer "+f.keys[who])
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("%s as %q (%s): %d, want %d", path, who, tag, resp.StatusCode, want)
				}
			}
		}
	}
	code, body, h := f.get("/iiif/3/"+strings.Repeat("0", 64)+"/info.json", "curator")
	if code != 404 {
		t.Errorf("missing asset: %d", code)
	}
	checkProblem(t, "missing asset", 404, body, h)
}

func TestIIIFImages(t *testing.T) {
	f := newIIIFFixture(t, nil)
	base := "/iiif/3/" + f.ids["big"]
	red, green, blue, white, grayRed := iiifColours()
	for _, c := range []struct {
		name, path, who string
		w, h            int
		mime            string
		// colours expected at the top-left and bottom-right corners
		tl, br color.RGBA
		gray   bool
	}{
		{"anonymous max is the preview size", "/full/max/0/default.jpg", "", 1280, 960, "image/jpeg", red, white, false},
		{"portal max is the full size", "/full/max/0/default.jpg", "portal", 1600, 1200, "image/jpeg", red, white, false},
		{"a quadrant", "/800,0,800,600/300,/0/default.jpg", "", 300, 225, "image/jpeg", green, green, false},
		{"a quadrant in percent", "/pct:0,50,50,50/,100/0/color.png", "portal", 133, 100, "image/png", blue, blue, false},
		{"square", "/square/100,100/0/default.png", "", 100, 100, "image/png", red, white, false},
		{"rotated 90", "/full/300,200/90/default.png", "agency", 200, 300, "image/png", blue, green, false},
		{"rotated 180", "/full/300,200/180/default.png", "", 300, 200, "image/png", white, red, false},
		{"rotated 270", "/full/300,200/270/default.png", "", 200, 300, "image/png", green, blue, false},
		{"mirrored", "/full/300,200/!0/default.png", "", 300, 200, "image/png", green, blue, false},
		{"mirrored and rotated 90", "/full/300,200/!90/default.png", "", 200, 300, "image/png", white, red, false},
		{"gray", "/full/300,/0/gray.png", "", 300, 225, "image/png", grayRed, white, true},
		{"confined", "/full/!500,100/0/default.jpg", "", 133, 100, "image/jpeg", red, white, false},
		{"upscaled region", "/0,0,10,10/^100,/0/default.png", "portal", 100, 100, "image/png", red, red, false},
		{"a tile at full detail", "/1024,640,512,512/512,/0/default.jpg", "portal", 512, 512, "image/jpeg", white, white, false},
		{"a tile without a key", "/1024,640,512,512/512,/0/default.jpg", "", 512, 512, "image/jpeg", white, white, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body, h := f.get(base+c.path, c.who)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			if h.Get("Content-Type") != c.mime || h.Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(h.Get("Link"), `rel="canonical"`) {
				t.Errorf("headers %v", h)
			}
			img := decodeAny(t, body)
			b := img.Bounds()
			if b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("%d×%d, want %d×%d", b.Dx(), b.Dy(), c.w, c.h)
			}
			if _, isGray := img.(*image.Gray); isGray != c.gray {
				t.Errorf("image type %T", img)
			}
			tl, br := img.At(b.Min.X+2, b.Min.Y+2), img.At(b.Max.X-3, b.Max.Y-3)
			if !near(tl, c.tl.R, c.tl.G, c.tl.B) || !near(br, c.br.R, c.br.G, c.br.B) {
				t.Errorf("corners %v %v, want %v %v", tl, br, c.tl, c.br)
			}
		})
	}
	for _, c := range []struct{ name, path, who string }{
		{"upscaling without ^", "/0,0,10,10/100,/0/default.jpg", "portal"},
		{"past the cap without a key", "/full/2000,/0/default.jpg", ""},
		{"region outside", "/5000,0,10,10/max/0/default.jpg", ""},
		{"arbitrary rotation", "/full/max/22.5/default.jpg", ""},
		{"bitonal", "/full/max/0/bitonal.jpg", ""},
		{"webp", "/full/max/0/default.webp", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body, h := f.get(base+c.path, c.who)
			if code != 400 {
				t.Fatalf("%d %s", code, body)
			}
			checkProblem(t, c.name, 400, body, h)
		})
	}
}

func TestIIIFCache(t *testing.T) {
	f := newIIIFFixture(t, nil)
	path := "/iiif/3/" + f.ids["big"] + "/0,0,512,512/256,/0/default.jpg"
	_, first, _ := f.get(path, "")
	_, n := f.srv.iiif.cache.usage()
	if n != 1 {
		t.Fatalf("%d files cached, want 1", n)
	}
	_, again, h := f.get(path, "")
	if !bytes.Equal(first, again) {
		t.Error("a cached answer differs")
	}
	code, _, _ := f.get(path, "", "If-None-Match", h.Get("ETag"))
	if code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", code)
	}
	// Callers who see the original get their own derivative.
	f.get(path, "portal")
	if _, n := f.srv.iiif.cache.usage(); n != 2 {
		t.Errorf("%d files cached, want 2", n)
	}
}

func TestDerivCacheEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	c, err := openDerivCache(dir, 300)
	if err != nil {
		t.Fatal(err)
	}
	blob := func(b byte) []byte { return bytes.Repeat([]byte{b}, 100) }
	for i, k := range []string{"a", "b", "c"} {
		if err := c.put(k, blob(byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	if err := c.put("d", blob(3)); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := c.get(k); ok != want {
			t.Errorf("%s cached: %v, want %v", k, ok, want)
		}
	}
	if size, n := c.usage(); size != 300 || n != 3 {
		t.Errorf("usage %d bytes in %d files", size, n)
	}
	// Reopened with a smaller bound, it keeps the newest within it.
	c2, err := openDerivCache(dir, 200)
	if err != nil {
		t.Fatal(err)
	}
	if size, n := c2.usage(); size != 200 || n != 2 {
		t.Errorf("reopened: %d bytes in %d files", size, n)
	}
	var files int
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			files++
		}
		return nil
	})
	if files != 2 {
		t.Errorf("%d files on disk, want 2", files)
	}
}

// An original that cannot be decoded is served from the preview, in the
// full image's coordinates.
func TestIIIFFallsBackToPreview(t *testing.T) {
	f := newIIIFFixture(t, nil)
	p, err := f.a.OriginalPath(f.ids["big"])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("not a JPEG any more"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body, _ := f.get("/iiif/3/"+f.ids["big"]+"/800,600,800,600/600,/0/default.jpg", "portal")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	img := decodeAny(t, body)
	_, _, _, white, _ := iiifColours()
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 450 || !near(img.At(300, 200), white.R, white.G, white.B) {
		t.Errorf("%v %v", b, img.At(300, 200))
	}
}
