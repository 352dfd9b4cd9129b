package api

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

// The sitemap documents as a crawler reads them, namespaces and all.
type smURLSet struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		LastMod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
		Images  []struct {
			Loc string `xml:"http://www.google.com/schemas/sitemap-image/1.1 loc"`
		} `xml:"http://www.google.com/schemas/sitemap-image/1.1 image"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 url"`
}

type smIndex struct {
	XMLName  xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		LastMod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemap"`
}

// sitemapIDs fetches path as a urlset and returns the asset ids it lists,
// checking each entry's image and lastmod.
func (o *oaiFixture) sitemapIDs(t *testing.T, path string) []string {
	t.Helper()
	code, body, h := o.get(path, "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/xml") {
		t.Fatalf("%s: %d %q: %s", path, code, h.Get("Content-Type"), body)
	}
	var set smURLSet
	if err := xml.Unmarshal(body, &set); err != nil {
		t.Fatalf("%s: %v: %s", path, err, body)
	}
	var ids []string
	for _, u := range set.URLs {
		id, ok := strings.CutPrefix(u.Loc, o.ts.URL+"/assets/")
		if !ok {
			t.Errorf("loc %q is not an asset page of this host", u.Loc)
			continue
		}
		ids = append(ids, id)
		if len(u.Images) != 1 || u.Images[0].Loc != o.ts.URL+"/v1/assets/"+id+"/renditions/preview" {
			t.Errorf("%s: images %+v, want the preview", id[:8], u.Images)
		}
		rec := o.rec(id)
		if want := rec.UpdatedAt.UTC().Truncate(time.Second).Format(time.RFC3339); u.LastMod != want {
			t.Errorf("%s: lastmod %q, want the update time %q", id[:8], u.LastMod, want)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestSitemap(t *testing.T) {
	o := newOAIFixture(t, 100)
	var public []string
	for i := range 4 {
		rec := baseRecord(fmt.Sprintf("anh-%d.jpg", i), archive.Public, archive.Published, map[string]string{"vi": fmt.Sprintf("Ảnh %d", i)})
		putAsset(t, o.a, rec, jpegBytes(t, 20, 10, uint8(50+i)), jpegBytes(t, 32, 24, 1))
		public = append(public, rec.ID)
	}
	// Withdrawn after being public: listed by OAI as deleted, absent here.
	status := archive.Withdrawn
	o.edit(public[3], curation.Edit{Status: &status})
	public = append(public[:3], o.ids["pub"])
	slices.Sort(public)

	t.Run("one sitemap of the public published assets", func(t *testing.T) {
		ids := o.sitemapIDs(t, "/sitemap.xml")
		if !slices.Equal(ids, public) {
			t.Errorf("listed %d assets, want the %d public published ones", len(ids), len(public))
		}
		for _, hidden := range []string{o.ids["internal"], o.ids["draft"]} {
			if slices.Contains(ids, hidden) {
				t.Errorf("%s is listed", hidden[:8])
			}
		}
	})
	t.Run("split into an index of pages", func(t *testing.T) {
		o.srv.deps.Sitemap.PageSize = 2
		defer func() { o.srv.deps.Sitemap.PageSize = 0 }()
		code, body, _ := o.get("/sitemap.xml", "")
		var idx smIndex
		if err := xml.Unmarshal(body, &idx); code != 200 || err != nil {
			t.Fatalf("%d %v: %s", code, err, body)
		}
		if len(idx.Sitemaps) != 2 {
			t.Fatalf("%d sitemaps in the index, want 2 of at most 2 URLs", len(idx.Sitemaps))
		}
		var all []string
		for i, sm := range idx.Sitemaps {
			path, ok := strings.CutPrefix(sm.Loc, o.ts.URL)
			if !ok || path != fmt.Sprintf("/sitemap.xml?page=%d", i+1) {
				t.Errorf("sitemap %d at %q", i+1, sm.Loc)
			}
			if _, err := time.Parse(time.RFC3339, sm.LastMod); err != nil {
				t.Errorf("lastmod %q: %v", sm.LastMod, err)
			}
			ids := o.sitemapIDs(t, path)
			if len(ids) == 0 || len(ids) > 2 {
				t.Errorf("page %d lists %d URLs", i+1, len(ids))
			}
			all = append(all, ids...)
		}
		slices.Sort(all)
		if !slices.Equal(all, public) {
			t.Errorf("the pages list %d assets, want the %d public ones once each", len(all), len(public))
		}
		for _, c := range []struct {
			query string
			code  int
		}{{"?page=3", 404}, {"?page=0", 400}, {"?page=x", 400}} {
			if code, body, _ := o.get("/sitemap.xml"+c.query, ""); code != c.code {
				t.Errorf("%s: %d, want %d: %s", c.query, code, c.code, body)
			}
		}
	})
	t.Run("robots.txt names it", func(t *testing.T) {
		code, body, h := o.get("/robots.txt", "")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
			!strings.Contains(string(body), "\nSitemap: "+o.ts.URL+"/sitemap.xml\n") || !strings.Contains(string(body), "User-agent: *") {
			t.Errorf("%d %q", code, body)
		}
	})
}
