package ingest

import (
	"context"
	"errors"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// checkCuratorSecret checks the curator's classification column, before the
// file is read at all.
func checkCuratorSecret(m *archive.CuratorMeta) error {
	if m == nil || m.Classification == "" {
		return nil
	}
	if label, ok := archive.SecretMarking(m.Classification); ok {
		return &archive.SecretError{Marking: label, Field: "metadata.csv classification"}
	}
	return nil
}

// checkEmbeddedSecret checks the classification-like fields extraction
// found: IPTC Special Instructions / XMP photoshop:Instructions for every
// file, and for PDFs the Info dictionary's Keywords (each keyword) and
// Subject (which media files under Description["x-default"]). Titles and
// captions of photos are never scanned.
func checkEmbeddedSecret(info *media.Info) error {
	if label, ok := archive.SecretMarking(info.Classification); ok {
		return &archive.SecretError{Marking: label, Field: "classification"}
	}
	if info.MIME != "application/pdf" {
		return nil
	}
	for _, k := range info.Keywords {
		if label, ok := archive.SecretMarking(k); ok {
			return &archive.SecretError{Marking: label, Field: "pdf keywords"}
		}
	}
	if label, ok := archive.SecretMarking(info.Description[media.XDefault]); ok {
		return &archive.SecretError{Marking: label, Field: "pdf subject"}
	}
	return nil
}

// rejectSecret logs a state-secret rejection and, when the run names who
// runs it, writes it into the audit trail. err that is not a
// *archive.SecretError is ignored.
func (r *run) rejectSecret(ctx context.Context, path, id string, err error) {
	var se *archive.SecretError
	if !errors.As(err, &se) {
		return
	}
	log := r.p.log
	log.Warn("state secret rejected at ingest", "path", path, "marking", se.Marking, "field", se.Field)
	if r.ro.By == "" {
		return
	}
	rj := archive.Rejection{At: r.p.a.Now(), Path: path, ID: id, Marking: se.Marking, Field: se.Field, Reason: err.Error()}
	if lerr := r.p.a.AuditRejection(context.WithoutCancel(ctx), r.ro.By, rj); lerr != nil {
		log.Error("audit of a state-secret rejection failed", "path", path, "err", lerr)
	}
}
