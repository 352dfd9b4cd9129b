package archive

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// MetadataFileName is the curator's metadata file looked for in every folder
// of an ingested tree.
const MetadataFileName = "metadata.csv"

// ErrMetadataCSV is wrapped by every error about a metadata.csv file.
var ErrMetadataCSV = errors.New("archive: metadata.csv")

// CSVColumns returns the columns a metadata.csv may have, in export order.
func CSVColumns() []string {
	return []string{
		"file", "title_vi", "title_en", "description_vi", "description_en", "keywords",
		"categories", "place", "creator", "credit", "rights", "licence", "visibility",
		"status", "captured_at",
	}
}

// CuratorMeta is what a curator said about one file. Empty strings and nil
// slices mean "not given".
type CuratorMeta struct {
	Title       map[string]string
	Description map[string]string
	Keywords    []string
	Categories  []string
	Place       string
	Creator     string
	Credit      string
	Rights      string
	Licence     string
	Visibility  Visibility
	Status      Status
	CapturedAt  *time.Time
	TZInferred  bool
}

// csvRow is one row of a metadata.csv, parsed and validated, or the error
// that names its row and column.
type csvRow struct {
	Row  int // 1-based line of the record, the header being row 1
	File string
	Meta CuratorMeta
	Err  error
}

// RowError is a validation error in one row of a metadata.csv.
type RowError struct {
	File   string // the metadata.csv
	Row    int
	Column string
	Msg    string
}

func (e *RowError) Error() string {
	return fmt.Sprintf("%s row %d, column %s: %s", e.File, e.Row, e.Column, e.Msg)
}

func (e *RowError) Unwrap() error { return ErrMetadataCSV }

// parseMetadataCSV reads a metadata.csv: UTF-8 with or without BOM, comma or
// semicolon separated. Unknown columns are an error naming them; a bad value
// is reported in its row's Err and the other rows still apply. name is used
// in messages.
func parseMetadataCSV(name string, r io.Reader, tax *Taxonomy, loc *time.Location) ([]csvRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrMetadataCSV, name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffSeparator(data)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: header: %v", ErrMetadataCSV, name, err)
	}
	col := map[string]int{}
	var unknown []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !isCSVColumn(h) {
			unknown = append(unknown, fmt.Sprintf("%q", h))
			continue
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%w: %s: column %q appears twice", ErrMetadataCSV, name, h)
		}
		col[h] = i
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: %s: unknown columns %s (known: %s)", ErrMetadataCSV, name,
			strings.Join(unknown, ", "), strings.Join(CSVColumns(), ", "))
	}
	if _, ok := col["file"]; !ok {
		return nil, fmt.Errorf("%w: %s: no \"file\" column", ErrMetadataCSV, name)
	}
	var rows []csvRow
	seen := map[string]int{}
	for rowNum := 2; ; rowNum++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return rows, fmt.Errorf("%w: %s line %d: %v", ErrMetadataCSV, name, pe.Line, pe.Err)
			}
			return rows, fmt.Errorf("%w: %s: %v", ErrMetadataCSV, name, err)
		}
		get := func(c string) string {
			i, ok := col[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return cleanText(rec[i])
		}
		file := path.Clean(strings.ReplaceAll(get("file"), `\`, "/"))
		if file == "." || file == "" {
			if allBlank(rec) {
				continue
			}
			rows = append(rows, csvRow{Row: rowNum, Err: &RowError{name, rowNum, "file", "empty file name"}})
			continue
		}
		row := csvRow{Row: rowNum, File: file}
		if prev, dup := seen[file]; dup {
			row.Err = &RowError{name, rowNum, "file", fmt.Sprintf("%q is already described in row %d", file, prev)}
		} else {
			seen[file] = rowNum
			row.Meta, row.Err = parseCSVMeta(get, tax, loc)
			var re *RowError
			if errors.As(row.Err, &re) {
				re.File, re.Row = name, rowNum
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func isCSVColumn(h string) bool { return slices.Contains(CSVColumns(), h) }

func allBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// sniffSeparator picks ';' when the header line has more semicolons than
// commas, as Excel writes CSV in locales with a decimal comma.
func sniffSeparator(data []byte) rune {
	line := data
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

// cleanText is NFC and trimmed.
func cleanText(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// splitList splits a ';'-separated cell, trimming and dropping empties and
// repeats.
func splitList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func parseCSVMeta(get func(string) string, tax *Taxonomy, loc *time.Location) (CuratorMeta, error) {
	var m CuratorMeta
	langText := func(prefix string) map[string]string {
		var out map[string]string
		for _, lang := range []string{"vi", "en"} {
			if v := get(prefix + "_" + lang); v != "" {
				if out == nil {
					out = map[string]string{}
				}
				out[lang] = v
			}
		}
		return out
	}
	m.Title = langText("title")
	m.Description = langText("description")
	m.Keywords = splitList(get("keywords"))
	m.Categories = splitList(get("categories"))
	for _, c := range m.Categories {
		if _, ok := tax.Category(c); !ok {
			return m, &RowError{Column: "categories", Msg: fmt.Sprintf("unknown category %q", c)}
		}
	}
	m.Place = get("place")
	if m.Place != "" {
		if _, ok := tax.Place(m.Place); !ok {
			return m, &RowError{Column: "place", Msg: fmt.Sprintf("unknown place code %q", m.Place)}
		}
	}
	m.Creator, m.Credit, m.Rights, m.Licence = get("creator"), get("credit"), get("rights"), get("licence")
	var err error
	if m.Visibility, err = ParseVisibility(get("visibility")); err != nil {
		return m, &RowError{Column: "visibility", Msg: err.Error()}
	}
	if m.Status, err = ParseStatus(get("status")); err != nil {
		return m, &RowError{Column: "status", Msg: err.Error()}
	}
	if s := get("captured_at"); s != "" {
		t, inferred, err := parseCuratorTime(s, loc)
		if err != nil {
			return m, &RowError{Column: "captured_at", Msg: err.Error()}
		}
		m.CapturedAt, m.TZInferred = &t, inferred
	}
	return m, nil
}

// ParseVisibility accepts "" (not given), "public" or "internal".
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(strings.ToLower(strings.TrimSpace(s))); v {
	case "", Public, Internal:
		return v, nil
	default:
		return "", fmt.Errorf("%q is not public or internal", s)
	}
}

// ParseStatus accepts "" (not given) or a workflow status.
func ParseStatus(s string) (Status, error) {
	switch v := Status(strings.ToLower(strings.TrimSpace(s))); v {
	case "", Draft, Review, Published, Withdrawn:
		return v, nil
	default:
		return "", fmt.Errorf("%q is not draft, review, published or withdrawn", s)
	}
}

// parseCuratorTime reads RFC 3339, or a wall-clock "2006-01-02 15:04[:05]"
// or a date "2006-01-02" in loc (reported as inferred).
func parseCuratorTime(s string, loc *time.Location) (time.Time, bool, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (use 2024-03-01, 2024-03-01 14:30 or RFC 3339)", s)
}

// loadMetadataCSV parses the metadata.csv at p, if there is one.
func loadMetadataCSV(p, display string, tax *Taxonomy, loc *time.Location) ([]csvRow, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadataCSV, err)
	}
	defer f.Close()
	return parseMetadataCSV(display, f, tax, loc)
}
