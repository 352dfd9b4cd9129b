package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	bucketAudit     = "audit"
	bucketAuditByID = "audit_by_id"
)

// AuditEntry is one changed field of one record: the audit trail every
// change leaves (TAXONOMY.md: every change is in an audit trail). Old and
// New are the field's JSON values (null when absent).
type AuditEntry struct {
	Seq   uint64          `json:"seq"`
	At    time.Time       `json:"at"`
	Who   string          `json:"who"`
	ID    string          `json:"id"`
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
	Via   Via             `json:"via"`
}

func newAuditEntry(at time.Time, by Actor, id string, c FieldChange) (AuditEntry, error) {
	e := AuditEntry{At: at, Who: by.Who, ID: id, Field: c.Field, Via: by.Via}
	var err error
	if e.Old, err = rawJSON(c.Old); err != nil {
		return e, err
	}
	e.New, err = rawJSON(c.New)
	return e, err
}

// rawJSON is v's JSON without HTML escaping and without the encoder's
// trailing newline.
func rawJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("archive: audit value: %w", err)
	}
	return json.RawMessage(bytes.TrimRight(b.Bytes(), "\n")), nil
}

// putAudit gives e the next audit sequence number and writes it and its
// per-record index entry inside tx.
func putAudit(tx *bolt.Tx, e *AuditEntry) error {
	b := tx.Bucket([]byte(bucketAudit))
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("archive: audit sequence: %w", err)
	}
	e.Seq = seq
	v, err := encodeValue(e)
	if err != nil {
		return fmt.Errorf("archive: encode audit entry: %w", err)
	}
	if err := b.Put(seqKey(seq), v); err != nil {
		return fmt.Errorf("archive: put audit entry: %w", err)
	}
	if err := tx.Bucket([]byte(bucketAuditByID)).Put(auditIDKey(e.ID, seq), nil); err != nil {
		return fmt.Errorf("archive: put audit index: %w", err)
	}
	return nil
}

// auditIDKey is id + 8-byte big-endian seq: one record's entries are
// adjacent and in order.
func auditIDKey(id string, seq uint64) []byte {
	return append([]byte(id), seqKey(seq)...)
}

// History returns the audit entries of the record with the given full id,
// oldest first. A record never edited has none.
func (s *Store) History(id string) ([]AuditEntry, error) {
	entries := []AuditEntry{}
	err := s.db.View(func(tx *bolt.Tx) error {
		audit, index := tx.Bucket([]byte(bucketAudit)), tx.Bucket([]byte(bucketAuditByID))
		if audit == nil || index == nil { // a read-only open of an older file
			return nil
		}
		c := index.Cursor()
		p := []byte(id)
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(k) == len(p)+8; k, _ = c.Next() {
			v := audit.Get(k[len(p):])
			if v == nil {
				return fmt.Errorf("%w: audit index %s names a missing entry", ErrCorrupt, id)
			}
			var e AuditEntry
			if err := decodeValue(v, &e); err != nil {
				return fmt.Errorf("audit entry %x: %w", k[len(p):], err)
			}
			entries = append(entries, e)
		}
		return nil
	})
	return entries, err
}

// AuditSince calls fn with every audit entry whose sequence number is
// greater than after, in order (for reports and feeds).
func (s *Store) AuditSince(after uint64, fn func(AuditEntry) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketAudit))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			var e AuditEntry
			if err := decodeValue(v, &e); err != nil {
				return fmt.Errorf("audit entry %x: %w", k, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}
