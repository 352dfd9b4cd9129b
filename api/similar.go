package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/similar"
)

// Lookalikes finds near-duplicates by perceptual hash; *similar.Index
// implements it.
type Lookalikes interface {
	Threshold() int
	Similar(ctx context.Context, id string) ([]similar.Match, error)
	Groups(ctx context.Context) ([][]string, error)
}

type similarOut struct {
	ID        string `json:"id"`
	Threshold int    `json:"threshold"`
	// Hashed is false when the asset has no perceptual hash (a
	// publication, or a picture that could not be decoded): it has no
	// near-duplicates.
	Hashed  bool          `json:"hashed"`
	Similar []similarItem `json:"similar"`
}

type similarItem struct {
	Distance int       `json:"distance"`
	Asset    *assetOut `json:"asset"`
}

// handleSimilar lists the near-duplicates of an asset the caller may see,
// nearest first: only those the caller may see too.
func (s *Server) handleSimilar() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Similar == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "near-duplicate search is not available on this server")
			return
		}
		rec := s.visibleRecord(w, r)
		if rec == nil {
			return
		}
		out := similarOut{ID: rec.ID, Threshold: s.deps.Similar.Threshold(), Hashed: true, Similar: []similarItem{}}
		recs, dist, err := s.visibleLookalikes(r.Context(), rec.ID)
		if errors.Is(err, similar.ErrNoHash) {
			out.Hashed, err = false, nil
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		for _, m := range recs {
			out.Similar = append(out.Similar, similarItem{Distance: dist[m.ID], Asset: newAssetOut(m)})
		}
		w.Header().Set("Cache-Control", "private, no-cache")
		writeJSON(w, r, http.StatusOK, out)
	}
}

// visibleLookalikes returns the near-duplicates of id the caller may see,
// nearest first, and their distances by id. An asset without a hash has
// none (similar.ErrNoHash).
func (s *Server) visibleLookalikes(ctx context.Context, id string) ([]*archive.Record, map[string]int, error) {
	ms, err := s.deps.Similar.Similar(ctx, id)
	if errors.Is(err, similar.ErrNoHash) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("api: similar %s: %w", id, err)
	}
	var recs []*archive.Record
	dist := map[string]int{}
	p, now := principalFrom(ctx), s.now()
	for _, m := range ms {
		rec, err := s.deps.Records.Get(m.ID)
		if errors.Is(err, archive.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("api: similar %s: %w", id, err)
		}
		if visibleTo(p, rec, now) {
			recs = append(recs, rec)
			dist[m.ID] = m.Distance
		}
	}
	return recs, dist, nil
}

// groupsPerPage is how many groups of near-duplicates a page shows.
const groupsPerPage = 20

type duplicatesPage struct {
	Threshold  int
	Groups     []dupGroup
	Error      string
	Page       int
	Prev, Next string
}

type dupGroup struct {
	N     int // the group's number on the page, for ids
	Items []dupItem
}

type dupItem struct {
	ID, Title, TitleLang, Thumb, URL string
	Size, Date, Camera, Status       string
	Filled, Fields                   int
	Keep                             bool
}

// pageDuplicates lists the groups of near-duplicates that still have two
// assets or more not withdrawn, side by side, for a curator to keep one.
func (s *Server) pageDuplicates() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		pg := s.newPage(w, r)
		if r.URL.Query().Get("done") == "1" {
			pg.Notice = "dup.done"
		}
		s.renderDuplicates(w, r, pg, http.StatusOK, "")
	}
}

func (s *Server) renderDuplicates(w http.ResponseWriter, r *http.Request, pg *page, status int, errMsg string) {
	if s.deps.Similar == nil {
		s.renderError(w, r, http.StatusServiceUnavailable, "dup.unavailable")
		return
	}
	pg.Title = pg.T("dup.title")
	dp := &duplicatesPage{Threshold: s.deps.Similar.Threshold(), Error: errMsg, Page: 1}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 {
		dp.Page = n
	}
	groups, err := s.deps.Similar.Groups(r.Context())
	if err != nil {
		s.internalError(w, r, fmt.Errorf("web: duplicates: %w", err))
		return
	}
	skip := (dp.Page - 1) * groupsPerPage
	for _, ids := range groups {
		var recs []*archive.Record
		for _, id := range ids {
			rec, err := s.deps.Records.Get(id)
			if errors.Is(err, archive.ErrNotFound) {
				continue
			}
			if err != nil {
				s.internalError(w, r, fmt.Errorf("web: duplicates: %w", err))
				return
			}
			if rec.Status != archive.Withdrawn {
				recs = append(recs, rec)
			}
		}
		switch {
		case len(recs) < 2:
			continue
		case skip > 0:
			skip--
			continue
		case len(dp.Groups) == groupsPerPage:
			dp.Next = fmt.Sprintf("/duplicates?page=%d", dp.Page+1)
		default:
			dp.Groups = append(dp.Groups, s.dupGroup(len(dp.Groups)+1, recs, pg))
			continue
		}
		break
	}
	if dp.Page > 1 {
		dp.Prev = fmt.Sprintf("/duplicates?page=%d", dp.Page-1)
	}
	pg.Data = dp
	s.render(w, r, status, "duplicates", pg)
}

// dupGroup shows recs side by side; the one to keep is preselected: the
// best described, then the most pixels, then the largest file.
func (s *Server) dupGroup(n int, recs []*archive.Record, pg *page) dupGroup {
	g := dupGroup{N: n}
	best := 0
	rank := func(r *archive.Record) []int64 {
		filled, _ := completeness(r)
		return []int64{int64(filled), int64(r.Width) * int64(r.Height), r.Size}
	}
	for i, rec := range recs {
		if slices.Compare(rank(rec), rank(recs[best])) > 0 {
			best = i
		}
		it := dupItem{ID: rec.ID, URL: "/assets/" + rec.ID, Status: pg.T("status." + string(rec.Status))}
		it.Title, it.TitleLang = rec.DisplayTitle(pg.Lang)
		it.TitleLang = htmlLang(it.TitleLang)
		if _, ok := rec.Rendition("thumb"); ok {
			it.Thumb = renditionPath(rec.ID, "thumb")
		}
		it.Size = humanSize(rec.Size)
		if rec.Width > 0 {
			it.Size = fmt.Sprintf("%d×%d px, %s", rec.Width, rec.Height, it.Size)
		}
		if rec.CapturedAt != nil {
			it.Date = formatDate(*rec.CapturedAt, s.loc, pg.Lang) + " " + rec.CapturedAt.In(s.loc).Format("15:04")
		}
		if c := rec.Camera; c != nil {
			it.Camera = strings.TrimSpace(c.Make + " " + c.Model)
		}
		it.Filled, it.Fields = completeness(rec)
		g.Items = append(g.Items, it)
	}
	g.Items[best].Keep = true
	return g
}

// completeness counts the descriptive fields a record has filled, of
// those a published asset should have.
func completeness(r *archive.Record) (filled, of int) {
	for _, ok := range []bool{r.Title["vi"] != "", r.Title["en"] != "", r.Description["vi"] != "",
		len(r.Keywords) > 0, len(r.Categories) > 0, r.Place != nil, r.Creator != "", r.Credit != "",
		r.Rights != "", r.Licence != "", r.CapturedAt != nil} {
		if ok {
			filled++
		}
		of++
	}
	return filled, of
}

// pageDuplicatesPost keeps the asset the curator chose and withdraws the
// others of its group, after merging their descriptive metadata into it
// when asked (action=merge). Every change is an edit with its audit entry.
func (s *Server) pageDuplicatesPost() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		if s.deps.Editor == nil {
			s.renderError(w, r, http.StatusServiceUnavailable, "err.noedit")
			return
		}
		pg := s.newPage(w, r)
		keep, ids, action := r.PostForm.Get("keep"), r.PostForm["id"], r.PostForm.Get("action")
		if !archive.ValidID(keep) || !slices.Contains(ids, keep) || len(ids) < 2 || (action != "withdraw" && action != "merge") {
			s.renderDuplicates(w, r, pg, http.StatusBadRequest, pg.T("dup.bad"))
			return
		}
		var others []*archive.Record
		for _, id := range ids {
			if id == keep {
				continue
			}
			rec, err := s.recordFor(r.Context(), id)
			if err != nil {
				s.renderDuplicates(w, r, pg, http.StatusBadRequest, pg.T("dup.bad"))
				return
			}
			others = append(others, rec)
		}
		kept, err := s.recordFor(r.Context(), keep)
		if err != nil {
			s.renderDuplicates(w, r, pg, http.StatusBadRequest, pg.T("dup.bad"))
			return
		}
		fail := func(id string, err error) {
			code, msg, _ := problemFor(err)
			if code == http.StatusInternalServerError {
				s.internalError(w, r, fmt.Errorf("web: duplicates: %s: %w", id, err))
				return
			}
			s.renderDuplicates(w, r, pg, code, fmt.Sprintf("%s %s: %s", pg.T("dup.failed"), id[:12], msg))
		}
		// The pages are a client of the API: their edits go by the API path.
		if action == "merge" {
			if ed, ok := mergeEdit(kept, others); ok {
				if _, err := s.editAsset(r.Context(), kept.ID, ed, archive.ViaAPI); err != nil {
					fail(kept.ID, err)
					return
				}
			}
		}
		withdrawn := archive.Withdrawn
		for _, o := range others {
			if o.Status == archive.Withdrawn {
				continue
			}
			if _, err := s.editAsset(r.Context(), o.ID, curation.Edit{Status: &withdrawn}, archive.ViaAPI); err != nil {
				fail(o.ID, err)
				return
			}
		}
		s.log.InfoContext(r.Context(), "near-duplicates resolved", "kept", kept.ID, "withdrawn", len(others), "merge", action == "merge",
			"by", principalFrom(r.Context()).Name)
		http.Redirect(w, r, "/duplicates?done=1", http.StatusSeeOther)
	}
}

// recordFor returns the record id if the caller may see it.
func (s *Server) recordFor(ctx context.Context, id string) (*archive.Record, error) {
	if !archive.ValidID(id) {
		return nil, archive.ErrBadID
	}
	rec, err := s.deps.Records.Get(id)
	if err != nil {
		return nil, err
	}
	if !visibleTo(principalFrom(ctx), rec, s.now()) {
		return nil, archive.ErrNotFound
	}
	return rec, nil
}

// mergeEdit fills what kept lacks from the others, in their order: titles
// and descriptions per language, place, rights, agency and capture time
// where kept has none; keywords and categories are the union. ok is false
// when there is nothing to add.
func mergeEdit(kept *archive.Record, others []*archive.Record) (ed curation.Edit, ok bool) {
	texts := func(have map[string]string, pick func(*archive.Record) map[string]string) map[string]string {
		var add map[string]string
		for _, o := range others {
			for lang, v := range pick(o) {
				if v != "" && have[lang] == "" && add[lang] == "" {
					if add == nil {
						add = map[string]string{}
					}
					add[lang] = v
				}
			}
		}
		return add
	}
	ed.Title = texts(kept.Title, func(r *archive.Record) map[string]string { return r.Title })
	ed.Description = texts(kept.Description, func(r *archive.Record) map[string]string { return r.Description })
	str := func(have string, pick func(*archive.Record) string) *string {
		if have != "" {
			return nil
		}
		for _, o := range others {
			if v := pick(o); v != "" {
				return &v
			}
		}
		return nil
	}
	ed.Creator = str(kept.Creator, func(r *archive.Record) string { return r.Creator })
	ed.Credit = str(kept.Credit, func(r *archive.Record) string { return r.Credit })
	ed.Rights = str(kept.Rights, func(r *archive.Record) string { return r.Rights })
	ed.Licence = str(kept.Licence, func(r *archive.Record) string { return r.Licence })
	ed.Agency = str(kept.Agency, func(r *archive.Record) string { return r.Agency })
	if kept.Place == nil {
		ed.Place = str("", func(r *archive.Record) string {
			if r.Place == nil {
				return ""
			}
			return r.Place.Code
		})
	}
	for _, o := range others {
		for _, k := range o.Keywords {
			if !slices.Contains(kept.Keywords, k) && !slices.Contains(ed.AddKeywords, k) {
				ed.AddKeywords = append(ed.AddKeywords, k)
			}
		}
	}
	cats := slices.Clone(kept.Categories)
	for _, o := range others {
		for _, c := range o.Categories {
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
	}
	if len(cats) > len(kept.Categories) {
		ed.Categories = &cats
	}
	if kept.CapturedAt == nil {
		for _, o := range others {
			if o.CapturedAt != nil {
				ed.CapturedAt = o.CapturedAt
				break
			}
		}
	}
	ok = ed.Title != nil || ed.Description != nil || ed.Creator != nil || ed.Credit != nil || ed.Rights != nil ||
		ed.Licence != nil || ed.Agency != nil || ed.Place != nil || ed.AddKeywords != nil || ed.Categories != nil || ed.CapturedAt != nil
	return ed, ok
}
