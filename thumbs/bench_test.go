package thumbs

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// bombPNG writes a w×h 16-bit RGBA PNG of a gradient row by row (the
// whole image would not fit in memory) and returns its path.
func bombPNG(b *testing.B, w, h int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bomb16.png")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	chunk := func(typ string, data []byte) {
		var h [8]byte
		binary.BigEndian.PutUint32(h[:], uint32(len(data)))
		copy(h[4:], typ)
		crc := crc32.NewIEEE()
		crc.Write(h[4:])
		crc.Write(data)
		bw.Write(h[:])
		bw.Write(data)
		binary.Write(bw, binary.BigEndian, crc.Sum32())
	}
	bw.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	row := make([]byte, 1+8*w)
	for y := range h {
		for x := range w {
			p := row[1+8*x:]
			binary.BigEndian.PutUint16(p, uint16(x*65535/w))
			binary.BigEndian.PutUint16(p[2:], uint16(y*65535/h))
			binary.BigEndian.PutUint16(p[4:], 30000)
			binary.BigEndian.PutUint16(p[6:], 0xffff)
		}
		zw.Write(row)
		if z.Len() > 1<<20 {
			chunk("IDAT", z.Bytes())
			z.Reset()
		}
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	return path
}

// bombJPEG makes a w×h gradient JPEG with vips: args are jpegsave's
// options, cmyk converts it to CMYK first.
func bombJPEG(b *testing.B, w, h int, cmyk bool, args ...string) string {
	b.Helper()
	vips, err := exec.LookPath("vips")
	if err != nil {
		b.Skip("needs vips (libvips-tools) to make the bombs")
	}
	dir := b.TempDir()
	run := func(a ...string) {
		if out, err := exec.Command(vips, a...).CombinedOutput(); err != nil {
			b.Fatalf("vips %v: %v\n%s", a, err, out)
		}
	}
	v := func(name string) string { return filepath.Join(dir, name+".v") }
	run("xyz", v("xyz"), strconv.Itoa(w), strconv.Itoa(h))
	run("linear", v("xyz"), v("lin"), "0.018 0.018", "0 0", "--uchar")
	run("extract_band", v("lin"), v("x"), "0")
	run("bandjoin", v("lin")+" "+v("x"), v("rgb0"))
	run("copy", v("rgb0"), v("rgb"), "--interpretation", "srgb")
	src := v("rgb")
	if cmyk {
		run("colourspace", src, v("cmyk"), "cmyk")
		src = v("cmyk")
	}
	path := filepath.Join(dir, "bomb.jpg")
	run(append([]string{"jpegsave", src, path, "--strip"}, args...)...)
	for _, name := range []string{"xyz", "lin", "x", "rgb0", "rgb", "cmyk"} {
		os.Remove(v(name))
	}
	return path
}

// maxRSS is the process's peak resident set so far, in MiB.
func maxRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// The 14000×14000 bombs of issue 14 render within the byte budget: the
// metric budget_MiB is the most the render held; peak_rss_MiB is the
// process's (run the benchmark alone for a clean figure).
func BenchmarkRenderBombs(b *testing.B) {
	const side = 14000
	for _, bc := range []struct {
		name, mime string
		make       func(b *testing.B) string
	}{
		{"baseline420", "image/jpeg", func(b *testing.B) string {
			return bombJPEG(b, side, side, false, "--Q", "85", "--subsample-mode", "on")
		}},
		{"progressiveCMYK", "image/jpeg", func(b *testing.B) string { return bombJPEG(b, side, side, true, "--Q", "85", "--interlace") }},
		{"rgba16PNG", "image/png", func(b *testing.B) string { return bombPNG(b, side, side) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := bc.make(b)
			r := New(Options{})
			in := archive.RenderInput{Path: path, MIME: bc.mime, Kind: media.KindPhoto, Orientation: 1}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := r.Render(context.Background(), in)
				if err != nil || len(res.Images) != 2 || res.Images[0].Placeholder {
					b.Fatalf("Render: %v, %+v", err, res)
				}
			}
			b.ReportMetric(float64(r.budget.peak)/(1<<20), "budget_MiB")
			b.ReportMetric(maxRSS(), "peak_rss_MiB")
		})
	}
}
