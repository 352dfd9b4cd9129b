package archive

import "time"

// Stats summarises the archive's records.
type Stats struct {
	Records      int            `json:"records"`
	Bytes        int64          `json:"bytes"`
	ByKind       map[string]int `json:"by_kind"`
	ByMIME       map[string]int `json:"by_mime"`
	ByStatus     map[string]int `json:"by_status"`
	ByVisibility map[string]int `json:"by_visibility"`
	// TitleLanguages counts records with a title in each language;
	// DescriptionLanguages with a description; ReviewedLanguages those whose
	// text in the language is marked reviewed (Record.LangStatus).
	TitleLanguages       map[string]int `json:"title_languages"`
	DescriptionLanguages map[string]int `json:"description_languages"`
	ReviewedLanguages    map[string]int `json:"reviewed_languages"`
	WithGPS              int            `json:"with_gps"`
	// WithCaptured counts records with a capture time the file itself
	// gave (Record.CaptureTime), not a file modification time.
	WithCaptured   int    `json:"with_captured_at"`
	WithRenditions int    `json:"with_renditions"`
	WithWarnings   int    `json:"with_warnings"`
	LastChange     uint64 `json:"last_change"`
	// Embargoed counts records whose publication date has not come;
	// RightsExpired those whose rights have ended; RightsExpiringSoon those
	// whose rights end within rightsExpiryWarning.
	Embargoed          int `json:"embargoed"`
	RightsExpired      int `json:"rights_expired"`
	RightsExpiringSoon int `json:"rights_expiring_30d"`
}

// Stats counts the records by kind, type, status, visibility and language,
// and the embargoes and rights expiries as of now.
func (s *Store) Stats() (*Stats, error) { return s.StatsAt(time.Now()) }

// StatsAt is Stats with embargoes and rights expiries judged at now.
func (s *Store) StatsAt(now time.Time) (*Stats, error) { return s.StatsWhere(now, nil) }

// StatsWhere is StatsAt over the records keep accepts (all when nil), so an
// audience sees counts of only what it may see.
func (s *Store) StatsWhere(now time.Time, keep func(*Record) bool) (*Stats, error) {
	st := &Stats{
		ByKind: map[string]int{}, ByMIME: map[string]int{}, ByStatus: map[string]int{},
		ByVisibility: map[string]int{}, TitleLanguages: map[string]int{},
		DescriptionLanguages: map[string]int{}, ReviewedLanguages: map[string]int{},
	}
	err := s.ForEach(func(r *Record) error {
		if keep != nil && !keep(r) {
			return nil
		}
		st.Records++
		st.Bytes += r.Size
		st.ByKind[string(r.Kind)]++
		st.ByMIME[r.MIME]++
		st.ByStatus[string(r.Status)]++
		st.ByVisibility[string(r.Visibility)]++
		for lang, t := range r.Title {
			if t != "" {
				st.TitleLanguages[lang]++
			}
		}
		for lang, t := range r.Description {
			if t != "" {
				st.DescriptionLanguages[lang]++
			}
		}
		for lang, ls := range r.LangStatus {
			if ls == LangReviewed {
				st.ReviewedLanguages[lang]++
			}
		}
		if r.GPS != nil {
			st.WithGPS++
		}
		if r.CaptureTime() != nil {
			st.WithCaptured++
		}
		if len(r.Renditions) > 0 {
			st.WithRenditions++
		}
		if len(r.Warnings) > 0 {
			st.WithWarnings++
		}
		if embargoed(r, now) {
			st.Embargoed++
		}
		if rightsExpired(r, now) {
			st.RightsExpired++
		}
		if rightsExpiringWithin(r, now, rightsExpiryWarning) {
			st.RightsExpiringSoon++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.LastChange, err = s.LastSeq()
	return st, err
}
