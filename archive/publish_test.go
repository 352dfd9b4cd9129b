package archive

import (
	"testing"
	"time"
)

func TestPubliclyVisible(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	day := 24 * time.Hour
	tests := []struct {
		name                        string
		r                           Record
		visible, embargoed, expired bool
		expiringSoon                bool
	}{
		{"published public", Record{Status: Published, Visibility: Public}, true, false, false, false},
		{"draft", Record{Status: Draft, Visibility: Public}, false, false, false, false},
		{"review", Record{Status: Review, Visibility: Public}, false, false, false, false},
		{"withdrawn", Record{Status: Withdrawn, Visibility: Public}, false, false, false, false},
		{"internal", Record{Status: Published, Visibility: Internal}, false, false, false, false},
		{"embargoed", Record{Status: Published, Visibility: Public, PublishAt: at(day)}, false, true, false, false},
		{"embargo over at the instant", Record{Status: Published, Visibility: Public, PublishAt: at(0)}, true, false, false, false},
		{"unpublish date passed", Record{Status: Published, Visibility: Public, UnpublishAt: at(0)}, false, false, false, false},
		{"unpublish date ahead", Record{Status: Published, Visibility: Public, UnpublishAt: at(time.Second)}, true, false, false, false},
		{"rights expired", Record{Status: Published, Visibility: Public, RightsExpireAt: at(-day)}, false, false, true, false},
		{"rights expiring in 10 days", Record{Status: Published, Visibility: Public, RightsExpireAt: at(10 * day)}, true, false, false, true},
		{"rights expiring in 40 days", Record{Status: Published, Visibility: Public, RightsExpireAt: at(40 * day)}, true, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PubliclyVisible(&tt.r, now); got != tt.visible {
				t.Errorf("PubliclyVisible = %v", got)
			}
			if got := embargoed(&tt.r, now); got != tt.embargoed {
				t.Errorf("embargoed = %v", got)
			}
			if got := rightsExpired(&tt.r, now); got != tt.expired {
				t.Errorf("rightsExpired = %v", got)
			}
			if got := rightsExpiringWithin(&tt.r, now, rightsExpiryWarning); got != tt.expiringSoon {
				t.Errorf("rightsExpiringWithin = %v", got)
			}
		})
	}
}

func TestStatsEmbargoAndRights(t *testing.T) {
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	at := func(days int) *time.Time { t := now.AddDate(0, 0, days); return &t }
	for i, mod := range []func(*Record){
		func(r *Record) { r.PublishAt = at(5) },
		func(r *Record) { r.RightsExpireAt = at(-1) },
		func(r *Record) { r.RightsExpireAt = at(20) },
		func(r *Record) { r.RightsExpireAt = at(60) },
	} {
		r := testRecord(idOf(byte(i + 1)))
		mod(r)
		if _, err := a.Store().Put(r); err != nil {
			t.Fatal(err)
		}
	}
	st, err := a.Store().StatsAt(now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Embargoed != 1 || st.RightsExpired != 1 || st.RightsExpiringSoon != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestStatsCaptureTimes: a file's modification time is not counted as a
// capture time.
func TestStatsCaptureTimes(t *testing.T) {
	a, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	when := time.Date(2024, 2, 10, 9, 0, 0, 0, time.UTC)
	for i, source := range []string{"exif", "pdf", CapturedFromFile, ""} {
		r := testRecord(idOf(byte(i + 1)))
		if source != "" {
			r.CapturedAt, r.CapturedAtSource = &when, source
		}
		t.Run("source "+source, func(t *testing.T) {
			if got, want := r.CaptureTime() != nil, source != "" && source != CapturedFromFile; got != want {
				t.Errorf("CaptureTime() set = %v, want %v", got, want)
			}
		})
		if _, err := a.Store().Put(r); err != nil {
			t.Fatal(err)
		}
	}
	st, err := a.Store().Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 4 || st.WithCaptured != 2 {
		t.Errorf("records %d, with capture time %d; want 4 and 2", st.Records, st.WithCaptured)
	}
}
