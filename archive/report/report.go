// Package report owns the periodic report of Decision 42/2023 Art. 20:
// what was added to the archive in a period (by category, kind, place,
// agency, status and language) and what it served (downloads of originals
// and rendition requests, per role and per asset), written as Markdown for
// people, CSV for spreadsheets or JSON. It reads the store only.
package report

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// ErrPeriod means a reporting period could not be read.
var ErrPeriod = errors.New("report: bad period")

// DefaultDepartment is the managing department named on reports when the
// settings (ROOT/config.json) do not name one. Since 1 July 2025 Hải Dương
// is part of Thành phố Hải Phòng, and the information and communications
// department's duties moved to the culture department.
const DefaultDepartment = "Sở Văn hóa, Thể thao và Du lịch thành phố Hải Phòng"

// dayLayout is how days are written in periods and served counts.
const dayLayout = time.DateOnly

// Period is a reporting period: whole days From to To, inclusive, in the
// archive's time zone.
type Period struct {
	Label string    `json:"label"` // as given: 2026-H1, 2026, 2026-01-01..2026-06-30
	From  time.Time `json:"from"`  // first day, 00:00
	To    time.Time `json:"to"`    // last day, 00:00
}

// Contains reports whether t falls on a day of the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.To.AddDate(0, 0, 1))
}

// ParsePeriod reads a reporting period: a year ("2026"), a half year
// ("2026-H1", "2026-H2", the six-monthly reports), a quarter ("2026-Q3") or
// a range of days ("2026-01-01..2026-06-30"), in loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("%w %q: %s (want 2026, 2026-H1, 2026-Q2 or 2026-01-01..2026-06-30)", ErrPeriod, s, why)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	if from, to, ok := strings.Cut(s, ".."); ok {
		f, err1 := time.ParseInLocation(dayLayout, strings.TrimSpace(from), loc)
		t, err2 := time.ParseInLocation(dayLayout, strings.TrimSpace(to), loc)
		if err1 != nil || err2 != nil {
			return bad("days are YYYY-MM-DD")
		}
		if t.Before(f) {
			return bad("it ends before it starts")
		}
		return Period{Label: s, From: f, To: t}, nil
	}
	yearStr, part, _ := strings.Cut(s, "-")
	y, err := strconv.Atoi(yearStr)
	if err != nil || len(yearStr) != 4 {
		return bad("no year")
	}
	first, months := time.January, 12
	switch p := strings.ToUpper(part); {
	case p == "":
	case p == "H1" || p == "H2":
		first, months = time.Month(1+6*int(p[1]-'1')), 6
	case len(p) == 2 && p[0] == 'Q' && p[1] >= '1' && p[1] <= '4':
		first, months = time.Month(1+3*int(p[1]-'1')), 3
	default:
		return bad("unknown part " + strconv.Quote(part))
	}
	f := day(y, first, 1)
	return Period{Label: s, From: f, To: f.AddDate(0, months, -1)}, nil
}

// LangCoverage counts, for one language, the added records with text in it.
type LangCoverage struct {
	Title       int `json:"title"`
	Description int `json:"description"`
	Reviewed    int `json:"reviewed"` // LangStatus says "reviewed"
}

// ServedTotals counts downloads of originals and rendition requests.
type ServedTotals struct {
	Originals  uint64 `json:"originals"`
	Renditions uint64 `json:"renditions"`
}

func (t *ServedTotals) add(c archive.ServedCount) {
	if c.What == archive.ServedOriginal {
		t.Originals += c.Count
	} else {
		t.Renditions += c.Count
	}
}

// AssetServed is what was served of one asset in the period, per role.
type AssetServed struct {
	ID     string                  `json:"id"`
	Title  string                  `json:"title"`
	Total  ServedTotals            `json:"total"`
	ByRole map[string]ServedTotals `json:"by_role"`
}

// Report is the periodic report of Decision 42/2023 Art. 20: what was added
// to the archive in a period and what it served.
type Report struct {
	Department  string    `json:"department"`
	Province    string    `json:"province"`
	Period      Period    `json:"period"`
	GeneratedAt time.Time `json:"generated_at"`
	Records     int       `json:"records"` // in the archive at the time of the report

	Added      int            `json:"added"`
	AddedBytes int64          `json:"added_bytes"`
	ByCategory map[string]int `json:"by_category"` // a record counts once per category; "" is uncategorised
	ByKind     map[string]int `json:"by_kind"`
	ByPlace    map[string]int `json:"by_place"`  // "code name"; "" is no place
	ByAgency   map[string]int `json:"by_agency"` // "" is not stated
	ByStatus   map[string]int `json:"by_status"`
	// Languages is the language coverage of the added records.
	Languages map[string]LangCoverage `json:"languages"`
	// WithoutVietnamese counts added records with neither a title nor a
	// description in Vietnamese (which publication requires).
	WithoutVietnamese int `json:"without_vietnamese"`

	Served       ServedTotals            `json:"served"`
	ServedByRole map[string]ServedTotals `json:"served_by_role"`
	ServedAssets []AssetServed           `json:"served_assets"` // most served first
	// DownloadsByPurpose are the downloads in a preset size by agency (the
	// key's name) and purpose, most first.
	DownloadsByPurpose []PurposeCount `json:"downloads_by_purpose"`
}

// Archive is what a report reads; *archive.Archive implements it.
type Archive interface {
	Store() *archive.Store
	Now() time.Time
}

// Names are the names of the archive's settings (ROOT/config.json) a
// report's header gives: the managing department and the province the
// archive promotes, as the site title names it (SiteTitle).
type Names struct {
	Department string // "" is DefaultDepartment
	Province   string // "" is DefaultProvince
}

// Build counts what was added in the period (by ingested_at) and what was
// served in it, under the names of the settings.
func Build(ctx context.Context, a Archive, p Period, names Names) (*Report, error) {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		return nil, err
	}
	or := func(s, def string) string {
		if s = strings.TrimSpace(norm.NFC.String(s)); s != "" {
			return s
		}
		return def
	}
	rep := &Report{
		Department: or(names.Department, DefaultDepartment), Province: or(names.Province, DefaultProvince),
		Period: p, GeneratedAt: a.Now(),
		ByCategory: map[string]int{}, ByKind: map[string]int{}, ByPlace: map[string]int{}, ByAgency: map[string]int{},
		ByStatus: map[string]int{}, Languages: map[string]LangCoverage{}, ServedByRole: map[string]ServedTotals{},
		ServedAssets: []AssetServed{},
	}
	titles := map[string]string{}
	err = a.Store().ForEach(func(r *archive.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rep.Records++
		titles[r.ID], _ = r.DisplayTitle()
		if p.Contains(r.IngestedAt) {
			rep.addRecord(r, tax)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	assets := map[string]*AssetServed{}
	err = a.Store().Served(p.From.Format(dayLayout), p.To.Format(dayLayout), func(c archive.ServedCount) error {
		rep.Served.add(c)
		t := rep.ServedByRole[c.Role]
		t.add(c)
		rep.ServedByRole[c.Role] = t
		as := assets[c.ID]
		if as == nil {
			as = &AssetServed{ID: c.ID, Title: titles[c.ID], ByRole: map[string]ServedTotals{}}
			assets[c.ID] = as
		}
		as.Total.add(c)
		rt := as.ByRole[c.Role]
		rt.add(c)
		as.ByRole[c.Role] = rt
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for _, as := range assets {
		rep.ServedAssets = append(rep.ServedAssets, *as)
	}
	slices.SortFunc(rep.ServedAssets, func(x, y AssetServed) int {
		return cmp.Or(cmp.Compare(y.Total.Originals+y.Total.Renditions, x.Total.Originals+x.Total.Renditions), cmp.Compare(x.ID, y.ID))
	})
	if rep.DownloadsByPurpose, err = purposeCounts(a.Store(), p); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return rep, nil
}

func (rep *Report) addRecord(r *archive.Record, tax *archive.Taxonomy) {
	rep.Added++
	rep.AddedBytes += r.Size
	if len(r.Categories) == 0 {
		rep.ByCategory[""]++
	}
	for _, c := range r.Categories {
		rep.ByCategory[c]++
	}
	rep.ByKind[string(r.Kind)]++
	place := ""
	if r.Place != nil {
		place = r.Place.Code
		if u, ok := tax.Place(r.Place.Code); ok {
			place += " " + u.VI
		} else if r.Place.Name != "" {
			place += " " + r.Place.Name
		}
	}
	rep.ByPlace[place]++
	rep.ByAgency[r.Agency]++
	rep.ByStatus[string(r.Status)]++
	langs := map[string]bool{}
	for l := range r.Title {
		langs[l] = true
	}
	for l := range r.Description {
		langs[l] = true
	}
	for l := range langs {
		c := rep.Languages[l]
		if r.Title[l] != "" {
			c.Title++
		}
		if r.Description[l] != "" {
			c.Description++
		}
		if r.LangStatus[l] == "reviewed" {
			c.Reviewed++
		}
		rep.Languages[l] = c
	}
	if r.Title["vi"] == "" && r.Description["vi"] == "" {
		rep.WithoutVietnamese++
	}
}

// langNames are the Vietnamese names of the text languages; x-default is
// text whose language the file did not state.
func langNames() map[string]string {
	return map[string]string{"vi": "Tiếng Việt", "en": "Tiếng Anh", "zh": "Tiếng Trung", "ja": "Tiếng Nhật", "ko": "Tiếng Hàn",
		"x-default": "Chưa rõ ngôn ngữ"}
}

// kindNames are the Vietnamese names of the kinds of asset.
func kindNames() map[string]string {
	return map[string]string{"photo": "Ảnh", "video": "Video", "publication": "Ấn phẩm"}
}

// statusNames are the Vietnamese names of the workflow statuses.
func statusNames() map[string]string {
	return map[string]string{string(archive.Draft): "Bản nháp", string(archive.Review): "Chờ duyệt",
		string(archive.Published): "Đã xuất bản", string(archive.Withdrawn): "Đã thu hồi"}
}

// bilingual labels a code as the report's headings do: the Vietnamese name
// with the English code in parentheses; an unknown code as is.
func bilingual(names map[string]string, k string) string {
	if vi, ok := names[k]; ok {
		return vi + " (" + k + ")"
	}
	return k
}

// reportRow is one line of the machine-readable report: a section, a key,
// its label and the count (for served rows, per role).
type reportRow struct {
	Section, Key, Label, Role string
	Count                     uint64
}

// rows lists the report in the order the CSV and the Markdown show it.
func (rep *Report) rows(tax *archive.Taxonomy) []reportRow {
	var out []reportRow
	counts := func(section string, m map[string]int, label func(string) string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, reportRow{Section: section, Key: k, Label: label(k), Count: uint64(m[k])})
		}
	}
	// byLabel lists a section in the order of its labels (Vietnamese
	// collation), the empty key ("none") last.
	byLabel := func(section string, m map[string]int, label func(string) string) {
		coll := collate.New(language.Vietnamese)
		keys := slices.SortedFunc(maps.Keys(m), func(x, y string) int {
			if (x == "") != (y == "") {
				return cmp.Compare(y, x) // "" last
			}
			return cmp.Or(coll.CompareString(label(x), label(y)), cmp.Compare(x, y))
		})
		for _, k := range keys {
			out = append(out, reportRow{Section: section, Key: k, Label: label(k), Count: uint64(m[k])})
		}
	}
	none := func(k string) string { return k }
	out = append(out, reportRow{Section: "added", Label: "Tài sản mới (assets added)", Count: uint64(rep.Added)},
		reportRow{Section: "added_bytes", Label: "Dung lượng (bytes)", Count: uint64(rep.AddedBytes)})
	byLabel("category", rep.ByCategory, func(k string) string {
		if c, ok := tax.Category(k); ok {
			return c.VI + " (" + c.EN + ")"
		}
		return k
	})
	counts("kind", rep.ByKind, func(k string) string { return bilingual(kindNames(), k) })
	counts("place", rep.ByPlace, none)
	counts("agency", rep.ByAgency, none)
	counts("status", rep.ByStatus, func(k string) string { return bilingual(statusNames(), k) })
	for _, l := range slices.Sorted(maps.Keys(rep.Languages)) {
		c := rep.Languages[l]
		out = append(out, reportRow{Section: "language_title", Key: l, Count: uint64(c.Title)},
			reportRow{Section: "language_description", Key: l, Count: uint64(c.Description)},
			reportRow{Section: "language_reviewed", Key: l, Count: uint64(c.Reviewed)})
	}
	out = append(out, reportRow{Section: "without_vietnamese", Count: uint64(rep.WithoutVietnamese)})
	served := func(key, label, role string, t ServedTotals) {
		out = append(out, reportRow{Section: "downloads", Key: key, Label: label, Role: role, Count: t.Originals},
			reportRow{Section: "rendition_requests", Key: key, Label: label, Role: role, Count: t.Renditions})
	}
	served("", "", "", rep.Served)
	for _, role := range slices.Sorted(maps.Keys(rep.ServedByRole)) {
		served("", "", role, rep.ServedByRole[role])
	}
	for _, as := range rep.ServedAssets {
		for _, role := range slices.Sorted(maps.Keys(as.ByRole)) {
			served(as.ID, as.Title, role, as.ByRole[role])
		}
	}
	for _, c := range rep.DownloadsByPurpose {
		out = append(out, reportRow{Section: "downloads_by_purpose", Key: c.Purpose, Label: c.Agency, Count: c.Count})
	}
	return out
}

// Format is a way to write a report: its writer and HTTP content type.
type Format struct {
	Write       func(*Report, io.Writer) error
	ContentType string
}

// FormatOf is the format named md (or markdown), csv or json; false for
// any other name. The CLI and the API write reports through it.
func FormatOf(name string) (Format, bool) {
	switch name {
	case "md", "markdown":
		return Format{(*Report).WriteMarkdown, "text/markdown; charset=utf-8"}, true
	case "csv":
		return Format{(*Report).WriteCSV, "text/csv; charset=utf-8"}, true
	case "json":
		return Format{(*Report).WriteJSON, "application/json; charset=utf-8"}, true
	}
	return Format{}, false
}

// WriteCSV writes the report as UTF-8 CSV with a BOM (so spreadsheet
// programs read the diacritics), one row per count: section, key, label,
// role, count. Empty key and role are totals.
func (rep *Report) WriteCSV(w io.Writer) error {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\xef\xbb\xbf"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "key", "label", "role", "count"})
	cw.Write([]string{"archive", "", SiteTitle(rep.Province, "vi"), "", ""})
	cw.Write([]string{"department", "", rep.Department, "", ""})
	cw.Write([]string{"period", rep.Period.Label, rep.Period.From.Format(dayLayout) + ".." + rep.Period.To.Format(dayLayout), "", ""})
	for _, r := range rep.rows(tax) {
		cw.Write([]string{r.Section, r.Key, r.Label, r.Role, strconv.FormatUint(r.Count, 10)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteMarkdown writes the report for people: Vietnamese headings with
// English in parentheses.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	tax, err := archive.DefaultTaxonomy()
	if err != nil {
		return err
	}
	var b strings.Builder
	p := rep.Period
	fmt.Fprintf(&b, "# Báo cáo %s (%s report)\n\n", SiteTitle(rep.Province, "vi"), SiteTitle(rep.Province, "en"))
	fmt.Fprintf(&b, "- Đơn vị quản lý (Managing department): %s\n", rep.Department)
	fmt.Fprintf(&b, "- Kỳ báo cáo (Period): %s (%s – %s)\n", p.Label, p.From.Format("02/01/2006"), p.To.Format("02/01/2006"))
	fmt.Fprintf(&b, "- Ngày lập (Generated): %s\n", rep.GeneratedAt.Format("02/01/2006 15:04"))
	fmt.Fprintf(&b, "- Tổng số tài sản trong kho (Assets in the archive): %d\n\n", rep.Records)
	fmt.Fprintf(&b, "## Tài sản mới trong kỳ (Assets added): %d\n\n", rep.Added)
	headings := map[string]string{
		"category": "Theo chủ đề (By category)", "kind": "Theo loại (By kind)", "place": "Theo địa bàn (By place)",
		"agency": "Theo cơ quan đóng góp (By contributing agency)", "status": "Theo trạng thái (By status)",
	}
	section := ""
	rows := rep.rows(tax)
	for _, r := range rows {
		h, ok := headings[r.Section]
		if !ok {
			continue
		}
		if r.Section != section {
			section = r.Section
			fmt.Fprintf(&b, "\n### %s\n\n| | Số lượng (count) |\n|---|---:|\n", h)
		}
		label := r.Label
		if label == "" {
			label = "(không có / none)"
		}
		fmt.Fprintf(&b, "| %s | %d |\n", mdCell(label), r.Count)
	}
	fmt.Fprintf(&b, "\n## Ngôn ngữ (Language coverage)\n\n| Ngôn ngữ (language) | Tiêu đề (title) | Mô tả (description) | Đã duyệt (reviewed) |\n|---|---:|---:|---:|\n")
	for _, l := range slices.Sorted(maps.Keys(rep.Languages)) {
		c := rep.Languages[l]
		fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", bilingual(langNames(), l), c.Title, c.Description, c.Reviewed)
	}
	fmt.Fprintf(&b, "\nChưa có tiếng Việt (without Vietnamese): %d\n", rep.WithoutVietnamese)
	fmt.Fprintf(&b, "\n## Lượt phục vụ (Served)\n\n| Vai trò (role) | Tải bản gốc (downloads) | Ảnh hiển thị (rendition requests) |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| **Tổng (total)** | %d | %d |\n", rep.Served.Originals, rep.Served.Renditions)
	for _, role := range slices.Sorted(maps.Keys(rep.ServedByRole)) {
		t := rep.ServedByRole[role]
		fmt.Fprintf(&b, "| %s | %d | %d |\n", mdCell(role), t.Originals, t.Renditions)
	}
	if len(rep.ServedAssets) > 0 {
		fmt.Fprintf(&b, "\n### Theo tài sản (By asset)\n\n| Mã (id) | Tiêu đề (title) | Vai trò (role) | Tải bản gốc (downloads) | Ảnh hiển thị (renditions) |\n|---|---|---|---:|---:|\n")
		for _, as := range rep.ServedAssets {
			for _, role := range slices.Sorted(maps.Keys(as.ByRole)) {
				t := as.ByRole[role]
				fmt.Fprintf(&b, "| %s | %s | %s | %d | %d |\n", as.ID[:12], mdCell(as.Title), mdCell(role), t.Originals, t.Renditions)
			}
		}
	}
	if len(rep.DownloadsByPurpose) > 0 {
		fmt.Fprintf(&b, "\n### Tải theo đơn vị và mục đích (Downloads by agency and purpose)\n\n| Đơn vị (agency) | Mục đích (purpose) | Lượt tải (downloads) |\n|---|---|---:|\n")
		for _, c := range rep.DownloadsByPurpose {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", mdCell(c.Agency), mdCell(c.Purpose), c.Count)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
