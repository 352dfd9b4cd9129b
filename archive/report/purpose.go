package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// tablePurposes is the archive.db table of downloads by day, who and
// purpose: "YYYY-MM-DD|who|purpose" → count.
const tablePurposes = "download_purposes"

// PurposeCount is how many downloads an agency (an API key's name) made
// for a purpose.
type PurposeCount struct {
	Agency  string `json:"agency"`
	Purpose string `json:"purpose"`
	Count   uint64 `json:"count"`
}

// CountDownload records one download by who (the key's name) for purpose
// on the day of at (in at's time zone: pass the archive's Location).
func CountDownload(s *archive.Store, at time.Time, who, purpose string) error {
	clean := func(v string) string { return strings.NewReplacer("|", "/", "\x00", "").Replace(strings.TrimSpace(v)) }
	key := at.Format(time.DateOnly) + "|" + clean(who) + "|" + clean(purpose)
	var n uint64
	return s.Table(tablePurposes).Modify(key, &n, func(bool) (bool, error) {
		n++
		return true, nil
	})
}

// purposeCounts sums the downloads of the days of p by agency and purpose,
// most first.
func purposeCounts(s *archive.Store, p Period) ([]PurposeCount, error) {
	sums := map[[2]string]uint64{}
	from, to := p.From.Format(time.DateOnly), p.To.Format(time.DateOnly)
	err := s.Table(tablePurposes).Scan("", func(k string, decode func(any) error) error {
		f := strings.SplitN(k, "|", 3)
		if len(f) != 3 {
			return fmt.Errorf("%w: download purpose key %q", archive.ErrCorrupt, k)
		}
		if f[0] < from || f[0] > to {
			return nil
		}
		var n uint64
		if err := decode(&n); err != nil {
			return err
		}
		sums[[2]string{f[1], f[2]}] += n
		return nil
	})
	out := []PurposeCount{}
	for k, n := range sums {
		out = append(out, PurposeCount{Agency: k[0], Purpose: k[1], Count: n})
	}
	slices.SortFunc(out, func(a, b PurposeCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Purpose, b.Purpose))
	})
	return out, err
}
