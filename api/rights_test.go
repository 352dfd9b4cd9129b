package api

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/media"
)

// rec is the stored record of id.
func (f *fixture) rec(id string) *archive.Record {
	f.t.Helper()
	rec, err := f.a.Store().Get(id)
	if err != nil {
		f.t.Fatal(err)
	}
	return rec
}

// edit applies e to id as a curator would.
func (f *fixture) edit(id string, e curation.Edit) {
	f.t.Helper()
	if _, _, err := curation.New(f.a).Edit(f.t.Context(), id, e, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		f.t.Fatal(err)
	}
}

func TestRightsOf(t *testing.T) {
	for _, tc := range []struct {
		licence, terms, url string
		publicDomain        bool
	}{
		{"cc-by-4.0", "CC BY 4.0", "http://creativecommons.org/licenses/by/4.0/", false},
		{"cc0-1.0", "CC0 1.0", "http://creativecommons.org/publicdomain/zero/1.0/", true},
		{"Bản quyền Sở VHTTDL", "Bản quyền Sở VHTTDL", "", false},
		{"", "", "", false},
	} {
		t.Run(tc.licence, func(t *testing.T) {
			rec := baseRecord("a.jpg", archive.Public, archive.Published, map[string]string{"vi": "Đền Kiếp Bạc"})
			rec.Licence, rec.Agency = tc.licence, "Phòng Văn hoá"
			m := rightsOf(rec, "https://anh.example")
			if m.UsageTerms != tc.terms || m.WebStatement != tc.url || m.PublicDomain != tc.publicDomain {
				t.Errorf("licence %q: terms %q, statement %q, public domain %v", tc.licence, m.UsageTerms, m.WebStatement, m.PublicDomain)
			}
			if m.Creator != rec.Creator || m.Credit != rec.Credit || m.Copyright != rec.Rights || m.Source != "Phòng Văn hoá" || m.Title["vi"] != "Đền Kiếp Bạc" ||
				m.LicensorURL != "https://anh.example/assets/"+rec.ID {
				t.Errorf("rights %+v", m)
			}
		})
	}
}

// rightsFixture is the IIIF fixture with download sizes drawn and a
// Vietnamese and English description on its big photo.
func rightsFixture(t *testing.T) *iiifFixture {
	f := newIIIFFixture(t, nil)
	f.srv.deps.Sizes, f.srv.deps.SizeCache, f.srv.deps.SizeCacheBytes = &fakeSizes{t: t}, t.TempDir(), 1<<20
	f.edit(f.ids["big"], curation.Edit{Description: map[string]string{
		"vi": "Bốn góc màu: đỏ, xanh lá, xanh dương và trắng", "en": "Four coloured corners"}})
	return f
}

// servedImages are the images a visitor or a key holder is sent of id.
func servedImages(id string) []struct{ name, path, who, format string } {
	return []struct{ name, path, who, format string }{
		{"thumb", "/v1/assets/" + id + "/renditions/thumb", "", "jpeg"},
		{"preview", "/v1/assets/" + id + "/renditions/preview", "", "jpeg"},
		{"download medium", "/v1/assets/" + id + "/download?size=medium", "", "jpeg"},
		{"download large", "/v1/assets/" + id + "/download?size=large", "agency", "jpeg"},
		{"iiif full", "/iiif/3/" + id + "/full/max/0/default.jpg", "", "jpeg"},
		{"iiif tile png", "/iiif/3/" + id + "/0,0,512,512/256,/90/gray.png", "", "png"},
		{"iiif from the original", "/iiif/3/" + id + "/full/!800,800/0/default.jpg", "agency", "jpeg"},
	}
}

func TestRightsInServedImages(t *testing.T) {
	f := rightsFixture(t)
	id := f.ids["big"]
	rec := f.rec(id)
	etags := map[string]string{}
	for _, c := range servedImages(id) {
		t.Run(c.name, func(t *testing.T) {
			code, body, h := f.get(c.path, c.who)
			if code != 200 {
				t.Fatalf("%d: %s", code, body)
			}
			etags[c.name] = h.Get("ETag")
			if _, format, err := image.Decode(bytes.NewReader(body)); err != nil || format != c.format {
				t.Fatalf("decode: %s, %v", format, err)
			}
			info, err := media.Extract(bytes.NewReader(body), int64(len(body)), media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct{ what, got, want string }{
				{"creator", info.Creator, rec.Creator},
				{"credit", info.Credit, rec.Credit},
				{"rights", info.Rights, rec.Rights},
				{"title vi", info.Title["vi"], rec.Title["vi"]},
				{"description vi", info.Description["vi"], rec.Description["vi"]},
				{"description en", info.Description["en"], rec.Description["en"]},
			} {
				if x.got != x.want {
					t.Errorf("%s read back %q, want %q", x.what, x.got, x.want)
				}
			}
			if c.format == "jpeg" && info.Provenance["creator"] == "" {
				t.Errorf("no provenance of the creator: %v", info.Provenance)
			}
		})
	}
	// An edit of the rights is in the next image sent, under a new tag.
	creator := "Trần Văn Bình"
	f.edit(id, curation.Edit{Creator: &creator})
	for _, c := range servedImages(id) {
		t.Run("after an edit/"+c.name, func(t *testing.T) {
			code, body, h := f.get(c.path, c.who, "If-None-Match", etags[c.name])
			if code != 200 {
				t.Fatalf("%d after the edit, want 200 with the new rights", code)
			}
			if e := h.Get("ETag"); e != "" && e == etags[c.name] {
				t.Errorf("ETag %s unchanged by the edit", e)
			}
			info, err := media.Extract(bytes.NewReader(body), int64(len(body)), media.Options{})
			if err != nil || info.Creator != creator {
				t.Errorf("creator %q (%v), want %q", info.Creator, err, creator)
			}
		})
	}
}

func TestOriginalIsNotModified(t *testing.T) {
	f := rightsFixture(t)
	id := f.ids["pub"]
	for _, path := range []string{"/v1/assets/" + id + "/original", "/v1/assets/" + id + "/download?size=original"} {
		code, body, _ := f.get(path, "agency")
		if code != 200 || !bytes.Equal(body, f.content[id]) {
			t.Errorf("%s: %d, %d bytes; want the ingested %d bytes unchanged", path, code, len(body), len(f.content[id]))
		}
	}
}

// TestRightsExifTool reads the rights of a served rendition and a IIIF
// image back with ExifTool, which nobody here wrote.
func TestRightsExifTool(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		t.Skip("exiftool is not installed; CI installs it (.ci/run: Debian libimage-exiftool-perl)")
	}
	f := rightsFixture(t)
	id := f.ids["big"]
	rec := f.rec(id)
	dir := t.TempDir()
	for _, c := range []struct{ name, path string }{
		{"rendition.jpg", "/v1/assets/" + id + "/renditions/preview"},
		{"iiif.jpg", "/iiif/3/" + id + "/full/max/0/default.jpg"},
		{"iiif.png", "/iiif/3/" + id + "/full/400,/0/default.png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body, _ := f.get(c.path, "")
			if code != 200 {
				t.Fatalf("%d", code)
			}
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, body, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), exiftool, "-j", "-G", p).Output()
			if err != nil {
				t.Fatalf("exiftool: %v", err)
			}
			var tags []map[string]any
			if err := json.Unmarshal(out, &tags); err != nil || len(tags) != 1 {
				t.Fatalf("exiftool -j: %v: %s", err, out)
			}
			want := map[string]string{
				"XMP:Creator":        rec.Creator,
				"XMP:Credit":         rec.Credit,
				"XMP:Rights":         rec.Rights,
				"XMP:WebStatement":   "http://creativecommons.org/licenses/by/4.0/",
				"XMP:UsageTerms":     "CC BY 4.0",
				"XMP:Title":          "Bốn góc",
				"XMP:Title-vi":       "Bốn góc",
				"XMP:Description-vi": "Bốn góc màu: đỏ, xanh lá, xanh dương và trắng",
				"XMP:Description-en": "Four coloured corners",
				"XMP:LicensorURL":    f.ts.URL + "/assets/" + id,
				"XMP:LicensorName":   rec.Credit,
			}
			if filepath.Ext(c.name) == ".jpg" {
				want["IPTC:By-line"] = rec.Creator
				want["IPTC:Credit"] = rec.Credit
				want["IPTC:CopyrightNotice"] = rec.Rights
				want["IPTC:ObjectName"] = "Bốn góc"
				want["IPTC:Caption-Abstract"] = "Bốn góc màu: đỏ, xanh lá, xanh dương và trắng"
				want["IPTC:CodedCharacterSet"] = "UTF8"
			}
			for tag, v := range want {
				if got, _ := tags[0][tag].(string); got != v {
					t.Errorf("%s: %q, want %q", tag, got, v)
				}
			}
			if m, _ := tags[0]["XMP:Marked"].(bool); !m {
				t.Errorf("XMP:Marked %v, want true", tags[0]["XMP:Marked"])
			}
		})
	}
}
