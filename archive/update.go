package archive

import (
	"context"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Via is the path a change came in by.
type Via string

// Paths of change, recorded in the audit log.
const (
	ViaCLI    Via = "cli"
	ViaAPI    Via = "api"
	ViaWeb    Via = "web" // the web pages' forms
	ViaCSV    Via = "csv"
	ViaIngest Via = "ingest"
)

// Actor is who makes a change (an API key's name or an OS user) and by what
// path.
type Actor struct {
	Who string
	Via Via
}

// Lang review states (Record.LangStatus). A language absent from
// LangStatus is a draft.
const (
	LangDraft    = "draft"
	LangReviewed = "reviewed"
)

// FieldChange is one field's change, for the audit trail: the field as the
// audit log names it ("title.en", "place", "status") and its old and new
// values (anything JSON encodes; nil for none).
type FieldChange struct {
	Field    string
	Old, New any
}

// Update changes the record id (a full id) in ONE bbolt transaction:
// change gets the stored record, changes it and says what it changed. When
// it changed something, the record (UpdatedAt now), a change of the change
// sequence and one audit entry per changed field, made by `by`, are written
// together; when it changed nothing, or returns an error, nothing is. With
// dryRun nothing is ever written. It returns the record as it is (or would
// be) and the audit entries (with Seq 0 when not written). Every change of
// a record's description goes through here.
func (a *Archive) Update(ctx context.Context, id string, by Actor, dryRun bool, change func(*Record) ([]FieldChange, error)) (*Record, []AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	switch by.Via {
	case ViaCLI, ViaAPI, ViaWeb, ViaCSV, ViaIngest:
	default:
		return nil, nil, fmt.Errorf("archive: update: unknown path %q", by.Via)
	}
	if strings.TrimSpace(by.Who) == "" {
		return nil, nil, errors.New("archive: update: who is making the change is not known")
	}
	var rec *Record
	var entries []AuditEntry
	fn := func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte(bucketRecords)).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("%w: record %s", ErrNotFound, id)
		}
		rec = new(Record)
		if err := decodeValue(v, rec); err != nil {
			return fmt.Errorf("record %s: %w", id, err)
		}
		changes, err := change(rec)
		if err != nil || len(changes) == 0 {
			return err
		}
		rec.UpdatedAt = a.Now()
		for _, c := range changes {
			e, err := newAuditEntry(rec.UpdatedAt, by, id, c)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		if dryRun {
			return nil
		}
		if _, err := putRecord(tx, rec); err != nil {
			return err
		}
		for i := range entries {
			if err := putAudit(tx, &entries[i]); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if dryRun {
		err = a.store.db.View(fn)
	} else {
		err = a.store.db.Update(fn)
	}
	if err != nil {
		return nil, nil, err
	}
	return rec, entries, nil
}
