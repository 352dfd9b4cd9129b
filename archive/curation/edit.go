package curation

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"golang.org/x/text/language"
)

// Errors of editing. Match them with errors.Is; a *FieldError (errors.As)
// names the field.
var (
	// ErrInvalidEdit is wrapped by every *FieldError: the edit was refused
	// and nothing was written.
	ErrInvalidEdit = errors.New("curation: invalid edit")
	// ErrTransition is a status change the workflow does not allow.
	ErrTransition = errors.New("curation: status change not allowed")
	// ErrNeedsVietnamese refuses a published record without a Vietnamese
	// title: archive.CheckPublishable's error.
	ErrNeedsVietnamese = archive.ErrNeedsVietnamese
)

// FieldError is a refused change of one field. Field is named as in the
// audit log ("title.en", "place", "status").
type FieldError struct {
	Field string
	Msg   string
	Err   error // a more specific sentinel (ErrTransition, ErrNeedsVietnamese), or nil
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("archive: invalid edit of %s: %s", e.Field, e.Msg)
}

// Unwrap gives ErrInvalidEdit and the specific sentinel, if any.
func (e *FieldError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidEdit, e.Err}
	}
	return []error{ErrInvalidEdit}
}

// clearValue in a CSV cell (import-metadata) clears the field; an empty
// cell leaves it unchanged.
const clearValue = "-"

// Edit is a set of field changes. Nil pointers and absent map keys leave a
// field unchanged; a pointer to "" (or an empty slice) clears it; a map
// entry with "" removes that language. Text is stored NFC and trimmed.
type Edit struct {
	Title       map[string]string `json:"title,omitempty"`       // language tag → text
	Description map[string]string `json:"description,omitempty"` // language tag → text
	// Keywords replaces the list; AddKeywords and RemoveKeywords then apply.
	Keywords       *[]string           `json:"keywords,omitempty"`
	AddKeywords    []string            `json:"add_keywords,omitempty"`
	RemoveKeywords []string            `json:"remove_keywords,omitempty"`
	Categories     *[]string           `json:"categories,omitempty"` // replaces the list
	Place          *string             `json:"place,omitempty"`      // gazetteer code
	Creator        *string             `json:"creator,omitempty"`
	Credit         *string             `json:"credit,omitempty"`
	Rights         *string             `json:"rights,omitempty"`
	Licence        *string             `json:"licence,omitempty"`
	Agency         *string             `json:"agency,omitempty"`
	Visibility     *archive.Visibility `json:"visibility,omitempty"`
	Status         *archive.Status     `json:"status,omitempty"`
	CapturedAt     *time.Time          `json:"captured_at,omitempty"`
	// CapturedAtInferred says CapturedAt was a wall-clock time read in the
	// archive's zone.
	CapturedAtInferred bool `json:"-"`
	// LangStatus sets languages' review state: draft or reviewed.
	LangStatus map[string]string `json:"lang_status,omitempty"`
	// PublishAt, UnpublishAt and RightsExpireAt set the release window
	// (archive.Released): RFC 3339, or "2006-01-02[ 15:04[:05]]" in the
	// archive's time zone; "" clears.
	PublishAt      *string `json:"publish_at,omitempty"`
	UnpublishAt    *string `json:"unpublish_at,omitempty"`
	RightsExpireAt *string `json:"rights_expire_at,omitempty"`
}

// releaseFields are the Edit's release-window fields by their audit and
// CSV names, with the record field each sets.
func (ed *Edit) releaseFields(r *archive.Record) []struct {
	name string
	val  **string
	dst  **time.Time
} {
	return []struct {
		name string
		val  **string
		dst  **time.Time
	}{
		{"publish_at", &ed.PublishAt, &r.PublishAt},
		{"unpublish_at", &ed.UnpublishAt, &r.UnpublishAt},
		{"rights_expire_at", &ed.RightsExpireAt, &r.RightsExpireAt},
	}
}

// ParseLangTag canonicalises a BCP 47 language tag ("zh-hant" → "zh-Hant");
// "x-default" (language unknown) is kept as is.
func ParseLangTag(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "x-default") {
		return "x-default", nil
	}
	if s == "" {
		return "", errors.New("empty language tag")
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a BCP 47 language tag", s)
	}
	return t.String(), nil
}

// normalize validates ed against the taxonomy and the value sets, and
// returns it with canonical language tags, NFC text, de-duplicated lists
// and release dates as RFC 3339 in loc. It is the one validation of field
// values: metadata.csv at ingest, `archive edit`, import-metadata and the
// API all go through it.
func (ed Edit) normalize(tax *archive.Taxonomy, loc *time.Location) (Edit, error) {
	if err := ed.checkLimits(); err != nil {
		return ed, err
	}
	out := ed
	var err error
	var window archive.Record // the dates ed gives, to check their order
	for _, f := range out.releaseFields(&window) {
		if *f.val == nil || **f.val == "" {
			continue
		}
		t, _, err := parseCuratorTime(cleanText(**f.val), loc)
		if err != nil {
			return ed, &FieldError{Field: f.name, Msg: err.Error()}
		}
		v := t.In(loc).Format(time.RFC3339)
		*f.val, *f.dst = &v, &t
	}
	if err := checkWindow(&window); err != nil {
		return ed, err
	}
	if out.Title, err = normLangText("title", ed.Title); err != nil {
		return ed, err
	}
	if out.Description, err = normLangText("description", ed.Description); err != nil {
		return ed, err
	}
	list := func(p *[]string) *[]string {
		if p == nil {
			return nil
		}
		l := cleanList(*p)
		return &l
	}
	out.Keywords = list(ed.Keywords)
	out.AddKeywords = cleanList(ed.AddKeywords)
	out.RemoveKeywords = cleanList(ed.RemoveKeywords)
	if out.Categories = list(ed.Categories); out.Categories != nil {
		for _, c := range *out.Categories {
			if err := tax.CheckCategory(c); err != nil {
				return ed, &FieldError{Field: "categories", Msg: err.Error()}
			}
		}
	}
	str := func(p *string) *string {
		if p == nil {
			return nil
		}
		s := cleanText(*p)
		return &s
	}
	out.Creator, out.Credit, out.Rights = str(ed.Creator), str(ed.Credit), str(ed.Rights)
	out.Licence, out.Agency = str(ed.Licence), str(ed.Agency)
	if out.Place = str(ed.Place); out.Place != nil && *out.Place != "" {
		if err := tax.CheckPlace(*out.Place); err != nil {
			return ed, &FieldError{Field: "place", Msg: err.Error()}
		}
	}
	if ed.Visibility != nil {
		v, err := archive.ParseVisibility(string(*ed.Visibility))
		if err == nil && v == "" {
			err = errors.New("visibility cannot be cleared (public or internal)")
		}
		if err != nil {
			return ed, &FieldError{Field: "visibility", Msg: err.Error()}
		}
		out.Visibility = &v
	}
	if ed.Status != nil {
		s, err := archive.ParseStatus(string(*ed.Status))
		if err == nil && s == "" {
			err = errors.New("status cannot be cleared (draft, review, published or withdrawn)")
		}
		if err != nil {
			return ed, &FieldError{Field: "status", Msg: err.Error()}
		}
		out.Status = &s
	}
	if ed.LangStatus != nil {
		out.LangStatus = map[string]string{}
		for lang, st := range ed.LangStatus {
			tag, err := ParseLangTag(lang)
			if err != nil {
				return ed, &FieldError{Field: "lang_status", Msg: err.Error()}
			}
			st = strings.ToLower(strings.TrimSpace(st))
			if st != archive.LangDraft && st != archive.LangReviewed {
				return ed, &FieldError{Field: "lang_status." + tag, Msg: fmt.Sprintf("%q is not draft or reviewed", st)}
			}
			out.LangStatus[tag] = st
		}
	}
	return out, nil
}

func normLangText(field string, m map[string]string) (map[string]string, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for lang, v := range m {
		tag, err := ParseLangTag(lang)
		if err != nil {
			return nil, &FieldError{Field: field, Msg: err.Error()}
		}
		if _, dup := out[tag]; dup {
			return nil, &FieldError{Field: field + "." + tag, Msg: "language given twice"}
		}
		out[tag] = cleanText(v)
	}
	return out, nil
}

// cleanList is a list of NFC, trimmed, non-empty, distinct values, never nil.
func cleanList(l []string) []string {
	out := []string{}
	for _, v := range l {
		if v = cleanText(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// statusMoves are the workflow's allowed status changes: draft → review →
// published → withdrawn, back to draft from review or withdrawn, and
// withdrawn from anywhere (a duplicate or an unusable draft is set aside).
// Anything else (draft → published, withdrawn → published) goes the long way.
func statusMoves() map[archive.Status][]archive.Status {
	return map[archive.Status][]archive.Status{
		archive.Draft:     {archive.Review, archive.Withdrawn},
		archive.Review:    {archive.Published, archive.Draft, archive.Withdrawn},
		archive.Published: {archive.Withdrawn},
		archive.Withdrawn: {archive.Draft},
	}
}

// applyEdit applies a normalized edit to r and returns what changed, or a
// *FieldError leaving r in an unspecified state (callers work on a copy).
// Each descriptive field it changes is marked "curator" in the provenance
// (removed when the field is cleared); status, visibility and review states
// are workflow, recorded in the audit log only.
func applyEdit(r *archive.Record, ed Edit, tax *archive.Taxonomy) ([]archive.FieldChange, error) {
	const cur = "curator"
	var ch []archive.FieldChange
	viBefore := r.Title["vi"] != ""
	if r.Provenance == nil {
		r.Provenance = map[string]string{}
	}
	mark := func(field string, cleared bool) {
		if cleared {
			delete(r.Provenance, field)
		} else {
			r.Provenance[field] = cur
		}
	}
	textChanged := map[string]bool{}
	setText := func(field string, dst *map[string]string, src map[string]string) {
		for _, lang := range slices.Sorted(maps.Keys(src)) {
			v, old := src[lang], (*dst)[lang]
			if v == old {
				continue
			}
			if *dst == nil {
				*dst = map[string]string{}
			}
			if v == "" {
				delete(*dst, lang)
			} else {
				(*dst)[lang] = v
			}
			ch = append(ch, archive.FieldChange{Field: field + "." + lang, Old: nullIfEmpty(old), New: nullIfEmpty(v)})
			mark(field+"."+lang, v == "")
			textChanged[lang] = true
		}
	}
	setText("title", &r.Title, ed.Title)
	setText("description", &r.Description, ed.Description)

	setList := func(field string, dst *[]string, v []string) {
		if !slices.Equal(*dst, v) && (len(*dst) > 0 || len(v) > 0) {
			ch = append(ch, archive.FieldChange{Field: field, Old: slices.Clone(*dst), New: v})
			*dst = v
			mark(field, len(v) == 0)
		}
	}
	kw := slices.Clone(r.Keywords)
	if ed.Keywords != nil {
		kw = slices.Clone(*ed.Keywords)
	}
	for _, k := range ed.AddKeywords {
		if !slices.Contains(kw, k) {
			kw = append(kw, k)
		}
	}
	kw = slices.DeleteFunc(kw, func(k string) bool { return slices.Contains(ed.RemoveKeywords, k) })
	if err := checkKeywordCount(kw, len(r.Keywords)); err != nil {
		return nil, err
	}
	setList("keywords", &r.Keywords, kw)
	if ed.Categories != nil {
		setList("categories", &r.Categories, *ed.Categories)
	}

	if ed.Place != nil {
		old := ""
		if r.Place != nil {
			old = r.Place.Code
		}
		if code := *ed.Place; code != old {
			r.Place = nil
			if code != "" {
				u, _ := tax.Place(code)
				r.Place = &archive.Place{Code: code, Name: u.VI}
			}
			ch = append(ch, archive.FieldChange{Field: "place", Old: nullIfEmpty(old), New: nullIfEmpty(code)})
			mark("place", code == "")
		}
	}
	setString := func(field string, dst *string, v *string) {
		if v != nil && *v != *dst {
			ch = append(ch, archive.FieldChange{Field: field, Old: nullIfEmpty(*dst), New: nullIfEmpty(*v)})
			*dst = *v
			mark(field, *v == "")
		}
	}
	setString("creator", &r.Creator, ed.Creator)
	setString("credit", &r.Credit, ed.Credit)
	setString("rights", &r.Rights, ed.Rights)
	setString("licence", &r.Licence, ed.Licence)
	setString("agency", &r.Agency, ed.Agency)

	if ed.CapturedAt != nil && (r.CapturedAt == nil || !r.CapturedAt.Equal(*ed.CapturedAt) ||
		r.CapturedAt.Format(time.RFC3339) != ed.CapturedAt.Format(time.RFC3339)) {
		var old any
		if r.CapturedAt != nil {
			old = r.CapturedAt.Format(time.RFC3339)
		}
		t := ed.CapturedAt.Truncate(time.Second)
		r.CapturedAt, r.CapturedAtSource, r.TZInferred = &t, cur, ed.CapturedAtInferred
		ch = append(ch, archive.FieldChange{Field: "captured_at", Old: old, New: t.Format(time.RFC3339)})
		mark("captured_at", false)
	}
	for _, f := range ed.releaseFields(r) {
		if *f.val == nil {
			continue
		}
		var t *time.Time
		if **f.val != "" {
			v, err := time.Parse(time.RFC3339, **f.val)
			if err != nil {
				return nil, &FieldError{Field: f.name, Msg: err.Error()}
			}
			t = &v
		}
		if old := *f.dst; (old == nil) != (t == nil) || old != nil && !old.Equal(*t) {
			ch = append(ch, archive.FieldChange{Field: f.name, Old: timeValue(old), New: timeValue(t)})
			*f.dst = t
		}
	}
	if err := checkWindow(r); err != nil {
		return nil, err
	}
	if ed.Visibility != nil && *ed.Visibility != r.Visibility {
		ch = append(ch, archive.FieldChange{Field: "visibility", Old: nullIfEmpty(string(r.Visibility)), New: string(*ed.Visibility)})
		r.Visibility = *ed.Visibility
	}

	// archive.Review states: an explicit change, or back to draft when a reviewed
	// language's text changes and the edit does not re-review it.
	langStatus := maps.Clone(ed.LangStatus)
	for lang := range textChanged {
		if _, given := langStatus[lang]; !given && r.LangStatus[lang] == archive.LangReviewed {
			if langStatus == nil {
				langStatus = map[string]string{}
			}
			langStatus[lang] = archive.LangDraft
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(langStatus)) {
		old, v := langState(r.LangStatus, lang), langStatus[lang]
		if old == v {
			continue
		}
		if v == archive.LangReviewed {
			if r.LangStatus == nil {
				r.LangStatus = map[string]string{}
			}
			r.LangStatus[lang] = v
		} else {
			delete(r.LangStatus, lang)
		}
		ch = append(ch, archive.FieldChange{Field: "lang_status." + lang, Old: old, New: v})
	}
	if len(r.LangStatus) == 0 {
		r.LangStatus = nil
	}

	statusChanged := ed.Status != nil && *ed.Status != r.Status
	if statusChanged {
		if !slices.Contains(statusMoves()[r.Status], *ed.Status) {
			return nil, &FieldError{Field: "status", Err: ErrTransition,
				Msg: fmt.Sprintf("%s → %s is not allowed (draft → review → published → withdrawn; review or withdrawn → draft)", r.Status, *ed.Status)}
		}
		ch = append(ch, archive.FieldChange{Field: "status", Old: nullIfEmpty(string(r.Status)), New: string(*ed.Status)})
		r.Status = *ed.Status
	}
	// Publishing, or taking the Vietnamese title off a published record.
	if err := archive.CheckPublishable(r); err != nil && (statusChanged || viBefore) {
		return nil, &FieldError{Field: "title.vi", Err: err,
			Msg: "a published record needs a Vietnamese title (set title.vi first)"}
	}
	r.Normalize()
	return ch, nil
}

func langState(m map[string]string, lang string) string {
	if m[lang] == archive.LangReviewed {
		return archive.LangReviewed
	}
	return archive.LangDraft
}

// checkWindow refuses a release window that ends before it starts.
func checkWindow(r *archive.Record) error {
	if r.PublishAt != nil && r.UnpublishAt != nil && !r.UnpublishAt.After(*r.PublishAt) {
		return &FieldError{Field: "unpublish_at", Msg: fmt.Sprintf("%s is not after publish_at %s",
			r.UnpublishAt.Format(time.RFC3339), r.PublishAt.Format(time.RFC3339))}
	}
	return nil
}

// timeValue is a release date as the audit log keeps it: RFC 3339, or nil.
func timeValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.RFC3339)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Curator makes the curator's changes to an archive: edits (the CLI, the
// HTTP API, the web pages), the curator's spreadsheet (import-metadata)
// and the audit trail they leave. It is safe for concurrent use.
type Curator struct {
	a *archive.Archive
}

// New returns the curator of a.
func New(a *archive.Archive) *Curator { return &Curator{a: a} }

// Edit changes the record whose id (or unique prefix) is given: it
// validates ed, applies it, and in ONE bbolt transaction stores the record
// (UpdatedAt now), appends a change to the change sequence and appends one
// audit entry per changed field (archive.Archive.Update). An edit that
// changes nothing writes nothing and returns no entries. A refused edit
// returns a *FieldError (errors.Is ErrInvalidEdit) and writes nothing.
// Every mutation path (the CLI, the HTTP API, import-metadata) goes through
// here.
func (c *Curator) Edit(ctx context.Context, id string, ed Edit, by archive.Actor) (*archive.Record, []archive.AuditEntry, error) {
	return c.edit(ctx, id, ed, by, false)
}

// PreviewEdit is Edit without writing: the record as it would be and the
// audit entries it would append (with Seq 0).
func (c *Curator) PreviewEdit(ctx context.Context, id string, ed Edit, by archive.Actor) (*archive.Record, []archive.AuditEntry, error) {
	return c.edit(ctx, id, ed, by, true)
}

// History returns the audit trail of the record with the given id, oldest
// first.
func (c *Curator) History(id string) ([]archive.AuditEntry, error) { return c.a.Store().History(id) }

func (c *Curator) edit(ctx context.Context, id string, ed Edit, by archive.Actor, dryRun bool) (*archive.Record, []archive.AuditEntry, error) {
	full, err := c.a.Store().Resolve(id)
	if err != nil {
		return nil, nil, err
	}
	tax := c.a.Taxonomy()
	ed, err = ed.normalize(tax, c.a.Location())
	if err != nil {
		return nil, nil, err
	}
	return c.a.Update(ctx, full, by, dryRun, func(rec *archive.Record) ([]archive.FieldChange, error) {
		return applyEdit(rec, ed, tax)
	})
}
