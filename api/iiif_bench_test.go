package api

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/indexer"
	"github.com/haiduong/promo-archive/thumbs"
)

// noSearch is a Searcher for servers that are not asked to search.
type noSearch struct{}

func (noSearch) Search(context.Context, indexer.Query) (*indexer.Result, error) {
	return &indexer.Result{}, nil
}

// BenchmarkIIIFTile24MP serves 512-pixel tiles at full detail of a
// 6000×4000 JPEG to a portal key: "cold" decodes the original for each tile
// (the memory cache emptied each time), "warm" cuts a new tile from the
// decoded picture, "hit" answers from the disk cache.
func BenchmarkIIIFTile24MP(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 6000, 4000), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range m.Y {
		m.Y[i] = uint8(i%m.YStride*200/6000 + rng.IntN(16))
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(100+rng.IntN(8)), uint8(150+rng.IntN(8))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	a, err := archive.Open(b.TempDir(), archive.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	rec := baseRecord("24mp.jpg", archive.Public, archive.Published, map[string]string{"vi": "24 MP"})
	rec.Width, rec.Height = 6000, 4000
	putRendered(b, a, rec, buf.Bytes())
	tok, _, err := keys.New(a.Store()).Create("bench", keys.RolePortal, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.RateAnon, cfg.RateKey = 0, 0
	srv, err := New(cfg, Deps{Records: a.Store(), Search: noSearch{}, Stats: a.Store(), Files: a, Keys: keys.New(a.Store()),
		IIIF: IIIFOptions{Pictures: thumbs.New(thumbs.Options{}), CacheDir: b.TempDir()}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tile := func(b *testing.B, n int) {
		x, y := n%11*512, n/11%7*512
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/iiif/3/%s/%d,%d,512,512/512,/0/default.jpg", ts.URL, rec.ID, x, y), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := ts.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("tile %d: %d", n, resp.StatusCode)
		}
	}
	n := 0
	for _, c := range []struct {
		name  string
		setup func()
	}{
		{"cold", func() { srv.iiif.sources = newSourceCache(512 << 20) }},
		{"warm", func() {}},
		{"hit", func() { n = 0 }},
	} {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "hit" {
				for i := range b.N {
					tile(b, i) // fill the disk cache
				}
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				b.StopTimer()
				c.setup()
				b.StartTimer()
				tile(b, n)
				n++
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/tile")
		})
	}
}
