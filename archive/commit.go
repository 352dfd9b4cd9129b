package archive

import (
	"context"
	"fmt"
	"io"
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

// PendingOriginal is an original being copied into ROOT/tmp while its
// SHA-256 is taken. Install moves it under its id; Discard drops it.
type PendingOriginal struct {
	t     *tempFile
	final func(id string) (string, error)
}

// NewOriginal starts a pending original under ROOT/tmp.
func (a *Archive) NewOriginal() (*PendingOriginal, error) {
	t, err := a.originals.create()
	if err != nil {
		return nil, err
	}
	return &PendingOriginal{t: t, final: a.OriginalPath}, nil
}

// CopyFrom copies r into the pending original until EOF or until ctx is
// cancelled.
func (p *PendingOriginal) CopyFrom(ctx context.Context, r io.Reader) (int64, error) {
	return io.Copy(p.t, ctxReader{ctx, r})
}

// ReadAt reads the copy written so far (for extraction before install).
func (p *PendingOriginal) ReadAt(b []byte, off int64) (int, error) { return p.t.f.ReadAt(b, off) }

// Path is the temp copy's file name, for tools that read files.
func (p *PendingOriginal) Path() string { return p.t.f.Name() }

// Size is the number of bytes written.
func (p *PendingOriginal) Size() int64 { return p.t.size }

// ID is the SHA-256 of the bytes written, the asset id.
func (p *PendingOriginal) ID() string { return p.t.sum() }

// Install fsyncs the copy and renames it to its place under
// ROOT/originals (content addressing: an original already there is kept and
// the copy dropped).
func (p *PendingOriginal) Install() error {
	final, err := p.final(p.ID())
	if err != nil {
		p.t.discard()
		return err
	}
	return p.t.install(final)
}

// Discard removes the copy. It is a no-op after Install.
func (p *PendingOriginal) Discard() { p.t.discard() }

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
		fieldChange{field: "ingest", new: map[string]string{"status": "added", "path": rec.SourcePath}})
	if err != nil {
		return err
	}
	return putAudit(tx, &e)
}
