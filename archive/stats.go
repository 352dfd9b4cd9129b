package archive

// Stats summarises the archive's records.
type Stats struct {
	Records      int            `json:"records"`
	Bytes        int64          `json:"bytes"`
	ByKind       map[string]int `json:"by_kind"`
	ByMIME       map[string]int `json:"by_mime"`
	ByStatus     map[string]int `json:"by_status"`
	ByVisibility map[string]int `json:"by_visibility"`
	// TitleLanguages counts records with a title in each language.
	TitleLanguages map[string]int `json:"title_languages"`
	WithGPS        int            `json:"with_gps"`
	WithCaptured   int            `json:"with_captured_at"`
	WithRenditions int            `json:"with_renditions"`
	WithWarnings   int            `json:"with_warnings"`
	LastChange     uint64         `json:"last_change"`
}

// Stats counts the records by kind, type, status, visibility and language.
func (s *Store) Stats() (*Stats, error) {
	st := &Stats{
		ByKind: map[string]int{}, ByMIME: map[string]int{}, ByStatus: map[string]int{},
		ByVisibility: map[string]int{}, TitleLanguages: map[string]int{},
	}
	err := s.ForEach(func(r *Record) error {
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
		if r.GPS != nil {
			st.WithGPS++
		}
		if r.CapturedAt != nil {
			st.WithCaptured++
		}
		if len(r.Renditions) > 0 {
			st.WithRenditions++
		}
		if len(r.Warnings) > 0 {
			st.WithWarnings++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.LastChange, err = s.LastSeq()
	return st, err
}
