package indexer

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestReleasedAt keeps embargoed, withdrawn-by-date and rights-expired
// records out of searches run for non-curators, and lets them in once
// their window opens.
func TestReleasedAt(t *testing.T) {
	day := func(s string) *time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	recs := []rec{{id: "open", vi: "Lễ hội đền Kiếp Bạc"}, {id: "embargo", vi: "Lễ hội đền Kiếp Bạc"},
		{id: "unpub", vi: "Lễ hội đền Kiếp Bạc"}, {id: "rights", vi: "Lễ hội đền Kiếp Bạc"}}
	a, path := newStore(t, nil)
	for _, r := range recs {
		rr := r.record()
		switch r.id {
		case "embargo":
			rr.PublishAt = day("2026-06-01")
		case "unpub":
			rr.UnpublishAt = day("2026-03-01")
		case "rights":
			rr.RightsExpireAt = day("2026-04-01")
		}
		if _, err := a.Store().Put(rr); err != nil {
			t.Fatal(err)
		}
	}
	ix := openIndex(t, path, a.Store())
	for _, c := range []struct {
		name string
		at   *time.Time
		want []string
	}{
		{"no release filter", nil, []string{"embargo", "open", "rights", "unpub"}},
		{"before the embargo lifts", day("2026-01-01"), []string{"open", "rights", "unpub"}},
		{"after unpublishing", day("2026-03-15"), []string{"open", "rights"}},
		{"after the rights expire", day("2026-07-01"), []string{"embargo", "open"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := Query{Text: "kiep bac"}
			if c.at != nil {
				q.ReleasedAt = *c.at
			}
			res, err := ix.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("released at %v: %v, want %v", c.at, got, c.want)
			}
		})
	}
}
