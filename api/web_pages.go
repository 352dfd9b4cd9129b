package api

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/archive/media"
)

type assetPage struct {
	ID           string
	Title        string
	TitleLang    string
	Description  string
	DescLang     string
	Preview      string
	Attribution  string
	Fields       []field
	Downloads    []download
	Lat, Lon     string
	MapURL       string
	History      []historyRow
	CanEdit      bool
	EditURL      string
	ShowHistory  bool
	HistoryError bool
	// LD is the page's schema.org JSON-LD (jsonld.go).
	LD *assetLD
}

type field struct{ Label, Value string }

type download struct{ Label, URL string }

// pageRecord returns the asset the path names if the caller may see it;
// otherwise it has answered 404 (missing and hidden alike) and returns nil.
func (s *Server) pageRecord(w http.ResponseWriter, r *http.Request) *archive.Record {
	id := r.PathValue("id")
	if !archive.ValidID(id) {
		s.renderError(w, r, http.StatusNotFound, "err.notfound")
		return nil
	}
	rec, err := s.deps.Records.Get(id)
	if errors.Is(err, archive.ErrNotFound) || err == nil && !visibleTo(principalFrom(r.Context()), rec, s.now()) {
		s.renderError(w, r, http.StatusNotFound, "err.notfound")
		return nil
	}
	if err != nil {
		s.internalError(w, r, fmt.Errorf("web: record %s: %w", id, err))
		return nil
	}
	return rec
}

func (s *Server) pageAsset() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := s.pageRecord(w, r)
		if rec == nil {
			return
		}
		pg := s.newPage(w, r)
		p := principalFrom(r.Context())
		ap := &assetPage{ID: rec.ID, Attribution: attribution(rec), CanEdit: p.canIngest(), EditURL: "/assets/" + rec.ID + "/edit"}
		ap.Title, ap.TitleLang = rec.DisplayTitle(pg.Lang)
		ap.Description, ap.DescLang = archive.PickLang(rec.Description, []string{pg.Lang})
		ap.TitleLang, ap.DescLang = htmlLang(ap.TitleLang), htmlLang(ap.DescLang)
		pg.Title = ap.Title
		if r.URL.Query().Get("saved") == "1" {
			pg.Notice = "edit.saved"
		}
		for _, rd := range rec.Renditions {
			if slices.Contains(archive.RenditionNames(), rd.Name) {
				label := fmt.Sprintf("%s (%d×%d)", pg.T("download."+rd.Name), rd.Width, rd.Height)
				ap.Downloads = append(ap.Downloads, download{label, renditionPath(rec.ID, rd.Name)})
			}
		}
		// The page shows the largest rendition the record has.
		for _, name := range slices.Backward(archive.RenditionNames()) {
			if _, ok := rec.Rendition(name); ok && ap.Preview == "" {
				ap.Preview = renditionPath(rec.ID, name)
			}
		}
		if p.canDownloadOriginals() {
			ap.Downloads = append(ap.Downloads, download{fmt.Sprintf("%s (%s)", pg.T("download.original"), humanSize(rec.Size)),
				assetPath(rec.ID) + "/original"})
		}
		ap.Fields = s.assetFields(rec, pg, p)
		if g := rec.GPS; g != nil {
			ap.Lat, ap.Lon = strconv.FormatFloat(g.Lat, 'f', 6, 64), strconv.FormatFloat(g.Lon, 'f', 6, 64)
			ap.MapURL = fmt.Sprintf("https://www.openstreetmap.org/?mlat=%s&mlon=%s#map=15/%s/%s", ap.Lat, ap.Lon, ap.Lat, ap.Lon)
		}
		if p.canIngest() && s.deps.Editor != nil {
			ap.ShowHistory = true
			entries, err := s.deps.Editor.History(rec.ID)
			if err != nil {
				s.log.WarnContext(r.Context(), "history for the asset page", "id", rec.ID, "err", err)
				ap.HistoryError = true
			}
			ap.History = s.historyRows(entries, pg)
		}
		ap.LD = newAssetLD(origin(r), rec, ap, p)
		pg.Data = ap
		s.render(w, r, http.StatusOK, "asset", pg)
	}
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// dateField names a record's date for what it is: a file's modification
// time is the file date, not a capture time; a publication's date is when
// it was published, a video's when it was recorded.
func dateField(rec *archive.Record) string {
	switch {
	case rec.CaptureTime() == nil:
		return "field.filedate"
	case rec.Kind == media.KindPublication:
		return "field.published"
	case rec.Kind == media.KindVideo:
		return "field.recorded"
	}
	return "field.captured"
}

// assetFields lists the metadata shown, in the page's language.
func (s *Server) assetFields(rec *archive.Record, pg *page, p Principal) []field {
	var out []field
	add := func(key, v string) {
		if strings.TrimSpace(v) != "" {
			out = append(out, field{pg.T(key), v})
		}
	}
	add("field.kind", pg.T("kind."+string(rec.Kind)))
	if rec.CapturedAt != nil {
		add(dateField(rec), formatDate(*rec.CapturedAt, s.loc, pg.Lang)+" "+rec.CapturedAt.In(s.loc).Format("15:04"))
	}
	if rec.Place != nil {
		add("field.place", s.placeLabel(rec.Place.Code, rec.Place.Name, pg.Lang))
	}
	add("field.categories", strings.Join(s.categoryLabels(rec.Categories, pg.Lang), "; "))
	add("field.keywords", strings.Join(rec.Keywords, "; "))
	add("field.creator", rec.Creator)
	add("field.credit", rec.Credit)
	add("field.rights", rec.Rights)
	add("field.licence", licenceLabel(rec.Licence))
	if rec.Width > 0 && rec.Height > 0 {
		add("field.size", fmt.Sprintf("%d×%d px, %s", rec.Width, rec.Height, humanSize(rec.Size)))
	}
	if c := rec.Camera; c != nil {
		add("field.camera", c.Name())
	}
	add("field.agency", rec.Agency)
	if !p.Anonymous() {
		add("field.visibility", pg.T("vis."+string(rec.Visibility)))
	}
	if p.canIngest() {
		add("field.status", pg.T("status."+string(rec.Status)))
		for _, d := range releaseDates(rec) {
			if d.at != nil {
				add("field."+d.name, formatDate(*d.at, s.loc, pg.Lang)+" "+d.at.In(s.loc).Format("15:04"))
			}
		}
		add("field.file", rec.SourcePath)
	}
	return out
}

// placeLabel names a gazetteer unit in lang: its taxonomy name, else
// fallback (a record's stored name, or the code).
func (s *Server) placeLabel(code, fallback, lang string) string {
	if u, ok := s.deps.Taxonomy.Place(code); ok {
		return taxLabel(u.VI, u.EN, lang)
	}
	return fallback
}

// categoryLabels names category codes in lang; an unknown code is shown
// as is.
func (s *Server) categoryLabels(codes []string, lang string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if cat, ok := s.deps.Taxonomy.Category(c); ok {
			out = append(out, taxLabel(cat.VI, cat.EN, lang))
		} else {
			out = append(out, c)
		}
	}
	return out
}

// editForm is the curator's form, filled from the record or from a post
// that failed.
type editForm struct {
	ID, Title    string
	Updated      string
	Langs        []langFields
	Keywords     string
	Categories   []option
	Places       []option
	Creator      string
	Credit       string
	Rights       string
	Licence      string
	Visibilities []option
	Statuses     []option
	Release      []dateInput
	Zone         string
	Error        string
	Cancel       string
}

// dateInput is a date and time input of the form, in the archive's zone.
type dateInput struct{ Name, Label, Value string }

// formTimeLayout is how a datetime-local input writes a time.
const formTimeLayout = "2006-01-02T15:04"

// releaseDates are the release-window fields of the form, by their names
// in the form and in curation.Edit, with the record's values.
func releaseDates(rec *archive.Record) []struct {
	name string
	at   *time.Time
} {
	return []struct {
		name string
		at   *time.Time
	}{{"publish_at", rec.PublishAt}, {"unpublish_at", rec.UnpublishAt}, {"rights_expire_at", rec.RightsExpireAt}}
}

// formTime is t as the form shows it in loc, "" for none.
func formTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format(formTimeLayout)
}

// langFields are one language's title and description in the form. The
// texts of no stated language (x-default) can be moved to a language.
type langFields struct {
	Tag, HTMLLang, Name, Title, Description string
	Unstated                                bool
	MoveTo                                  []option
}

// moveField is the form field that names the language the texts of no
// stated language move to.
const moveField = "move.x-default"

func (s *Server) pageEdit() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		rec := s.pageRecord(w, r)
		if rec == nil {
			return
		}
		pg := s.newPage(w, r)
		pg.Data = s.editForm(rec, pg, nil)
		pg.Title = pg.T("edit.title")
		s.render(w, r, http.StatusOK, "edit", pg)
	}
}

// editLangs are the languages the form offers: the five of
// archive.TextLanguages, then any other the record has, sorted, and last
// x-default when the record has text in no stated language.
func editLangs(rec *archive.Record) []string {
	langs := archive.TextLanguages()
	n, unstated := len(langs), false
	for _, m := range []map[string]string{rec.Title, rec.Description} {
		for k := range m {
			switch {
			case k == media.XDefault:
				unstated = true
			case !slices.Contains(langs, k):
				langs = append(langs, k)
			}
		}
	}
	slices.Sort(langs[n:])
	if unstated {
		langs = append(langs, media.XDefault)
	}
	return langs
}

// langName is a language's name in the page's language: the five of
// archive.TextLanguages by name, x-default as "language not stated", any
// other by its tag.
func langName(pg *page, tag string) string {
	if k := "lang." + tag; pg.T(k) != k {
		return pg.T(k)
	}
	return tag
}

func (s *Server) editForm(rec *archive.Record, pg *page, posted url.Values) *editForm {
	get := func(name, def string) string {
		if posted != nil {
			return posted.Get(name)
		}
		return def
	}
	f := &editForm{ID: rec.ID, Updated: strconv.FormatInt(rec.UpdatedAt.UnixNano(), 10), Cancel: "/assets/" + rec.ID}
	f.Title, _ = rec.DisplayTitle(pg.Lang)
	for _, l := range editLangs(rec) {
		lf := langFields{Tag: l, HTMLLang: htmlLang(l), Name: langName(pg, l),
			Title: get("title."+l, rec.Title[l]), Description: get("description."+l, rec.Description[l])}
		if l == media.XDefault {
			lf.Unstated = true
			move := get(moveField, "")
			lf.MoveTo = append(lf.MoveTo, option{"", pg.T("edit.keep"), move == ""})
			for _, to := range archive.TextLanguages() {
				lf.MoveTo = append(lf.MoveTo, option{to, langName(pg, to), move == to})
			}
		}
		f.Langs = append(f.Langs, lf)
	}
	f.Keywords = get("keywords", strings.Join(rec.Keywords, "; "))
	cats := rec.Categories
	if posted != nil {
		cats = posted["category"]
	}
	for _, c := range s.deps.Taxonomy.Categories {
		f.Categories = append(f.Categories, option{c.Code, taxLabel(c.VI, c.EN, pg.Lang), slices.Contains(cats, c.Code)})
	}
	place := ""
	if rec.Place != nil {
		place = rec.Place.Code
	}
	place = get("place", place)
	f.Places = append(f.Places, option{"", pg.T("edit.noplace"), place == ""})
	for _, u := range s.deps.Taxonomy.Places {
		label := taxLabel(u.VI, u.EN, pg.Lang)
		if u.ValidTo != "" {
			label += " (→ " + u.ValidTo + ")"
		}
		f.Places = append(f.Places, option{u.Code, label, u.Code == place})
	}
	f.Creator, f.Credit = get("creator", rec.Creator), get("credit", rec.Credit)
	f.Rights, f.Licence = get("rights", rec.Rights), get("licence", rec.Licence)
	vis := get("visibility", string(rec.Visibility))
	for _, v := range []archive.Visibility{archive.Public, archive.Internal} {
		f.Visibilities = append(f.Visibilities, option{string(v), pg.T("vis." + string(v)), string(v) == vis})
	}
	st := get("status", string(rec.Status))
	for _, v := range []archive.Status{archive.Draft, archive.Review, archive.Published, archive.Withdrawn} {
		f.Statuses = append(f.Statuses, option{string(v), pg.T("status." + string(v)), string(v) == st})
	}
	for _, d := range releaseDates(rec) {
		f.Release = append(f.Release, dateInput{d.name, pg.T("field." + d.name), get(d.name, formTime(d.at, s.loc))})
	}
	f.Zone = s.loc.String()
	return f
}

// formEdit turns the posted form into an curation.Edit of the fields that
// differ from rec, so the audit trail records only real changes. Dates are
// read in loc, the archive's zone. A move of the texts of no stated
// language to a language is refused (a label key) when that language has
// its own text already.
func formEdit(rec *archive.Record, v url.Values, loc *time.Location) (curation.Edit, string) {
	var ed curation.Edit
	if to := v.Get(moveField); to != "" {
		if !slices.Contains(archive.TextLanguages(), to) {
			return ed, "edit.movebad"
		}
		for _, field := range []string{"title.", "description."} {
			text := strings.TrimSpace(v.Get(field + media.XDefault))
			if text == "" {
				continue
			}
			if strings.TrimSpace(v.Get(field+to)) != "" {
				return ed, "edit.movetaken"
			}
			v.Set(field+to, text)
			v.Set(field+media.XDefault, "")
		}
	}
	for _, l := range editLangs(rec) {
		if t, ok := v["title."+l]; ok && strings.TrimSpace(t[0]) != strings.TrimSpace(rec.Title[l]) {
			if ed.Title == nil {
				ed.Title = map[string]string{}
			}
			ed.Title[l] = t[0]
		}
		if d, ok := v["description."+l]; ok && strings.TrimSpace(d[0]) != strings.TrimSpace(rec.Description[l]) {
			if ed.Description == nil {
				ed.Description = map[string]string{}
			}
			ed.Description[l] = d[0]
		}
	}
	if _, ok := v["keywords"]; ok {
		var kws []string
		for _, k := range strings.FieldsFunc(v.Get("keywords"), func(r rune) bool { return r == ';' || r == '\n' }) {
			if k = strings.TrimSpace(k); k != "" {
				kws = append(kws, k)
			}
		}
		if !slices.Equal(kws, rec.Keywords) {
			ed.Keywords = &kws
		}
	}
	cats := v["category"]
	if cats == nil {
		cats = []string{}
	}
	if !slices.Equal(slices.Sorted(slices.Values(cats)), slices.Sorted(slices.Values(rec.Categories))) {
		ed.Categories = &cats
	}
	if _, ok := v["place"]; ok {
		cur := ""
		if rec.Place != nil {
			cur = rec.Place.Code
		}
		if p := v.Get("place"); p != cur {
			ed.Place = &p
		}
	}
	str := func(name, cur string, dst **string) {
		if _, ok := v[name]; ok && strings.TrimSpace(v.Get(name)) != cur {
			x := v.Get(name)
			*dst = &x
		}
	}
	str("creator", rec.Creator, &ed.Creator)
	str("credit", rec.Credit, &ed.Credit)
	str("rights", rec.Rights, &ed.Rights)
	str("licence", rec.Licence, &ed.Licence)
	if x := archive.Visibility(v.Get("visibility")); x != "" && x != rec.Visibility {
		ed.Visibility = &x
	}
	if x := archive.Status(v.Get("status")); x != "" && x != rec.Status {
		ed.Status = &x
	}
	dates := map[string]**string{"publish_at": &ed.PublishAt, "unpublish_at": &ed.UnpublishAt, "rights_expire_at": &ed.RightsExpireAt}
	for _, d := range releaseDates(rec) {
		if _, ok := v[d.name]; ok && strings.TrimSpace(v.Get(d.name)) != formTime(d.at, loc) {
			x := strings.TrimSpace(v.Get(d.name))
			*dates[d.name] = &x
		}
	}
	return ed, ""
}

func (s *Server) pageEditPost() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		if s.deps.Editor == nil {
			s.renderError(w, r, http.StatusServiceUnavailable, "err.noedit")
			return
		}
		rec := s.pageRecord(w, r)
		if rec == nil {
			return
		}
		pg := s.newPage(w, r)
		pg.Title = pg.T("edit.title")
		fail := func(status int, msg string) {
			f := s.editForm(rec, pg, r.PostForm)
			f.Error = msg
			pg.Data = f
			s.render(w, r, status, "edit", pg)
		}
		if r.PostForm.Get("updated") != strconv.FormatInt(rec.UpdatedAt.UnixNano(), 10) {
			pg.Data = s.editForm(rec, pg, nil)
			pg.Data.(*editForm).Error = pg.T("edit.conflict")
			s.render(w, r, http.StatusConflict, "edit", pg)
			return
		}
		p := principalFrom(r.Context())
		ed, refused := formEdit(rec, maps.Clone(r.PostForm), s.loc)
		if refused != "" {
			fail(http.StatusUnprocessableEntity, pg.T(refused))
			return
		}
		_, err := s.editAsset(r.Context(), rec.ID, ed, archive.ViaWeb)
		switch code, msg, _ := problemFor(err); {
		case err == nil:
		case code == http.StatusNotFound:
			s.renderError(w, r, http.StatusNotFound, "err.notfound")
			return
		case code == http.StatusInternalServerError:
			s.internalError(w, r, fmt.Errorf("web: edit %s: %w", rec.ID, err))
			return
		default:
			fail(code, editRefusal(pg, err, msg))
			return
		}
		s.log.InfoContext(r.Context(), "asset edited in the web pages", "id", rec.ID, "by", p.Name)
		http.Redirect(w, r, "/assets/"+rec.ID+"?saved=1", http.StatusSeeOther)
	}
}

type ingestPage struct {
	Paths        string
	Statuses     []option
	Visibilities []option
	Error        string
	UploadAction string
}

func (s *Server) ingestPage(pg *page, paths, status, vis, errMsg string) *ingestPage {
	ip := &ingestPage{Paths: paths, Error: errMsg, UploadAction: uploadPagePath + "?" + url.Values{"csrf": {pg.CSRF}}.Encode()}
	for _, v := range []archive.Status{archive.Draft, archive.Review, archive.Published} {
		ip.Statuses = append(ip.Statuses, option{string(v), pg.T("status." + string(v)), string(v) == status})
	}
	for _, v := range []archive.Visibility{archive.Public, archive.Internal} {
		ip.Visibilities = append(ip.Visibilities, option{string(v), pg.T("vis." + string(v)), string(v) == vis})
	}
	return ip
}

func (s *Server) pageIngest() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		pg := s.newPage(w, r)
		pg.Title = pg.T("ingest.title")
		pg.Data = s.ingestPage(pg, "", "draft", "public", "")
		s.render(w, r, http.StatusOK, "ingest", pg)
	}
}

// pageIngestPaths queues folders on the server as POST /v1/ingest does.
func (s *Server) pageIngestPaths() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		var paths []string
		for _, l := range strings.Split(r.PostForm.Get("paths"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				paths = append(paths, l)
			}
		}
		status, vis := r.PostForm.Get("status"), r.PostForm.Get("visibility")
		j, err := s.pathsJob(principalFrom(r.Context()), IngestRequest{Paths: paths, Status: status, Visibility: vis})
		s.pageQueueIngest(w, r, j, err, r.PostForm.Get("paths"), status, vis)
	}
}

// pageIngestUpload queues the upload form as POST /v1/ingest does.
func (s *Server) pageIngestUpload() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		j, err := s.uploadJob(r)
		s.pageQueueIngest(w, r, j, err, "", "draft", "public")
	}
}

// pageQueueIngest queues j (unless err already refused it) and answers the
// page: to the job's page when queued, the form with the reason otherwise.
func (s *Server) pageQueueIngest(w http.ResponseWriter, r *http.Request, j *job, err error, paths, status, vis string) {
	var snap *Job
	if err == nil {
		snap, err = s.queueIngest(r.Context(), j)
	}
	if err == nil {
		http.Redirect(w, r, "/jobs/"+url.PathEscape(snap.ID), http.StatusSeeOther)
		return
	}
	code, msg, _ := problemFor(err)
	if code == http.StatusInternalServerError {
		s.internalError(w, r, fmt.Errorf("web: ingest: %w", err))
		return
	}
	pg := s.newPage(w, r)
	pg.Title = pg.T("ingest.title")
	pg.Data = s.ingestPage(pg, paths, status, vis, pg.Reason(msg))
	s.render(w, r, code, "ingest", pg)
}

type jobPage struct {
	Job      *Job
	Percent  int
	Finished bool
	API      string
}

func (s *Server) pageJob() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		j, ok, err := s.jobs.get(r.PathValue("id"), 0)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if !ok {
			s.renderError(w, r, http.StatusNotFound, "err.notfound")
			return
		}
		pg := s.newPage(w, r)
		pg.Title = pg.T("job.title")
		if j.Kind != KindIngest {
			pg.Title = pg.T("job.title." + j.Kind)
		}
		jp := &jobPage{Job: j, Finished: j.Finished(), API: "/v1/jobs/" + url.PathEscape(j.ID)}
		if j.Progress.FilesTotal > 0 {
			jp.Percent = 100 * j.Progress.FilesDone / j.Progress.FilesTotal
		}
		if jp.Finished {
			jp.Percent = 100
		}
		pg.Data = jp
		s.render(w, r, http.StatusOK, "job", pg)
	}
}

// pageJobResume resumes an interrupted job as POST /v1/jobs/{id}/resume
// does and shows it.
func (s *Server) pageJobResume() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needCurator(w, r) {
			return
		}
		j, err := s.jobs.resume(r.PathValue("id"))
		if err != nil {
			status, detail, _ := problemFor(err)
			if status == http.StatusInternalServerError {
				s.internalError(w, r, err)
				return
			}
			s.renderError(w, r, status, "err.resume", detail)
			return
		}
		http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID), http.StatusSeeOther)
	}
}

type signinPage struct {
	Next  string
	Error bool
}

func (s *Server) pageSignin() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg := s.newPage(w, r)
		pg.Title = pg.T("signin.title")
		pg.Data = &signinPage{Next: localPath(r.URL.Query().Get("next"))}
		s.render(w, r, http.StatusOK, "signin", pg)
	}
}

// pageSigninPost checks the key and keeps it in the session cookie.
func (s *Server) pageSigninPost() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.PostForm.Get("key"))
		next := localPath(r.PostForm.Get("next"))
		var id string
		p, err := Principal{}, errBadAuth
		if s.deps.Keys != nil {
			var k keys.APIKey
			id, k, err = s.deps.Keys.StartSession(key, s.now(), sessionTTL)
			p, err = keyPrincipal(k, err)
		}
		if err != nil && !errors.Is(err, errBadAuth) {
			s.internalError(w, r, err)
			return
		}
		if err != nil {
			s.log.InfoContext(r.Context(), "web sign-in refused", "client", clientIP(r))
			pg := s.newPage(w, r)
			pg.Title = pg.T("signin.title")
			pg.Data = &signinPage{Next: next, Error: true}
			s.render(w, r, http.StatusUnauthorized, "signin", pg)
			return
		}
		http.SetCookie(w, sessionCookie(r, id, int(sessionTTL/time.Second)))
		s.log.InfoContext(r.Context(), "web sign-in", "key", p.KeyID, "role", p.Role)
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

func (s *Server) pageSignout() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(sessionCookieName); err == nil && s.deps.Keys != nil {
			if err := s.deps.Keys.EndSession(c.Value); err != nil {
				s.internalError(w, r, err)
				return
			}
		}
		http.SetCookie(w, sessionCookie(r, "", -1))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}
