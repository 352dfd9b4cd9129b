package thumbs

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// photoJPEG is a w×h quality-90 JPEG of a gradient with noise, so that it
// is as large as a camera's.
func photoJPEG(b *testing.B, w, h int) []byte {
	b.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(7, 11))
	for y := range h {
		for x := range w {
			m.Y[y*m.YStride+x] = uint8((x*200/w + y*40/h) + rng.IntN(16))
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			i := y*m.CStride + x
			m.Cb[i] = uint8(90 + x*80/w + rng.IntN(8))
			m.Cr[i] = uint8(160 - y*80/h + rng.IntN(8))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchmarkRender(b *testing.B, w, h int) {
	data := photoJPEG(b, w, h)
	path := writeBytes(b, data, "jpg")
	r := New(Options{})
	in := archive.RenderInput{Path: path, MIME: "image/jpeg", Kind: media.KindPhoto, Width: w, Height: h, Orientation: 1}
	var st archive.RenderStages
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0, wall0 := cpuTime(), time.Now()
	for i := 0; i < b.N; i++ {
		res, err := r.Render(context.Background(), in)
		if err != nil || len(res.Images) != 2 {
			b.Fatalf("Render: %v", err)
		}
		st.Decode += res.Stages.Decode
		st.Resize += res.Stages.Resize
		st.Encode += res.Stages.Encode
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	b.StopTimer()
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(wall), "ms/image")
	b.ReportMetric(float64(len(data))*n/wall.Seconds()/1e6, "MB/s")
	b.ReportMetric(ms(st.Decode), "decode_ms")
	b.ReportMetric(ms(st.Resize), "resize_ms")
	b.ReportMetric(ms(st.Encode), "encode_ms")
	b.ReportMetric(cpu.Seconds()/n, "cpu_s/image")
}

func BenchmarkRender12MP(b *testing.B) { benchmarkRender(b, 4000, 3000) }
func BenchmarkRender24MP(b *testing.B) { benchmarkRender(b, 6000, 4000) }
