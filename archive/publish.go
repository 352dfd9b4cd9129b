package archive

import (
	"errors"
	"strings"
	"time"
)

// ErrNeedsVietnamese is a published record without a Vietnamese title
// (TAXONOMY.md: Vietnamese is required for publication).
var ErrNeedsVietnamese = errors.New("archive: publishing needs a Vietnamese title")

// CheckPublishable returns ErrNeedsVietnamese when r is published without
// a Vietnamese title. It is the one publication check of every path: edits
// (the CLI, the API, the web form), import-metadata and ingest (--status
// published, a metadata.csv status column).
func CheckPublishable(r *Record) error {
	if r.Status == Published && strings.TrimSpace(r.Title["vi"]) == "" {
		return ErrNeedsVietnamese
	}
	return nil
}

// rightsExpiryWarning is how far ahead `archive stats` warns of rights that
// are about to expire.
const rightsExpiryWarning = 30 * 24 * time.Hour

// PubliclyVisible reports whether anyone (the portal, anonymous callers) may
// see r at now. It is the single rule of the publication workflow: r is
// published and public, its embargo (PublishAt) has passed, its withdrawal
// date (UnpublishAt) has not come, and its rights (RightsExpireAt) have not
// expired. A nil date is open. Drafts, items under review and withdrawn
// items are never public.
func PubliclyVisible(r *Record, now time.Time) bool {
	return r.Visibility == Public && Released(r, now)
}

// Released reports whether r is published and inside its release window at
// now: past publish_at, before unpublish_at and before its rights expire.
// Everyone but curators sees only released records.
func Released(r *Record, now time.Time) bool {
	return r.Status == Published && !embargoed(r, now) && !unpublished(r, now) && !rightsExpired(r, now)
}

// embargoed reports whether r has a publication date that has not come yet.
func embargoed(r *Record, now time.Time) bool {
	return r.PublishAt != nil && now.Before(*r.PublishAt)
}

// unpublished reports whether r's withdrawal date (UnpublishAt) has passed.
func unpublished(r *Record, now time.Time) bool {
	return r.UnpublishAt != nil && !now.Before(*r.UnpublishAt)
}

// rightsExpired reports whether the licence to use r has ended.
func rightsExpired(r *Record, now time.Time) bool {
	return r.RightsExpireAt != nil && !now.Before(*r.RightsExpireAt)
}

// rightsExpiringWithin reports whether r's rights are still valid at now but
// end within d.
func rightsExpiringWithin(r *Record, now time.Time, d time.Duration) bool {
	return r.RightsExpireAt != nil && !rightsExpired(r, now) && r.RightsExpireAt.Before(now.Add(d))
}
