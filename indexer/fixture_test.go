package indexer

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// rec builds a test record.
type rec struct {
	id         string
	kind       media.Kind
	vi, en, xd string
	desc       string
	keywords   []string
	cats       []string
	place      string
	captured   string // YYYY-MM-DD
	fileDate   bool   // captured is the file's modification time
	gps        *media.GPS
	camera     *media.Camera
}

func (r rec) record() *archive.Record {
	out := &archive.Record{
		ID: r.id, Kind: r.kind, MIME: "image/jpeg",
		IngestedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Title:      map[string]string{}, Description: map[string]string{},
		Keywords: r.keywords, Categories: r.cats, GPS: r.gps, Camera: r.camera,
		Visibility: archive.Public, Status: archive.Published,
	}
	if out.Kind == "" {
		out.Kind = media.KindPhoto
	}
	for lang, v := range map[string]string{"vi": r.vi, "en": r.en, "x-default": r.xd} {
		if v != "" {
			out.Title[lang] = v
		}
	}
	if r.desc != "" {
		out.Description["x-default"] = r.desc
	}
	if r.place != "" {
		out.Place = &archive.Place{Code: r.place}
	}
	if r.captured != "" {
		t, err := time.Parse("2006-01-02", r.captured)
		if err != nil {
			panic(err)
		}
		t = t.Add(10 * time.Hour)
		out.CapturedAt = &t
		if r.fileDate {
			out.CapturedAtSource = archive.CapturedFromFile
		}
	}
	return out
}

var fixture = []rec{
	{id: "hd1", vi: "Lễ hội Côn Sơn Kiếp Bạc", en: "Con Son Kiep Bac festival", keywords: []string{"lễ hội", "Côn Sơn"},
		cats: []string{"van-hoa-le-hoi"}, place: "290", captured: "2019-02-10", gps: &media.GPS{Lat: 21.1600, Lon: 106.3900}},
	{id: "hd2", vi: "Thành phố Hải Dương về đêm", cats: []string{"danh-thang"}, place: "288", captured: "2020-05-01",
		gps: &media.GPS{Lat: 20.9400, Lon: 106.3300}, camera: &media.Camera{Make: "Canon", Model: "Canon EOS 5D"}},
	{id: "hd3", kind: media.KindVideo, en: "Hai Duong city at night", place: "288", captured: "2021-01-01", cats: []string{"danh-thang"}},
	{id: "hue1", vi: "Kinh thành Huế", captured: "2018-03-03", cats: []string{"du-lich"}},
	{id: "hue2", vi: "Hoa huệ trắng", captured: "2018-03-04", cats: []string{"tong-quan"}},
	{id: "hue3", en: "Hue citadel gate", captured: "2018-03-05", cats: []string{"du-lich"}},
	{id: "cho1", vi: "Chợ nổi Cái Răng", en: "Cai Rang floating market", keywords: []string{"chợ nổi", "Cần Thơ"},
		captured: "2023-07-07", gps: &media.GPS{Lat: 10.0, Lon: 105.75}, cats: []string{"du-lich"}},
	{id: "cho2", vi: "Chợ quê, bè nổi trên sông", captured: "2023-07-08", cats: []string{"du-lich"}},
	{id: "dd", vi: "Đền Đô mùa xuân", captured: "2017-01-01", cats: []string{"lich-su"}},
	{id: "th", vi: "Vải thiều Thanh Hà", place: "294", captured: "2022-06-15", cats: []string{"lang-nghe-dac-san"},
		keywords: []string{"vải thiều"}, camera: &media.Camera{Make: "Apple", Model: "iPhone 4"}},
	{id: "hp", vi: "Cảng Hải Phòng", place: "31", captured: "2025-08-01", cats: []string{"kinh-te-dau-tu"}},
	{id: "mixed", kind: media.KindPublication, vi: "Gốm Chu Đậu", en: "Chu Dau ceramics", desc: "Pottery village by the river",
		cats: []string{"lang-nghe-dac-san"}, place: "291", captured: "2016-09-09"},
	{id: "ko", xd: "한국 관광객 방문", captured: "2024-04-04", cats: []string{"doi-ngoai-su-kien"}},
}

// fillers share one capture date, to test the id tiebreak of paging.
func fillers(n int) []rec {
	out := make([]rec, n)
	for i := range out {
		out[i] = rec{id: fmt.Sprintf("f%03d", (i*7)%n), vi: fmt.Sprintf("Ảnh tư liệu số %d", i), captured: "2015-05-05", cats: []string{"tong-quan"}}
	}
	return out
}

// newStore opens a real archive in a temp dir and puts recs in its store.
func newStore(t testing.TB, recs []rec) (*archive.Archive, string) {
	t.Helper()
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	putAll(t, a.Store(), recs)
	return a, filepath.Join(root, "index.bleve")
}

func putAll(t testing.TB, s *archive.Store, recs []rec) {
	t.Helper()
	for _, r := range recs {
		if _, err := s.Put(r.record()); err != nil {
			t.Fatal(err)
		}
	}
}

func openIndex(t testing.TB, path string, src Source) *Index {
	t.Helper()
	ix, err := Open(context.Background(), path, src, Options{LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func ids(r *Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.ID
	}
	return out
}

// memSource is an in-memory Source whose records tests may change: a
// record appended with the id of an earlier one replaces it.
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
func (m *memSource) Count() (int, error)      { return len(m.byID), nil }
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
	for _, r := range m.byID {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// benchRecords is the first n records of the benchmark.
func benchRecords(n int) []*archive.Record {
	out := make([]*archive.Record, n)
	for i := range out {
		out[i] = benchRecord(i)
	}
	return out
}
