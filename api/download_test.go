package api

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/haiduong/promo-archive/archive"
)

// fakeSizes draws a grey JPEG of the size asked for and counts its calls.
type fakeSizes struct {
	t     *testing.T
	mu    sync.Mutex
	calls []string
}

func (f *fakeSizes) RenderSize(_ context.Context, in archive.RenderInput, name string, size int) (archive.RenderedImage, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf("%s %d %s", name, size, filepath.Base(in.Path)))
	f.mu.Unlock()
	return archive.RenderedImage{Rendition: archive.Rendition{Name: name}, Data: jpegBytes(f.t, 64, 32, 3)}, nil
}

func TestDownloadPresets(t *testing.T) {
	f := newFixture(t, nil)
	sizes := &fakeSizes{t: t}
	var mu sync.Mutex
	var downloads []Download
	f.srv.deps.Sizes, f.srv.deps.SizeCache, f.srv.deps.SizeCacheBytes = sizes, t.TempDir(), 1<<20
	f.srv.deps.OnDownload = func(d Download) {
		mu.Lock()
		defer mu.Unlock()
		downloads = append(downloads, d)
	}
	pub := "/v1/assets/" + f.ids["pub"] + "/download"
	// The preview as sent: with the record's rights written in.
	rend := f.srv.withRights(t.Context(), jpegBytes(t, 32, 24, 1), "image/jpeg", f.rec(f.ids["pub"]), f.ts.URL)
	for _, tc := range []struct {
		name, query, who string
		want             int
		body             []byte // nil: not checked
		disposition      string
	}{
		{"default is medium", "", "", 200, rend, "Lễ hội Côn Sơn-medium.jpg"},
		{"small of a small preview is the preview", "?size=small", "", 200, rend, "-small.jpg"},
		{"large needs a key", "?size=large", "", 401, nil, ""},
		{"original needs a key", "?size=original", "", 401, nil, ""},
		{"original", "?size=original&purpose=press", "agency", 200, f.content[f.ids["pub"]], "-original.jpg"},
		{"large", "?size=large&purpose=print", "agency", 200, nil, "-large.jpg"},
		{"large again, from the cache", "?size=LARGE", "agency", 200, nil, "-large.jpg"},
		{"bad size", "?size=huge", "agency", 400, nil, ""},
		{"bad purpose", "?purpose=fun", "agency", 400, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, h := f.get(pub+tc.query, tc.who)
			if code != tc.want {
				t.Fatalf("status %d, want %d: %s", code, tc.want, body)
			}
			if tc.body != nil && !bytes.Equal(body, tc.body) {
				t.Errorf("body differs (%d bytes, want %d)", len(body), len(tc.body))
			}
			if code == 200 && !strings.Contains(h.Get("Content-Disposition"), "attachment") {
				t.Errorf("Content-Disposition %q", h.Get("Content-Disposition"))
			}
			if strings.Contains(tc.query, "large") && code == 200 && !bytes.Contains(body, []byte("<dc:creator><rdf:Seq><rdf:li>Nguyễn Thị Ánh</rdf:li>")) {
				t.Errorf("the large size carries no rights metadata")
			}
		})
	}
	if len(sizes.calls) != 1 || !strings.HasPrefix(sizes.calls[0], "large 2560 ") {
		t.Errorf("renderer calls %q, want one large", sizes.calls)
	}
	mu.Lock()
	var got []string
	for _, d := range downloads {
		got = append(got, d.Who+"|"+d.Size+"|"+d.Purpose)
	}
	mu.Unlock()
	want := "anonymous|medium|unspecified anonymous|small|unspecified Sở Du lịch agency|original|press Sở Du lịch agency|large|print Sở Du lịch agency|large|unspecified"
	if strings.Join(got, " ") != want {
		t.Errorf("downloads\n%q\nwant\n%q", strings.Join(got, " "), want)
	}
}

func TestSizeCacheBound(t *testing.T) {
	f := newFixture(t, nil)
	dir := t.TempDir()
	f.srv.deps.Sizes, f.srv.deps.SizeCache, f.srv.deps.SizeCacheBytes = &fakeSizes{t: t}, dir, 1
	for _, id := range []string{f.ids["pub"], f.ids["internal"]} {
		if code, _, _ := f.get("/v1/assets/"+id+"/download?size=large", "agency"); code != 200 {
			t.Fatalf("download: %d", code)
		}
	}
	var n int
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("a cache bounded to 1 byte keeps %d files, want the last one", n)
	}
}
