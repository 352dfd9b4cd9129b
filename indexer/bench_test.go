package indexer

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// memSource is an in-memory Source for benchmarks: indexing throughput is
// measured without bbolt.
type memSource struct {
	recs []*archive.Record
	byID map[string]*archive.Record
}

func newMemSource(recs []*archive.Record) *memSource {
	m := &memSource{recs: recs, byID: make(map[string]*archive.Record, len(recs))}
	for _, r := range recs {
		m.byID[r.ID] = r
	}
	return m
}

func (m *memSource) LastSeq() (uint64, error) { return uint64(len(m.recs)), nil }
func (m *memSource) Count() (int, error)      { return len(m.recs), nil }
func (m *memSource) ChangesSince(after uint64, fn func(archive.Change) error) error {
	for i := after; i < uint64(len(m.recs)); i++ {
		if err := fn(archive.Change{Seq: i + 1, ID: m.recs[i].ID, Op: "create"}); err != nil {
			return err
		}
	}
	return nil
}
func (m *memSource) Get(id string) (*archive.Record, error) {
	if r, ok := m.byID[id]; ok {
		return r, nil
	}
	return nil, archive.ErrNotFound
}
func (m *memSource) ForEach(fn func(*archive.Record) error) error {
	for _, r := range m.recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

var (
	benchSubjects = []string{"Lễ hội", "Đền", "Chùa", "Chợ nổi", "Làng nghề", "Phong cảnh", "Cánh đồng lúa", "Di tích",
		"Hội xuân", "Vải thiều", "Gốm", "Bánh đa", "Múa rối nước", "Đình làng", "Cầu", "Sông", "Bến đò", "Nhà thờ"}
	benchPlaces = []string{"Côn Sơn", "Kiếp Bạc", "Hải Dương", "Chí Linh", "Thanh Hà", "Nam Sách", "Kinh Môn", "Cẩm Giàng",
		"Gia Lộc", "Tứ Kỳ", "Ninh Giang", "Thanh Miện", "Chu Đậu", "Phượng Hoàng", "An Phụ", "Văn Miếu Mao Điền", "Hải Phòng"}
	benchTails = []string{"mùa xuân", "về đêm", "ngày hội", "buổi sáng", "hoàng hôn", "nhìn từ trên cao", "khai mạc",
		"rước kiệu", "trẩy hội", "mùa thu hoạch", "toàn cảnh", "chi tiết"}
	benchEN = []string{"festival", "temple", "pagoda", "market", "craft village", "landscape", "rice fields", "heritage site",
		"lychee harvest", "pottery", "water puppetry", "river", "bridge", "at night", "sunrise"}
	benchKeywords = []string{"lễ hội", "di tích", "du lịch", "đặc sản", "làng nghề", "thiên nhiên", "kiến trúc", "tâm linh",
		"nông nghiệp", "ẩm thực", "văn hóa", "sự kiện"}
	benchCameras = []media.Camera{{Make: "Canon", Model: "Canon EOS 5D Mark IV"}, {Make: "NIKON CORPORATION", Model: "NIKON D850"},
		{Make: "SONY", Model: "ILCE-7M3"}, {Make: "Apple", Model: "iPhone 13 Pro"}, {Make: "samsung", Model: "SM-G991B"}, {Make: "DJI", Model: "FC3170"}}
	benchCategories = []string{"tong-quan", "lich-su", "van-hoa-le-hoi", "con-nguoi", "danh-thang", "lang-nghe-dac-san",
		"kinh-te-dau-tu", "du-lich", "doi-ngoai-su-kien", "giai-thich-lam-ro"}
	benchPlaceCodes = []string{"288", "290", "291", "292", "293", "294", "295", "296", "297", "298", "299", "300", "30", "31", "toan-tinh"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// benchRecords generates n records deterministically.
func benchRecords(n int) []*archive.Record {
	r := rand.New(rand.NewPCG(2026, 30))
	kinds := []media.Kind{media.KindPhoto, media.KindPhoto, media.KindPhoto, media.KindPhoto, media.KindVideo, media.KindPublication}
	out := make([]*archive.Record, n)
	for i := range out {
		year := 2000 + r.IntN(26)
		captured := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, time.UTC)
		vi := fmt.Sprintf("%s %s %s", pick(r, benchSubjects), pick(r, benchPlaces), pick(r, benchTails))
		if r.IntN(4) == 0 {
			vi += " năm " + strconv.Itoa(year)
		}
		if r.IntN(10) == 0 {
			vi = Fold(vi) // typed without diacritics
		}
		rec := &archive.Record{
			ID: fmt.Sprintf("%064x", uint64(i)*0x9E3779B97F4A7C15), Kind: pick(r, kinds), MIME: "image/jpeg",
			IngestedAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), CapturedAt: &captured,
			Title:       map[string]string{"vi": vi},
			Description: map[string]string{},
			Keywords:    []string{pick(r, benchKeywords), pick(r, benchKeywords)},
			Categories:  []string{pick(r, benchCategories)},
			Place:       &archive.Place{Code: pick(r, benchPlaceCodes)},
			Creator:     "Sở Văn hóa, Thể thao và Du lịch",
			Visibility:  archive.Public, Status: archive.Published,
			Width: 4000, Height: 3000,
		}
		if r.IntN(3) == 0 {
			rec.Title["en"] = fmt.Sprintf("%s %s", Fold(pick(r, benchPlaces)), pick(r, benchEN))
		}
		if r.IntN(3) == 0 {
			rec.Description["x-default"] = fmt.Sprintf("Ảnh %s tại %s, %d", strings.ToLower(pick(r, benchSubjects)), pick(r, benchPlaces), year)
		}
		if r.IntN(2) == 0 {
			c := pick(r, benchCameras)
			rec.Camera = &c
		}
		if r.IntN(2) == 0 {
			rec.GPS = &media.GPS{Lat: 20.8 + r.Float64()*0.5, Lon: 106.1 + r.Float64()*0.6}
		}
		out[i] = rec
	}
	return out
}

const benchN = 100_000

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkIndex100k builds a 100 k index from scratch (once, whatever b.N)
// in b.TempDir and reports records/s and the size on disk.
func BenchmarkIndex100k(b *testing.B) {
	src := newMemSource(benchRecords(benchN))
	path := filepath.Join(b.TempDir(), "index.bleve")
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	ix, err := Open(context.Background(), path, src, Options{})
	if err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	ix.Close()
	b.ReportMetric(float64(benchN)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(dirSize(path))/(1<<20), "MB_on_disk")
	// The machine is shared: CPU seconds per record vary less than records/s.
	b.ReportMetric(float64(benchN)/cpu.Seconds(), "records/cpu_s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchIndex opens the shared 100 k index, building it on first use. It is
// cached under os.TempDir keyed by the mapping version and record count, so
// repeated runs reuse it.
func benchIndex(b *testing.B) *Index {
	src := newMemSource(benchRecords(benchN))
	gaz, _ := newGazetteer(mustTaxonomy(b))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("promo-archive-bench-v%d-%s-%d", mappingVersion, gaz.version, benchN))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	ix, err := Open(context.Background(), filepath.Join(dir, "index.bleve"), src, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

func mustTaxonomy(b testing.TB) *archive.Taxonomy {
	t, err := archive.DefaultTaxonomy()
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// benchQueries returns n varied query texts.
func benchQueries(n int) []string {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]string, n)
	for i := range out {
		var q string
		switch r.IntN(5) {
		case 0:
			q = pick(r, benchPlaces)
		case 1:
			q = pick(r, benchSubjects) + " " + pick(r, benchPlaces)
		case 2:
			q = pick(r, benchSubjects)
		case 3:
			q = pick(r, benchPlaces) + " " + pick(r, benchTails)
		default:
			q = pick(r, benchEN)
		}
		if r.IntN(3) == 0 {
			q = Fold(q)
		}
		out[i] = q
	}
	return out
}

// BenchmarkQuery100k measures each query's latency over 500 varied queries
// (once, whatever b.N) and reports p50 and p99 in milliseconds.
func BenchmarkQuery100k(b *testing.B) {
	ix := benchIndex(b)
	texts := benchQueries(500)
	for _, c := range []struct {
		name string
		q    func(text string, i int) Query
	}{
		{"text", func(t string, _ int) Query { return Query{Text: t} }},
		{"text+filters", func(t string, i int) Query {
			return Query{Text: t, Kinds: []string{"photo"}, From: time.Date(2005+i%10, 1, 1, 0, 0, 0, 0, time.UTC),
				To: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Places: []string{benchPlaceCodes[i%12]}}
		}},
		{"text+3facets", func(t string, _ int) Query {
			return Query{Text: t, Facets: []string{"kind", "category", "year"}}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, len(texts))
			var matched uint64
			for i, t := range texts {
				start := time.Now()
				res, err := ix.Search(context.Background(), c.q(t, i))
				lat[i] = time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				matched += res.Total
			}
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99_ms")
			b.ReportMetric(float64(matched)/float64(len(texts)), "matches/query")
		})
	}
}
