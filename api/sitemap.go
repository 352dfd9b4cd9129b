package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// Sitemaps (https://www.sitemaps.org/protocol.html) with Google's image
// extension: /sitemap.xml lists the page of every public, published,
// released asset — exactly the records OAI-PMH exposes and does not
// report deleted — with its preview as image:image. Over SitemapOptions'
// page size it is a sitemap index of /sitemap.xml?page=N.

const (
	sitemapNS      = "http://www.sitemaps.org/schemas/sitemap/0.9"
	sitemapImageNS = "http://www.google.com/schemas/sitemap-image/1.1"
	// sitemapMaxURLs is the protocol's limit of URLs in one sitemap.
	sitemapMaxURLs = 50000
)

// SitemapOptions configure /sitemap.xml, which reads the records through
// OAIOptions.Source (without it, it answers 503).
type SitemapOptions struct {
	// PageSize is the URLs in one sitemap before it becomes an index;
	// default (and most) 50,000.
	PageSize int
}

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	ImageNS string       `xml:"xmlns:image,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string         `xml:"loc"`
	LastMod string         `xml:"lastmod,omitempty"`
	Images  []sitemapImage `xml:"image:image"`
}

type sitemapImage struct {
	Loc string `xml:"image:loc"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []sitemapRef `xml:"sitemap"`
}

type sitemapRef struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

func (s *Server) sitemapPageSize() int {
	n := s.deps.Sitemap.PageSize
	if n <= 0 || n > sitemapMaxURLs {
		n = sitemapMaxURLs
	}
	return n
}

// handleSitemap answers /sitemap.xml: the whole sitemap, the index when
// it is too long for one, or page N of it (?page=N).
func (s *Server) handleSitemap() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.oai == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "the sitemap is not configured")
			return
		}
		page := 0
		if v := r.URL.Query().Get("page"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				badParam(w, r, "page", "a page number from 1")
				return
			}
			page = n
		}
		items, err := s.oai.list(s.now())
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		var shown []oaiItem
		for _, it := range items {
			if !it.deleted {
				shown = append(shown, it)
			}
		}
		size, base := s.sitemapPageSize(), origin(r)
		pages := max(1, (len(shown)+size-1)/size)
		var doc any
		switch {
		case page > pages:
			notFound(w, r)
			return
		case page == 0 && pages > 1:
			idx := sitemapIndex{NS: sitemapNS}
			for p := 1; p <= pages; p++ {
				part := shown[(p-1)*size : min(p*size, len(shown))]
				idx.Sitemaps = append(idx.Sitemaps, sitemapRef{Loc: fmt.Sprintf("%s/sitemap.xml?page=%d", base, p),
					LastMod: latest(part).Format(time.RFC3339)})
			}
			doc = idx
		default:
			page = max(page, 1)
			doc = newURLSet(base, shown[(page-1)*size:min(page*size, len(shown))])
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		enc := xml.NewEncoder(&buf)
		enc.Indent("", " ")
		if err := enc.Encode(doc); err != nil {
			s.internalError(w, r, fmt.Errorf("api: sitemap: %w", err))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/xml; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(buf.Bytes())
		}
	}
}

// latest is the newest datestamp of items.
func latest(items []oaiItem) time.Time {
	var t time.Time
	for _, it := range items {
		if it.datestamp.After(t) {
			t = it.datestamp
		}
	}
	return t
}

// newURLSet lists items' pages with their previews under base.
func newURLSet(base string, items []oaiItem) sitemapURLSet {
	set := sitemapURLSet{NS: sitemapNS, ImageNS: sitemapImageNS, URLs: []sitemapURL{}}
	for _, it := range items {
		u := sitemapURL{Loc: base + "/assets/" + it.rec.ID, LastMod: it.datestamp.Format(time.RFC3339)}
		if rd, ok := it.rec.Rendition(archive.RenditionPreview); ok && !rd.Placeholder {
			u.Images = []sitemapImage{{base + renditionPath(it.rec.ID, rd.Name)}}
		}
		set.URLs = append(set.URLs, u)
	}
	return set
}

// handleRobots answers /robots.txt: every crawler is welcome, and told
// where the sitemap is.
func (s *Server) handleRobots() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, "User-agent: *\nAllow: /\n\nSitemap: %s/sitemap.xml\n", origin(r))
		}
	}
}
