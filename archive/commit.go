package archive

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PathEntry remembers what a source path held when it was last ingested, so
// that a re-run can say "unchanged" without reading the file.
type PathEntry struct {
	ID      string `json:"id"`
	Size    int64  `json:"size"`
	MtimeNs int64  `json:"mtime_ns"`
}

// LookupPath returns what the source path key (absolute, cleaned, NFC) held
// when it was last ingested.
func (s *Store) LookupPath(key string) (PathEntry, bool, error) {
	var pe PathEntry
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte(bucketPaths)).Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return decodeValue(v, &pe)
	})
	return pe, ok, err
}

func putPath(tx *bolt.Tx, key string, pe PathEntry) error {
	v, err := encodeValue(pe)
	if err != nil {
		return err
	}
	return tx.Bucket([]byte(bucketPaths)).Put([]byte(key), v)
}

// Now returns the current time in the archive's zone, to the second: the
// time stamp of records and audit entries.
func (a *Archive) Now() time.Time { return a.now().In(a.loc).Truncate(time.Second) }

// Original is an original being added: its bytes in a temp file under
// ROOT/tmp, with their SHA-256 (the asset id) and size.
type Original struct {
	ID   string
	Size int64
	// File is the temp copy, open for reading (extraction); Path is its
	// name, for tools that read files. Both are gone after AddOriginal.
	File *os.File
	Path string
}

// AddOriginal copies src into ROOT/tmp while hashing it (stopping when ctx
// is cancelled), hands the copy to use, and when use returns nil and ctx is
// still live fsyncs it and renames it to its place under ROOT/originals (content addressing: an
// original already there is kept and the copy dropped). When use returns
// an error, the copy is removed and that error returned: nothing of the
// file stays under ROOT. It returns the id (known even when use fails).
func (a *Archive) AddOriginal(ctx context.Context, src io.Reader, use func(Original) error) (string, error) {
	t, err := a.originals.create()
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(t, ctxReader{ctx, src}); err != nil {
		t.discard()
		return "", fmt.Errorf("archive: copy: %w", err)
	}
	o := Original{ID: t.sum(), Size: t.size, File: t.f, Path: t.f.Name()}
	if err := use(o); err != nil {
		t.discard()
		return o.ID, err
	}
	final, err := a.OriginalPath(o.ID)
	if err == nil {
		err = ctx.Err() // a cancelled run keeps nothing of the file
	}
	if err != nil {
		t.discard()
		return o.ID, err
	}
	return o.ID, t.install(final)
}

// WriteRendition stores one rendition's bytes (atomically, replacing an
// older file of the same name and version).
func (a *Archive) WriteRendition(id string, r Rendition, data []byte) error {
	p, err := a.RenditionPath(id, r)
	if err != nil {
		return err
	}
	return a.renditions.writeFileAtomic(p, data)
}

// IngestItem is one file of an ingest batch: a new record, or only the path
// it came from (a file whose bytes are already archived).
type IngestItem struct {
	Record  *Record // nil: remember the path only
	PathKey string  // absolute, cleaned, NFC source path
	Path    PathEntry
	// Duplicate is set by CommitIngest when Record's id was already in the
	// store (or earlier in the batch): nothing of it was written.
	Duplicate bool
}

// CommitIngest writes a batch of ingested files in one transaction: each
// new record with its change entry (and, when by is not empty, an audit
// entry "ingest" under by), and each path entry. It returns the sequence
// number of the last change it appended, 0 when it added no record.
func (a *Archive) CommitIngest(batch []IngestItem, by string) (uint64, error) {
	var last uint64
	err := a.store.db.Update(func(tx *bolt.Tx) error {
		recs := tx.Bucket([]byte(bucketRecords))
		for i := range batch {
			it := &batch[i]
			it.Duplicate = false
			if rec := it.Record; rec != nil {
				if recs.Get([]byte(rec.ID)) != nil {
					it.Duplicate = true
				} else {
					seq, err := putRecord(tx, rec)
					if err != nil {
						return err
					}
					last = seq
					if err := auditIngest(tx, rec, by); err != nil {
						return err
					}
				}
			}
			if err := putPath(tx, it.PathKey, it.Path); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("archive: commit %d records: %w", len(batch), err)
	}
	return last, nil
}

// auditIngest records who added rec, when by names someone.
func auditIngest(tx *bolt.Tx, rec *Record, by string) error {
	if by == "" {
		return nil
	}
	e, err := newAuditEntry(rec.IngestedAt, Actor{Who: by, Via: ViaIngest}, rec.ID,
		FieldChange{Field: "ingest", New: map[string]string{"status": "added", "path": rec.SourcePath}})
	if err != nil {
		return err
	}
	return putAudit(tx, &e)
}
