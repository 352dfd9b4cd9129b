package curation

import (
	"bufio"
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

	"github.com/haiduong/promo-archive/archive"
	"golang.org/x/text/unicode/norm"
)

// MetadataFileName is the curator's metadata file looked for in every folder
// of an ingested tree.
const MetadataFileName = "metadata.csv"

// ErrMetadataCSV is wrapped by every error about a metadata.csv file.
var ErrMetadataCSV = errors.New("curation: metadata.csv")

// ErrCSVTooLarge is wrapped (with ErrMetadataCSV) by the error for a curator
// CSV past its size or row limit: the whole file is refused.
var ErrCSVTooLarge = errors.New("curation: CSV file too large")

// Limits of the curator CSVs. A metadata.csv describes the files of one
// folder tree and is held in memory while its files are ingested; an
// import-metadata file may describe the whole archive and is applied row by
// row. Both are read as a stream (one record at a time), never whole.
const (
	MaxMetadataCSVBytes = 16 << 20
	MaxMetadataCSVRows  = 50000
	MaxImportCSVBytes   = 256 << 20
	MaxImportCSVRows    = 1000000
)

// MetadataColumns returns the columns a metadata.csv may have, in export order.
// Title and description have one column per language of archive.TextLanguages.
func MetadataColumns() []string {
	cols := []string{"file"}
	for _, f := range []string{"title", "description"} {
		for _, lang := range archive.TextLanguages() {
			cols = append(cols, f+"_"+lang)
		}
	}
	return append(cols, "keywords", "categories", "place", "creator", "credit", "rights", "licence",
		"visibility", "status", "captured_at", "agency", "publish_at", "unpublish_at", "rights_expire_at", "classification")
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
	Visibility  archive.Visibility
	Status      archive.Status
	CapturedAt  *time.Time
	TZInferred  bool
	// Agency is the contributing agency; it overrides the run's --agency.
	Agency string
	// PublishAt, UnpublishAt and RightsExpireAt are the release window.
	PublishAt, UnpublishAt, RightsExpireAt *time.Time
	// Classification is the file's security marking as the curator states
	// it; a state-secret marking (archive.SecretMarking) rejects the file unread.
	// It is never stored in the record.
	Classification string
}

// CSVRow is one row of a metadata.csv, parsed and validated, or the error
// that names its row and column.
type CSVRow struct {
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
func parseMetadataCSV(name string, r io.Reader, tax *archive.Taxonomy, loc *time.Location) ([]CSVRow, error) {
	sh, err := openCSVSheet(name, r, MetadataColumns(), "file", MaxMetadataCSVBytes, MaxMetadataCSVRows)
	if err != nil {
		return nil, err
	}
	var rows []CSVRow
	seen := map[string]int{}
	for {
		rowNum, cells, err := sh.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rows, err
		}
		file := path.Clean(strings.ReplaceAll(cells.get("file"), `\`, "/"))
		if file == "." || file == "" {
			if cells.blank() {
				continue
			}
			rows = append(rows, CSVRow{Row: rowNum, Err: &RowError{name, rowNum, "file", "empty file name"}})
			continue
		}
		row := CSVRow{Row: rowNum, File: file}
		if prev, dup := seen[file]; dup {
			row.Err = &RowError{name, rowNum, "file", fmt.Sprintf("%q is already described in row %d", file, prev)}
		} else {
			seen[file] = rowNum
			row.Meta, row.Err = parseCSVMeta(cells, tax, loc)
			var re *RowError
			if errors.As(row.Err, &re) {
				re.File, re.Row = name, rowNum
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// csvSheet reads a curator CSV: UTF-8 with or without BOM, comma or
// semicolon separated, with a header naming known columns.
type csvSheet struct {
	name     string
	cr       *csv.Reader
	col      map[string]int
	row      int
	maxRows  int
	maxBytes int64
}

// openCSVSheet reads the header. Unknown or repeated columns, or a missing
// key column, are an error naming them (wrapping ErrMetadataCSV). The rest
// is read as next asks for it, through a 64 KiB buffer; more than maxBytes
// bytes or maxRows rows (after the header) is an error wrapping
// ErrCSVTooLarge.
func openCSVSheet(name string, r io.Reader, columns []string, key string, maxBytes int64, maxRows int) (*csvSheet, error) {
	br := bufio.NewReaderSize(&sizeCap{r: r, max: maxBytes}, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(br.Size()) // the header line, to sniff the separator
	cr := csv.NewReader(br)
	cr.Comma = sniffSeparator(head)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, sheetError(name, "header", err, maxBytes)
	}
	col := map[string]int{}
	var unknown []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, h) {
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
			strings.Join(unknown, ", "), strings.Join(columns, ", "))
	}
	if _, ok := col[key]; !ok {
		return nil, fmt.Errorf("%w: %s: no %q column", ErrMetadataCSV, name, key)
	}
	return &csvSheet{name: name, cr: cr, col: col, row: 1, maxRows: maxRows, maxBytes: maxBytes}, nil
}

// sizeCap passes a reader's bytes through and fails with errPastSize once
// more than max have come.
type sizeCap struct {
	r      io.Reader
	n, max int64
}

// errPastSize is sizeCap's error; sheetError turns it into an ErrCSVTooLarge.
var errPastSize = errors.New("past the size limit")

func (c *sizeCap) Read(p []byte) (int, error) {
	if c.n > c.max {
		return 0, errPastSize
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errPastSize
	}
	return n, err
}

// sheetError wraps an error reading a curator CSV (where: "header" or "").
func sheetError(name, where string, err error, maxBytes int64) error {
	if where != "" {
		name += ": " + where
	}
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errPastSize):
		return fmt.Errorf("%w: %s: more than %d MiB, the most such a file may have (%w)", ErrMetadataCSV, name, maxBytes>>20, ErrCSVTooLarge)
	case errors.As(err, &pe):
		return fmt.Errorf("%w: %s line %d: %v", ErrMetadataCSV, name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%w: %s: %v", ErrMetadataCSV, name, err)
}

// next returns the next row: its number (the header is row 1) and its
// cells, valid until the following call. It returns io.EOF at the end.
func (s *csvSheet) next() (int, csvCells, error) {
	rec, err := s.cr.Read()
	if err == io.EOF {
		return 0, csvCells{}, err
	}
	if err != nil {
		return 0, csvCells{}, sheetError(s.name, "", err, s.maxBytes)
	}
	s.row++
	if s.row-1 > s.maxRows {
		return 0, csvCells{}, fmt.Errorf("%w: %s: more than %d rows, the most such a file may have (%w)", ErrMetadataCSV, s.name, s.maxRows, ErrCSVTooLarge)
	}
	return s.row, csvCells{rec: rec, col: s.col}, nil
}

// csvCells is one row of a curator CSV, read by column name.
type csvCells struct {
	rec []string
	col map[string]int
}

// raw returns the cell as written, NFC and trimmed; "" for a missing column.
func (c csvCells) raw(name string) string {
	i, ok := c.col[name]
	if !ok || i >= len(c.rec) {
		return ""
	}
	return cleanText(c.rec[i])
}

// get returns the cell's value: raw without the apostrophe GuardCSVCell
// puts before a value a spreadsheet would run as a formula.
func (c csvCells) get(name string) string { return unGuardCSVCell(c.raw(name)) }

// cleared reports whether the cell is clearValue as written; "'-" is the
// text "-".
func (c csvCells) cleared(name string) bool { return c.raw(name) == clearValue }

// blank reports whether every cell of the row is white space.
func (c csvCells) blank() bool {
	for _, f := range c.rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// GuardCSVCell neutralises a cell a spreadsheet would run as a formula (CSV
// injection): one that starts with =, +, -, @, a tab or a carriage return
// gets a leading apostrophe, as OWASP recommends. A cell that starts with an
// apostrophe gets one too, so that unGuardCSVCell, which removes one, gives
// back every value unchanged.
func GuardCSVCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r'", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// unGuardCSVCell removes the apostrophe GuardCSVCell adds.
func unGuardCSVCell(s string) string { return strings.TrimPrefix(s, "'") }

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

// parseCSVMeta reads one metadata.csv row for ingest: a cell is a value
// (clearValue has no special meaning here), validated like every edit.
func parseCSVMeta(cells csvCells, tax *archive.Taxonomy, loc *time.Location) (CuratorMeta, error) {
	ed, err := parseCSVEdit(cells, loc, false)
	if err == nil {
		ed, err = ed.normalize(tax, loc)
	}
	if err != nil {
		return CuratorMeta{}, csvFieldError(err)
	}
	m := ed.curatorMeta()
	m.Classification = cells.get("classification") // for the state-secret gate only; never stored
	return m, nil
}

// parseCSVEdit turns one row's cells into an Edit: an empty cell leaves the
// field alone; with clearing, clearValue clears it. Values are checked by
// Edit.normalize, not here; only captured_at is parsed.
func parseCSVEdit(cells csvCells, loc *time.Location, clearing bool) (Edit, error) {
	var ed Edit
	get := cells.get
	cell := func(col string) (string, bool) {
		if clearing && cells.cleared(col) {
			return "", true
		}
		v := get(col)
		return v, v != ""
	}
	for _, lang := range archive.TextLanguages() {
		for prefix, dst := range map[string]*map[string]string{"title": &ed.Title, "description": &ed.Description} {
			if v, ok := cell(prefix + "_" + lang); ok {
				if *dst == nil {
					*dst = map[string]string{}
				}
				(*dst)[lang] = v
			}
		}
	}
	list := func(col string) *[]string {
		v, ok := cell(col)
		if !ok {
			return nil
		}
		l := splitList(v)
		return &l
	}
	ed.Keywords, ed.Categories = list("keywords"), list("categories")
	str := func(col string) *string {
		if v, ok := cell(col); ok {
			return &v
		}
		return nil
	}
	ed.Place, ed.Creator, ed.Credit = str("place"), str("creator"), str("credit")
	ed.Rights, ed.Licence, ed.Agency = str("rights"), str("licence"), str("agency")
	ed.PublishAt, ed.UnpublishAt, ed.RightsExpireAt = str("publish_at"), str("unpublish_at"), str("rights_expire_at")
	if v := get("visibility"); v != "" {
		vis := archive.Visibility(v)
		ed.Visibility = &vis
	}
	if v := get("status"); v != "" {
		st := archive.Status(v)
		ed.Status = &st
	}
	if v := get("captured_at"); v != "" {
		if clearing && cells.cleared("captured_at") {
			return ed, &RowError{Column: "captured_at", Msg: "a capture time cannot be cleared, only replaced"}
		}
		t, inferred, err := parseCuratorTime(v, loc)
		if err != nil {
			return ed, &RowError{Column: "captured_at", Msg: err.Error()}
		}
		ed.CapturedAt, ed.CapturedAtInferred = &t, inferred
	}
	return ed, nil
}

// csvFieldError turns a *FieldError into a *RowError naming the column
// (title.vi → title_vi); File and Row are filled in by the caller.
func csvFieldError(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &RowError{Column: strings.ReplaceAll(fe.Field, ".", "_"), Msg: fe.Msg}
	}
	return err
}

// curatorMeta is a validated metadata.csv row as ingest lays it over a new
// record.
func (ed Edit) curatorMeta() CuratorMeta {
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	list := func(p *[]string) []string {
		if p == nil || len(*p) == 0 {
			return nil
		}
		return *p
	}
	m := CuratorMeta{
		Title: ed.Title, Description: ed.Description,
		Keywords: list(ed.Keywords), Categories: list(ed.Categories),
		Place: val(ed.Place), Creator: val(ed.Creator), Credit: val(ed.Credit), Rights: val(ed.Rights),
		Licence: val(ed.Licence), Agency: val(ed.Agency),
		CapturedAt: ed.CapturedAt, TZInferred: ed.CapturedAtInferred,
	}
	if ed.Visibility != nil {
		m.Visibility = *ed.Visibility
	}
	if ed.Status != nil {
		m.Status = *ed.Status
	}
	var window archive.Record
	for _, f := range ed.releaseFields(&window) {
		if *f.val != nil && **f.val != "" {
			if t, err := time.Parse(time.RFC3339, **f.val); err == nil { // normalize wrote it
				*f.dst = &t
			}
		}
	}
	m.PublishAt, m.UnpublishAt, m.RightsExpireAt = window.PublishAt, window.UnpublishAt, window.RightsExpireAt
	return m
}

// parseCuratorTime reads RFC 3339, or a wall-clock "2006-01-02 15:04[:05]"
// or a date "2006-01-02" in loc (reported as inferred).
func parseCuratorTime(s string, loc *time.Location) (time.Time, bool, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (use 2024-03-01, 2024-03-01 14:30 or RFC 3339)", s)
}

// LoadMetadataCSV parses the metadata.csv at p, if there is one.
func LoadMetadataCSV(p, display string, tax *archive.Taxonomy, loc *time.Location) ([]CSVRow, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadataCSV, err)
	}
	defer f.Close()
	return parseMetadataCSV(display, f, tax, loc)
}
