package api

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/rights"
)

// rightsOf is what every image drawn from rec says about its rights
// (archive/rights): creator, credit line, rights notice, licence and its
// URL, the contributing agency as source, titles and descriptions, and
// the asset's page under base (scheme and host) as where to ask for a
// licence.
func rightsOf(rec *archive.Record, base string) rights.Meta {
	lc := strings.ToLower(strings.TrimSpace(rec.Licence))
	return rights.Meta{
		Creator: rec.Creator, Credit: rec.Credit, Copyright: rec.Rights,
		UsageTerms: licenceLabel(rec.Licence), WebStatement: licenceURI(rec.Licence),
		Source: rec.Agency, PublicDomain: lc == "cc0" || lc == "cc0-1.0",
		Title: rec.Title, Description: rec.Description, LicensorURL: base + "/assets/" + rec.ID,
	}
}

// withRights is the image data (of type mime, drawn from rec) with rec's
// rights (rightsOf rec and base) written in. Bytes that cannot take them
// are sent as they are.
func (s *Server) withRights(ctx context.Context, data []byte, mime string, rec *archive.Record, base string) []byte {
	out, err := rights.Embed(data, mime, rightsOf(rec, base))
	if err != nil {
		s.log.WarnContext(ctx, "rights not written into the image", "id", rec.ID, "err", err)
		return data
	}
	return out
}

// readWithRights reads the derived image at path (never an original) and
// writes rec's rights into it. modified is the later of the file's and
// the record's modification times: an edit of the rights is a change.
func (s *Server) readWithRights(ctx context.Context, path, mime string, rec *archive.Record, base string) (data []byte, modified time.Time, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err == nil {
		data, err = io.ReadAll(f)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("api: reading %s: %w", path, err)
	}
	modified = fi.ModTime()
	if rec.UpdatedAt.After(modified) {
		modified = rec.UpdatedAt
	}
	return s.withRights(ctx, data, mime, rec, base), modified, nil
}
