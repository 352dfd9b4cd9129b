package archive

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/haiduong/promo-archive/archive/media"
)

func TestSecretMarking(t *testing.T) {
	tests := []struct {
		in    string
		want  string // "" means not a marking
		field string
	}{
		{"Mật", "Mật", ""},
		{"MẬT", "Mật", ""},
		{"mật", "Mật", ""},
		{norm.NFD.String("Mật"), "Mật", "decomposed (NFD) input"},
		{"Tối Mật", "Tối mật", ""},
		{"TỐI MẬT", "Tối mật", ""},
		{"TUYỆT MẬT", "Tuyệt mật", ""},
		{"tuyệt  mật", "Tuyệt mật", "double space"},
		{"TOI MAT", "Tối mật", "no diacritics"},
		{"Secret", "Secret", ""},
		{"TOP SECRET", "Top secret", ""},
		{"Confidential", "Confidential", ""},
		{"MẬT: không phổ biến", "Mật", "leading marking"},
		{"[TỐI MẬT]", "Tối mật", "bracketed"},
		{"Độ mật: Tuyệt mật", "Tuyệt mật", "labelled"},
		{"Classification: SECRET", "Secret", "labelled"},
		{"Embargo 01/07; MẬT", "Mật", "a later segment"},
		{"Mật.", "Mật", "trailing punctuation"},
		// Not markings.
		{"", "", ""},
		{"Mật ong Hải Dương", "", "honey"},
		{"mật khẩu: 1234", "", "password"},
		{"Bí mật làng nghề", "", "secret as an ordinary word"},
		{"Không mật", "", "not secret"},
		{"Secret garden", "", ""},
		{"Confidentiality notice", "", "word containing a marking"},
		{"Mat", "", "bare mat is a common word"},
		{"Matxcova", "", ""},
		{"Ghi chú: tài liệu mật", "", "marking not leading"},
		{"Công khai", "", "public"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := SecretMarking(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("SecretMarking(%q) [%s] = %q, %v; want %q", tt.in, tt.field, got, ok, tt.want)
			}
		})
	}
}

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
			var se *SecretError
			switch {
			case tt.marking == "" && err != nil:
				t.Errorf("%s: %v, want nil", tt.name, err)
			case tt.marking != "" && (!errors.As(err, &se) || se.Marking != tt.marking || !errors.Is(err, ErrStateSecret)):
				t.Errorf("%s: %v, want marking %s", tt.name, err, tt.marking)
			}
		})
	}
}

type memRejections struct {
	mu sync.Mutex
	rs []Rejection
}

func (m *memRejections) LogRejection(_ context.Context, r Rejection) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rs = append(m.rs, r)
	return nil
}

const instructionsXMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Instructions="` + "MẬT" + `"/></rdf:RDF></x:xmpmeta>`

func TestIngestRejectsStateSecret(t *testing.T) {
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "csv-secret.jpg"), 16, 16, 1)
	writeJPEG(t, filepath.Join(src, "embedded-secret.jpg"), 16, 16, 2)
	writeFile(t, filepath.Join(src, "embedded-secret.jpg.xmp"), []byte(instructionsXMP))
	writeJPEG(t, filepath.Join(src, "honey.jpg"), 16, 16, 3)
	writeFile(t, filepath.Join(src, MetadataFileName), []byte("file,title_vi,classification,agency\n"+
		"csv-secret.jpg,Ảnh,Tối mật,\n"+
		"honey.jpg,Mật ong Hải Dương,Thường,Sở Du lịch\n"))
	root := t.TempDir()
	a, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	log := &memRejections{}
	rr := ingestDir(t, a, src, IngestOptions{Renderer: &fakeRenderer{}, Rejections: log, Defaults: Defaults{Agency: "Sở VHTTDL"}})
	if rr.err != nil {
		t.Fatal(rr.err)
	}
	want := map[string]string{
		"csv-secret.jpg":      "state secret (Tối mật): not stored on this networked system",
		"embedded-secret.jpg": "state secret (Mật): not stored on this networked system",
	}
	for name, msg := range want {
		t.Run(name, func(t *testing.T) {
			if r := rr.results[name]; r.Status != StatusRejected || r.Error != msg {
				t.Errorf("%s: %+v, want rejected %q", name, r, msg)
			}
		})
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
	if len(log.rs) != 2 {
		t.Fatalf("rejection log: %+v", log.rs)
	}
	for _, r := range log.rs {
		if r.Marking == "" || r.Reason == "" || r.Path == "" {
			t.Errorf("rejection entry %+v", r)
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
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rr := ingestDir(t, a, src, IngestOptions{Defaults: Defaults{Agency: "Sở Du lịch"}})
	rec, err := a.Store().Get(rr.results["a.jpg"].ID)
	if err != nil || rec.Agency != "Sở Du lịch" {
		t.Fatalf("agency: %+v %v", rec, err)
	}
}

func TestAuditRejections(t *testing.T) {
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	src := t.TempDir()
	writeJPEG(t, filepath.Join(src, "s.jpg"), 16, 16, 9)
	writeFile(t, filepath.Join(src, MetadataFileName), []byte("file,classification\ns.jpg,TUYỆT MẬT\n"))
	rr := ingestDir(t, a, src, IngestOptions{Rejections: a.Store().AuditRejections("tester")})
	if rr.results["s.jpg"].Status != StatusRejected {
		t.Fatalf("%+v", rr.results)
	}
	var got []AuditEntry
	if err := a.Store().AuditSince(0, func(e AuditEntry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Who != "tester" || got[0].Via != ViaIngest || got[0].Field != "ingest" ||
		!strings.Contains(string(got[0].New), `"marking":"Tuyệt mật"`) || !strings.Contains(string(got[0].New), `"status":"rejected"`) {
		t.Fatalf("audit = %+v", got)
	}
}
