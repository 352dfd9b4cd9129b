package curation

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/haiduong/promo-archive/archive"
)

// ImportOptions steer ImportMetadata.
type ImportOptions struct {
	// DryRun computes every row's changes and writes nothing.
	DryRun bool
	// Who is recorded in the audit log (the changes go in via "csv").
	Who string
}

// ImportRow is what import-metadata did (or would do) with one row.
type ImportRow struct {
	Row     int                  `json:"row"`
	ID      string               `json:"id,omitempty"`
	Changes []archive.AuditEntry `json:"changes"`
	Error   string               `json:"error,omitempty"`
	Err     error                `json:"-"` // a *RowError naming row and column
}

// ImportReport sums an import.
type ImportReport struct {
	Rows      []ImportRow `json:"rows"`
	Changed   int         `json:"changed"`   // rows with changes (applied, or to apply in a dry run)
	Unchanged int         `json:"unchanged"` // rows that match the records already
	Failed    int         `json:"failed"`
}

// ImportMetadata reads a curator spreadsheet in the exportColumns layout
// (any subset of the columns; "id" required, a full id or a unique prefix)
// and applies each valid row through Edit, via "csv": a row is applied
// whole or not at all, and a bad row (reported with its row and column as
// a *RowError) leaves the others applied. A leading apostrophe is removed
// from every cell (ExportCSV puts one before values a spreadsheet would run
// as formulas, and before values that start with one). An empty cell leaves
// the field unchanged; clearValue ("-") clears it (an escaped "'-" is the
// text "-") (a title or description language,
// keywords, categories, place, creator, credit, rights, licence, agency,
// publish_at, unpublish_at, rights_expire_at; not visibility, status or
// captured_at). The "file" column is ignored.
// The returned error is for what stops the whole import: a bad header, an
// unreadable file, the store failing, ctx cancelled.
func (c *Curator) ImportMetadata(ctx context.Context, name string, r io.Reader, opts ImportOptions) (*ImportReport, error) {
	sh, err := openCSVSheet(name, r, exportColumns(), "id", MaxImportCSVBytes, MaxImportCSVRows)
	if err != nil {
		return nil, err
	}
	by := archive.Actor{Who: opts.Who, Via: archive.ViaCSV}
	rep := &ImportReport{Rows: []ImportRow{}}
	seen := map[string]int{}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rowNum, cells, err := sh.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		if cells.blank() {
			continue
		}
		row := ImportRow{Row: rowNum, Changes: []archive.AuditEntry{}}
		if err := c.importRow(ctx, cells, &row, seen, opts.DryRun, by); err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				return rep, err
			}
			re.File, re.Row = name, rowNum
			row.Err, row.Error, row.Changes = re, re.Error(), []archive.AuditEntry{}
		}
		switch {
		case row.Err != nil:
			rep.Failed++
		case len(row.Changes) > 0:
			rep.Changed++
		default:
			rep.Unchanged++
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

// importRow applies (or previews) one row. A problem with the row is a
// *RowError; any other error stops the import.
func (c *Curator) importRow(ctx context.Context, cells csvCells, row *ImportRow, seen map[string]int, dryRun bool, by archive.Actor) error {
	id, err := c.a.Store().Resolve(cells.get("id"))
	if err != nil {
		if errors.Is(err, archive.ErrNotFound) || errors.Is(err, archive.ErrAmbiguous) || errors.Is(err, archive.ErrBadID) {
			return &RowError{Column: "id", Msg: err.Error()}
		}
		return err
	}
	row.ID = id
	if prev, dup := seen[id]; dup {
		return &RowError{Column: "id", Msg: fmt.Sprintf("record %s is already edited in row %d", id[:12], prev)}
	}
	seen[id] = row.Row
	ed, err := parseCSVEdit(cells, c.a.Location(), true)
	if err != nil {
		return err
	}
	edit := c.Edit
	if dryRun {
		edit = c.PreviewEdit
	}
	_, entries, err := edit(ctx, id, ed, by)
	if err != nil {
		return csvFieldError(err)
	}
	if entries != nil {
		row.Changes = entries
	}
	return nil
}
