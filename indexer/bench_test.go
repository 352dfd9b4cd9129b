package indexer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
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

// genSource is a Source of n generated records (benchRecord): nothing is
// held in memory, so a build of a million records streams, and Get
// regenerates a record from its id.
type genSource struct{ n int }

func (g genSource) LastSeq() (uint64, error) { return uint64(g.n), nil }
func (g genSource) Count() (int, error)      { return g.n, nil }
func (g genSource) ChangesSince(after uint64, fn func(archive.Change) error) error {
	for i := after; i < uint64(g.n); i++ {
		if err := fn(archive.Change{Seq: i + 1, ID: benchID(int(i)), Op: "create"}); err != nil {
			return err
		}
	}
	return nil
}
func (g genSource) Get(id string) (*archive.Record, error) {
	i, ok := benchIndexOf(id)
	if !ok || i >= g.n {
		return nil, archive.ErrNotFound
	}
	return benchRecord(i), nil
}
func (g genSource) ForEach(fn func(*archive.Record) error) error {
	for i := range g.n {
		if err := fn(benchRecord(i)); err != nil {
			return err
		}
	}
	return nil
}

// benchIDMul spreads record numbers over the id space; ids are invertible
// (benchIndexOf) because it is odd.
const benchIDMul = 0x9E3779B97F4A7C15

func benchID(i int) string { return fmt.Sprintf("%064x", uint64(i)*benchIDMul) }

func benchIndexOf(id string) (int, bool) {
	if len(id) != 64 || strings.TrimLeft(id[:48], "0") != "" {
		return 0, false
	}
	v, err := strconv.ParseUint(id[48:], 16, 64)
	if err != nil {
		return 0, false
	}
	inv := uint64(benchIDMul) // Newton's iteration for the inverse mod 2^64
	for range 6 {
		inv *= 2 - benchIDMul*inv
	}
	return int(v * inv), true
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

// benchRecord generates record i deterministically, from its own random
// stream: a million records need not be held to be indexed or read back.
func benchRecord(i int) *archive.Record {
	r := rand.New(rand.NewPCG(2026, uint64(i)))
	kinds := []media.Kind{media.KindPhoto, media.KindPhoto, media.KindPhoto, media.KindPhoto, media.KindVideo, media.KindPublication}
	{
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
			ID: benchID(i), Kind: pick(r, kinds), MIME: "image/jpeg",
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
		return rec
	}
}

// benchSize is the number of records of the benchmarks: BENCH_N, or
// 100,000.
func benchSize(b testing.TB) int {
	v := os.Getenv("BENCH_N")
	if v == "" {
		return 100_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("BENCH_N=%q is not a positive number", v)
	}
	return n
}

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

// BenchmarkIndex builds an index of benchSize records from scratch (once,
// whatever b.N) in b.TempDir and reports records/s, the size on disk and
// the peak RSS of the process.
func BenchmarkIndex(b *testing.B) {
	n := benchSize(b)
	src := genSource{n: n}
	path := filepath.Join(b.TempDir(), "index.bleve")
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	opts := Options{}
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ix, err := Open(context.Background(), path, src, opts)
	if err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	ix.Close()
	size := dirSize(path)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(size)/(1<<20), "MB_on_disk")
	b.ReportMetric(float64(size)/float64(n), "B/record")
	// The machine is shared: CPU seconds per record vary less than records/s.
	b.ReportMetric(float64(n)/cpu.Seconds(), "records/cpu_s")
	b.ReportMetric(float64(procStatus("VmHWM"))/(1<<20), "peak_RSS_MiB")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatus reads a size in bytes from /proc/self/status (VmRSS, VmHWM);
// 0 where there is no /proc.
func procStatus(name string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchIndex opens the shared index of benchSize records, building it on
// first use. It is cached under os.TempDir keyed by the mapping version and
// record count, so repeated runs reuse it.
func benchIndex(b *testing.B, n int) *Index {
	return openBench(b, benchIndexPath(b, n), genSource{n: n})
}

// benchIndexPath is where the shared index of n records is cached.
func benchIndexPath(b *testing.B, n int) string {
	gaz, _ := newGazetteer(mustTaxonomy(b))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("promo-archive-bench-gen2-v%d-%s-%d", mappingVersion, gaz.version, n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, "index.bleve")
}

func openBench(b *testing.B, path string, src Source) *Index {
	// Latency is what is measured: no search deadline cuts a slow one short.
	ix, err := Open(context.Background(), path, src, Options{SearchTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// editedSource is genSource after edits more changes, each writing
// record i of the first ones again (as a curator's edit does).
type editedSource struct {
	genSource
	edits int
}

func (e *editedSource) LastSeq() (uint64, error) { return uint64(e.n + e.edits), nil }
func (e *editedSource) ChangesSince(after uint64, fn func(archive.Change) error) error {
	if err := e.genSource.ChangesSince(after, fn); err != nil {
		return err
	}
	for i := max(after, uint64(e.n)); i < uint64(e.n+e.edits); i++ {
		if err := fn(archive.Change{Seq: i + 1, ID: benchID(int(i) - e.n), Op: "update"}); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSearchAfterEdit measures what a record's change costs the
// searches: on a copy of the index of benchSize records, 10 times, a
// record is written again and a faceted search filtered by date runs
// right after. It reports the mean and the largest latency of those
// searches and of the changes.
func BenchmarkSearchAfterEdit(b *testing.B) {
	n := benchSize(b)
	benchIndex(b, n).Close()
	path := filepath.Join(b.TempDir(), "index.bleve")
	if err := os.CopyFS(path, os.DirFS(benchIndexPath(b, n))); err != nil {
		b.Fatal(err)
	}
	src := &editedSource{genSource: genSource{n: n}}
	ix := openBench(b, path, src)
	q := Query{Text: "lễ hội", Facets: []string{"kind", "category", "year"},
		From: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	const edits = 10
	var search, change, worst time.Duration
	for range edits {
		src.edits++
		start := time.Now()
		if err := ix.Index(context.Background(), nil, uint64(n+src.edits)); err != nil {
			b.Fatal(err)
		}
		change += time.Since(start)
		start = time.Now()
		if _, err := ix.Search(context.Background(), q); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		search += d
		worst = max(worst, d)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(search/edits), "search_ms")
	b.ReportMetric(ms(worst), "worst_search_ms")
	b.ReportMetric(ms(change/edits), "change_ms")
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

// BenchmarkQuery measures each query's latency over 500 varied queries
// (once, whatever b.N) on the index of benchSize records and reports p50
// and p99 in milliseconds, and the RSS of the process after answering.
// With BENCH_DUMP=DIR it first writes DIR/records.jsonl and
// DIR/queries.json for ../shared/tools/peer_fts5.py.
func BenchmarkQuery(b *testing.B) {
	n := benchSize(b)
	texts := benchQueries(500)
	if dir := os.Getenv("BENCH_DUMP"); dir != "" {
		if err := dumpBench(b, dir, n, texts); err != nil {
			b.Fatal(err)
		}
	}
	ix := benchIndex(b, n)
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
		// What the portal's visitors send (api: an anonymous search).
		{"text+public", func(t string, _ int) Query {
			return Query{Text: t, Visibility: []string{"public"}, Status: []string{"published"},
				ReleasedAt: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, len(texts))
			var matched uint64
			cpu0 := cpuTime()
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
			// The machine is shared: CPU per query varies less than latency.
			b.ReportMetric(ms((cpuTime()-cpu0)/time.Duration(len(texts))), "cpu_ms/query")
			b.ReportMetric(float64(procStatus("VmRSS"))/(1<<20), "RSS_MiB")
		})
	}
}

// dumpBench writes the benchmark's records and queries in the format of
// ../shared/tools/peer_fts5.py: a record's text is everything free text
// searches in it (titles, description, keywords, creator, camera, and the
// names of its place's units), folded.
func dumpBench(b testing.TB, dir string, n int, texts []string) error {
	gaz, err := newGazetteer(mustTaxonomy(b))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "records.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range n {
		r := benchRecord(i)
		d := gaz.document(r)
		var text []string
		for _, field := range []string{fieldTitle, fieldText} {
			if v, ok := d[field].([]string); ok {
				text = append(text, v...)
			}
		}
		for _, code := range gaz.related(r.Place.Code) {
			text = append(text, gaz.units[code].VI, gaz.units[code].EN)
		}
		if err := enc.Encode(map[string]any{
			"id": r.ID, "text": Fold(strings.Join(text, " ")), "kind": string(r.Kind), "category": r.Categories[0],
			"year": r.CapturedAt.Year(), "place": r.Place.Code, "captured": r.CapturedAt.Unix(),
		}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	folded := make([]string, len(texts))
	for i, t := range texts {
		folded[i] = Fold(t)
	}
	q, err := json.Marshal(folded)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "queries.json"), q, 0o644)
}
