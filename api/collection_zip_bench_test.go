package api

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/keys"
)

// discardWriter is a ResponseWriter that keeps nothing but a byte count.
type discardWriter struct {
	h http.Header
	n int64
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(b []byte) (int, error) { d.n += int64(len(b)); return len(b), nil }

// BenchmarkCollectionZip streams the ZIP of collections of 10 and 100
// originals of 1 MiB each: the bytes allocated per asset stay the same
// whatever the size of the collection (alloc-B/asset), and are a small
// fraction of what is sent (alloc/sent): the ZIP is never held in memory.
func BenchmarkCollectionZip(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("assets=%d", n), func(b *testing.B) {
			a, err := archive.Open(b.TempDir(), archive.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			st := collections.New(a.Store())
			curator := collections.Caller{Name: "bench", Role: keys.RoleCurator}
			c, err := st.Create(curator, collections.Fields{Title: map[string]string{"vi": "Bộ lớn"}}, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			rend := jpegBytes(b, 32, 24, 1)
			var ids []string
			for i := range n {
				orig := make([]byte, 1<<20)
				rand.Read(orig)
				rec := baseRecord(fmt.Sprintf("anh-%03d.jpg", i), archive.Public, archive.Published, map[string]string{"vi": "Ảnh"})
				putAsset(b, a, rec, orig, rend)
				ids = append(ids, rec.ID)
			}
			if _, err := st.Add(c.ID, ids, -1, curator, time.Now()); err != nil {
				b.Fatal(err)
			}
			srv, err := New(DefaultConfig(), Deps{Records: a.Store(), Search: noSearch{}, Stats: a.Store(), Files: a,
				Collections: st, AdminToken: "hdl_bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			h := srv.Handler()
			var sent int64
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodGet, "/v1/collections/"+c.ID+"/download?size=original", nil)
				req.Header.Set("Authorization", "Bearer hdl_bench")
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.n < int64(n)<<20 {
					b.Fatalf("sent %d bytes for %d MiB", w.n, n)
				}
				sent += w.n
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			alloc := float64(after.TotalAlloc - before.TotalAlloc)
			b.ReportMetric(alloc/float64(b.N*n), "alloc-B/asset")
			b.ReportMetric(alloc/float64(sent), "alloc/sent")
			b.SetBytes(sent / int64(b.N))
		})
	}
}
