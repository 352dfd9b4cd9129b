package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIIIFManifest(t *testing.T) {
	f := newIIIFFixture(t, nil)
	id := f.ids["big"]
	code, body, h := f.get("/iiif/3/"+id+"/manifest", "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/ld+json") || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %v %s", code, h, body)
	}
	var m presManifest
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	base := f.ts.URL + "/iiif/3/" + id
	if m.Context != presContext || m.Type != "Manifest" || m.ID != base+"/manifest" ||
		m.Label["vi"][0] != "Bốn góc" || m.Rights != "http://creativecommons.org/licenses/by/4.0/" {
		t.Errorf("manifest %+v", m)
	}
	if m.RequiredStatement == nil || !strings.Contains(m.RequiredStatement.Value["none"][0], "Sở VHTTDL") {
		t.Errorf("requiredStatement %+v", m.RequiredStatement)
	}
	var labels []string
	for _, p := range m.Metadata {
		labels = append(labels, p.Label["en"][0])
	}
	for _, want := range []string{"Creator", "Credit", "Rights", "Licence", "Captured", "Place", "Category", "Keywords"} {
		if !slices.Contains(labels, want) {
			t.Errorf("metadata lacks %s: %v", want, labels)
		}
	}
	if len(m.Thumbnail) != 1 || len(m.Items) != 1 {
		t.Fatalf("thumbnail %+v items %+v", m.Thumbnail, m.Items)
	}
	canvas := m.Items[0]
	ann := canvas.Items[0].Items[0]
	if canvas.Width != 1600 || canvas.Height != 1200 || ann.Motive != "painting" || ann.Target != canvas.ID ||
		ann.Body.Type != "Image" || ann.Body.Width != 1280 || ann.Body.Service[0].ID != base {
		t.Errorf("canvas %+v body %+v", canvas, ann.Body)
	}
	// The body and the thumbnail are served as described.
	for _, r := range []presResource{*ann.Body, m.Thumbnail[0]} {
		code, img, _ := f.get(strings.TrimPrefix(r.ID, f.ts.URL), "")
		if code != 200 {
			t.Fatalf("%s: %d", r.ID, code)
		}
		if b := decodeAny(t, img).Bounds(); b.Dx() != r.Width || b.Dy() != r.Height {
			t.Errorf("%s is %v, described %d×%d", r.ID, b, r.Width, r.Height)
		}
	}
	// Every language of the record; the language-less text under "none".
	code, body, _ = f.get("/iiif/3/"+f.ids["pub"]+"/manifest", "")
	if code != 200 || !strings.Contains(string(body), `"en":["Con Son festival"]`) || !strings.Contains(string(body), `"vi":["Lễ hội Côn Sơn"]`) {
		t.Errorf("pub manifest %d %s", code, body)
	}
	code, body, _ = f.get("/iiif/3/"+f.ids["draft"]+"/manifest", "curator")
	if code != 200 || !strings.Contains(string(body), `"none":["Lễ hội bản nháp"]`) {
		t.Errorf("draft manifest %d %s", code, body)
	}
	for who, want := range map[string]int{"": 404, "portal": 404, "agency": 200} {
		if code, _, _ := f.get("/iiif/3/"+f.ids["internal"]+"/manifest", who); code != want {
			t.Errorf("internal manifest as %q: %d, want %d", who, code, want)
		}
	}
}

func TestIIIFCollections(t *testing.T) {
	f := newIIIFFixture(t, nil)
	if err := f.ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, who string
		want      []string
	}{
		{"/iiif/3/collections/categories/van-hoa-le-hoi", "", []string{"pub", "big"}},
		{"/iiif/3/collections/categories/kinh-te-dau-tu", "", nil},
		{"/iiif/3/collections/categories/kinh-te-dau-tu", "agency", []string{"internal"}},
		{"/iiif/3/collections/places/290", "", []string{"pub", "big"}},
		{"/iiif/3/collections/places/290", "curator", []string{"pub", "internal", "draft", "big"}},
	} {
		t.Run(c.path+" as "+c.who, func(t *testing.T) {
			code, body, _ := f.get(c.path, c.who)
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			var col presManifest
			if err := json.Unmarshal(body, &col); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range col.Items {
				for tag, id := range f.ids {
					if it.ID == f.ts.URL+"/iiif/3/"+id+"/manifest" && it.Type == "Manifest" {
						got = append(got, tag)
					}
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.want))
			if col.Type != "Collection" || len(col.Label["vi"]) != 1 || !slices.Equal(got, want) {
				t.Errorf("collection %s %v, want %v", col.Type, got, want)
			}
		})
	}
	for _, p := range []string{"/iiif/3/collections/categories/khong-co", "/iiif/3/collections/places/999"} {
		if code, _, _ := f.get(p, ""); code != 404 {
			t.Errorf("%s: %d", p, code)
		}
	}
}

// TestIIIFManifestsParse reads every kind of manifest and a collection
// with @iiif/parser: each must normalize, with no repair by the strict
// upgrade.
func TestIIIFManifestsParse(t *testing.T) {
	mods := nodeModules(t, "@iiif/parser")
	f := newIIIFFixture(t, nil)
	if err := f.ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	docs := map[string]string{
		"photo":      "/iiif/3/" + f.ids["big"] + "/manifest",
		"two-langs":  "/iiif/3/" + f.ids["pub"] + "/manifest",
		"video":      "/iiif/3/" + f.ids["draft"] + "/manifest",
		"collection": "/iiif/3/collections/places/290",
	}
	var files []string
	for name, path := range docs {
		code, body, _ := f.get(path, "curator")
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join("testdata", "iiif_parse.cjs")}, files...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	n := 0
	for sc.Scan() {
		n++
		var r struct {
			File      string   `json:"file"`
			Type      string   `json:"type"`
			Canvases  int      `json:"canvases"`
			Manifests int      `json:"manifests"`
			Warnings  []string `json:"warnings"`
			Error     string   `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(r.File), ".json")
		wantType := "Manifest"
		if name == "collection" {
			wantType = "Collection"
		}
		if r.Error != "" || r.Type != wantType || len(r.Warnings) > 0 {
			t.Errorf("%s: %+v", name, r)
		}
		if wantType == "Manifest" && name != "video" && r.Canvases != 1 {
			t.Errorf("%s: %d canvases", name, r.Canvases)
		}
	}
	if n != len(docs) {
		t.Errorf("%d answers for %d documents", n, len(docs))
	}
}
