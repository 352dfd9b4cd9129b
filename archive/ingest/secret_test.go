package ingest

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

func TestCheckEmbeddedSecret(t *testing.T) {
	tests := []struct {
		name    string
		info    media.Info
		marking string
	}{
		{"instructions", media.Info{MIME: "image/jpeg", Classification: "Mật"}, "Mật"},
		{"photo title honey", media.Info{MIME: "image/jpeg", Title: map[string]string{"vi": "Mật ong Hải Dương"}}, ""},
		{"photo caption is never scanned", media.Info{MIME: "image/jpeg", Description: map[string]string{"x-default": "TỐI MẬT"}, Keywords: []string{"Secret"}}, ""},
		{"pdf keyword", media.Info{MIME: "application/pdf", Keywords: []string{"báo cáo", "Confidential"}}, "Confidential"},
		{"pdf subject", media.Info{MIME: "application/pdf", Description: map[string]string{"x-default": "TUYỆT MẬT - Kế hoạch"}}, "Tuyệt mật"},
		{"pdf subject honey", media.Info{MIME: "application/pdf", Description: map[string]string{"x-default": "Mật ong Thanh Hà"}}, ""},
		{"pdf title not scanned", media.Info{MIME: "application/pdf", Title: map[string]string{"x-default": "Tối mật"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkEmbeddedSecret(&tt.info)
			var se *archive.SecretError
			switch {
			case tt.marking == "" && err != nil:
				t.Errorf("%v, want nil", err)
			case tt.marking != "" && (!errors.As(err, &se) || se.Marking != tt.marking || !errors.Is(err, archive.ErrStateSecret)):
				t.Errorf("%v, want marking %s", err, tt.marking)
			}
		})
	}
}

const instructionsXMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Instructions="` + "MẬT" + `"/></rdf:RDF></x:xmpmeta>`

func TestIngestRejectsStateSecret(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "csv-secret.jpg"), 16, 16, 1)
	writeJPEG(t, filepath.Join(src, "embedded-secret.jpg"), 16, 16, 2)
	writeFile(t, filepath.Join(src, "embedded-secret.jpg.xmp"), []byte(instructionsXMP))
	writeJPEG(t, filepath.Join(src, "honey.jpg"), 16, 16, 3)
	writeFile(t, filepath.Join(src, archive.MetadataFileName), []byte("file,title_vi,classification,agency\n"+
		"csv-secret.jpg,Ảnh,Tối mật,\n"+
		"honey.jpg,Mật ong Hải Dương,Thường,Sở Du lịch\n"))
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rr := ingestDir(t, a, src, Options{Renderer: &fakeRenderer{}}, RunOptions{By: "tester", Defaults: Defaults{Agency: "Sở VHTTDL"}})
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	want := map[string]string{
		"csv-secret.jpg":      "state secret (Tối mật): not stored on this networked system",
		"embedded-secret.jpg": "state secret (Mật): not stored on this networked system",
	}
	for name, msg := range want {
		if r := rr.results[name]; r.Status != StatusRejected || r.Error != msg {
			t.Errorf("%s: %+v, want rejected %q", name, r, msg)
		}
	}
	honey := rr.results["honey.jpg"]
	if honey.Status != StatusAdded {
		t.Fatalf("honey.jpg: %+v, want added", honey)
	}
	if rec, err := a.Store().Get(honey.ID); err != nil || rec.Agency != "Sở Du lịch" || rec.Provenance["agency"] != "curator" {
		t.Errorf("honey agency: %+v %v", rec, err)
	}
	if rr.sum.Rejected != 2 || rr.sum.Added != 1 {
		t.Errorf("summary %+v", rr.sum)
	}
	var rejected []archive.AuditEntry
	a.Store().AuditSince(0, func(e archive.AuditEntry) error {
		if strings.Contains(string(e.New), `"status":"rejected"`) {
			rejected = append(rejected, e)
		}
		return nil
	})
	if len(rejected) != 2 {
		t.Fatalf("audited rejections: %+v", rejected)
	}
	for _, e := range rejected {
		for _, k := range []string{`"marking":`, `"reason":`, `"path":`} {
			if !strings.Contains(string(e.New), k) {
				t.Errorf("rejection entry %s lacks %s", e.New, k)
			}
		}
	}
	// Nothing of the secrets anywhere under ROOT: only honey.jpg's original
	// and rendition, and an empty tmp.
	var files []string
	for _, dir := range []string{"originals", "renditions", "tmp"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) != 2 {
		t.Fatalf("files under ROOT: %v", files)
	}
	for _, f := range files {
		if !strings.Contains(filepath.Base(f), honey.ID) {
			t.Errorf("stray file %s", f)
		}
	}
}

func TestIngestAgencyDefault(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "a.jpg"), 16, 16, 4)
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rr := ingestDir(t, a, src, Options{}, RunOptions{Defaults: Defaults{Agency: "Sở Du lịch"}})
	rec, err := a.Store().Get(rr.results["a.jpg"].ID)
	if err != nil || rec.Agency != "Sở Du lịch" {
		t.Fatalf("agency: %+v %v", rec, err)
	}
}

func TestAuditRejections(t *testing.T) {
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "s.jpg"), 16, 16, 9)
	writeFile(t, filepath.Join(src, archive.MetadataFileName), []byte("file,classification\ns.jpg,TUYỆT MẬT\n"))
	rr := ingestDir(t, a, src, Options{}, RunOptions{By: "tester"})
	if rr.results["s.jpg"].Status != StatusRejected {
		t.Fatalf("%+v", rr.results)
	}
	var got []archive.AuditEntry
	if err := a.Store().AuditSince(0, func(e archive.AuditEntry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Who != "tester" || got[0].Via != archive.ViaIngest || got[0].Field != "ingest" ||
		!strings.Contains(string(got[0].New), `"marking":"Tuyệt mật"`) || !strings.Contains(string(got[0].New), `"status":"rejected"`) {
		t.Fatalf("audit = %+v", got)
	}
}
