package archive

import (
	"fmt"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive/media"
)

// Visibility says who may see an asset.
type Visibility string

// Visibilities.
const (
	Public   Visibility = "public"
	Internal Visibility = "internal"
)

// Status is a record's place in the publication workflow.
type Status string

// Statuses.
const (
	Draft     Status = "draft"
	Review    Status = "review"
	Published Status = "published"
	Withdrawn Status = "withdrawn"
)

// Place is a unit of the gazetteer (TAXONOMY.md).
type Place struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// Rendition names: every asset gets one of each (a placeholder when the
// tool that draws it is missing).
const (
	RenditionThumb   = "thumb"   // the small image of result grids
	RenditionPreview = "preview" // the large image of an asset's page
)

// RenditionNames lists every rendition name, smallest first.
func RenditionNames() []string { return []string{RenditionThumb, RenditionPreview} }

// Rendition describes one derived image of an asset. The bytes live under
// ROOT/renditions, keyed by the asset id, the name and Version.
type Rendition struct {
	Name    string `json:"name"` // one of RenditionNames
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	MIME    string `json:"mime"`
	Version int    `json:"version"`
	Size    int64  `json:"size"`
	// Placeholder is true when the rendition only says what the asset is,
	// because the tool that can draw it is missing.
	Placeholder bool `json:"placeholder,omitempty"`
}

// Record is a catalogued asset: the JSON of RECORD.md. Field names in the
// JSON are binding for the web portal and agencies.
type Record struct {
	ID           string     `json:"id"`
	Kind         media.Kind `json:"kind"`
	MIME         string     `json:"mime"`
	Size         int64      `json:"size"`
	OriginalName string     `json:"original_name"`
	SourcePath   string     `json:"source_path"`
	IngestedAt   time.Time  `json:"ingested_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	CapturedAt       *time.Time `json:"captured_at"`
	CapturedAtSource string     `json:"captured_at_source,omitempty"`
	TZInferred       bool       `json:"tz_inferred"`

	Width       int      `json:"width,omitempty"`
	Height      int      `json:"height,omitempty"`
	Orientation int      `json:"orientation,omitempty"`
	Rotation    int      `json:"rotation,omitempty"` // video display rotation, degrees clockwise
	Frames      int      `json:"frames,omitempty"`
	DurationS   *float64 `json:"duration_s,omitempty"`
	Codec       string   `json:"codec,omitempty"` // video sample entry, e.g. avc1
	PageCount   int      `json:"page_count,omitempty"`
	Language    string   `json:"language,omitempty"` // publication language (BCP 47), when the file says

	Camera   *media.Camera   `json:"camera,omitempty"`
	Exposure *media.Exposure `json:"exposure,omitempty"`
	GPS      *media.GPS      `json:"gps,omitempty"`

	Title       map[string]string `json:"title"`
	Description map[string]string `json:"description"`
	Keywords    []string          `json:"keywords"`
	Creator     string            `json:"creator"`
	Credit      string            `json:"credit"`
	Rights      string            `json:"rights"`
	Licence     string            `json:"licence"`

	Categories []string   `json:"categories"`
	Place      *Place     `json:"place"`
	Visibility Visibility `json:"visibility"`
	Status     Status     `json:"status"`

	// LangStatus is the review state of each language's text (draft or
	// reviewed); a language absent here is a draft.
	LangStatus map[string]string `json:"lang_status,omitempty"`
	// Agency is the department or district that contributed the asset.
	Agency string `json:"agency,omitempty"`
	// PublishAt and UnpublishAt bound when a published asset is visible
	// (an embargo and a withdrawal date); nil is open.
	PublishAt   *time.Time `json:"publish_at,omitempty"`
	UnpublishAt *time.Time `json:"unpublish_at,omitempty"`
	// RightsExpireAt is when the licence to use the asset ends.
	RightsExpireAt *time.Time `json:"rights_expire_at,omitempty"`

	Provenance map[string]string `json:"provenance"`
	PHash      string            `json:"phash,omitempty"`
	Renditions []Rendition       `json:"renditions"`
	Warnings   []string          `json:"warnings"`
	// Damaged marks an original of a recognised type that does not decode
	// whole (truncated, corrupt): it is kept, its renditions show what
	// decodes or are placeholders, and `archive doctor` lists it.
	Damaged bool `json:"damaged,omitempty"`
}

// CapturedFromFile is the CapturedAtSource of a record whose file carried
// no date: CapturedAt is then the file's modification time, which says when
// the file was last copied or saved, not when the picture was taken.
const CapturedFromFile = "file_mtime"

// CaptureTime is when the asset was made as the file itself says (taken,
// recorded, published), or nil when the file carried no date and
// CapturedAt is only the file's modification time. Stats, the year facet
// and the web page count and name only this as a capture time.
func (r *Record) CaptureTime() *time.Time {
	if r.CapturedAtSource == CapturedFromFile {
		return nil
	}
	return r.CapturedAt
}

// Normalize makes empty collections encode as {} and [] rather than
// null, so clients need not special-case them.
func (r *Record) Normalize() {
	if r.Title == nil {
		r.Title = map[string]string{}
	}
	if r.Description == nil {
		r.Description = map[string]string{}
	}
	if r.Keywords == nil {
		r.Keywords = []string{}
	}
	if r.Categories == nil {
		r.Categories = []string{}
	}
	if r.Renditions == nil {
		r.Renditions = []Rendition{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
}

// String names the record for logs.
func (r *Record) String() string { return fmt.Sprintf("%s (%s)", r.ID[:12], r.OriginalName) }

// Rendition returns r's rendition called name, if r has one.
func (r *Record) Rendition(name string) (Rendition, bool) {
	for _, rd := range r.Renditions {
		if rd.Name == name {
			return rd, true
		}
	}
	return Rendition{}, false
}

// ParseVisibility accepts "" (not given), "public" or "internal".
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(strings.ToLower(strings.TrimSpace(s))); v {
	case "", Public, Internal:
		return v, nil
	default:
		return "", fmt.Errorf("%q is not public or internal", s)
	}
}

// ParseStatus accepts "" (not given) or a workflow status.
func ParseStatus(s string) (Status, error) {
	switch v := Status(strings.ToLower(strings.TrimSpace(s))); v {
	case "", Draft, Review, Published, Withdrawn:
		return v, nil
	default:
		return "", fmt.Errorf("%q is not draft, review, published or withdrawn", s)
	}
}
