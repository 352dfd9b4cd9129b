package ingest

import (
	"maps"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/media"
)

// recordInput is what the pipeline knows about a file when it builds its
// record.
type recordInput struct {
	id           string
	size         int64
	originalName string
	sourcePath   string
	mtime        time.Time
	info         *media.Info
	curator      *curation.CuratorMeta
	defaults     Defaults
	now          time.Time
	loc          *time.Location
	tax          *archive.Taxonomy
}

// Defaults are the status and visibility a run gives new assets that the
// curator's metadata.csv does not set.
type Defaults struct {
	Status     archive.Status
	Visibility archive.Visibility
	// Agency is the contributing agency of the run (archive ingest
	// --agency); a metadata.csv agency column overrides it per file.
	Agency string
}

// WarnNotPublished is the warning of a file that was to be published
// (ingest --status published, a metadata.csv status column) but has no
// Vietnamese title: it is added as review instead.
const WarnNotPublished = "status: added as review, not published: publishing needs a Vietnamese title (title_vi)"

// buildRecord makes a new record from extracted metadata, then lays the
// curator's values over it.
func buildRecord(in recordInput) *archive.Record {
	info := in.info
	now := in.now.In(in.loc).Truncate(time.Second)
	r := &archive.Record{
		ID:           in.id,
		Kind:         info.Kind,
		MIME:         info.MIME,
		Size:         in.size,
		OriginalName: in.originalName,
		SourcePath:   in.sourcePath,
		IngestedAt:   now,
		UpdatedAt:    now,
		Width:        info.Width,
		Height:       info.Height,
		Orientation:  info.Orientation,
		Rotation:     info.Rotation,
		Codec:        info.Codec,
		Language:     info.Language,
		Frames:       info.Frames,
		PageCount:    info.PageCount,
		GPS:          info.GPS,
		Title:        maps.Clone(info.Title),
		Description:  maps.Clone(info.Description),
		Keywords:     info.Keywords,
		Creator:      info.Creator,
		Credit:       info.Credit,
		Rights:       info.Rights,
		Visibility:   in.defaults.Visibility,
		Status:       in.defaults.Status,
		Agency:       in.defaults.Agency,
		Provenance:   maps.Clone(info.Provenance),
		Warnings:     append([]string(nil), info.Warnings...),
	}
	if r.Provenance == nil {
		r.Provenance = map[string]string{}
	}
	if info.DurationS > 0 {
		d := info.DurationS
		r.DurationS = &d
	}
	if !info.Camera.IsZero() {
		c := info.Camera
		r.Camera = &c
	}
	if !info.Exposure.IsZero() {
		e := info.Exposure
		r.Exposure = &e
	}
	switch {
	case info.CapturedAt != nil:
		t := info.CapturedAt.Truncate(time.Second)
		r.CapturedAt, r.CapturedAtSource, r.TZInferred = &t, info.CapturedAtSource, info.TZInferred
	case !in.mtime.IsZero():
		t := in.mtime.In(in.loc).Truncate(time.Second)
		r.CapturedAt, r.CapturedAtSource = &t, archive.CapturedFromFile
	}
	if r.CapturedAt != nil {
		r.Provenance["captured_at"] = r.CapturedAtSource
	}
	if in.curator != nil {
		applyCurator(r, in.curator, in.tax)
	}
	if archive.CheckPublishable(r) != nil {
		r.Status = archive.Review
		r.Warnings = append(r.Warnings, WarnNotPublished)
	}
	r.Normalize()
	return r
}

// applyCurator lays curator values over r; each one it sets is marked
// "curator" in the provenance.
func applyCurator(r *archive.Record, m *curation.CuratorMeta, tax *archive.Taxonomy) {
	const cur = "curator"
	setText := func(field string, dst *map[string]string, src map[string]string) {
		for lang, v := range src {
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[lang] = v
			r.Provenance[field+"."+lang] = cur
		}
	}
	setText("title", &r.Title, m.Title)
	setText("description", &r.Description, m.Description)
	setString := func(field string, dst *string, v string) {
		if v != "" {
			*dst = v
			r.Provenance[field] = cur
		}
	}
	setString("creator", &r.Creator, m.Creator)
	setString("credit", &r.Credit, m.Credit)
	setString("rights", &r.Rights, m.Rights)
	setString("licence", &r.Licence, m.Licence)
	setString("agency", &r.Agency, m.Agency)
	if m.Keywords != nil {
		r.Keywords = m.Keywords
		r.Provenance["keywords"] = cur
	}
	if m.Categories != nil {
		r.Categories = m.Categories
		r.Provenance["categories"] = cur
	}
	if m.Place != "" {
		r.Place = &archive.Place{Code: m.Place}
		if u, ok := tax.Place(m.Place); ok {
			r.Place.Name = u.VI
		}
		r.Provenance["place"] = cur
	}
	if m.Visibility != "" {
		r.Visibility = m.Visibility
	}
	if m.Status != "" {
		r.Status = m.Status
	}
	for dst, v := range map[**time.Time]*time.Time{&r.PublishAt: m.PublishAt, &r.UnpublishAt: m.UnpublishAt, &r.RightsExpireAt: m.RightsExpireAt} {
		if v != nil {
			*dst = v
		}
	}
	if m.CapturedAt != nil {
		t := *m.CapturedAt
		r.CapturedAt, r.CapturedAtSource, r.TZInferred = &t, cur, m.TZInferred
		r.Provenance["captured_at"] = cur
	}
}
