package curation

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// exportColumns are the columns of `archive export --format csv` and of
// import-metadata: "id" (the key) and then the metadata.csv columns, where
// "file" holds the source path for people and is ignored on import. The
// metadata.csv "classification" column is left out: it only gates ingest
// and is never stored.
func exportColumns() []string {
	cols := append([]string{"id"}, MetadataColumns()...)
	return slices.DeleteFunc(cols, func(c string) bool { return c == "classification" })
}

// ExportCSV writes every record, in id order, as a curator spreadsheet that
// opens cleanly in Excel (UTF-8 with a BOM, CRLF line ends) and that
// ImportMetadata reads back: exporting, importing unchanged and exporting
// again gives the same bytes. Cells a spreadsheet would run as formulas
// (starting with =, +, -, @, a tab or a carriage return) are written with a
// leading apostrophe, and so are cells that start with one; ImportMetadata
// removes it.
func ExportCSV(s *archive.Store, w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("archive: export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cols := exportColumns()
	if err := cw.Write(cols); err != nil {
		return fmt.Errorf("archive: export csv: %w", err)
	}
	err := s.ForEach(func(r *archive.Record) error {
		return cw.Write(recordCSVRow(r, cols))
	})
	if err != nil {
		return fmt.Errorf("archive: export csv: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("archive: export csv: %w", err)
	}
	return nil
}

// recordCSVRow is r's cells for the columns.
func recordCSVRow(r *archive.Record, cols []string) []string {
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = GuardCSVCell(recordCSVCell(r, c))
	}
	return row
}

func recordCSVCell(r *archive.Record, col string) string {
	if lang, ok := strings.CutPrefix(col, "title_"); ok {
		return r.Title[lang]
	}
	if lang, ok := strings.CutPrefix(col, "description_"); ok {
		return r.Description[lang]
	}
	switch col {
	case "id":
		return r.ID
	case "file":
		return r.SourcePath
	case "keywords":
		return strings.Join(r.Keywords, "; ")
	case "categories":
		return strings.Join(r.Categories, "; ")
	case "place":
		if r.Place != nil {
			return r.Place.Code
		}
	case "creator":
		return r.Creator
	case "credit":
		return r.Credit
	case "rights":
		return r.Rights
	case "licence":
		return r.Licence
	case "agency":
		return r.Agency
	case "visibility":
		return string(r.Visibility)
	case "status":
		return string(r.Status)
	}
	times := map[string]*time.Time{"captured_at": r.CapturedAt, "publish_at": r.PublishAt,
		"unpublish_at": r.UnpublishAt, "rights_expire_at": r.RightsExpireAt}
	return csvTime(times[col])
}

// csvTime is a time's cell: RFC 3339 with its offset, or "" for none.
func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}
