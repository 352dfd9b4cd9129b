package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/thumbs"
)

// benchJPEG makes a camera-like JPEG: smooth gradients with noise, so it
// compresses like a photo rather than to nothing.
func benchJPEG(b *testing.B, w, h int, seed uint64) []byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = uint8((x*255/w+y*255/h)/2) + uint8(rng.IntN(24))
		}
	}
	for y := range h / 2 {
		for x := range w / 2 {
			img.Cb[y*img.CStride+x] = uint8(x * 255 / (w / 2))
			img.Cr[y*img.CStride+x] = uint8(y * 255 / (h / 2))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// peakRSS returns the process's peak resident set size in MiB and resets
// the mark (Linux; 0 elsewhere).
func peakRSS(reset bool) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	var kb float64
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ = strconv.ParseFloat(strings.Fields(line)[1], 64)
		}
	}
	if reset {
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	}
	return kb / 1024
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIngest runs the whole pipeline (hash, sniff, metadata, one
// decode, both renditions, commit) over generated camera-sized JPEGs and
// reports images/s, MB/s, ms per stage, CPU seconds per image and peak RSS.
func BenchmarkIngest(b *testing.B) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"12MP", 4000, 3000}, {"24MP", 6000, 4000}} {
		b.Run(size.name, func(b *testing.B) {
			const files = 4
			src := b.TempDir()
			var total int64
			for i := range files {
				data := benchJPEG(b, size.w, size.h, uint64(i))
				total += int64(len(data))
				if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("img%d.jpg", i)), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			var st ingest.Stages
			var elapsed, cpu time.Duration
			peakRSS(true)
			b.ResetTimer()
			for i := range b.N {
				a, err := archive.Open(filepath.Join(b.TempDir(), strconv.Itoa(i)), archive.Options{})
				if err != nil {
					b.Fatal(err)
				}
				c0 := cpuTime()
				sum, err := ingest.New(a, ingest.Options{Renderer: thumbs.New(thumbs.Options{})}).Run(context.Background(), []string{src}, ingest.RunOptions{})
				cpu += cpuTime() - c0
				a.Close()
				if err != nil || sum.Added != files {
					b.Fatalf("ingest: %+v %v", sum, err)
				}
				elapsed += sum.Elapsed
				st.Hash += sum.Stages.Hash
				st.Metadata += sum.Stages.Metadata
				st.Decode += sum.Stages.Decode
				st.Resize += sum.Stages.Resize
				st.Encode += sum.Stages.Encode
				st.Commit += sum.Stages.Commit
			}
			b.StopTimer()
			n := float64(b.N * files)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
			b.ReportMetric(n/elapsed.Seconds(), "images/s")
			b.ReportMetric(float64(total)*float64(b.N)/1e6/elapsed.Seconds(), "MB/s")
			b.ReportMetric(cpu.Seconds()/n, "cpu_s/image")
			b.ReportMetric(ms(st.Hash), "hash_ms")
			b.ReportMetric(ms(st.Metadata), "metadata_ms")
			b.ReportMetric(ms(st.Decode), "decode_ms")
			b.ReportMetric(ms(st.Resize), "resize_ms")
			b.ReportMetric(ms(st.Encode), "encode_ms")
			b.ReportMetric(float64(st.Commit.Microseconds())/1000/float64(b.N), "commit_ms/run")
			b.ReportMetric(peakRSS(false), "peak_RSS_MiB")
		})
	}
}
