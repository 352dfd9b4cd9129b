package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// schemaContext is the vocabulary of the asset pages' JSON-LD.
const schemaContext = "https://schema.org"

// assetLD is an asset page's schema.org description (ImageObject,
// VideoObject or Book), so that search engines show the province's
// images as licensable (Google's image licence metadata). html/template
// encodes it with encoding/json inside the script element, escaping <,
// > and & so no text can close the element.
type assetLD struct {
	Context            string   `json:"@context"`
	Type               string   `json:"@type"`
	URL                string   `json:"url"`
	Name               string   `json:"name"`
	Description        string   `json:"description,omitempty"`
	InLanguage         string   `json:"inLanguage,omitempty"`
	ContentURL         string   `json:"contentUrl,omitempty"`
	ThumbnailURL       string   `json:"thumbnailUrl,omitempty"`
	Image              string   `json:"image,omitempty"`
	EncodingFormat     string   `json:"encodingFormat,omitempty"`
	License            string   `json:"license,omitempty"`
	AcquireLicensePage string   `json:"acquireLicensePage"`
	CreditText         string   `json:"creditText,omitempty"`
	Creator            *ldAgent `json:"creator,omitempty"`
	CopyrightNotice    string   `json:"copyrightNotice,omitempty"`
	Keywords           string   `json:"keywords,omitempty"`
	DateCreated        string   `json:"dateCreated,omitempty"`
	DatePublished      string   `json:"datePublished,omitempty"`
	DateModified       string   `json:"dateModified,omitempty"`
	UploadDate         string   `json:"uploadDate,omitempty"`
	Duration           string   `json:"duration,omitempty"`
	NumberOfPages      int      `json:"numberOfPages,omitempty"`
	ContentLocation    *ldPlace `json:"contentLocation,omitempty"`
	SourceOrganization *ldAgent `json:"sourceOrganization,omitempty"`
	Identifier         string   `json:"identifier"`
}

// ldAgent is a schema.org Person or Organization.
type ldAgent struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

// ldPlace is where an asset was made.
type ldPlace struct {
	Type string `json:"@type"`
	Name string `json:"name,omitempty"`
	Geo  *ldGeo `json:"geo,omitempty"`
}

type ldGeo struct {
	Type      string  `json:"@type"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// agentOf is name as a Person, or as an Organization when it starts as
// the names of organisations do: a department (Sở, Phòng, Ban), a
// committee (UBND), a centre, a museum, a newspaper or broadcaster, a
// company, an association, a publisher.
func agentOf(name string) *ldAgent {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	lc := strings.ToLower(name)
	for _, p := range []string{"sở ", "phòng ", "ban ", "ubnd", "ủy ban", "uỷ ban", "trung tâm", "bảo tàng", "báo ",
		"đài ", "công ty", "hội ", "viện ", "thư viện", "cục ", "bộ ", "nhà xuất bản", "nxb"} {
		if strings.HasPrefix(lc, p) {
			return &ldAgent{"Organization", name}
		}
	}
	return &ldAgent{"Person", name}
}

// newAssetLD describes rec as the page ap shows it to p, with absolute
// URLs under base (scheme and host). Only what p may fetch is linked: the
// renditions, and a video's original only for key holders. A Book links
// its cover (image), not its file.
func newAssetLD(base string, rec *archive.Record, ap *assetPage, p Principal) *assetLD {
	page := base + "/assets/" + rec.ID
	ld := &assetLD{
		Context: schemaContext, Type: "ImageObject", URL: page, Name: ap.Title, Description: ap.Description,
		InLanguage: ap.TitleLang, License: licenceURI(rec.Licence), AcquireLicensePage: page,
		Creator: agentOf(rec.Creator), CopyrightNotice: strings.TrimSpace(rec.Rights),
		Keywords: strings.Join(rec.Keywords, ", "), Identifier: rec.ID,
	}
	if !rec.UpdatedAt.IsZero() {
		ld.DateModified = rec.UpdatedAt.Format(time.RFC3339)
	}
	ld.CreditText = strings.TrimSpace(rec.Credit)
	if ld.CreditText == "" {
		ld.CreditText = strings.TrimSpace(rec.Creator)
	}
	if ld.Creator == nil {
		ld.Creator = agentOf(rec.Credit)
	}
	if rec.Agency != "" {
		ld.SourceOrganization = &ldAgent{"Organization", rec.Agency}
	}
	var preview, previewMIME, thumb string
	for _, rd := range rec.Renditions {
		if rd.Placeholder {
			continue
		}
		switch rd.Name {
		case archive.RenditionPreview:
			preview, previewMIME = base+renditionPath(rec.ID, rd.Name), rd.MIME
		case archive.RenditionThumb:
			thumb = base + renditionPath(rec.ID, rd.Name)
		}
	}
	ld.ThumbnailURL = thumb
	if ld.ThumbnailURL == "" {
		ld.ThumbnailURL = preview
	}
	made := ""
	if t := rec.CaptureTime(); t != nil {
		made = t.Format(time.RFC3339)
	}
	switch rec.Kind {
	case media.KindVideo:
		ld.Type = "VideoObject"
		if p.canDownloadOriginals() {
			ld.ContentURL, ld.EncodingFormat = base+assetPath(rec.ID)+"/original", rec.MIME
		}
		ld.DateCreated, ld.UploadDate = made, rec.IngestedAt.Format(time.RFC3339)
		if rec.DurationS != nil && *rec.DurationS > 0 {
			ld.Duration = fmt.Sprintf("PT%.0fS", *rec.DurationS)
		}
	case media.KindPublication:
		ld.Type, ld.Image, ld.NumberOfPages, ld.DatePublished = "Book", preview, rec.PageCount, made
		if rec.Language != "" {
			ld.InLanguage = rec.Language
		}
	default:
		ld.ContentURL, ld.EncodingFormat, ld.DateCreated = preview, previewMIME, made
	}
	if pl := rec.Place; pl != nil || rec.GPS != nil {
		ld.ContentLocation = &ldPlace{Type: "Place"}
		if pl != nil {
			ld.ContentLocation.Name = pl.Name
		}
		if g := rec.GPS; g != nil {
			ld.ContentLocation.Geo = &ldGeo{"GeoCoordinates", g.Lat, g.Lon}
		}
	}
	return ld
}
